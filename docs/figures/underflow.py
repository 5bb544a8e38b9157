"""Where exp(log q) underflows to zero in float32 on the original experiment's grid."""

import math

import matplotlib.figure
import torch
from torch.distributions import Normal

from kltutorial.plotting import COLORS, label_axes, new_figure


def draw() -> matplotlib.figure.Figure:
    """log q computed directly and through exp then log, with log p for comparison."""
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
            label="exp(log q) = 0 in float32" if bool(side[0]) else None,
        )
    ax.plot(x, log_q, color=COLORS["forward_kl"], label="log q = Q.log_prob(x)")
    ax.plot(
        x[~lost],
        round_trip[~lost],
        ":",
        color=COLORS["reverse_kl"],
        linewidth=2.5,
        label="q.log() after q = exp(log q): \u2212inf in the shaded bands",
    )
    ax.plot(x, log_p, color=COLORS["target"], label="log p, the target: finite everywhere")
    ax.axhline(math.log(2.0**-149), color=COLORS["analytic"], linewidth=1, linestyle="--")
    ax.text(
        0.0, -113.0, "log of float32's smallest positive number, ln 2⁻¹⁴⁹", fontsize=9, ha="center"
    )
    ax.set_ylim(-125, 10)
    label_axes(ax, "x (the original grid, torch.linspace(-15, 15, 1000))", "log density")
    ax.legend(loc="center", fontsize=9, bbox_to_anchor=(0.5, 0.4))
    return fig
