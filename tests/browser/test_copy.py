"""Material's copy button copies a block's code, and the home page's first example runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Visit, broken_off, problems_message

pytestmark = pytest.mark.browser


def test_copy_button_copies_exactly_the_blocks_code(light_visits: list[Visit]) -> None:
    problems = broken_off(light_visits)
    blocks = [(v, b) for v in light_visits for b in v.code_blocks]
    problems += [
        f"{v.label}: block {b['index']} has no copy button" for v, b in blocks if not b["hasButton"]
    ]
    for v, block in blocks:
        # Material copies the code's text without its trailing newline.
        if block["hasButton"] and block["copied"] != block["code"].rstrip():
            problems.append(
                f"{v.label}: block {block['index']} copied {block['copied']!r}, "
                f"its code is {block['code']!r}"
            )
    assert not problems, problems_message("copy button problems", problems)


def test_home_page_first_example_runs_as_copied(light_visits: list[Visit], tmp_path: Path) -> None:
    """The first block of the home page, copied with its button, runs in a fresh interpreter.

    If the page shows the example's output right after it (a ``text`` block), the
    example prints exactly that.
    """
    home = next(v for v in light_visits if v.page.path == "/")
    assert not home.errors, f"the home page's visit broke off: {home.errors}"
    # "code": a highlighted block whose language the HTML does not name.
    examples = [b for b in home.code_blocks if b["language"] in {"python", "py", "code"}]
    assert examples, "the home page shows no Python code block"
    example = examples[0]
    assert example["hasButton"], "the home page's first example has no copy button"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", example["copied"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"the home page's first example failed:\n{done.stderr}"
    shown = example["next"]
    if shown is not None and shown["language"] == "text":
        assert done.stdout.rstrip("\n") == shown["code"].rstrip("\n"), (
            "the home page's first example printed something else than the page shows"
        )
