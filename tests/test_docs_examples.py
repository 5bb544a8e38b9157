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
import time
from collections.abc import Iterator
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


# How long each example ran (its interpreter included), for build/example-times.txt.
SECONDS: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def example_times() -> Iterator[None]:
    """After this module's tests, write the examples' run times, the slowest first."""
    yield
    if SECONDS:
        rows = [f"{'what':<10} {'name':<36} {'seconds':>8}"]
        for path, seconds in sorted(SECONDS.items(), key=lambda item: -item[1]):
            rows.append(f"{'example':<10} {path.removeprefix('docs/'):<36} {seconds:8.1f}")
        rows.append(f"{'total':<10} {'':<36} {sum(SECONDS.values()):8.1f}")
        target = ROOT / "build" / "example-times.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(rows) + "\n", encoding="utf-8")


@functools.cache
def run_example(path: str) -> str:
    """Run an example in a fresh interpreter, away from the repository's folder.

    Cached: an example that more than one test reads runs once.
    """
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as elsewhere:
        done = subprocess.run(
            [sys.executable, str(ROOT / path)],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    SECONDS[path] = time.perf_counter() - start
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


# --- every code block, as a reader copies it --------------------------------------------
#
# pytest-codeblocks runs the pages' blocks inside the pytest process, in the repository. A
# reader pastes one into a fresh interpreter somewhere else: run each block so too.


def page_blocks() -> list[tuple[str, int, str, str | None]]:
    """(page, line, code, expected output) of every ``python`` block of the README and docs."""
    from pytest_codeblocks.main import extract_from_file

    found = []
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for block in extract_from_file(page):
            if block.syntax == "python":
                assert not block.marks, f"{page}:{block.lineno}: a skipped or xfailed block"
                where = page.relative_to(ROOT).as_posix()
                found.append((where, block.lineno, block.code, block.expected_output))
    return found


@functools.cache
def run_blocks() -> dict[tuple[str, int], subprocess.CompletedProcess[str]]:
    """Run every block once, two at a time (one per core), each in its own interpreter."""
    from concurrent.futures import ThreadPoolExecutor

    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}

    def run(code: str) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory() as elsewhere:
            script = Path(elsewhere, "block.py")
            script.write_text(code, encoding="utf-8")
            return subprocess.run(
                [sys.executable, str(script)],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

    blocks = page_blocks()
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(run, [code for _, _, code, _ in blocks]))
    return {(page, line): result for (page, line, _, _), result in zip(blocks, done, strict=True)}


@pytest.mark.parametrize(
    ("page", "line", "expected"),
    [(page, line, expected) for page, line, _, expected in page_blocks()],
    ids=[f"{page}:{line}" for page, line, _, _ in page_blocks()],
)
def test_code_block_runs_as_copied_in_a_fresh_interpreter(
    page: str, line: int, expected: str | None
) -> None:
    done = run_blocks()[page, line]
    assert done.returncode == 0, f"{page}, block at line {line} failed:\n{done.stderr[-3000:]}"
    if expected is not None:
        assert done.stdout == expected, f"{page}, block at line {line} prints other output"
