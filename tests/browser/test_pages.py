"""Every page of the sitemap, in the light and the dark scheme, loads clean and whole.

Each test checks one requirement on all the visits and lists every page that breaks it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import Server, SitePage, Visit, broken_off, expected_formulas, problems_message

pytestmark = pytest.mark.browser

NBCONVERT_ALT = "No description has been provided for this image"
FILE_NAME = re.compile(r"[\w./-]+\.(svg|png|jpe?g|gif|webp|avif)", re.IGNORECASE)
GENERIC_ALT = {"image", "figure", "plot", "graph", "chart", "picture", "img", "alt", "output"}
# TeX left in the text a reader sees: \( \[ or a $ next to TeX.
RAW_MATH = re.compile(r"\\\(|\\\[|\$\$|\$[^\s$][^$]*\$|\$[A-Za-z\\{]")


def test_sitemap_lists_the_pages(pages: list[SitePage]) -> None:
    assert pages, "the sitemap lists no page"
    assert any(p.path == "/" for p in pages), "the sitemap lists no home page"


def test_every_visit_completes(visits: list[Visit]) -> None:
    problems = broken_off(visits)
    assert not problems, problems_message("visits broke off", problems)


def test_no_console_errors_or_page_errors(visits: list[Visit]) -> None:
    problems = [f"{v.label}: console: {e}" for v in visits for e in v.console_errors]
    problems += [f"{v.label}: page error: {e}" for v in visits for e in v.page_errors]
    assert not problems, problems_message("errors", problems)


def test_no_failed_requests(visits: list[Visit]) -> None:
    problems = [f"{v.label}: {r}" for v in visits for r in v.failed_requests]
    assert not problems, problems_message("failed requests", problems)


def test_every_request_stays_on_the_local_server(visits: list[Visit], server: Server) -> None:
    """Math, fonts and scripts come from the site itself, never from another host."""
    assert all(v.request_urls for v in visits if not v.errors), "a visit recorded no request"
    problems = [
        f"{v.label}: {url}"
        for v in visits
        for url in v.request_urls
        if not url.startswith(("data:", "blob:"))
        and (urlsplit(url).scheme != "http" or urlsplit(url).netloc != server.netloc)
    ]
    assert not problems, problems_message(f"requests to hosts other than {server.netloc}", problems)


def test_math_is_typeset_in_the_html_not_by_a_script(
    pages: list[SitePage], visits: list[Visit], browser: Any, server: Server
) -> None:
    """With JavaScript off, every formula is there; no page asks for KaTeX's script."""
    problems = [
        f"{v.label}: loads {url}"
        for v in visits
        for url in v.request_urls
        if PurePosixPath(urlsplit(url).path).name.startswith(("katex", "auto-render"))
        and urlsplit(url).path.endswith(".js")
    ]
    context = browser.new_context(java_script_enabled=False, base_url=server.url("/"))
    try:
        tab = context.new_page()
        for page in pages:
            tab.goto(server.url(page.path))
            count = tab.evaluate(
                "() => [...document.querySelectorAll('.katex')]"
                ".filter((el) => !el.parentElement.closest('.katex')).length"
            )
            if count != expected_formulas(page):
                problems.append(
                    f"{page.path}: {count} formulas without JavaScript, "
                    f"the source has {expected_formulas(page)}"
                )
    finally:
        context.close()
    assert not problems, problems_message("math that needs JavaScript", problems)


def test_every_formula_is_rendered(visits: list[Visit]) -> None:
    """As many rendered KaTeX formulas as the source holds, and no KaTeX error."""
    expected = {}
    problems = broken_off(visits)
    for v in (v for v in visits if not v.errors):
        if v.page.path not in expected:
            expected[v.page.path] = expected_formulas(v.page)
        if v.katex != expected[v.page.path]:
            problems.append(
                f"{v.label}: {v.katex} rendered formulas, the source has {expected[v.page.path]}"
            )
        problems += [f"{v.label}: KaTeX error: {e}" for e in v.katex_errors]
    assert not problems, problems_message("math problems", problems)


def test_no_raw_math_delimiters_left(visits: list[Visit]) -> None:
    problems = broken_off(visits)
    for v in (v for v in visits if not v.errors):
        for match in RAW_MATH.finditer(v.visible_text):
            start = max(match.start() - 30, 0)
            snippet = v.visible_text[start : match.end() + 30].replace("\n", " ")
            problems.append(f"{v.label}: {match.group(0)[:40]!r} in ...{snippet}...")
    assert not problems, problems_message("raw TeX delimiters in the visible text", problems)


def alt_problem(image: dict[str, str | None]) -> str | None:
    """Why an image's alt text is not a real description, or None."""
    alt = (image.get("alt") or "").strip()
    src = image.get("src") or ""
    name = PurePosixPath(urlsplit(src).path).name
    if not alt:
        return "no alt text"
    if alt == NBCONVERT_ALT:
        return "nbconvert's placeholder alt text"
    if FILE_NAME.fullmatch(alt) or alt in {name, PurePosixPath(name).stem}:
        return f"alt text is a file name: {alt!r}"
    if alt.lower().strip(".") in GENERIC_ALT or len(alt.split()) < 2:
        return f"alt text does not describe the image: {alt!r}"
    return None


def test_every_image_loads_with_real_alt_text(visits: list[Visit]) -> None:
    problems = broken_off(visits)
    for v in (v for v in visits if not v.errors):
        for image in v.images:
            if not image["naturalWidth"]:
                problems.append(f"{v.label}: {image['src']} did not load")
            why = alt_problem(image)
            if why:
                problems.append(f"{v.label}: {image['src']}: {why}")
    assert not problems, problems_message("image problems", problems)


def test_each_page_shows_its_scheme(visits: list[Visit]) -> None:
    """Light visits start in Material's ``default`` scheme, dark ones in ``slate``."""
    wanted = {"light": "default", "dark": "slate"}
    problems = broken_off(visits) + [
        f"{v.label}: data-md-color-scheme is {v.color_scheme!r}, not {wanted[v.scheme]!r}"
        for v in visits
        if not v.errors and v.color_scheme != wanted[v.scheme]
    ]
    assert not problems, problems_message("pages in the wrong scheme", problems)


def test_palette_toggle_switches_to_dark(light_visits: list[Visit]) -> None:
    problems = broken_off(light_visits) + [
        f"{v.label}: after clicking the toggle the scheme is {v.toggled_scheme!r}"
        for v in light_visits
        if not v.errors and v.toggled_scheme != "slate"
    ]
    assert not problems, problems_message("toggles that did not switch to slate", problems)


def test_a_screenshot_of_each_page_in_each_scheme(visits: list[Visit]) -> None:
    problems = [
        f"{v.label}: no screenshot"
        for v in visits
        if v.screenshot is None or not v.screenshot.is_file() or v.screenshot.stat().st_size == 0
    ]
    assert not problems, problems_message("missing screenshots", problems)
