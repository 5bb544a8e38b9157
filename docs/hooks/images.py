"""Figures load when the reader gets to them, and hold their place before they do.

Every figure of the site is an SVG file under ``figures/``. On the page its ``<img>`` gets

* ``loading="lazy"``: a first visit downloads the figures in view, not the twenty below,
  and never the variant of a notebook figure that the colour scheme hides
  (``#only-light`` / ``#only-dark`` are both in the page, one ``display: none``);
* ``width`` and ``height`` from the SVG's own size (points, converted to CSS pixels):
  the browser reserves the figure's box before the file arrives, so nothing below it
  moves when it does (no layout shift). ``extra.css`` scales it down to the column.

The page is read with ``html.parser``; only the ``<img>`` tags of figures are rewritten.
This hook runs after ``notebooks.py``, which writes the notebook pages' figures.
"""

from __future__ import annotations

import html
import posixpath
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

# katex.py is beside this file: mkdocs puts this folder on sys.path while it loads hooks.
from katex import line_starts
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

PX_PER_PT = 4 / 3  # CSS: 96 px and 72 pt to the inch


class FigureTags(HTMLParser):
    """The source spans and attributes of the ``<img>`` tags whose file is a figure."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = line_starts(text)
        self.found: list[tuple[int, int, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src") or ""
        if tag == "img" and "figures/" in src and src.split("#")[0].endswith(".svg"):
            line, column = self.getpos()
            start = self.line_starts[line - 1] + column
            text = self.get_starttag_text() or ""
            self.found.append((start, start + len(text), attrs))

    handle_startendtag = handle_starttag


def svg_size(path: Path) -> tuple[int, int]:
    """The SVG's width and height in CSS pixels (matplotlib writes them in points)."""
    root = ET.parse(path).getroot()
    sizes = []
    for name in ("width", "height"):
        value = root.get(name, "")
        if not value.endswith("pt"):
            raise PluginError(f"{path}: {name}={value!r}, expected points (matplotlib's)")
        sizes.append(round(float(value[:-2]) * PX_PER_PT))
    return sizes[0], sizes[1]


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Give every figure ``loading="lazy"``, ``decoding="async"`` and its size."""
    finder = FigureTags(output)
    finder.feed(output)
    finder.close()
    if not finder.found:
        return output
    page_dir = posixpath.dirname(page.file.dest_uri)
    pieces, last = [], 0
    for start, end, attrs in finder.found:
        values = {name: value for name, value in attrs}
        src = (values.get("src") or "").split("#")[0]
        path = Path(config.site_dir, posixpath.normpath(posixpath.join(page_dir, src)))
        if not path.is_file():
            raise PluginError(f"{page.file.src_uri}: figure {src} is not in the site")
        width, height = svg_size(path)
        values.update(loading="lazy", decoding="async", width=str(width), height=str(height))
        tag = " ".join(
            f'{name}="{html.escape(value, quote=True)}"' if value is not None else name
            for name, value in values.items()
        )
        pieces += [output[last:start], f"<img {tag}>"]
        last = end
    pieces.append(output[last:])
    return "".join(pieces)
