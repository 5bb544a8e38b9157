"""Pinsker's inequality: total variation against KL for random pairs, and the bound."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import matplotlib.figure
import torch

from kltutorial import kl_divergence
from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

TEXT = {
    "en": {
        "pairs": "random pairs, {k} outcomes",
        "bound": "Pinsker: TV ≤ √(KL / 2)",
        "x": "KL divergence D(P‖Q) (nats)",
        "y": "total variation TV(P, Q)",
    },
    "zh": {
        "pairs": "随机分布对，{k} 个取值",
        "bound": "Pinsker 不等式：TV ≤ √(KL / 2)",
        "x": "KL 散度 D(P‖Q)（奈特）",
        "y": "总变差距离 TV(P, Q)",
    },
}


def random_pairs(n: int, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` pairs of random distributions on ``k`` outcomes (squared uniforms, normalised)."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(2, n, k, generator=g, dtype=torch.float64) ** 2
    u = u / u.sum(dim=-1, keepdim=True)
    return u[0], u[1]


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """TV against KL for 3,000 random pairs on 2, 3 and 10 outcomes; sqrt(KL / 2) above."""
    with in_language(TEXT, language) as text:
        fig, ax = new_figure(width=6.5, height=4.4)
        markers = {
            2: ("o", COLORS["forward_kl"]),
            3: ("s", COLORS["mse"]),
            10: ("^", COLORS["l1"]),
        }
        for k, (marker, color) in markers.items():
            p, q = random_pairs(1000, k, seed=k)
            kl = kl_divergence(p, q)
            tv = 0.5 * (p - q).abs().sum(dim=-1)
            keep = kl <= 3.0
            ax.plot(
                kl[keep],
                tv[keep],
                marker,
                color=color,
                markersize=2.5,
                alpha=0.5,
                linestyle="none",
                label=text["pairs"].format(k=k),
                rasterized=True,  # 3,000 markers as vectors would be a 480 KB file
            )
        kl_line = torch.linspace(0, 3, 300, dtype=torch.float64)
        ax.plot(kl_line, (kl_line / 2).sqrt(), color=COLORS["reverse_kl"], label=text["bound"])
        ax.axhline(1.0, color=COLORS["target"], linewidth=1.0, linestyle=":")
        ax.set_xlim(0, 3)
        ax.set_ylim(0, 1.25)
        label_axes(ax, text["x"], text["y"])
        # Below the axes, off the points.
        fig.legend(loc="outside lower center", ncols=2, fontsize=9, markerscale=2.5)
    return fig
