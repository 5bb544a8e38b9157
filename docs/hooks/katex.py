r"""Typeset every formula at build time with KaTeX, so pages carry their math as HTML.

No page loads ``katex.min.js``: the HTML as served holds the rendered formulas (and their
MathML, for screen readers), math reads the same with JavaScript off, and nothing moves when
a page finishes loading. Only KaTeX's stylesheet and the fonts a page uses are downloaded.

One Node process per build (``katex_render.js`` beside this file, running the ``katex``
package from ``node_modules``) renders every formula of every page:

* prose pages: arithmatex leaves each formula as ``\(...\)`` or ``\[...\]`` inside a
  ``span``/``div`` with the class ``arithmatex``; the formula replaces that text, and the
  element stays (the browser tests count it);
* notebook pages: nbconvert leaves ``$...$`` and ``$$...$$`` in the text of the markdown
  cells (``.jp-RenderedMarkdown``); the rendered formula replaces each one.

The HTML is read with ``html.parser``; code, ``pre``, scripts and styles are never touched,
and a ``\$`` stays a dollar sign. A formula KaTeX cannot parse fails the build, naming the
page and the formula.
"""

from __future__ import annotations

import html
import json
import posixpath
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

RENDERER = Path(__file__).with_name("katex_render.js")
# Inside these, text is code or machinery, never math.
NOT_MATH = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


# The KaTeX font a class of its HTML is drawn in (katex.min.css, KaTeX 0.16): a page
# preloads the fonts its formulas use, so they arrive with the stylesheet instead of after
# the first layout, when text set in a fallback font would reflow (a layout shift). The
# browser tests check that a page preloads exactly the fonts it then downloads.
FONTS: list[tuple[frozenset[str], str]] = [
    (frozenset(classes.split()), font)
    for classes, font in [
        ("katex", "Main-Regular"),
        ("mathnormal", "Math-Italic"),
        ("mathit", "Main-Italic"),
        ("textit", "Main-Italic"),
        ("mathbf", "Main-Bold"),
        ("textbf", "Main-Bold"),
        ("boldsymbol", "Math-BoldItalic"),
        ("amsrm", "AMS-Regular"),
        ("mathbb", "AMS-Regular"),
        ("textbb", "AMS-Regular"),
        ("mathcal", "Caligraphic-Regular"),
        ("mathfrak", "Fraktur-Regular"),
        ("mathscr", "Script-Regular"),
        ("mathtt", "Typewriter-Regular"),
        ("texttt", "Typewriter-Regular"),
        ("mathsf", "SansSerif-Regular"),
        ("textsf", "SansSerif-Regular"),
        ("delimsizing size1", "Size1-Regular"),
        ("delimsizing size2", "Size2-Regular"),
        ("delimsizing size3", "Size3-Regular"),
        ("delimsizing size4", "Size4-Regular"),
        ("delim-size1", "Size1-Regular"),
        ("delim-size4", "Size4-Regular"),
        ("op-symbol small-op", "Size1-Regular"),
        ("op-symbol large-op", "Size2-Regular"),
    ]
]


class ClassSets(HTMLParser):
    """The class lists of the elements of a formula's HTML (its visible part)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[frozenset[str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if classes:
            self.found.add(frozenset(classes))


def fonts_of(rendered: str) -> set[str]:
    """The KaTeX fonts (``Main-Regular``, ...) that a rendered formula is drawn in."""
    parser = ClassSets()
    parser.feed(rendered)
    parser.close()
    return {font for needed, font in FONTS for classes in parser.found if needed <= classes}


class Renderer:
    """The build's Node process: TeX in, HTML out, each formula rendered once."""

    def __init__(self, node_modules: Path) -> None:
        node = shutil.which("node")
        if node is None:
            raise PluginError("KaTeX needs Node.js to render the math: install node and npm")
        if not (node_modules / "katex").is_dir():
            raise PluginError(f"KaTeX is missing from {node_modules}: run `npm ci` (make does)")
        self.process = subprocess.Popen(
            [node, str(RENDERER), str(node_modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.cache: dict[tuple[str, bool], str] = {}
        self.fonts: dict[tuple[str, bool], set[str]] = {}
        self.page_fonts: set[str] = set()  # the fonts of the page being rendered

    def render(self, tex: str, display: bool, where: str) -> str:
        key = (tex, display)
        if key not in self.cache:
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            self.process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline() or '{"error": "node exited"}')
            if "error" in answer:
                raise PluginError(f"{where}: KaTeX cannot typeset {tex!r}: {answer['error']}")
            self.cache[key] = answer["html"]
            self.fonts[key] = fonts_of(answer["html"])
        self.page_fonts |= self.fonts[key]
        return self.cache[key]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


_renderer: Renderer | None = None


def on_pre_build(config: MkDocsConfig) -> None:
    """Start this build's renderer (``mkdocs serve`` rebuilds in the same process)."""
    global _renderer
    if _renderer is not None:
        _renderer.close()
    _renderer = Renderer(Path(config.config_file_path).parent / "node_modules")


def on_post_build(config: MkDocsConfig) -> None:
    """Stop the renderer."""
    global _renderer
    if _renderer is not None:
        _renderer.close()
        _renderer = None


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Replace every formula of the page by its KaTeX HTML."""
    assert _renderer is not None, "on_pre_build starts the renderer"
    renderer = _renderer
    where = page.file.src_uri
    renderer.page_fonts = set()
    finder = MathFinder(output)
    finder.feed(output)
    finder.close()
    pieces, last = [], 0
    for start, end, kind in finder.regions:
        pieces.append(output[last:start])
        raw = output[start:end]
        if kind == "arithmatex":
            pieces.append(render_delimited(raw, renderer, where))
        else:
            pieces.append(render_dollars(raw, renderer, where))
        last = end
    pieces.append(output[last:])
    return preload_fonts("".join(pieces), sorted(renderer.page_fonts), page)


def preload_fonts(output: str, fonts: list[str], page: Page) -> str:
    """Ask for the page's KaTeX fonts in its ``<head>``, before the stylesheet needs them."""
    if not fonts:
        return output
    page_dir = posixpath.dirname(page.file.dest_uri) or "."
    hrefs = [
        posixpath.relpath(f"assets/katex/fonts/KaTeX_{font}.woff2", page_dir) for font in fonts
    ]
    links = "".join(
        f'<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin>\n'
        for href in hrefs
    )
    if "</head>" not in output:
        raise PluginError(f"{page.file.src_uri}: no </head> to put the font preloads in")
    return output.replace("</head>", links + "</head>", 1)


def render_delimited(raw: str, renderer: Renderer, where: str) -> str:
    r"""An arithmatex element's text, ``\(tex\)`` or ``\[tex\]``, rendered."""
    text = html.unescape(raw).strip()
    if text.startswith("\\(") and text.endswith("\\)"):
        return renderer.render(text[2:-2], False, where)
    if text.startswith("\\[") and text.endswith("\\]"):
        return renderer.render(text[2:-2], True, where)
    raise PluginError(f"{where}: an arithmatex element holds {text!r}, not \\(...\\) or \\[...\\]")


def render_dollars(raw: str, renderer: Renderer, where: str) -> str:
    r"""Markdown text with ``$tex$`` and ``$$tex$$``: each formula rendered, the rest kept.

    ``\$`` is a literal dollar. An unclosed ``$`` is left as it is (a price, not math).
    """
    out, i, n = [], 0, len(raw)
    while i < n:
        if raw.startswith("\\$", i):
            out.append("$")
            i += 2
            continue
        if raw[i] != "$":
            out.append(raw[i])
            i += 1
            continue
        display = raw.startswith("$$", i)
        delimiter = "$$" if display else "$"
        start = i + len(delimiter)
        end = start
        while True:
            end = raw.find(delimiter, end)
            if end < 0 or raw[end - 1] != "\\":
                break
            end += 1
        if end < 0 or end == start:
            out.append(raw[i:start])
            i = start
            continue
        tex = html.unescape(raw[start:end])
        out.append(renderer.render(tex, display, where))
        i = end + len(delimiter)
    return "".join(out)


def line_starts(text: str) -> list[int]:
    """The offset at which each line of ``text`` starts, the way ``HTMLParser.getpos`` counts
    lines (by ``\\n`` alone, not by ``str.splitlines``'s other breaks such as U+2028), and
    the offset just past the end: offset = ``line_starts[line - 1] + column``.
    """
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    starts[-1] = len(text)
    return starts


class MathFinder(HTMLParser):
    """Finds where the formulas are: (start, end, kind) offsets into the page's HTML.

    ``arithmatex``: the inside of an element with that class. ``dollars``: a run of text
    (with its character references) inside a notebook markdown cell, outside code.
    """

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.lines = line_starts(source)
        self.regions: list[tuple[int, int, str]] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, arithmatex, markdown cell)
        self.code_depth = 0
        self.arithmatex_start: int | None = None
        self.arithmatex_depth = 0
        self.run_start: int | None = None

    def position(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def in_markdown(self) -> bool:
        return any(markdown for _, _, markdown in self.stack)

    def end_run(self) -> None:
        if self.run_start is not None:
            self.regions.append((self.run_start, self.position(), "dollars"))
            self.run_start = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.end_run()
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        arithmatex = "arithmatex" in classes and self.arithmatex_start is None
        self.stack.append((tag, arithmatex, "jp-RenderedMarkdown" in classes))
        if tag in NOT_MATH:
            self.code_depth += 1
        if arithmatex:
            text = self.get_starttag_text() or ""
            self.arithmatex_start = self.position() + len(text)
            self.arithmatex_depth = len(self.stack)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.end_run()

    def handle_endtag(self, tag: str) -> None:
        self.end_run()
        if not any(open_tag == tag for open_tag, _, _ in self.stack):
            return  # a stray end tag: ignore it, as browsers do
        while self.stack:
            open_tag, arithmatex, _ = self.stack.pop()
            if open_tag in NOT_MATH:
                self.code_depth -= 1
            if arithmatex and self.arithmatex_start is not None:
                self.regions.append((self.arithmatex_start, self.position(), "arithmatex"))
                self.arithmatex_start = None
            if open_tag == tag:
                break

    def _text(self) -> None:
        if (
            self.run_start is None
            and self.arithmatex_start is None
            and self.code_depth == 0
            and self.in_markdown()
        ):
            self.run_start = self.position()

    def handle_data(self, data: str) -> None:
        self._text()

    def handle_entityref(self, name: str) -> None:
        self._text()

    def handle_charref(self, name: str) -> None:
        self._text()

    def handle_comment(self, data: str) -> None:
        self.end_run()

    def handle_decl(self, decl: str) -> None:
        self.end_run()

    def handle_pi(self, data: str) -> None:
        self.end_run()

    def close(self) -> None:
        super().close()
        if self.run_start is not None:
            self.regions.append((self.run_start, self.lines[-1], "dollars"))
            self.run_start = None
        self.regions.sort()
