"""Rewrite chosen start tags of a page, leaving every other byte of it as it was.

``html.parser`` finds the tags (and where each is in the text); only their attributes are
written anew. Used by ``images.py`` (figures' ``<img>``) and ``editions.py`` (the language
selector's links); not a hook itself.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser

# katex.py is beside this file: mkdocs puts this folder on sys.path while it loads hooks.
from katex import line_starts

Attributes = dict[str, str | None]


class StartTags(HTMLParser):
    """The source spans, names and attributes of the start tags ``wanted`` accepts."""

    def __init__(self, text: str, wanted: Callable[[str, Attributes], bool]) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.line_starts = line_starts(text)
        self.found: list[tuple[int, int, str, Attributes]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.wanted(tag, dict(attrs)):
            line, column = self.getpos()
            start = self.line_starts[line - 1] + column
            text = self.get_starttag_text() or ""
            self.found.append((start, start + len(text), tag, dict(attrs)))

    handle_startendtag = handle_starttag


def rewrite(
    text: str,
    wanted: Callable[[str, Attributes], bool],
    change: Callable[[str, Attributes], Attributes],
) -> str:
    """``text`` with each start tag ``wanted`` accepts written with ``change``'s attributes."""
    finder = StartTags(text, wanted)
    finder.feed(text)
    finder.close()
    pieces, last = [], 0
    for start, end, tag, attrs in finder.found:
        values = change(tag, attrs)
        written = " ".join(
            f'{name}="{html.escape(value, quote=True)}"' if value is not None else name
            for name, value in values.items()
        )
        pieces += [text[last:start], f"<{tag} {written}>"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
