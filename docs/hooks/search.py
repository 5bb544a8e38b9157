"""Keep the search index to the prose: code and printed output are not indexed.

Material's search downloads the whole index on a page's first visit, before the reader
has typed anything. Code blocks, notebook code cells and their printed output were over a
third of it (without them the index went from 352 KB to 216 KB), and a reader searching
for "reverse KL" or "Jensen-Shannon" wants the prose that explains it, not every
``import torch``. Material's search skips any element carrying ``data-search-exclude``;
this hook adds that attribute to code and output before the search plugin reads the page.
"""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

# Prose pages: Pygments blocks; notebook pages: input cells' code and every output area.
NOT_INDEXED = "div.highlight, pre, div.jp-InputArea-editor, div.jp-OutputArea"


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Mark code and outputs ``data-search-exclude`` (the search plugin reads it next)."""
    soup = BeautifulSoup(html, "html.parser")
    marked = soup.select(NOT_INDEXED)
    if not marked:
        return html
    for element in marked:
        element["data-search-exclude"] = ""
    return str(soup)


def on_post_build(config: MkDocsConfig) -> None:
    """Write the index's non-ASCII text as UTF-8, not as ``\\uXXXX`` escapes.

    The search plugin escapes every non-ASCII character: six bytes for a Chinese character
    (three in UTF-8) and for each of the word boundaries (U+200B) that jieba marks. Written
    as UTF-8, the Chinese edition's index is about half the size.
    """
    index = Path(config.site_dir) / "search" / "search_index.json"
    if index.is_file():
        data = json.loads(index.read_text(encoding="utf-8"))
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        index.write_text(text, encoding="utf-8")
