"""The build-time math hook: every formula typeset by KaTeX, nothing else touched."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import katex as hook  # noqa: E402 - the hook module, docs/hooks/katex.py


@pytest.fixture(scope="module")
def renderer() -> Iterator[hook.Renderer]:
    rendering = hook.Renderer(ROOT / "node_modules")
    yield rendering
    rendering.close()


def page(src_uri: str = "page.md") -> Page:
    # The hook reads only the page's source path; the config is never read.
    file = File(src_uri, src_dir=None, dest_dir="site", use_directory_urls=True)
    return Page(None, file, MkDocsConfig())


def typeset_page(html: str, renderer: hook.Renderer) -> str:
    """The hook's output for a page whose body is ``html``."""
    hook._renderer = renderer
    try:
        return hook.on_post_page(
            f"<html><head></head><body>{html}</body></html>", page(), MkDocsConfig()
        )
    finally:
        hook._renderer = None


def typeset(html: str, renderer: hook.Renderer) -> str:
    """The page's body after the hook."""
    body = typeset_page(html, renderer).split("<body>", 1)[1]
    return body.removesuffix("</body></html>")


def test_a_page_preloads_exactly_the_fonts_its_formulas_use(renderer: hook.Renderer) -> None:
    html = '<p><span class="arithmatex">\\(\\mathcal N(\\mu, 1)\\)</span></p>'
    head = typeset_page(html, renderer).split("<body>", 1)[0]
    # page.md is served at page/: the fonts are one folder up.
    preloaded = [
        f'<link rel="preload" href="../assets/katex/fonts/KaTeX_{font}.woff2" as="font" '
        'type="font/woff2" crossorigin>'
        for font in ("Caligraphic-Regular", "Main-Regular", "Math-Italic")
    ]
    assert head == "<html><head>" + "\n".join(preloaded) + "\n</head>"
    display = '<div class="arithmatex">\\[\\sum_i x_i\\]</div>'
    assert "KaTeX_Size2-Regular" in typeset_page(display, renderer)  # a large operator
    assert "preload" not in typeset_page("<p>No math here.</p>", renderer)


def test_arithmatex_formulas_are_rendered_in_their_element(renderer: hook.Renderer) -> None:
    html = (
        '<p>Inline <span class="arithmatex">\\(a &lt; b\\)</span> and</p>'
        '<div class="arithmatex">\\[\nx^2\n\\]</div>'
    )
    out = typeset(html, renderer)
    assert out.startswith('<p>Inline <span class="arithmatex"><span class="katex">')
    assert "\\(" not in out
    assert "\\[" not in out
    # The entity is the TeX "<", rendered as a relation, with its MathML annotation.
    assert '<annotation encoding="application/x-tex">a &lt; b</annotation>' in out
    assert '<div class="arithmatex"><span class="katex-display">' in out


def test_notebook_markdown_dollars_are_rendered_and_code_is_not(renderer: hook.Renderer) -> None:
    html = (
        '<div class="jp-RenderedMarkdown"><p>Take $x_1$ then $$\\int f$$ '
        "<code>$not math$</code> and \\$ literal.</p></div>"
        "<p>Outside a markdown cell $y$ stays.</p>"
    )
    out = typeset(html, renderer)
    assert out.count('<span class="katex">') == 2  # $x_1$ and the display's inner katex
    assert '<span class="katex-display">' in out
    assert "<code>$not math$</code>" in out
    assert "and $ literal." in out
    # Text outside notebook markdown cells is left alone.
    assert "Outside a markdown cell $y$ stays." in out


def test_an_unclosed_dollar_is_kept(renderer: hook.Renderer) -> None:
    html = '<div class="jp-RenderedMarkdown"><p>It costs $5, not more.</p></div>'
    assert typeset(html, renderer) == html


def test_a_formula_katex_cannot_parse_fails_naming_page_and_formula(
    renderer: hook.Renderer,
) -> None:
    html = '<p><span class="arithmatex">\\(\\frac{1}{\\)</span></p>'
    with pytest.raises(PluginError, match=r"page\.md: KaTeX cannot typeset '\\\\frac\{1\}\{'"):
        typeset(html, renderer)


def test_a_line_separator_in_the_text_does_not_shift_the_formulas(
    renderer: hook.Renderer,
) -> None:
    """HTMLParser counts lines by newlines only; U+2028 is a line break to str.splitlines."""
    html = '<p>A\u2028B</p>\n<p>Then <span class="arithmatex">\\(x\\)</span> ends.</p>'
    out = typeset(html, renderer)
    assert out.startswith('<p>A\u2028B</p>\n<p>Then <span class="arithmatex"><span class="katex">')
    assert out.endswith("</span></span> ends.</p>")
