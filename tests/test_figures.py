"""The prose pages' figures, docs/figures/*.py, draw their words in English or Chinese."""

from __future__ import annotations

import functools
import re
import runpy
import string
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from kltutorial.plotting import CJK_FONTS, LANGUAGES, svg_bytes

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [path.stem for path in sorted((ROOT / "docs" / "figures").glob("*.py"))]
SVG = "{http://www.w3.org/2000/svg}"
# CJK Unified Ideographs, their extension A and the compatibility ideographs.
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@functools.cache
def script(name: str) -> dict[str, Any]:
    """The names a figure script defines (its draw and TEXT)."""
    return runpy.run_path(str(ROOT / "docs" / "figures" / f"{name}.py"))


@functools.cache
def drawn(name: str, language: str) -> str:
    """The script's figure in ``language``, as the site saves it."""
    fig = script(name)["draw"](language)
    assert isinstance(fig, Figure)
    return svg_bytes(fig).decode("utf-8")


def text_elements(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}text"))


def words(element: ET.Element) -> str:
    """A <text>'s characters, its <tspan>s' included (mathtext sets each glyph in one)."""
    return "".join(element.itertext())


def tick_labels(svg: str) -> list[str]:
    """The tick labels, axis by axis, tick by tick, as the SVG lists them."""
    return [
        words(text)
        for group in ET.fromstring(svg).iter(f"{SVG}g")
        if re.fullmatch(r"[xy]tick_\d+", group.get("id", ""))
        for text in group.iter(f"{SVG}text")
    ]


def font_family(element: ET.Element) -> str:
    declarations = (part.split(":", 1) for part in element.get("style", "").split(";"))
    style = {pair[0].strip(): pair[1].strip() for pair in declarations if len(pair) == 2}
    return style.get("font-family", "")


def blanks(template: str) -> set[str]:
    """The names of the fields ``str.format`` fills in ``template``."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_draws_in_each_language(name: str, language: str) -> None:
    svg = drawn(name, language)
    assert text_elements(svg), f"{name} ({language}) has no text"


@pytest.mark.parametrize("name", SCRIPTS)
def test_chinese_words_are_text_not_glyph_outlines(name: str) -> None:
    svg = drawn(name, "zh")
    han = {c for text in text_elements(svg) for c in HAN.findall(words(text))}
    assert han, f"{name} (zh) has no Chinese text"
    # Every Chinese character of the file is in a <text>.
    outside = re.sub(r"<text\b.*?</text>", "", svg, flags=re.DOTALL)
    assert not HAN.search(outside)
    # matplotlib names a glyph outline "<font>-<code point in hex>" when it draws text as
    # paths (svg.fonttype "path").
    ids = re.findall(r' id="([^"]*)"', svg)
    drawn_as_paths = [c for c in han if any(i.endswith(f"-{ord(c):x}") for i in ids)]
    assert not drawn_as_paths


@pytest.mark.parametrize("name", SCRIPTS)
def test_chinese_text_names_cjk_fonts_after_the_latin_ones(name: str) -> None:
    expected_end = ", ".join([*(repr(font) for font in CJK_FONTS), "sans-serif"])
    for text in text_elements(drawn(name, "zh")):
        if HAN.search(words(text)):
            family = font_family(text)
            assert family.startswith("'DejaVu Sans', "), family
            assert family.endswith(expected_end), family


@pytest.mark.parametrize("name", SCRIPTS)
def test_english_figures_have_no_chinese(name: str) -> None:
    assert not HAN.search(drawn(name, "en"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_tick_labels_hold_the_same_numbers_in_both_languages(name: str) -> None:
    """Longer Chinese labels must not squeeze an axis into other ticks."""
    english = [NUMBER.findall(label) for label in tick_labels(drawn(name, "en"))]
    chinese = [NUMBER.findall(label) for label in tick_labels(drawn(name, "zh"))]
    assert any(english), f"{name} has no numbered ticks"
    assert chinese == english


@pytest.mark.parametrize("language", ["fr", "EN", "zh-CN", ""])
@pytest.mark.parametrize("name", SCRIPTS)
def test_another_language_is_refused_before_drawing(name: str, language: str) -> None:
    open_figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"^language must be one of 'en', 'zh', got "):
        script(name)["draw"](language)
    assert plt.get_fignums() == open_figures


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_language_has_the_same_words_with_the_same_blanks(name: str) -> None:
    text: dict[str, dict[str, str]] = script(name)["TEXT"]
    assert sorted(text) == sorted(LANGUAGES)
    english = text["en"]
    for language, table in text.items():
        assert table.keys() == english.keys(), language
        for key, template in table.items():
            assert blanks(template) == blanks(english[key]), f"{language} {key!r}"


def test_drawing_chinese_changes_nothing_for_english_and_repeats_exactly() -> None:
    """No state (fonts, rcParams, the language) leaks from one drawing to the next."""
    draw = script("gibbs")["draw"]
    english = svg_bytes(draw())
    chinese = svg_bytes(draw("zh"))
    assert svg_bytes(draw("en")) == english
    assert svg_bytes(draw("zh")) == chinese
