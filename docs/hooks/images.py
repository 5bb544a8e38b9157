"""Figures load when the reader gets to them, and hold their place before they do.

Every figure of the site is an SVG file under ``figures/``. On the page its ``<img>`` gets

* ``loading="lazy"``: a first visit downloads the figures in view, not the twenty below,
  and never the variant of a notebook figure that the colour scheme hides
  (``#only-light`` / ``#only-dark`` are both in the page, one ``display: none``);
* ``width`` and ``height`` from the SVG's own size (points, converted to CSS pixels):
  the browser reserves the figure's box before the file arrives, so nothing below it
  moves when it does (no layout shift). ``extra.css`` scales it down to the column.

The page is read with ``html.parser``; only the ``<img>`` tags of figures are rewritten
(``start_tags.py``).
This hook runs after ``notebooks.py``, which writes the notebook pages' figures.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

# start_tags.py is beside this file: mkdocs puts this folder on sys.path while it loads hooks.
from start_tags import Attributes, rewrite

PX_PER_PT = 4 / 3  # CSS: 96 px and 72 pt to the inch


def is_figure(tag: str, attrs: Attributes) -> bool:
    """Whether a start tag is the ``<img>`` of a figure (an SVG under ``figures/``)."""
    src = attrs.get("src") or ""
    return tag == "img" and "figures/" in src and src.split("#")[0].endswith(".svg")


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
    page_dir = posixpath.dirname(page.file.dest_uri)

    def sized(tag: str, values: Attributes) -> Attributes:
        src = (values.get("src") or "").split("#")[0]
        path = Path(config.site_dir, posixpath.normpath(posixpath.join(page_dir, src)))
        if not path.is_file():
            raise PluginError(f"{page.file.src_uri}: figure {src} is not in the site")
        width, height = svg_size(path)
        return {
            **values,
            "loading": "lazy",
            "decoding": "async",
            "width": str(width),
            "height": str(height),
        }

    return rewrite(output, is_figure, sized)
