"""The site's SVGs: smaller path data that still draws the same points, words as text."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from kltutorial import plotting
from kltutorial.plotting import (
    CJK_FONTS,
    STYLE,
    _shorten_path,
    check_language,
    cjk_font,
    figure_language,
    font_params,
    in_language,
    new_figure,
    style,
    svg_bytes,
)

matplotlib.use("Agg")


def test_an_l_is_dropped_only_where_svg_implies_it() -> None:
    # After M and L a pair is a lineto; after a curve (C, Q) it would be another curve.
    data = "M 0 0 L 1 1 L 2 2 C 1 2 3 4 5 6 L 7 8 L 9 9 Q 1 2 3 4 L 5 5 z M 1 1 L 2 2"
    assert (
        _shorten_path(data) == "M 0 0 1 1 2 2 C 1 2 3 4 5 6 L 7 8 9 9 Q 1 2 3 4 L 5 5 z M 1 1 2 2"
    )


def test_a_lineto_to_the_point_just_reached_is_dropped_unless_it_is_a_dot() -> None:
    data = "M 0 0 L 1.01 1 L 0.99 1 L 2 2 C 1 2 3 4 5 6 L 7 8 L 7 8 z M 3 3 L 3 3"
    assert _shorten_path(data) == "M 0 0 1.0 1 2 2 C 1 2 3 4 5 6 L 7 8 z M 3 3 3 3"


def test_numbers_are_rounded_to_a_tenth_of_a_point_and_put_on_one_line() -> None:
    assert _shorten_path("M 1.2345 -6.789\nL 3.15159 2.0") == "M 1.2 -6.8 3.2 2.0"


def points_of(data: str) -> list[tuple[float, float]]:
    """The vertices of a path made of M and L commands (implied linetos included)."""
    numbers = [float(t) for t in data.split() if not t.isalpha()]
    assert {t for t in data.split() if t.isalpha()} <= {"M", "L"}
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def test_a_drawn_line_keeps_every_vertex() -> None:
    """The oracle: matplotlib's own transform of the data to SVG points (y downwards)."""
    with style():
        # A fixed layout at 72 dpi: one pixel per point, as the SVG is written.
        fig = Figure(figsize=(4, 3), dpi=72)
        ax = fig.add_axes((0.125, 0.15, 0.8, 0.75))
        x = np.linspace(0, 1, 50)
        y = np.sin(6 * x)
        (line,) = ax.plot(x, y)
        ax.set_xlim(0, 1)
        ax.set_ylim(-1.2, 1.2)
    height = fig.get_figheight() * 72
    expected = [
        (px, height - py) for px, py in line.get_transform().transform(np.column_stack([x, y]))
    ]
    svg = svg_bytes(fig).decode()
    lines = [
        d
        for d in re.findall(r'<path d="([^"]*)"', svg)
        if set(re.findall("[A-Za-z]", d)) <= {"M", "L"}
    ]
    paths = [points_of(d) for d in lines]
    drawn = [p for p in paths if len(p) == len(expected)]
    assert len(drawn) == 1, f"found {len(drawn)} paths of {len(expected)} vertices"
    # Each coordinate rounded to the nearest tenth of a point.
    assert np.asarray(drawn[0]) == pytest.approx(np.asarray(expected), abs=0.0501)


def test_only_english_and_chinese_are_languages() -> None:
    assert [check_language(code) for code in ("en", "zh")] == ["en", "zh"]
    for bad in ("fr", "ZH", "zh-Hans", None):
        with pytest.raises(ValueError, match=r"^language must be one of 'en', 'zh', got "):
            check_language(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="language"), style(language="de"):
        pass


def test_english_figures_are_drawn_with_the_style_alone() -> None:
    """Their bytes must not change: no font, nor anything else, depends on English."""
    assert font_params("en") == {}
    assert STYLE["svg.fonttype"] == "none"  # text stays text


def test_chinese_is_measured_in_an_installed_cjk_font_and_named_after_latin_fonts() -> None:
    params = font_params("zh")
    assert params["font.family"] == ["DejaVu Sans", "sans-serif", cjk_font()]
    assert cjk_font() in CJK_FONTS
    names = params["font.sans-serif"]
    assert names[0] == "DejaVu Sans"
    assert names[-len(CJK_FONTS) - 1 :] == [*CJK_FONTS, "sans-serif"]


def test_without_a_cjk_font_chinese_is_refused_with_what_to_install() -> None:
    with pytest.raises(RuntimeError, match="install fonts-noto-cjk"):
        cjk_font(("No Such Font SC",))


def test_words_in_chinese_are_text_in_the_fonts_they_were_drawn_in() -> None:
    table = {"en": "density", "zh": "密度"}
    before = (list(plotting._language), matplotlib.rcParams["font.family"])
    with in_language(table, "zh") as word:
        fig, ax = new_figure(width=3.0, height=2.0)
        ax.set_ylabel(word)
        # Made outside new_figure's style, as legends and annotations are.
        ax.annotate(word, xy=(0.5, 0.5))
    assert (plotting._language, matplotlib.rcParams["font.family"]) == before
    assert figure_language(fig) == "zh"
    svg = svg_bytes(fig).decode()
    assert svg.count(">密度</text>") == 2
    families = re.findall(r"font-family: ([^;]*);[^>]*>密度<", svg)
    assert len(families) == 2
    assert all(f.endswith(", 'PingFang SC', 'Microsoft YaHei', sans-serif") for f in families)


def test_chinese_outside_in_language_would_miss_its_glyphs() -> None:
    """Why draw() must make its text inside in_language: DejaVu Sans has no Chinese."""
    with style():
        fig, ax = new_figure(width=3.0, height=2.0)
    ax.set_title("密度")
    assert figure_language(fig) == "en"
    with pytest.warns(UserWarning, match="missing from font"):
        svg_bytes(fig)
