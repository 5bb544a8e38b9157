"""Material's search, typed with real key events, finds the page a reader is after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server, new_context

pytestmark = pytest.mark.browser

RESULTS_SHOWN = """() => {
  const meta = document.querySelector(".md-search-result__meta");
  return document.querySelectorAll("li.md-search-result__item").length > 0
    || /no matching|没有找到/i.test(meta ? meta.textContent : "");
}"""

INDEX = "/search/search_index.json"

# The page path of each result, best first (a result's first link is its page).
RESULT_PAGES = """() => [...document.querySelectorAll("li.md-search-result__item")]
  .map((item) => item.querySelector("a"))
  .filter(Boolean)
  .map((link) => new URL(link.href).pathname)"""


def search(browser: Any, server: Server, query: str, home: str = "/") -> list[str]:
    """Type a query into a home page's search box; the result pages, best first."""
    context = new_context(browser, server)
    try:
        page = context.new_page()
        page.goto(server.url(home), wait_until="load")
        # On a wide screen the search box sits in the header; on a narrow one a button opens it.
        opener = page.locator("label.md-header__button[for='__search']")
        if opener.is_visible():
            opener.click()
        page.locator("input.md-search__input").click()
        page.keyboard.type(query, delay=20)
        page.wait_for_function(RESULTS_SHOWN, timeout=10_000)
        # Results follow each key stroke: read them once they stop changing.
        previous: list[str] = []
        for _ in range(20):
            page.wait_for_timeout(150)
            current = page.evaluate(RESULT_PAGES)
            if current == previous:
                break
            previous = current
        return previous
    finally:
        context.close()


def test_search_reverse_kl_lists_the_asymmetry_page_in_the_top_three(
    browser: Any, server: Server
) -> None:
    results = search(browser, server, "reverse KL")
    assert "/asymmetry/" in results[:3], (
        f"searching 'reverse KL' lists {results[:3] or 'nothing'} first, not /asymmetry/"
    )


def test_the_index_waits_until_a_reader_opens_search(browser: Any, server: Server) -> None:
    """A first visit does not download the search index; opening the search box does.

    The script that holds it back is docs/overrides/partials/search_on_demand.html.
    """
    context = new_context(browser, server)
    try:
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(server.url("/definition/"), wait_until="load")
        page.wait_for_load_state("networkidle")
        early = [url for url in asked if url.endswith(INDEX)]
        assert not early, f"the first visit downloaded the search index: {early}"
        with page.expect_response(lambda r: r.url.endswith(INDEX) and r.ok, timeout=10_000):
            page.locator("input.md-search__input").click()
    finally:
        context.close()


def test_a_page_opened_from_a_search_result_highlights_the_words(
    browser: Any, server: Server
) -> None:
    """A result links to its page with ?h=...: the index loads at once and the words light up."""
    context = new_context(browser, server)
    try:
        page = context.new_page()
        page.goto(server.url("/definition/?h=entropy"), wait_until="load")
        page.wait_for_selector("mark[data-md-highlight]", state="attached", timeout=10_000)
        marked = page.evaluate(
            "() => [...document.querySelectorAll('mark[data-md-highlight]')]"
            ".map((m) => m.textContent.toLowerCase())"
        )
        assert "entropy" in marked, f"highlighted {marked[:5]}, not 'entropy'"
    finally:
        context.close()


def test_the_index_holds_the_prose_not_the_code(site_dir: Path) -> None:
    """Code and printed output stay out of the index every first visit downloads."""
    docs = json.loads((site_dir / "search" / "search_index.json").read_text("utf-8"))["docs"]
    with_code = sorted({d["location"].split("#")[0] for d in docs if "<pre" in d["text"]})
    assert not with_code, f"code or output indexed on {with_code}"
    prose = " ".join(d["text"] for d in docs)
    assert "Gibbs" in prose
    assert "reverse KL" in prose


@pytest.mark.parametrize(
    ("query", "expected"),
    # 散度: the home page, titled KL 散度; 模式寻找: the glossary, which defines it.
    [("交叉熵", "/zh/definition/"), ("散度", "/zh/"), ("模式寻找", "/zh/glossary/")],
)
def test_chinese_search_finds_the_page_about_the_word(
    browser: Any, server: Server, query: str, expected: str
) -> None:
    # jieba segments the Chinese index at build time (requirements.txt), the browser the query.
    results = search(browser, server, query, home="/zh/")
    assert results, f"searching {query!r} on the Chinese site finds nothing"
    assert all(r.startswith("/zh/") for r in results), f"{query!r}: {results[:5]}"
    assert expected in results[:3], f"searching {query!r} lists {results[:3]} first, not {expected}"
