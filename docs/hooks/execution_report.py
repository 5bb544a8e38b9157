"""How long the build spent running the site's code: one table, like sphinx-gallery's.

``figures.py`` records each figure script it drew and ``notebooks.py`` each notebook page it
executed; after the build, ``notebooks.py`` writes the table to
``build/execution-times.txt`` (beside the browser tests' reports), slowest first, and
``make test`` prints it. The examples that pages include are run by the tests, not by the
build (``tests/test_docs_examples.py`` adds their times to ``build/example-times.txt``).

Each notebook page also ends with the time its kernel ran (``notebooks.py``), like a
sphinx-gallery example. That time is cached with the page's outputs, so builds from one
cache give the same pages; a build that executes the notebooks again states its own time.
Figures never carry a time: they stay byte-identical from build to build.
"""

from __future__ import annotations

from pathlib import Path

# (kind, name, seconds, note): seconds is None for a result taken from a cache.
ROWS: list[tuple[str, str, float | None, str]] = []


def record(kind: str, name: str, seconds: float | None, note: str = "") -> None:
    """Add one run (or one cache hit, with ``seconds=None``) to this build's table."""
    ROWS.append((kind, name, seconds, note))


def clear() -> None:
    """Forget the previous build's rows (``mkdocs serve`` rebuilds in one process)."""
    ROWS.clear()


def table() -> str:
    """The rows as a plain-text table, the slowest first, with the total."""
    ran = [r for r in ROWS if r[2] is not None]
    cached = [r for r in ROWS if r[2] is None]
    ordered = sorted(ran, key=lambda r: -(r[2] or 0.0)) + sorted(cached)
    lines = [f"{'what':<10} {'name':<42} {'seconds':>8}  note"]
    for kind, name, seconds, note in ordered:
        shown = f"{seconds:8.1f}" if seconds is not None else f"{'cached':>8}"
        lines.append(f"{kind:<10} {name:<42} {shown}  {note}".rstrip())
    total = sum(r[2] or 0.0 for r in ran)
    lines.append(f"{'total':<10} {'':<42} {total:8.1f}")
    return "\n".join(lines) + "\n"


def write(root: Path) -> Path:
    """Write the table to ``<root>/build/execution-times.txt`` and return its path."""
    target = root / "build" / "execution-times.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(table(), encoding="utf-8")
    return target
