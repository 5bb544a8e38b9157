"""Where exp(log q) underflows to zero in float32 on the original experiment's grid."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import math

import matplotlib.figure
import torch
from torch.distributions import Normal

from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

TEXT = {
    "en": {
        "lost": "exp(log q) = 0 in float32",
        "round_trip": "q.log() after q = exp(log q): \u2212inf in the shaded bands",
        "log_p": "log p, the target: finite everywhere",
        "smallest": "log of float32's smallest positive number, ln 2⁻¹⁴⁹",
        "x": "x (the original grid, torch.linspace(-15, 15, 1000))",
        "y": "log density",
    },
    "zh": {
        "lost": "float32 下 exp(log q) = 0",
        "round_trip": "先算 q = exp(log q) 再取 q.log()：阴影带内为 \u2212inf",
        "log_p": "log p（目标分布）：处处有限",
        "smallest": "float32 最小正数的对数，ln 2⁻¹⁴⁹",
        "x": "x（原实验的网格，torch.linspace(-15, 15, 1000)）",
        "y": "对数密度",
    },
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """log q computed directly and through exp then log, with log p for comparison."""
    with in_language(TEXT, language) as text:
        x = torch.linspace(-15, 15, 1000)
        log_q = Normal(0.0, 1.0).log_prob(x)
        round_trip = log_q.exp().log()  # -inf where exp underflowed
        log_p = (Normal(-5.0, 1.0).log_prob(x).exp() + Normal(10.0, 1.0).log_prob(x).exp()).log()
        lost = torch.isinf(round_trip)
        fig, ax = new_figure(width=7.5, height=3.8)
        for side in (x < 0, x > 0):
            region = x[lost & side]
            ax.axvspan(
                float(region.min()) - 0.015,
                float(region.max()) + 0.015,
                color=COLORS["reverse_kl"],
                alpha=0.15,
                linewidth=0,
                label=text["lost"] if bool(side[0]) else None,
            )
        ax.plot(x, log_q, color=COLORS["forward_kl"], label="log q = Q.log_prob(x)")
        ax.plot(
            x[~lost],
            round_trip[~lost],
            ":",
            color=COLORS["reverse_kl"],
            linewidth=2.5,
            label=text["round_trip"],
        )
        ax.plot(x, log_p, color=COLORS["target"], label=text["log_p"])
        ax.axhline(math.log(2.0**-149), color=COLORS["analytic"], linewidth=1, linestyle="--")
        ax.text(0.0, -113.0, text["smallest"], fontsize=9, ha="center")
        ax.set_ylim(-125, 10)
        label_axes(ax, text["x"], text["y"])
        ax.legend(loc="center", fontsize=9, bbox_to_anchor=(0.5, 0.4))
    return fig
