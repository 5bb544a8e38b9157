"""One look for every figure, saved so that builds are byte-identical.

Figures are drawn on a transparent background in one of two themes. The light theme
(dark grey text) is the default; the prose pages' figures use only it, and the site shows
them in its dark scheme through a CSS filter. The notebook pages' figures are drawn twice,
once per theme (see `show` and `palette`), so that a map whose colour means something
("light = low") keeps that meaning on a dark page. Colours come from the Okabe-Ito palette,
which stays distinguishable for colour-blind readers.

A figure's words are drawn in English or in Simplified Chinese (see `in_language`): the
text stays text in the SVG, set in DejaVu Sans for Latin letters and, for Chinese, in the
reader's own CJK font, named after the Latin ones (`CJK_FONTS`).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.text import Text

T = TypeVar("T")

#: One colour per loss (and for the target), the same on every page.
COLORS: dict[str, str] = {
    "target": "#555555",
    "forward_kl": "#0072B2",
    "reverse_kl": "#D55E00",
    "mse": "#009E73",
    "l1": "#CC79A7",
    "cosine": "#E69F00",
    "analytic": "#000000",
}

#: The same roles for a dark page: light greys and white instead of dark ones, and a
#: lighter blue (Okabe-Ito's sky blue), which the slate background would otherwise swallow.
DARK_COLORS: dict[str, str] = {
    **COLORS,
    "target": "#b4b4b4",
    "forward_kl": "#56B4E9",
    "analytic": "#ffffff",
}

#: Readable names for the losses, for legends and titles.
LABELS: dict[str, str] = {
    "forward_kl": "forward KL, D(P‖Q)",
    "reverse_kl": "reverse KL, D(Q‖P)",
    "mse": "MSE",
    "l1": "L1",
    "cosine": "cosine",
}

#: `LABELS` in Simplified Chinese (with Chinese punctuation, which RUF001 takes for ASCII's).
LABELS_ZH: dict[str, str] = {
    "forward_kl": "前向 KL，D(P‖Q)",
    "reverse_kl": "反向 KL，D(Q‖P)",
    "mse": "均方误差",
    "l1": "L1",
    "cosine": "余弦相似度",
}

#: The languages a figure's words can be drawn in: English and Simplified Chinese.
LANGUAGES: tuple[str, ...] = ("en", "zh")

#: `LABELS` in each of `LANGUAGES`.
LOSS_LABELS: dict[str, dict[str, str]] = {"en": LABELS, "zh": LABELS_ZH}

#: Simplified Chinese fonts common on readers' systems: Noto Sans CJK and Source Han Sans
#: (one font under two names, on Linux and elsewhere), PingFang (macOS), Microsoft YaHei
#: (Windows). A Chinese figure's SVG names them after the Latin fonts, so a browser draws
#: Latin letters as in the English figure and Chinese characters in the first of these it
#: has. matplotlib measures the Chinese text with the first of them that is installed.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
)

STYLE: dict[str, Any] = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    # Resolution of the parts drawn rasterized=True inside an SVG (dense heat maps).
    "savefig.dpi": 72,
    "text.color": "#333333",
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#777777",
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "axes.grid": True,
    "grid.color": "#bbbbbb",
    "grid.alpha": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 11,
    "lines.linewidth": 2.0,
    # Text stays text (the browser draws it): glyph outlines would triple the file size.
    "svg.fonttype": "none",
    "font.family": ["DejaVu Sans", "sans-serif"],
    # A fixed salt makes the ids in the SVG the same from build to build.
    "svg.hashsalt": "kltutorial",
}
"""The rcParams every figure is drawn with (the light theme)."""

DARK_STYLE: dict[str, Any] = {
    **STYLE,
    "text.color": "#d8dae3",
    "axes.labelcolor": "#d8dae3",
    "axes.edgecolor": "#9a9cae",
    "xtick.color": "#b8bac6",
    "ytick.color": "#b8bac6",
    "grid.color": "#5a5e70",
}
"""The rcParams of the dark theme: light text and axes for Material's slate scheme."""

# The theme being drawn: set by `style(dark=...)`, read by `palette` and `new_figure`.
_dark: list[bool] = [False]
# The language being drawn: set by `in_language` and `style(language=...)`.
_language: list[str] = ["en"]


def check_language(language: str) -> str:
    """``language`` if it is one of `LANGUAGES`.

    Raises:
        ValueError: If it is not.
    """
    if not isinstance(language, str) or language not in LANGUAGES:
        accepted = ", ".join(repr(code) for code in LANGUAGES)
        raise ValueError(f"language must be one of {accepted}, got {language!r}")
    return language


@functools.cache
def cjk_font(names: tuple[str, ...] = CJK_FONTS) -> str:
    """The first of ``names`` that matplotlib can use, to measure Chinese text with.

    matplotlib lists the system's fonts once, in a cache it never refreshes, so a font
    installed later is looked for among the system's fonts before giving up.

    Raises:
        RuntimeError: If none of them is installed.
    """
    for look_again in (False, True):
        if look_again:
            _add_fonts_installed_since_cache()
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
        for name in names:
            if name in installed:
                return name
    raise RuntimeError(
        "drawing Chinese text needs a CJK font, one of "
        + ", ".join(names)
        + ", and none is installed; install fonts-noto-cjk"
        " (Debian, Ubuntu: sudo apt-get install fonts-noto-cjk) and draw again"
    )


def _add_fonts_installed_since_cache() -> None:
    """Tell matplotlib about the system's fonts missing from its cached list of them."""
    manager = font_manager.fontManager
    known = {entry.fname for entry in manager.ttflist}
    for path in sorted(font_manager.findSystemFonts()):
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError):  # not a font FreeType can read
                continue


def font_params(language: str) -> dict[str, Any]:
    """The rcParams a figure's words need in ``language``, on top of `STYLE` or the defaults.

    The one place where fonts depend on the language. English needs none. Chinese text
    is measured in DejaVu Sans, as English is, and each character DejaVu Sans lacks in
    the installed font `cjk_font`; the SVG names DejaVu Sans, matplotlib's other Latin
    sans-serif fonts, `CJK_FONTS` and then ``sans-serif``.

    Raises:
        ValueError: If ``language`` is not one of `LANGUAGES`.
        RuntimeError: For Chinese, if no CJK font is installed.
    """
    if check_language(language) == "en":
        return {}
    # matplotlib's Latin sans-serif fonts, DejaVu Sans first; its list ends in the generic
    # name, which the CJK fonts must come before.
    latin = [name for name in mpl.rcParamsDefault["font.sans-serif"] if name != "sans-serif"]
    return {
        # For measuring, "sans-serif" is DejaVu Sans again (first in font.sans-serif);
        # in the SVG it stands for font.sans-serif, which names the CJK_FONTS too.
        "font.family": ["DejaVu Sans", "sans-serif", cjk_font()],
        "font.sans-serif": [*latin, *CJK_FONTS, "sans-serif"],
    }


@contextmanager
def style(dark: bool | None = None, language: str | None = None) -> Iterator[None]:
    """Draw inside this context to get the site's look.

    Args:
        dark: Draw for a dark page; ``None`` keeps the theme of the enclosing context
            (light outside any).
        language: The language of the figure's words, one of `LANGUAGES`; ``None`` keeps
            the language of the enclosing context (English outside any).

    Raises:
        ValueError: If ``language`` is not one of `LANGUAGES`.
    """
    dark = _dark[-1] if dark is None else dark
    language = _language[-1] if language is None else check_language(language)
    params = {**(DARK_STYLE if dark else STYLE), **font_params(language)}
    _dark.append(dark)
    _language.append(language)
    try:
        # rc_context's stub wants literal keys; STYLE's are checked by matplotlib at run time.
        with mpl.rc_context(cast(Any, params)):
            yield
    finally:
        _dark.pop()
        _language.pop()


@contextmanager
def in_language(text: Mapping[str, T], language: str) -> Iterator[T]:
    """Draw a figure's words in ``language``: gives ``text[language]``, the words to draw.

    Every text made inside, by `new_figure` or after it, is set in the fonts of the
    language (`font_params`); nothing else changes, so an English figure is drawn exactly
    as it is without this context. `svg_bytes` saves a figure in the fonts it was drawn in.

    Args:
        text: The words of a figure in each language, e.g. ``{"en": {...}, "zh": {...}}``.
        language: One of `LANGUAGES`.

    Raises:
        ValueError: If ``language`` is not one of `LANGUAGES`.
        RuntimeError: For Chinese, if no CJK font is installed.
    """
    params = font_params(language)
    _language.append(language)
    try:
        with mpl.rc_context(cast(Any, params)):
            yield text[language]
    finally:
        _language.pop()


def figure_language(fig: Figure) -> str:
    """The language a figure's words were drawn in: Chinese if a text is set in a CJK font."""
    for text in fig.findobj(Text):
        if not set(text.get_fontfamily()).isdisjoint(CJK_FONTS):
            return "zh"
    return "en"


def palette() -> dict[str, str]:
    """The colours of the theme being drawn: `DARK_COLORS` inside ``style(dark=True)``."""
    return DARK_COLORS if _dark[-1] else COLORS


def landscape_colormap() -> Colormap:
    """A grey ramp for maps of a loss, light where the loss is low, in either theme.

    On a light page it runs from near-white to mid-grey; on a dark page from light grey to
    nearly the page's own slate, so "light = low" holds on both.
    """
    if _dark[-1]:
        return LinearSegmentedColormap.from_list("landscape_dark", ["#dcdcdc", "#262a36"])
    return LinearSegmentedColormap.from_list("landscape_light", ["#f4f4f4", "#6a6a6a"])


def new_figure(
    ncols: int = 1, nrows: int = 1, width: float = 7.0, height: float = 3.6, **kwargs: Any
) -> tuple[Figure, Any]:
    """A figure in the site's style, with its axes (one ``Axes`` or an array of them).

    Args:
        ncols: Columns of subplots.
        nrows: Rows of subplots.
        width: Width in inches.
        height: Height in inches.
        **kwargs: Passed to ``matplotlib.pyplot.subplots``.

    Returns:
        The figure and its axes.
    """
    with style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(width, height), layout="constrained", **kwargs
        )
    return fig, axes


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG, byte-identical for the same drawing, and close it.

    Text stays text (``svg.fonttype`` is ``"none"``), in the fonts of the language the
    figure was drawn in (`figure_language`). Path coordinates are rounded to a tenth of a
    point (a figure is about 500 points wide), which makes curves of a thousand grid points
    about 40% smaller to download.
    """
    buffer = io.BytesIO()
    with style(language=figure_language(fig)):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue().decode("utf-8")
    return _PATH_DATA.sub(lambda m: f' d="{_shorten_path(m.group(1))}"', svg).encode("utf-8")


_PATH_DATA = re.compile(r' d="([^"]*)"')
_LONG_DECIMAL = re.compile(r"-?\d+\.\d\d+")


def _shorten_path(data: str) -> str:
    """Round an SVG path's numbers to a tenth of a point and drop what then says nothing.

    After a moveto or a lineto, SVG reads further coordinate pairs as linetos, so an
    ``L`` there is implied (it is a sixth of a long curve's bytes); an ``L`` after any
    other command (a curve's ``C``) is kept. A lineto to the point just reached (dense
    curves round onto the same tenth of a point) draws nothing and is dropped, unless it
    is the subpath's only segment (a dot, with round caps).
    """
    tokens = _LONG_DECIMAL.sub(lambda m: f"{float(m.group(0)):.1f}", data).split()
    kept: list[str] = []
    command, last, segments, i = "", ("", ""), 0, 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            i += 1
            if token == "L" and command in ("M", "L"):
                continue
            kept.append(token)
            command, last = token, ("", "")
        elif command in ("M", "L") and i + 1 < len(tokens):
            pair = (token, tokens[i + 1])
            i += 2
            if command == "M":
                segments = 0
            elif pair == last and segments > 0:
                continue
            else:
                segments += 1
            kept += pair
            command, last = "L", pair
        else:
            kept.append(token)
            i += 1
    return " ".join(kept)


class FigureHTML:
    """A figure as an ``<img>`` with alt text, for notebooks.

    Jupyter shows its ``_repr_html_``. With a dark variant it is a ``<picture>`` whose
    ``<source>`` follows the reader's system theme; the site's build turns that into
    Material's ``#only-light`` / ``#only-dark`` pair and moves each SVG into a file of
    its own, so the page stays light.
    """

    def __init__(self, svg: bytes, alt: str, svg_dark: bytes | None = None) -> None:
        self.svg = svg
        self.alt = alt
        self.svg_dark = svg_dark

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        img = f'<img class="kl-figure" alt="{alt}" src="data:image/svg+xml;base64,{data}">'
        if self.svg_dark is None:
            return img
        dark = base64.b64encode(self.svg_dark).decode("ascii")
        source = (
            '<source media="(prefers-color-scheme: dark)" '
            f'srcset="data:image/svg+xml;base64,{dark}">'
        )
        return f'<picture class="kl-figure">{source}{img}</picture>'


def show(fig: Figure | Callable[[], Figure], alt: str) -> FigureHTML:
    """Display a figure in a notebook as an image with real alt text.

    Args:
        fig: The figure (it is closed), or a function without arguments that draws it;
            a function is called once per theme, inside ``style(dark=False)`` and
            ``style(dark=True)``, and must take its colours from `palette`.
        alt: What the figure shows, for readers who cannot see it.

    Returns:
        An object that Jupyter displays as an image; make it the cell's last value.

    Raises:
        ValueError: If ``alt`` is empty.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must describe the figure in words, got an empty string")
    if isinstance(fig, Figure):
        return FigureHTML(svg_bytes(fig), alt.strip())
    with style(dark=False):
        light = svg_bytes(fig())
    with style(dark=True):
        dark = svg_bytes(fig())
    return FigureHTML(light, alt.strip(), svg_dark=dark)


def label_axes(ax: Axes, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Set the axis labels (and the title) in one call."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
