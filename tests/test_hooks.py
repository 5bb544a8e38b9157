"""The build hooks: no stale notebook output, byte-identical figures, offline math."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "hooks"))

import assets  # noqa: E402
import figures  # noqa: E402
import notebooks  # noqa: E402


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the cache key reads: the package sources and the pins."""
    shutil.copytree(ROOT / "kltutorial", tmp_path / "kltutorial")
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    return tmp_path


def test_a_change_in_the_package_changes_the_cache_key(project: Path) -> None:
    before = figures.source_key(project)
    assert figures.source_key(project) == before  # stable while nothing changes
    module = project / "kltutorial" / "losses.py"
    module.write_text(module.read_text() + "\n# a comment is a change too\n")
    assert figures.source_key(project) != before


def test_a_change_in_the_pins_changes_the_cache_key(project: Path) -> None:
    before = figures.source_key(project)
    pins = project / "requirements.txt"
    pins.write_text(pins.read_text() + "six==1.16.0\n")
    assert figures.source_key(project) != before


def test_notebook_cache_lives_under_the_package_key() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["mkdocs-jupyter"]
    plugin.config["cache"] = True
    plugin.config["cache_dir"] = ".cache/mkdocs-jupyter"
    notebooks.on_config(config)
    cache_dir = Path(plugin.config["cache_dir"])
    assert cache_dir.name == f"mkdocs-jupyter-{figures.source_key(ROOT)}"
    assert cache_dir.parent == ROOT / ".cache"


@pytest.mark.parametrize(
    "script", sorted((ROOT / "docs" / "figures").glob("*.py")), ids=lambda p: p.stem
)
def test_figures_are_byte_identical_from_build_to_build(script: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    figures.draw([(script, first), (script, second)])
    assert first.read_bytes() == second.read_bytes()
    assert b"<svg" in first.read_bytes()


def test_katex_files_the_site_serves_are_installed() -> None:
    dist = ROOT / "node_modules" / "katex" / "dist"
    for name in assets.KATEX_FILES:
        assert (dist / name).is_file(), f"npm ci did not install {name}"
    assert list((dist / "fonts").glob("*.woff2")), "KaTeX's fonts are missing"


def test_pruned_notebook_css_keeps_exactly_the_rules_a_page_can_match() -> None:
    css = (
        ":root{--jp-x:1px}"
        ".jp-Cell{a:1}"
        ".jp-Unused{b:2}"
        ".jp-Cell .jp-Unused,.jp-Cell .jp-Output{c:3}"
        ".jp-Cell:not(.jp-mod-hidden){d:4}"
        ".jp-Cell :is(.jp-Unused,.jp-X):hover,.jp-Unused{h:8}"
        "@media print{.jp-Unused{e:5}.jp-Output{f:6}}"
        "@media screen{.jp-Unused{g:7}}"
    )
    pruned = notebooks.prune_css(css, {"jp-Cell", "jp-Output"})
    assert pruned == (
        ":root{--jp-x:1px}"
        ".jp-Cell{a:1}"
        ".jp-Cell .jp-Output{c:3}"
        ".jp-Cell:not(.jp-mod-hidden){d:4}"
        ".jp-Cell :is(.jp-Unused,.jp-X):hover{h:8}"
        "@media print{.jp-Output{f:6}}"
    )
