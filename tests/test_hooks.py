"""The build hooks: no stale notebook output, byte-identical figures, a pruned cache, KaTeX."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files

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


def test_old_figure_keys_are_pruned_from_the_cache(project: Path) -> None:
    figures_dir = project / "docs" / "figures"
    figures_dir.mkdir(parents=True)
    for name in ("one", "two"):
        (figures_dir / f"{name}.py").write_text(f"# {name}: its SVG is already cached\n")
    hook = ROOT / "docs" / "hooks" / "figures.py"
    (project / "mkdocs.yml").write_text(f"site_name: t\nhooks: ['{hook.as_posix()}']\n")
    current = figures.cache_paths(project, sorted(figures_dir.glob("*.py")))
    cache = project / figures.CACHE
    cache.mkdir(parents=True)
    for target in current.values():
        target.write_bytes(b"<svg/>")  # cached, so the hook draws nothing
    stale = ["one-0123456789abcdef.svg", "gone-fedcba9876543210.svg", "two-5555555555555555.tmp"]
    for name in stale:
        (cache / name).write_bytes(b"<svg/>")

    config = load_config(str(project / "mkdocs.yml"))
    files = config.plugins.on_files(Files([]), config=config)

    assert sorted(cache.iterdir()) == sorted(current.values())
    assert sorted(f.src_uri for f in files) == ["figures/one.svg", "figures/two.svg"]


# Each seed draws every figure in its own interpreter: str hashes, so the iteration order of
# sets of strings, differ between them (0 turns hash randomisation off). Two orders of a
# two-element set agree by chance half the time, so four seeds miss such a figure 1 time in 8.
HASH_SEEDS = ("0", "1", "2", "3")
FIGURES = sorted((ROOT / "docs" / "figures").glob("*.py"))


@pytest.fixture(scope="module")
def drawings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The folder of SVGs each hash seed drew (the interpreters run side by side)."""
    runs = {}
    for seed in HASH_SEEDS:
        out = tmp_path_factory.mktemp(f"hashseed{seed}")
        args = [str(path) for s in FIGURES for path in (s, out / f"{s.stem}.svg")]
        command = [sys.executable, figures.__file__, *args]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        runs[seed] = (out, process)
    for seed, (_, process) in runs.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"PYTHONHASHSEED={seed}:\n{stderr[-4000:]}"
    return {seed: out for seed, (out, _) in runs.items()}


@pytest.mark.parametrize("script", FIGURES, ids=lambda p: p.stem)
def test_figures_are_byte_identical_across_processes_and_hash_seeds(
    script: Path, drawings: dict[str, Path]
) -> None:
    svgs = {seed: (out / f"{script.stem}.svg").read_bytes() for seed, out in drawings.items()}
    first = svgs[HASH_SEEDS[0]]
    assert b"<svg" in first
    differ = [seed for seed, svg in svgs.items() if svg != first]
    assert not differ, f"PYTHONHASHSEED={differ} draw {script.name} unlike {HASH_SEEDS[0]}"


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
