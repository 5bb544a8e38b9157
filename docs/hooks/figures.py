"""Draw the prose pages' figures at build time, from ``docs/figures/*.py``.

Each script defines ``draw(language) -> matplotlib.figure.Figure`` using ``kltutorial``,
with its words in that language (``"en"`` or ``"zh"``). The SVG goes into each edition's
site as ``figures/<name>.svg``, so a page, English or Chinese, shows it with
``![what it shows](figures/<name>.svg)``. Nothing is written into ``docs/``: figures
are cached in ``.cache/figures/`` under a key made of the script, the language, the
``kltutorial`` sources and the pinned requirements, so a change to any of them redraws the
figure, an unchanged build draws nothing, and files under keys no longer current are
deleted. The first build of a run draws every edition's missing figures in one process (the
Chinese edition is built after the English one and finds its figures drawn).
Scripts run in a fresh interpreter, so ``mkdocs serve`` never draws with a stale import
of ``kltutorial``.
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# mkdocs puts this folder on sys.path while it loads the hooks.
import editions
import execution_report
from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

CACHE = Path(".cache", "figures")
"""The figures' cache, relative to the project root."""


# The kernels that make pins (see the Makefile): their setting changes the last digits a
# figure or a notebook prints, so a result computed under another setting is another one.
KERNEL_SETTINGS = ("ATEN_CPU_CAPABILITY", "MKL_CBWR")


def source_key(root: Path) -> str:
    """A hash of everything a generated output depends on besides its own source."""
    digest = hashlib.sha256()
    for path in [*sorted((root / "kltutorial").rglob("*.py")), root / "requirements.txt"]:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for name in KERNEL_SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    return digest.hexdigest()[:16]


def cache_paths(root: Path, scripts: list[Path], language: str) -> dict[Path, Path]:
    """Where each script's SVG in ``language`` is cached: ``.cache/figures/<name>-<key>.svg``.

    English keeps the key of a one-language build, so adding an edition redraws nothing.
    """
    shared = source_key(root).encode() + (b"" if language == "en" else language.encode())
    paths: dict[Path, Path] = {}
    for script in scripts:
        key = hashlib.sha256(script.read_bytes() + shared).hexdigest()[:16]
        paths[script] = root / CACHE / f"{script.stem}-{key}.svg"
    return paths


def prune(cache: Path, keep: set[Path]) -> list[Path]:
    """Delete every file in ``cache`` but ``keep`` (old keys, half-written drawings)."""
    stale = sorted(p for p in cache.iterdir() if p.is_file() and p not in keep)
    for path in stale:
        path.unlink()
    return stale


# The process drawing this build's missing figures, and the cache paths of every edition.
_drawing: list[subprocess.Popen[str]] = []
_every: list[dict[str, dict[Path, Path]]] = []


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one SVG per figure script, starting to draw the ones not in the cache.

    The drawing runs in its own process while MkDocs reads the pages; ``on_env`` waits
    for it before the files are copied.
    """
    root = Path(config.config_file_path).parent
    scripts = sorted((editions.docs_dir(root, "en") / "figures").glob("*.py"))
    every = {language: cache_paths(root, scripts, language) for language in editions.LANGUAGES}
    language = editions.language(config)
    targets = every[language]
    cache = root / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    missing = [(s, t, lang) for lang, paths in every.items() for s, t in paths.items()]
    missing = [item for item in missing if not item[1].exists()]
    _drawing.clear()
    if missing:
        args = [str(p) for triple in missing for p in triple]
        _drawing.append(
            subprocess.Popen(
                [sys.executable, __file__, *args],
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    _every[:] = [every]
    for script, target in targets.items():
        files.append(
            File.generated(
                config,
                f"figures/{script.stem}.svg",
                abs_src_path=str(target),
                inclusion=InclusionLevel.NOT_IN_NAV,
            )
        )
    return files


def on_env(env: Environment, config: MkDocsConfig, files: Files) -> Environment:
    """Wait for the figures (drawn while the pages were read), before files are copied."""
    drawn: dict[str, float] = {}  # the seconds each script just drawn took, per drawing
    if _drawing:
        process = _drawing.pop()
        out, err = process.communicate()
        if process.returncode != 0:
            raise PluginError(f"drawing figures failed:\n{err[-4000:]}")
        drawn = json.loads(out.strip().splitlines()[-1])
    if _every:
        every = _every.pop()
        # The English build draws (or finds) every edition's figures: it reports them all.
        report = every if editions.language(config) == "en" or drawn else {}
        for lang, paths in report.items():  # None: taken from the cache
            for script in paths:
                name = f"figures/{script.name}" + ("" if lang == "en" else f" ({lang})")
                execution_report.record("figure", name, drawn.get(f"{script} {lang}"))
        root = Path(config.config_file_path).parent
        prune(root / CACHE, {path for paths in every.values() for path in paths.values()})
    return env


def on_build_error(error: Exception) -> None:
    """Stop the drawing when the build fails."""
    while _drawing:
        process = _drawing.pop()
        process.kill()
        process.communicate()


def draw(triples: list[tuple[Path, Path, str]]) -> dict[str, float]:
    """Run each script's ``draw(language)`` and save the figure (in the subprocess).

    Returns the seconds each drawing took, from running the script to the saved SVG, keyed
    ``"<script> <language>"``.
    """
    import matplotlib

    matplotlib.use("Agg")
    from kltutorial.plotting import svg_bytes

    seconds = {}
    namespaces: dict[Path, dict[str, Any]] = {}  # each script runs once, for every language
    for script, target, language in triples:
        start = time.perf_counter()
        if script not in namespaces:
            namespaces[script] = runpy.run_path(str(script))
        svg = svg_bytes(namespaces[script]["draw"](language))
        partial = target.with_suffix(".tmp")
        partial.write_bytes(svg)
        partial.replace(target)
        seconds[f"{script} {language}"] = time.perf_counter() - start
    return seconds


if __name__ == "__main__":
    items = sys.argv[1:]
    triples = [(Path(s), Path(t), lang) for s, t, lang in zip(*[iter(items)] * 3, strict=True)]
    # The last line of stdout is the parent's: the seconds each drawing took.
    print(json.dumps(draw(triples)))
