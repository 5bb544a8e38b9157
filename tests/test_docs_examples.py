"""Every example file a page includes runs as written and prints what the page shows.

A page includes an example and its output like this:

    ```python title="docs/examples/name.py"
    --8<-- "docs/examples/name.py"
    ```

    ```text title="Output"
    ...exactly what the script prints...
    ```
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
INCLUDE = re.compile(
    r'^```python[^\n]*\n--8<-- "(docs/examples/[\w/]+\.py)"\n```\n'
    r'(?:\s*\n)*(?:```text title="Output"\n(.*?)^```$)?',
    re.MULTILINE | re.DOTALL,
)


def included_examples() -> list[tuple[str, str, str | None]]:
    """(page, example path, expected output or None) for every include in the docs."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            found.append((page.relative_to(ROOT).as_posix(), match.group(1), match.group(2)))
    return found


def run_example(path: str, tmp_path: Path) -> str:
    """Run an example in a fresh interpreter, away from the repository's folder."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, str(ROOT / path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{path} failed:\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize(
    ("page", "example", "expected"),
    included_examples(),
    ids=[f"{page}::{example}" for page, example, _ in included_examples()],
)
def test_example_prints_what_the_page_shows(
    page: str, example: str, expected: str | None, tmp_path: Path
) -> None:
    output = run_example(example, tmp_path)
    if expected is not None:
        assert output.strip() == expected.strip(), f"{page} shows stale output for {example}"


def test_every_example_is_shown_on_a_page() -> None:
    shown = {example for _, example, _ in included_examples()}
    files = {p.relative_to(ROOT).as_posix() for p in (DOCS / "examples").glob("*.py")}
    assert files <= shown, f"examples no page includes: {sorted(files - shown)}"
