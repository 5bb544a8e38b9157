"""The build hooks: no stale notebook output, byte-identical figures, a pruned cache, KaTeX."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jinja2 import Environment
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
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


def test_the_pinned_kernels_are_part_of_the_cache_key(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build without make's pins must not reuse results computed with them."""
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    pinned = figures.source_key(project)
    monkeypatch.delenv("ATEN_CPU_CAPABILITY")
    assert figures.source_key(project) != pinned
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    assert figures.source_key(project) != pinned


def test_notebook_cache_lives_under_the_package_key() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["mkdocs-jupyter"]
    plugin.config["cache"] = True
    plugin.config["cache_dir"] = ".cache/mkdocs-jupyter"
    notebooks.on_config(config)
    cache_dir = Path(plugin.config["cache_dir"])
    assert cache_dir.name == f"mkdocs-jupyter-{notebooks.notebook_key(ROOT)}"
    assert cache_dir.parent == ROOT / ".cache"


def test_a_change_in_the_notebook_hook_changes_the_notebook_key(project: Path) -> None:
    hook = project / "docs" / "hooks" / "notebooks.py"
    hook.parent.mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "hooks" / "notebooks.py", hook)
    before = notebooks.notebook_key(project)
    hook.write_text(hook.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed_hook = notebooks.notebook_key(project)
    assert changed_hook != before
    (project / "kltutorial" / "losses.py").write_text("# changed\n", encoding="utf-8")
    assert notebooks.notebook_key(project) not in {before, changed_hook}


def test_old_figure_keys_are_pruned_from_the_cache(project: Path) -> None:
    figures_dir = project / "docs" / "figures"
    figures_dir.mkdir(parents=True)
    for name in ("one", "two"):
        (figures_dir / f"{name}.py").write_text(f"# {name}: its SVG is already cached\n")
    hook = ROOT / "docs" / "hooks" / "figures.py"
    (project / "mkdocs.yml").write_text(f"site_name: t\nhooks: ['{hook.as_posix()}']\n")
    scripts = sorted(figures_dir.glob("*.py"))
    current = {
        t for lang in ("en", "zh") for t in figures.cache_paths(project, scripts, lang).values()
    }
    cache = project / figures.CACHE
    cache.mkdir(parents=True)
    for target in current:
        target.write_bytes(b"<svg/>")  # cached in both languages, so the hook draws nothing
    stale = ["one-0123456789abcdef.svg", "gone-fedcba9876543210.svg", "two-5555555555555555.tmp"]
    for name in stale:
        (cache / name).write_bytes(b"<svg/>")

    config = load_config(str(project / "mkdocs.yml"))
    files = config.plugins.on_files(Files([]), config=config)
    config.plugins.on_env(Environment(), config=config, files=files)

    assert sorted(cache.iterdir()) == sorted(current)
    assert sorted(f.src_uri for f in files) == ["figures/one.svg", "figures/two.svg"]


# Each seed draws every figure in its own interpreter: str hashes, so the iteration order of
# sets of strings, differ between them (0 turns hash randomisation off). Two orders of a
# two-element set agree by chance half the time, so four seeds miss such a figure 1 time in 8.
HASH_SEEDS = ("0", "1", "2", "3")
FIGURES = sorted((ROOT / "docs" / "figures").glob("*.py"))
LANGUAGES = ("en", "zh")


@pytest.fixture(scope="module")
def drawings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The folder of SVGs each hash seed drew (the interpreters run side by side)."""
    runs = {}
    for seed in HASH_SEEDS:
        out = tmp_path_factory.mktemp(f"hashseed{seed}")
        args = [
            str(item)
            for s in FIGURES
            for language in LANGUAGES
            for item in (s, out / f"{s.stem}-{language}.svg", language)
        ]
        command = [sys.executable, figures.__file__, *args]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        runs[seed] = (out, process)
    for seed, (_, process) in runs.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"PYTHONHASHSEED={seed}:\n{stderr[-4000:]}"
    return {seed: out for seed, (out, _) in runs.items()}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("script", FIGURES, ids=lambda p: p.stem)
def test_figures_are_byte_identical_across_processes_and_hash_seeds(
    script: Path, language: str, drawings: dict[str, Path]
) -> None:
    name = f"{script.stem}-{language}.svg"
    svgs = {seed: (out / name).read_bytes() for seed, out in drawings.items()}
    first = svgs[HASH_SEEDS[0]]
    assert b"<svg" in first
    differ = [seed for seed, svg in svgs.items() if svg != first]
    assert not differ, f"PYTHONHASHSEED={differ} draw {name} unlike {HASH_SEEDS[0]}"


def test_katex_files_the_site_serves_are_installed() -> None:
    dist = ROOT / "node_modules" / "katex" / "dist"
    assert (dist / assets.STYLESHEET).is_file(), f"npm ci did not install {assets.STYLESHEET}"
    assert list((dist / "fonts").glob("*.woff2")), "KaTeX's fonts are missing"


def test_every_katex_font_is_optional_so_a_late_font_moves_nothing() -> None:
    css = (ROOT / "node_modules" / "katex" / "dist" / assets.STYLESHEET).read_text(encoding="utf-8")
    served = assets.optional_fonts(css)
    faces = re.findall(r"@font-face\{([^}]*)\}", served)
    assert len(faces) >= 20, f"only {len(faces)} @font-face rules in KaTeX's stylesheet"
    assert all(face.startswith("font-display:optional;") for face in faces)
    assert served.replace("font-display:optional;", "") == css  # nothing else changed
    with pytest.raises(PluginError, match="font-display"):
        assets.optional_fonts(served)


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


def test_pruned_notebook_css_keeps_exactly_the_variables_a_kept_rule_reads() -> None:
    css = (
        ":root{--jp-read:1px;--jp-unread:2px;--jp-chain:var(--jp-mid);--jp-mid:var(--jp-deep);"
        '--jp-deep:red;--jp-bare:url(data:image/png;base64,AA);--jp-sep:";(";'
        '--jp-icon:url("data:image/svg+xml;utf8,<svg>;</svg>");--jp-nobody:var(--jp-deep)}'
        ".jp-Cell{margin:var(--jp-read);color:var( --jp-chain);content:var(--jp-sep);"
        "background:var(--jp-icon),var(--jp-bare)}"
        "@media print{.jp-Output{border:var(--jp-missing,1px)}}"
    )
    assert notebooks.prune_variables(css) == (
        ":root{--jp-read:1px;--jp-chain:var(--jp-mid);--jp-mid:var(--jp-deep);"
        '--jp-deep:red;--jp-bare:url(data:image/png;base64,AA);--jp-sep:";(";'
        '--jp-icon:url("data:image/svg+xml;utf8,<svg>;</svg>")}'
        ".jp-Cell{margin:var(--jp-read);color:var( --jp-chain);content:var(--jp-sep);"
        "background:var(--jp-icon),var(--jp-bare)}"
        "@media print{.jp-Output{border:var(--jp-missing,1px)}}"
    )


# What nbconvert writes for a notebook whose appendix is a markdown cell (the tag's class on
# the rendered markdown inside the cell) and a code cell (the class on the cell, which
# mkdocs-jupyter wraps in a second jp-Cell), between two untagged cells.
NOTEBOOK_WITH_APPENDIX = """<article class="md-content__inner md-typeset">
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell" id="cell-0">
 <div class="jp-RenderedHTMLCommon jp-RenderedMarkdown"><p>The main line.</p></div>
</div>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell" id="cell-1">
 <div class="jp-InputArea"><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown celltag_appendix">
  <h2 id="appendix-how-it-stops">Appendix: how it stops<a class="anchor-link"
   href="#appendix-how-it-stops">\u00b6</a></h2><p>Newton certificates.</p>
 </div></div>
</div>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell celltag_appendix">
 <div class="jp-Cell jp-CodeCell jp-Notebook-cell celltag_appendix" id="cell-2">
  <div class="celltoolbar"><span class="cell-tag">appendix</span></div>
  <div class="highlight-ipynb"><pre><code>print("R1")</code></pre></div>
 </div>
</div>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell" id="cell-3">
 <div class="jp-RenderedHTMLCommon jp-RenderedMarkdown">
  <h2 id="exercises">Exercises</h2><p>After the appendix.</p>
 </div>
</div>
</article>"""


def test_appendix_folds_its_markdown_and_code_cells_under_its_heading() -> None:
    soup = BeautifulSoup(NOTEBOOK_WITH_APPENDIX, "html.parser")
    notebooks._appendix(soup)
    notebooks._cell_tags(soup)
    [details] = soup.select("details.appendix")
    summary = details.find("summary")
    assert summary is not None
    assert summary.get_text() == "Appendix: how it stops"
    # The heading's text is the summary; its id moves to the <details>, where links land.
    assert details["id"] == "appendix-how-it-stops"
    assert len(soup.select("#appendix-how-it-stops")) == 1
    assert details.find("h2") is None
    folded = [c.get("id") for c in notebooks._cells(soup) if c.find_parent("details")]
    inner = [c.get("id") for c in details.select("div.jp-Cell")]
    assert folded == ["cell-1", None]  # the markdown cell and the code cell's wrapper
    assert inner == ["cell-1", None, "cell-2"]
    assert "Newton certificates." in details.get_text()
    # The untagged cells stay in place, outside, in page order around the appendix.
    order = [c.get("id") or "appendix" for c in soup.select("article > *")]
    assert order == ["cell-0", "appendix-how-it-stops", "cell-3"]
    # nbconvert's tag toolbar would print "appendix" above the code cell.
    assert soup.select(".celltoolbar, .cell-tag") == []
    code_cell = soup.select_one("#cell-2")
    assert code_cell is not None
    assert "appendix" not in code_cell.get_text()


def stream_outputs(pieces: list[str]) -> str:
    """A code cell's output area as nbconvert writes it: one child per stdout piece."""
    children = "\n".join(
        '<div class="jp-OutputArea-child"><div class="jp-RenderedText" '
        f'data-mime-type="text/plain"><pre>{piece}</pre></div></div>'
        for piece in pieces
    )
    return f'<div class="jp-OutputArea">\n{children}\n</div>'


def test_a_printout_reads_the_same_however_the_kernel_split_it() -> None:
    """Two builds must be byte-identical: the number of pieces must not show."""
    pages = []
    for pieces in (["a\nb\nc\n"], ["a\n", "b\nc\n"], ["a\n", "b\n", "c\n"]):
        soup = BeautifulSoup(stream_outputs(pieces), "html.parser")
        notebooks._merge_streams(soup)
        pages.append(str(soup))
    assert pages[0] == pages[1] == pages[2]
    assert pages[0].count("<pre>") == 1
