"""No page is heavy or jumpy: what a first visit downloads, the HTML, the figures, the shifts."""

from __future__ import annotations

import gzip
import html.parser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

from .conftest import BUILD, PAGE_WEIGHT_TABLE, Visit, broken_off, problems_message

pytestmark = pytest.mark.browser

KB = 1024
HTML_BUDGET = 40 * KB  # gzipped HTML of one page
FIRST_VISIT_BUDGET = 800 * KB  # what a first visit downloads, unzipped (the server does not gzip)
LAYOUT_SHIFT_BUDGET = 0.01  # cumulative layout shift from load to idle
FIGURE_BUDGET = 120 * KB  # one SVG figure

# What every first visit downloads before the page's own HTML is about 420 KB: Material's
# CSS and JavaScript with its search worker (about 300 KB), KaTeX's stylesheet and the math
# fonts the page uses. The search index waits until a reader opens search
# (docs/overrides/partials/search_on_demand.html), and the longest pages were split, so a
# page's own HTML (mostly build-time KaTeX, about 1.3 KB per formula) stays near 300 KB.


def test_page_weight_within_budget(
    light_visits: list[Visit], request: pytest.FixtureRequest
) -> None:
    problems = broken_off(light_visits)
    header = (
        f"{'page':<24} {'HTML gz KB':>10} {'first visit KB':>14} {'(gzip KB)':>9} "
        f"{'requests':>8} {'read to end KB':>14} {'layout shift':>12}"
    )
    rows = [header]
    for v in light_visits:
        html_gz = len(gzip.compress(v.page.file.read_bytes(), compresslevel=9))
        rows.append(
            f"{v.page.path:<24} {html_gz / KB:>10.1f} {v.downloaded_bytes / KB:>14.1f} "
            f"{v.downloaded_gzip_bytes / KB:>9.1f} {v.requests:>8} {v.read_bytes / KB:>14.1f} "
            f"{v.layout_shift:>12.4f}"
        )
        if html_gz > HTML_BUDGET:
            problems.append(
                f"{v.page.path}: {html_gz / KB:.1f} KB of gzipped HTML > {HTML_BUDGET / KB:.0f} KB"
            )
        if v.downloaded_bytes > FIRST_VISIT_BUDGET:
            problems.append(
                f"{v.page.path}: a first visit downloads {v.downloaded_bytes / KB:.0f} KB "
                f"> {FIRST_VISIT_BUDGET / KB:.0f} KB"
            )
        if not v.errors and v.requests == 0:
            problems.append(f"{v.page.path}: the first visit recorded no request")
    table = "\n".join(rows)
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "page-weight.txt").write_text(table + "\n", encoding="utf-8")
    request.config.stash[PAGE_WEIGHT_TABLE] = table
    print(table)
    assert not problems, problems_message("pages over budget", problems)


def test_no_layout_shift(visits: list[Visit]) -> None:
    """Nothing moves while a page loads: math is typeset and figures hold their size."""
    problems = broken_off(visits)
    problems += [
        f"{v.label}: cumulative layout shift {v.layout_shift:.4f} > {LAYOUT_SHIFT_BUDGET}"
        for v in visits
        if not v.errors and not 0 <= v.layout_shift <= LAYOUT_SHIFT_BUDGET
    ]
    assert not problems, problems_message("pages that shift while loading", problems)


def test_figures_are_small(site_dir: Path) -> None:
    """Every figure file of the site, prose and notebook pages alike, is at most 120 KB."""
    figures = sorted((site_dir / "figures").glob("*.svg"))
    assert figures, f"no figure in {site_dir / 'figures'}"
    largest = max(figures, key=lambda f: f.stat().st_size)
    print(f"largest figure: {largest.name}, {largest.stat().st_size / KB:.1f} KB")
    heavy = [
        f"{f.name}: {f.stat().st_size / KB:.1f} KB"
        for f in figures
        if f.stat().st_size > FIGURE_BUDGET
    ]
    assert not heavy, problems_message("figures over 120 KB", heavy)


def test_a_page_preloads_exactly_the_fonts_it_uses(light_visits: list[Visit]) -> None:
    """The math fonts arrive before the first layout (no reflow), and none is wasted.

    The oracle is the browser: the woff2 files a first visit downloads are the fonts the
    page's text is actually drawn in.
    """
    problems = broken_off(light_visits)
    for v in light_visits:
        finder = Preloads()
        finder.feed(v.page.file.read_text(encoding="utf-8"))
        downloaded = {
            PurePosixPath(urlsplit(url).path).name
            for url in v.request_urls
            if urlsplit(url).path.endswith(".woff2")
        }
        if finder.fonts != downloaded:
            problems.append(
                f"{v.page.path}: preloads {sorted(finder.fonts - downloaded)} it does not use, "
                f"and uses {sorted(downloaded - finder.fonts)} it does not preload"
            )
    assert not problems, problems_message("pages whose font preloads are off", problems)


class Preloads(html.parser.HTMLParser):
    """The file names of the fonts a page preloads."""

    def __init__(self) -> None:
        super().__init__()
        self.fonts: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "preload" and found.get("as") == "font":
            self.fonts.add(PurePosixPath(found.get("href") or "").name)
