"""Serve KaTeX's stylesheet and fonts from the site itself: no request to the internet.

KaTeX comes from the npm registry (``package.json``, installed by ``npm ci``). The math is
typeset at build time (``katex.py``), so pages need only KaTeX's CSS and fonts, never its
script; this hook adds them to the site under ``assets/katex/``.

The stylesheet is served with ``font-display: optional`` on each KaTeX font. KaTeX sets no
``font-display``, so Chromium hides math for up to 3 s and then swaps the font in. Math drawn
in the fallback font has other widths, so the swap reflows paragraphs and tables: on a slow
first visit a table of formulas on /kl_in_ml/ moved by a layout shift of 0.018. With
``optional``, a page draws its math in the KaTeX fonts if they arrive within the first
moments, and each page preloads its fonts so that they do. If they are late, the page keeps
the fallback font until the next page, when the fonts are cached. Math drawn that way is
plainer, but nothing moves.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

STYLESHEET = "katex.min.css"  # served as assets/katex/katex.min.css, fonts beside it
FONT_FACE = "@font-face{"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add KaTeX's stylesheet and its woff2 fonts (which every current browser reads)."""
    root = Path(config.config_file_path).parent
    dist = root / "node_modules" / "katex" / "dist"
    if not (dist / STYLESHEET).is_file():
        raise PluginError(
            f"KaTeX is missing from {dist}: run `npm ci` in {root} (make serve/test do)."
        )
    css = (dist / STYLESHEET).read_text(encoding="utf-8")
    files.append(
        File.generated(
            config,
            f"assets/katex/{STYLESHEET}",
            content=optional_fonts(css),
            inclusion=InclusionLevel.NOT_IN_NAV,
        )
    )
    for path in sorted((dist / "fonts").glob("*.woff2")):
        uri = "assets/katex/" + path.relative_to(dist).as_posix()
        files.append(
            File.generated(config, uri, abs_src_path=str(path), inclusion=InclusionLevel.NOT_IN_NAV)
        )
    return files


def optional_fonts(css: str) -> str:
    """KaTeX's minified stylesheet with ``font-display: optional`` in each ``@font-face``."""
    if FONT_FACE not in css or "font-display" in css:
        raise PluginError(
            f"katex.min.css: expected {FONT_FACE!r} rules without a font-display; "
            "has KaTeX's stylesheet changed?"
        )
    return css.replace(FONT_FACE, FONT_FACE + "font-display:optional;")
