"""The notebook pages run as a reader runs them, and every number their prose quotes holds.

A reader downloads a notebook page as ``.ipynb`` and runs it as is, away from this
repository. ``test_notebook_runs`` does the same: jupytext converts the page to ``.ipynb``,
nbclient executes it in a temporary folder, and the test checks that no cell failed, that
nothing was written to stderr (no stray warnings), and that every figure is an image with
alt text (never a bare PNG).

``test_prose_numbers`` then reads every number in the markdown cells and in the figures' alt
text and requires it to be printed by the executed notebook (to the precision quoted), to be
a parameter in the notebook's code, or to be one of the derived numbers below, each of which
``test_derived_numbers`` recomputes. A number typed from memory, or one that a change in
``kltutorial`` has made stale, fails here.
"""

from __future__ import annotations

import ast
import html as html_module
import io
import math
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from scipy.optimize import minimize_scalar

from kltutorial import Gaussian, Mixture

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["original_experiment", "kl_vs_other_losses"]


def _second_moment() -> float:
    """E[X^2] of the mixture N(-5, 1)/2 + N(10, 1)/2: the mean of sigma_k^2 + mu_k^2."""
    return 0.5 * (1 + (-5) ** 2) + 0.5 * (1 + 10**2)


def _mse_mode_sigma() -> float:
    """The sigma that minimises MSE for Q on one mode of mass 1/2, found numerically."""

    def loss_part(sigma: float) -> float:
        # int q^2 - 2 int (n_k / 2) q, the sigma-dependent part of int (n_k / 2 - q)^2
        return 1 / (2 * sigma * math.sqrt(math.pi)) - 1 / math.sqrt(2 * math.pi * (1 + sigma**2))

    return float(minimize_scalar(loss_part, bounds=(0.5, 5), method="bounded").x)


def _cosine_middle_sigma(d: float = 7.5) -> float:
    """The sigma that maximises the cosine similarity for Q midway between the modes."""

    def negative_log_cosine(sigma: float) -> float:
        s2 = sigma**2 + 1
        return -(0.5 * math.log(sigma) - 0.5 * math.log(s2) - d**2 / (2 * s2))

    return float(minimize_scalar(negative_log_cosine, bounds=(1, 50), method="bounded").x)


# Numbers the prose derives rather than prints, with how to compute them.
DERIVED: dict[str, dict[str, float]] = {
    "original_experiment": {
        "2019": 2019,  # the year of sidml's post (a citation, not a computation)
        "2025": 2025,  # the year of the translated article
        "25": (-5) ** 2,  # mu_1^2 in the second moment
        "100": 10**2,  # mu_2^2
        "63.5": _second_moment(),
        "57.25": _second_moment() - 2.5**2,
        "7.566": math.sqrt(_second_moment() - 2.5**2),
        "2.5": 0.5 * (-5) + 0.5 * 10,
        # Exercise 2: P = 0.3 N(-5, 1) + 0.7 N(10, 1), moments by hand.
        "5.5": 0.3 * (-5) + 0.7 * 10,
        "78.5": 0.3 * (1 + 25) + 0.7 * (1 + 100),
        "48.25": 0.3 * (1 + 25) + 0.7 * (1 + 100) - 5.5**2,
        "6.946": math.sqrt(0.3 * (1 + 25) + 0.7 * (1 + 100) - 5.5**2),
        "1999": 2 * 30 / (30 / 999) + 1,  # [-30, 30] at the original grid's spacing
    },
    "kl_vs_other_losses": {
        "2018": 2018,  # the year of the SWA paper (a citation)
        "57.25": _second_moment() - 2.5**2,
        "2.5": 0.5 * (-5) + 0.5 * 10,
        "1.9615": _mse_mode_sigma(),
        "7.5": 10 - 2.5,  # the distance from the midpoint to either mode
        "50": 0.05 / 1e-3,  # the larger learning rate, against the original's
        "10.607": _cosine_middle_sigma(),
        "28": 7.5**2 / 2,  # exp(-d^2/2): the density 7.5 from a mode, against its peak
    },
}


def test_derived_numbers() -> None:
    """Each derived number is what its computation gives, to the precision quoted."""
    for numbers in DERIVED.values():
        for text, value in numbers.items():
            assert _matches(text, [value]), f"{text} is quoted, but the computation gives {value}"
    # The closed forms the prose derives agree with the numerical optima.
    assert math.isclose(_mse_mode_sigma(), math.sqrt(1 / (2 ** (1 / 3) - 1)), rel_tol=1e-5)
    d = 7.5
    assert math.isclose(
        _cosine_middle_sigma(d), math.sqrt(d**2 + math.sqrt(d**4 + 1)), rel_tol=1e-5
    )
    mixture = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    assert math.isclose(float(mixture.stddev), math.sqrt(57.25), rel_tol=1e-6)


@pytest.fixture(scope="module", params=NOTEBOOKS)
def executed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
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


def test_notebook_runs(executed) -> None:
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
NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)"
)


def _numbers(text: str) -> list[str]:
    """The numbers written in a text, as written (thousands separators removed)."""
    return [match.replace(",", "").replace("_", "") for match in NUMBER.findall(text)]


def _matches(quoted: str, values: list[float]) -> bool:
    """Whether some value, rounded to the quoted number's decimals, is the quoted number."""
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    target = float(quoted)
    return any(abs(round(abs(v), decimals) - target) < 10 ** -(decimals + 3) for v in values)


FENCE = re.compile(r"```(?:python|text)\n(.*?)```", re.DOTALL)


def _prose(notebook: nbformat.NotebookNode) -> str:
    """The markdown cells and the figures' alt text: everything a reader reads as claims."""
    parts = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            parts.extend(html_module.unescape(alt) for alt in re.findall(r'alt="([^"]*)"', html))
    text = FENCE.sub("", "\n".join(parts))  # code and its output: see _printed_and_given
    text = re.sub(r"\\t?frac\s*(\d)\s*(\d)", r"\1/\2", text)  # LaTeX \tfrac12 is 1/2
    return re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not claims


def _literals(source: str) -> list[str]:
    """The numeric literals of Python code (not the numbers inside its strings: alt text)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [token.string for token in tokens if token.type == tokenize.NUMBER]


def _printed_and_given(notebook: nbformat.NotebookNode) -> list[float]:
    """Every number the notebook printed, and every numeric literal in its code."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            # The exercises' solutions: their code and the output it prints (which
            # test_solutions_print_what_they_show checks).
            for code, output in SOLUTION.findall(cell.source):
                texts.extend([*_literals(code), output])
        if cell.cell_type != "code":
            continue
        texts.extend(_literals(cell.source))
        for output in cell.outputs:
            if output.output_type == "stream":
                texts.append(output.text)
            elif "text/plain" in output.get("data", {}):
                texts.append(output["data"]["text/plain"])
    return [float(n) for n in _numbers("\n".join(texts))]


def test_prose_numbers(executed) -> None:
    """Every number in the prose is printed, given in code, or derived (see DERIVED)."""
    name, notebook = executed
    available = _printed_and_given(notebook)
    derived = [float(v) for v in DERIVED[name].values()]
    unexplained = []
    for quoted in _numbers(_prose(notebook)):
        if "." not in quoted and float(quoted) < 10:
            continue  # small integers are counts and labels ("two modes", "section 3")
        if not (
            _matches(quoted, available) or (quoted in DERIVED[name] and _matches(quoted, derived))
        ):
            unexplained.append(quoted)
    assert not unexplained, f"{name}: numbers in the prose that nothing prints: {unexplained}"


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
