"""Where each divergence charges: the integrands of forward and reverse KL."""

import matplotlib.figure
import torch

from kltutorial import Gaussian, Mixture
from kltutorial.plotting import COLORS, label_axes, new_figure


def draw() -> matplotlib.figure.Figure:
    """The integrands p ln(p/q) and q ln(q/p), for the wide Q and for the one-mode Q."""
    p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    x = torch.linspace(-15, 15, 3001, dtype=torch.float64)
    log_p = p.log_prob(x)
    answers = {
        "wide Q = N(2.5, 7.57²)": (Gaussian(2.5, 7.5664), COLORS["forward_kl"]),
        "mode Q = N(\u22125, 1)": (Gaussian(-5.0, 1.0), COLORS["reverse_kl"]),
    }
    fig, axes = new_figure(ncols=2, width=9.0, height=3.6)
    for name, (q, color) in answers.items():
        log_q = q.log_prob(x)
        axes[0].plot(x, log_p.exp() * (log_p - log_q), color=color, label=name)
        axes[1].plot(x, log_q.exp() * (log_q - log_p), color=color, label=name)
    label_axes(axes[0], "x", "nats per unit of x", "forward KL: p(x) ln(p(x)/q(x))")
    label_axes(axes[1], "x", "", "reverse KL: q(x) ln(q(x)/p(x))")
    axes[0].annotate(
        "P's mode at 10,\nwhere the mode Q ≈ 0",
        xy=(10.0, 20.0),
        xytext=(-4.0, 12.0),
        arrowprops={"arrowstyle": "->", "color": "#555555"},
        fontsize=9,
    )
    axes[1].annotate(
        "the gap between\nP's modes, where\nthe wide Q has mass",
        xy=(2.5, 1.3),
        xytext=(-14.0, 0.9),
        arrowprops={"arrowstyle": "->", "color": "#555555"},
        fontsize=9,
    )
    axes[0].legend(loc="upper left", fontsize=9)
    axes[1].legend(loc="center right", fontsize=9)
    return fig
