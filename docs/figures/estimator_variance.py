"""Each estimator's standard deviation over the true KL, as Q = N(mu, 1) moves away."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import math

import matplotlib.figure
import torch

from kltutorial import monte_carlo_kl
from kltutorial.estimators import Estimator
from kltutorial.plotting import in_language, label_axes, new_figure

ESTIMATOR_COLORS: dict[Estimator, str] = {"k1": "#56B4E9", "k2": "#E69F00", "k3": "#009E73"}

# mathtext has no Chinese characters, so a Chinese text that holds mathematics writes it
# in plain Unicode (μ, 10⁵) instead of $...$.
TEXT = {
    "en": {
        "exact": "{name}, exact",
        "sampled": "{name}, from $10^5$ samples",
        "crossing": r"k1 and k3 equal at $\mu = 1.12$",
        "x": r"$\mu$, the mean of $Q = N(\mu, 1)$; $P = N(0, 1)$",
        "y": "std / true KL",
    },
    "zh": {
        "exact": "{name}，精确值",
        "sampled": "{name}，10⁵ 个样本",
        "crossing": "k1 与 k3 在 μ = 1.12 处相等",
        "x": "μ：Q = N(μ, 1) 的均值；P = N(0, 1)",
        "y": "标准差 / 真实 KL",
    },
}


def exact_std_over_kl(name: str, mu: float) -> float:
    """The closed forms derived on the page, for P = N(0, 1) and Q = N(mu, 1)."""
    m2 = mu * mu
    if name == "k1":
        return 2 / mu
    if name == "k2":
        return math.sqrt(2 + m2)
    return 2 * math.sqrt(math.expm1(m2) - m2) / m2


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """Exact curves, and what 10^5 samples report, on log axes."""
    with in_language(TEXT, language) as text:
        fig, ax = new_figure(width=7.0, height=3.8)
        mus = torch.linspace(0.1, 4.0, 200, dtype=torch.float64).tolist()
        for name, color in ESTIMATOR_COLORS.items():
            curve = [exact_std_over_kl(name, mu) for mu in mus]
            ax.plot(mus, curve, color=color, label=text["exact"].format(name=name))
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(100_000, generator=generator, dtype=torch.float64)
        points = [0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
        for name, color in ESTIMATOR_COLORS.items():
            sampled = []
            for mu in points:
                k = monte_carlo_kl(-(x**2) / 2, -((x - mu) ** 2) / 2, name)
                sampled.append(k.std().item() / (mu * mu / 2))
            ax.plot(
                points,
                sampled,
                "o",
                color=color,
                markersize=5,
                markerfacecolor="none",
                label=text["sampled"].format(name=name),
            )
        ax.set_yscale("log")
        ax.set_xlim(0, 4.1)
        ax.set_ylim(0.3, 1000)
        ax.axvline(1.1209, color="#777777", linewidth=1.0, linestyle=":")
        ax.annotate(text["crossing"], xy=(1.1209, 0.45), xytext=(1.25, 0.45), va="center")
        label_axes(ax, text["x"], text["y"])
        ax.legend(loc="upper left", ncols=2, fontsize=9)
    return fig
