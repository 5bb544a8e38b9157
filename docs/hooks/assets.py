"""Serve KaTeX's stylesheet and fonts from the site itself: no request to the internet.

KaTeX comes from the npm registry (``package.json``, installed by ``npm ci``). The math is
typeset at build time (``katex.py``), so pages need only KaTeX's CSS and fonts, never its
script; this hook adds them to the site under ``assets/katex/``.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

KATEX_FILES = ("katex.min.css",)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add KaTeX's stylesheet and its woff2 fonts (which every current browser reads)."""
    root = Path(config.config_file_path).parent
    dist = root / "node_modules" / "katex" / "dist"
    if not (dist / "katex.min.css").is_file():
        raise PluginError(
            f"KaTeX is missing from {dist}: run `npm ci` in {root} (make serve/test do)."
        )
    paths = [dist / name for name in KATEX_FILES] + sorted((dist / "fonts").glob("*.woff2"))
    for path in paths:
        uri = "assets/katex/" + path.relative_to(dist).as_posix()
        files.append(
            File.generated(config, uri, abs_src_path=str(path), inclusion=InclusionLevel.NOT_IN_NAV)
        )
    return files
