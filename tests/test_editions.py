"""The Chinese edition is the English site in Chinese: same pages, code, numbers and anchors.

Reads the sources (``docs/`` and ``docs/zh/``) and the built site (``make docs``; the
folder ``KLTUTORIAL_SITE_DIR`` names, else ``site/``), where the Chinese pages are under
``zh/``. What differs between the two editions is the prose; anything a test could check
against an oracle (code, outputs, numbers, formulas, figures) is shared, so every check of
the English pages holds the Chinese ones too.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import jupytext
import pytest
from bs4 import BeautifulSoup, Tag
from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ZH = DOCS / "zh"
sys.path.insert(0, str(DOCS / "hooks"))
import editions  # noqa: E402

HAN = re.compile(r"[\u3400-\u9fff]")
# A number as prose writes it: thousands separators and a leading minus sign (ASCII or U+2212)
# are normalised away, so "10,000" and "10000" count as one number, as do -5 and -5 written
# with a minus sign (U+2212).
NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")
# Elements whose text is not prose: code, output, rendered math, scripts, the permalinks.
NOT_PROSE = "pre, code, .katex, .arithmatex, script, style, svg, a.headerlink, a.anchor-link"


def site_dir() -> Path:
    """The built site (``make docs``)."""
    site = Path(os.environ.get("KLTUTORIAL_SITE_DIR", ROOT / "site"))
    if not (site / "zh" / "index.html").is_file():
        pytest.fail(f"no Chinese edition in {site}: run `make docs` first")
    return site


def page_sources(folder: Path) -> list[str]:
    """The pages written in a folder: Markdown pages and jupytext notebook pages."""
    return sorted(p.name for p in [*folder.glob("*.md"), *folder.glob("*.py")])


def nav_files(config: Path) -> list[str]:
    """The files a ``nav:`` lists, in order."""
    with config.open(encoding="utf-8") as file:
        nav = yaml_load(file)["nav"]
    return [next(iter(entry.values())) for entry in nav]


PAGES = page_sources(DOCS)


def built(edition: str, source: str) -> Path:
    """The HTML file of a page in an edition."""
    stem = Path(source).stem
    folder = site_dir() / editions.LANGUAGES[edition]
    return folder / "index.html" if stem == "index" else folder / stem / "index.html"


@cache
def soup(edition: str, source: str) -> BeautifulSoup:
    return BeautifulSoup(built(edition, source).read_text(encoding="utf-8"), "html.parser")


def article(edition: str, source: str) -> Tag:
    found = soup(edition, source).select_one("article.md-content__inner")
    assert found is not None, f"{built(edition, source)} has no article"
    return found


def prose(edition: str, source: str) -> str:
    """The article's text without code, outputs, math and permalinks."""
    copy = BeautifulSoup(str(article(edition, source)), "html.parser")
    for element in copy.select(NOT_PROSE):
        element.decompose()
    for button in copy.select("a.md-button[download]"):
        button.decompose()
    return copy.get_text(" ")


def numbers(text: str) -> Counter[str]:
    return Counter(n.replace(",", "").replace("\u2212", "-") for n in NUMBER.findall(text))


# ---------------------------------------------------------------- the sources


def test_every_page_has_a_chinese_twin_and_vice_versa() -> None:
    assert page_sources(ZH) == PAGES


def test_the_chinese_nav_lists_the_same_pages_in_the_same_order() -> None:
    assert nav_files(ZH / editions.OVERLAY) == nav_files(ROOT / "mkdocs.yml")


@pytest.mark.parametrize("name", [p for p in PAGES if p.endswith(".py")])
def test_notebook_code_cells_and_tags_are_the_english_ones(name: str) -> None:
    english, chinese = jupytext.read(DOCS / name), jupytext.read(ZH / name)
    assert [(c.cell_type, c.metadata.get("tags")) for c in chinese.cells] == [
        (c.cell_type, c.metadata.get("tags")) for c in english.cells
    ]
    code = [c.source for c in english.cells if c.cell_type == "code"]
    assert [c.source for c in chinese.cells if c.cell_type == "code"] == code


# ---------------------------------------------------------------- the built pages


@pytest.mark.parametrize("name", PAGES)
def test_code_and_outputs_are_the_same_in_both_editions(name: str) -> None:
    english = [pre.get_text() for pre in article("en", name).select("pre")]
    assert english or name in ("explorer.md", "glossary.md"), f"{name}: no code found"
    assert [pre.get_text() for pre in article("zh", name).select("pre")] == english


@pytest.mark.parametrize("name", PAGES)
def test_formulas_are_the_same_in_both_editions(name: str) -> None:
    def formulas(edition: str) -> list[str]:
        tex = article(edition, name).select('annotation[encoding="application/x-tex"]')
        return [t.get_text() for t in tex]

    assert formulas("zh") == formulas("en")


@pytest.mark.parametrize("name", PAGES)
def test_headings_keep_the_english_ids(name: str) -> None:
    def ids(edition: str) -> list[tuple[str, str]]:
        headings = article(edition, name).find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
        return [(h.name, str(h.get("id", ""))) for h in headings]

    assert ids("zh") == ids("en")


@pytest.mark.parametrize("name", PAGES)
def test_the_prose_quotes_the_same_numbers(name: str) -> None:
    english, chinese = numbers(prose("en", name)), numbers(prose("zh", name))
    assert chinese == english, (
        f"{name}: only in English {dict(english - chinese)}, only in Chinese "
        f"{dict(chinese - english)}"
    )


@pytest.mark.parametrize("name", PAGES)
def test_figures_are_the_same_and_their_alt_text_quotes_the_same_numbers(name: str) -> None:
    def figures(edition: str) -> list[tuple[str, Counter[str]]]:
        images = article(edition, name).select('img[src*="figures/"]')
        return [(str(i["src"]), numbers(str(i.get("alt", "")))) for i in images]

    english, chinese = figures("en"), figures("zh")
    assert [src for src, _ in chinese] == [src for src, _ in english]
    for (src, en), (_, zh) in zip(english, chinese, strict=True):
        assert zh == en, f"{name}: {src}: alt text numbers differ"
    # Not yet on the notebook pages: their figures and alt text are made by the notebook's
    # code, which both editions share (see the closing note).
    if name.endswith(".md"):
        for image in article("zh", name).select('img[src*="figures/"]'):
            assert HAN.search(str(image.get("alt", ""))), f"{name}: untranslated alt text"


@pytest.mark.parametrize("name", PAGES)
def test_language_tags(name: str) -> None:
    for edition, tag in (("en", "en"), ("zh", "zh-Hans")):
        root = soup(edition, name).find("html")
        assert isinstance(root, Tag), f"{built(edition, name)}: no <html>"
        assert root["lang"] == tag


@pytest.mark.parametrize("edition", list(editions.LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_the_language_selector_links_to_the_same_page(edition: str, name: str) -> None:
    page = built(edition, name)

    def targets(selector: str) -> dict[str, Path]:
        links = soup(edition, name).select(selector)
        found = {str(a["hreflang"]): str(a["href"]) for a in links}
        assert sorted(found) == ["en", "zh-Hans"], f"{page}: {selector}: {found}"
        for href in found.values():
            assert not href.startswith(("/", "http")), f"{page}: {href} is not relative"
        return {lang: (page.parent / href).resolve() / "index.html" for lang, href in found.items()}

    there = {"en": "en", "zh-Hans": "zh"}
    # The selector: the same page; the head's alternates: each edition's home, whose
    # sitemap.xml Material's script reads.
    for lang, target in targets("a.md-select__link[hreflang]").items():
        assert target == built(there[lang], name).resolve(), f"{page}: {lang}"
    for lang, target in targets("link[rel=alternate][hreflang]").items():
        assert target == built(there[lang], "index.md").resolve(), f"{page}: {lang}"
        assert (target.parent / "sitemap.xml").is_file()


# ---------------------------------------------------------------- the Chinese text


def glossary(edition: str) -> list[tuple[str, str, str]]:
    """(term in this edition, term in the other, page) from the glossary's table."""
    rows = []
    for row in article(edition, "glossary.md").select("table tbody tr"):
        cells = row.find_all("td")
        link = cells[-1].find("a")
        assert isinstance(link, Tag), f"glossary row without a page: {row.get_text()}"
        page = Path(str(link["href"]).split("#")[0].rstrip("/")).name or "index"
        rows.append((cells[0].get_text(strip=True), cells[1].get_text(strip=True), page))
    return rows


def test_the_glossaries_list_the_same_terms_and_pages() -> None:
    english, chinese = glossary("en"), glossary("zh")
    assert len(english) >= 25
    assert [(zh, en, page) for en, zh, page in english] == chinese


def glossary_rows(source: Path) -> list[str]:
    """The first cell of each row of a glossary's Markdown table: its terms."""
    rows = [
        line for line in source.read_text(encoding="utf-8").splitlines() if line.startswith("| ")
    ]
    return [row.split("|")[1].strip() for row in rows[2:]]  # below the header and its rule


@pytest.mark.parametrize(
    ("edition", "row"),
    [("en", i) for i in range(len(glossary_rows(DOCS / "glossary.md")))]
    + [("zh", i) for i in range(len(glossary_rows(ZH / "glossary.md")))],
)
def test_each_glossary_term_is_the_one_its_page_uses(edition: str, row: int) -> None:
    term, _, stem = glossary(edition)[row]
    source = next(p for p in PAGES if Path(p).stem == stem)
    text = prose(edition, source)
    found = term.lower() in text.lower() if edition == "en" else term in text
    assert found, f"the glossary's {term!r} is not on the {edition} page {source}"


# Forms the glossary settles, and the ones a translation must not drift to.
NOT_THESE = {
    "模式寻找": ["模式搜索", "模式寻求", "寻模"],
    "质量覆盖": ["覆盖质量", "质量覆盖性"],
    "前向 KL": ["正向 KL", "前向KL"],
    "反向 KL": ["逆向 KL", "反向KL"],
    "最大似然": ["极大似然"],
    "变分推断": ["变分推理"],
    "詹森-香农散度": ["Jensen-Shannon 散度", "詹森香农散度"],
    "机器学习": ["设备学习"],
}


@pytest.mark.parametrize("name", PAGES)
def test_chinese_pages_use_the_glossary_forms(name: str) -> None:
    text = prose("zh", name)
    for wanted, avoided in NOT_THESE.items():
        for form in avoided:
            # The original-experiment page may quote the article's slip to correct it.
            if form == "设备学习" and name == "original_experiment.py":
                continue
            assert form not in text, f"{name}: {form!r} where the glossary says {wanted!r}"


def running_text(name: str) -> str:
    """The Chinese article's text as written: code and math each stand as an ``X``."""
    copy = BeautifulSoup(str(article("zh", name)), "html.parser")
    for element in copy.select(f"{NOT_PROSE}, output"):  # <output>: the explorer's numbers
        element.replace_with("X")
    return copy.get_text("")


CJK = "\u3400-\u9fff"
FULL_WIDTH = "，。：；！？、）」”"


def inline_blocks(name: str) -> list[str]:
    """The text of each paragraph, heading, list item and table cell of a Chinese page."""
    copy = BeautifulSoup(str(article("zh", name)), "html.parser")
    for element in copy.select(f"{NOT_PROSE}, output"):
        element.replace_with("X")
    blocks = copy.select("p, h1, h2, h3, h4, h5, h6, li, td, th, summary, figcaption")
    return [b.get_text("") for b in blocks if not b.find(["p", "ul", "ol", "div", "table"])]


@pytest.mark.parametrize("name", PAGES)
def test_chinese_typography(name: str) -> None:
    text = running_text(name)
    assert HAN.search(text), f"{name}: no Chinese prose"
    half = re.findall(r"[\u3400-\u9fff][,.;:?!](?=[\u3400-\u9fff\s]|$)", text)
    assert not half, f"{name}: half-width punctuation after Chinese: {half[:5]}"
    gaps = re.findall(r"[\u3400-\u9fff] +[\u3400-\u9fff]", text)
    assert not gaps, f"{name}: a space between Chinese characters: {gaps[:5]}"
    # Within a paragraph, a line break after Chinese text shows as a space too.
    breaks = [
        gap
        for block in inline_blocks(name)
        for gap in re.findall(f"[{CJK}{FULL_WIDTH}]\\s+[{CJK}（「“]", block)
    ]
    assert not breaks, f"{name}: a space or line break in Chinese text: {breaks[:5]}"
    slanted = [
        em.get_text() for em in article("zh", name).select("em, i") if HAN.search(em.get_text())
    ]
    assert not slanted, f"{name}: Chinese in italics: {slanted[:5]}"


@pytest.mark.parametrize("edition", list(editions.LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_no_markdown_is_left_unrendered(edition: str, name: str) -> None:
    """No ``**`` shows as text: CommonMark (the notebooks' renderer) closes ``**`` only when
    it is followed by a space or punctuation, so ``**术语。**正文`` stays literal there."""
    left = re.findall(r".{0,12}\*\*.{0,12}", prose(edition, name))
    assert not left, f"{edition}/{name}: unrendered emphasis {left[:3]}"


def test_the_original_experiment_credits_both_sources_and_corrects_the_slips() -> None:
    text = prose("zh", "original_experiment.py")
    links = [str(a.get("href")) for a in article("zh", "original_experiment.py").select("a")]
    assert "https://sidml.github.io/Understanding-KL-Divergence/" in links
    assert "2019" in text
    assert "2025-03-28" in text
    assert "设备学习" in text
    assert "机器学习" in text
