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

import functools
import os
import re
import subprocess
import sys
import tempfile
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


@functools.cache
def run_example(path: str) -> str:
    """Run an example in a fresh interpreter, away from the repository's folder.

    Cached: an example that more than one test reads runs once.
    """
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as elsewhere:
        done = subprocess.run(
            [sys.executable, str(ROOT / path)],
            cwd=elsewhere,
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
def test_example_prints_what_the_page_shows(page: str, example: str, expected: str | None) -> None:
    output = run_example(example)
    if expected is not None:
        assert output.strip() == expected.strip(), f"{page} shows stale output for {example}"


def test_every_example_is_shown_on_a_page() -> None:
    shown = {example for _, example, _ in included_examples()}
    files = {p.relative_to(ROOT).as_posix() for p in (DOCS / "examples").glob("*.py")}
    assert files <= shown, f"examples no page includes: {sorted(files - shown)}"


def test_loss_scale_adam_rows_are_the_faithful_fit() -> None:
    """The loop in loss_scale.py is the original recipe: fit(faithful=True) is the oracle.

    Each Adam row (the loss times 1, 15.015 and 1/15.015) must end where
    ``kltutorial.fit(..., faithful=True)`` ends on the unscaled loss, and the SGD rows
    must not (a constant factor changes SGD's steps).
    """
    import torch
    from torch.distributions import Normal

    from kltutorial import fit

    x = torch.linspace(-15, 15, 1000)
    p = Normal(-5.0, 1.0).log_prob(x).exp() + Normal(10.0, 1.0).log_prob(x).exp()
    faithful = fit(p, x, "forward_kl", mu=0.0, sigma=1.0, faithful=True)
    rows = re.findall(
        r"^\s*(1|15\.015|1/15\.015)\s+([-\d.]+), ([-\d.]+)\s+([-\d.]+), ([-\d.]+)$",
        run_example("docs/examples/loss_scale.py"),
        re.MULTILINE,
    )
    assert [row[0] for row in rows] == ["1", "15.015", "1/15.015"]
    for _, mu, sigma, _, sgd_sigma in rows:
        assert abs(float(mu) - float(faithful.mu)) < 2e-5
        assert abs(float(sigma) - float(faithful.sigma)) < 2e-5
        assert abs(float(sgd_sigma) - float(faithful.sigma)) > 0.1
    assert len({row[3:] for row in rows}) == 3, "the three SGD runs should end apart"
