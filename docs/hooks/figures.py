"""Draw the prose pages' figures at build time, from ``docs/figures/*.py``.

Each script defines ``draw() -> matplotlib.figure.Figure`` using ``kltutorial``. The SVG
goes into the site as ``figures/<name>.svg``, so a page shows it with
``![what it shows](figures/<name>.svg)``. Nothing is written into ``docs/``: figures
are cached in ``.cache/figures/`` under a key made of the script, the ``kltutorial``
sources and the pinned requirements, so a change to any of them redraws the figure, an
unchanged build draws nothing, and files under keys no longer current are deleted.
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

# mkdocs puts this folder on sys.path while it loads the hooks.
import execution_report
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


def cache_paths(root: Path, scripts: list[Path]) -> dict[Path, Path]:
    """Where each script's SVG is cached: ``.cache/figures/<name>-<key>.svg``."""
    shared = source_key(root).encode()
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


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one SVG per figure script, drawing the ones not in the cache."""
    root = Path(config.config_file_path).parent
    scripts = sorted(Path(config.docs_dir, "figures").glob("*.py"))
    targets = cache_paths(root, scripts)
    cache = root / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    missing = [(s, t) for s, t in targets.items() if not t.exists()]
    drawn: dict[str, float] = {}  # the seconds each script just drawn took
    if missing:
        args = [str(p) for pair in missing for p in pair]
        done = subprocess.run(
            [sys.executable, __file__, *args], cwd=root, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise PluginError(f"drawing figures failed:\n{done.stderr[-4000:]}")
        drawn = json.loads(done.stdout.strip().splitlines()[-1])
    for script in scripts:  # None: taken from the cache
        execution_report.record("figure", f"figures/{script.name}", drawn.get(str(script)))
    prune(cache, set(targets.values()))
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


def draw(pairs: list[tuple[Path, Path]]) -> dict[str, float]:
    """Run each script's ``draw()`` and save the figure (in the subprocess).

    Returns the seconds each script took, from running it to the saved SVG.
    """
    import matplotlib

    matplotlib.use("Agg")
    from kltutorial.plotting import svg_bytes

    seconds = {}
    for script, target in pairs:
        start = time.perf_counter()
        namespace = runpy.run_path(str(script))
        svg = svg_bytes(namespace["draw"]())
        partial = target.with_suffix(".tmp")
        partial.write_bytes(svg)
        partial.replace(target)
        seconds[str(script)] = time.perf_counter() - start
    return seconds


if __name__ == "__main__":
    items = [Path(a) for a in sys.argv[1:]]
    # The last line of stdout is the parent's: the seconds each script took.
    print(json.dumps(draw(list(zip(items[::2], items[1::2], strict=True)))))
