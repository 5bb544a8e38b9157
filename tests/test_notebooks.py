"""The notebook pages run as a reader runs them, and their solutions print what they show.

A reader downloads a notebook page as ``.ipynb`` and runs it as is, away from this
repository. ``test_notebook_runs`` does the same: jupytext converts the page to ``.ipynb``,
nbclient executes it in a temporary folder, and the test checks that no cell failed, that
nothing was written to stderr (no stray warnings), and that every figure is an image with
alt text (never a bare PNG).

The numbers in their prose are checked with every other page's, on the built site, by
``tests/test_prose_numbers.py``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["original_experiment", "kl_vs_other_losses"]


@pytest.fixture(scope="module", params=NOTEBOOKS)
def executed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, nbformat.NotebookNode]:
    """The page converted to .ipynb and executed in an empty folder outside the repository."""
    name = request.param
    workdir = tmp_path_factory.mktemp(name)
    notebook_path = workdir / f"{name}.ipynb"
    jupytext.write(jupytext.read(ROOT / "docs" / f"{name}.py"), notebook_path, fmt="ipynb")
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return name, notebook


def test_notebook_runs(executed: tuple[str, nbformat.NotebookNode]) -> None:
    """Every cell ran without error or stderr, and every figure carries alt text."""
    name, notebook = executed
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells, f"{name} has no code"
    for index, cell in enumerate(code_cells):
        assert cell.execution_count is not None, f"{name}: code cell {index} did not run"
        for output in cell.outputs:
            assert output.output_type != "error", (
                f"{name}: cell {index} failed: {output.get('evalue')}"
            )
            if output.output_type == "stream":
                assert output.name == "stdout", (
                    f"{name}: cell {index} wrote to stderr: {output.text}"
                )
            data = output.get("data", {})
            assert "image/png" not in data, (
                f"{name}: cell {index} shows a bare figure (no alt text)"
            )
            if "text/html" in data and "<img" in data["text/html"]:
                alt = re.search(r'alt="([^"]*)"', data["text/html"])
                assert alt, f"{name}: cell {index} shows an image without alt text"
                assert len(alt.group(1)) > 40, f"{name}: cell {index} has no real alt text"


# A number not glued to a word ("float32", "L1" and "x2" are names, not quantities).
# A solution in a markdown cell: a python fence, then the text fence with its output.
SOLUTION = re.compile(r"```python\n(.*?)```\s*```text\n(.*?)```", re.DOTALL)


def _solutions(name: str) -> list[tuple[str, str]]:
    """The (code, expected output) pairs of the exercises' solutions on a notebook page."""
    notebook = jupytext.read(ROOT / "docs" / f"{name}.py")
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    return [(code, out) for source in cells for code, out in SOLUTION.findall(source)]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solutions_print_what_they_show(name: str, tmp_path: Path) -> None:
    """Each solution's code runs on its own, as a reader pastes it, and prints its output."""
    solutions = _solutions(name)
    assert len(solutions) >= 2, f"{name}: expected code solutions among its exercises"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    for code, expected in solutions:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{name}: a solution failed:\n{done.stderr}"
        assert done.stdout == expected, f"{name}: a solution printed\n{done.stdout}"


def test_exercises_and_further_reading() -> None:
    """Each notebook page ends with 2-4 exercises, solutions folded, then further reading."""
    for name in NOTEBOOKS:
        source = (ROOT / "docs" / f"{name}.py").read_text(encoding="utf-8")
        exercises = source.split("# ## Exercises")[-1]
        assert "# ## Further reading" in exercises, f"{name}: no further reading at the end"
        count = len(re.findall(r"^# \d\. \*\*", exercises, flags=re.MULTILINE))
        assert 2 <= count <= 4, f"{name}: {count} exercises"
        assert exercises.count("<details><summary>Solution</summary>") == count
        assert "sidml.github.io/Understanding-KL-Divergence" in source


def _plotting_lines(source: str) -> int:
    """Lines of a code cell that draw: statements calling ``figures.*``, and its import."""
    count = 0
    for statement in ast.parse(source).body:
        calls = [
            node
            for node in ast.walk(statement)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"figures", "plt", "ax", "axes", "fig"}
        ]
        if calls:
            count += (statement.end_lineno or statement.lineno) - statement.lineno + 1
    return count


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_visible_code_is_mostly_not_plotting(name: str) -> None:
    """At most one line in five of a page's visible code draws a figure."""
    cells = jupytext.read(ROOT / "docs" / f"{name}.py").cells
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    lines = sum(len([line for line in c.splitlines() if line.strip()]) for c in code)
    plotting = sum(_plotting_lines(c) for c in code)
    assert plotting * 5 <= lines, f"{name}: {plotting} of {lines} code lines draw"


# "The code on this page ran in 41.3 s when the site was built; ..." in each edition.
RAN_FOR = {
    "": re.compile(r"^The code on this page ran in (\d+\.\d) s when the site was built; "),
    "zh": re.compile(r"^构建本站时，本页代码运行了 (\d+\.\d) 秒；"),
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_page_ends_with_how_long_its_code_ran(name: str) -> None:
    """One run's time, after the last cell, in each edition's words; within the build's own.

    The build's table (build/execution-times.txt) times the whole process that ran the
    notebook, kernel start included, so the page's time can only be shorter.
    """
    site = Path(os.environ.get("KLTUTORIAL_SITE_DIR") or ROOT / "site")
    seconds = {}
    for folder, pattern in RAN_FOR.items():
        page = site / folder / name / "index.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        lines = soup.select("p.kl-execution-time")
        assert len(lines) == 1, f"{page}: {len(lines)} execution-time lines"
        assert soup.select("div.jp-Cell"), f"{page}: no cell"
        assert lines[0].find_next("div", class_="jp-Cell") is None, f"{page}: a cell follows it"
        found = pattern.match(lines[0].get_text())
        assert found, f"{page}: {lines[0].get_text()!r}"
        seconds[folder] = float(found.group(1))
    assert seconds[""] == seconds["zh"] > 0, f"{name}: {seconds} (one run renders both)"
    report = ROOT / "build" / "execution-times.txt"
    row = re.search(rf"^notebook +{name}\.py +(\d+\.\d)", report.read_text(), re.MULTILINE)
    if row:  # this build ran the notebook (a cached page states an earlier run's time)
        assert seconds[""] <= float(row.group(1)), f"{name}: {seconds['']} s > {row.group(1)}"
