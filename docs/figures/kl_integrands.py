"""Where each divergence charges: the integrands of forward and reverse KL."""

import matplotlib.figure
import torch

from kltutorial import Gaussian, Mixture
from kltutorial.plotting import COLORS, label_axes, new_figure

# The grid of the table on the asymmetry page: wide enough that the wide Q's reverse-KL
# integrand has died out at both ends, so the area under each curve is the whole
# divergence, not part of it.
X = torch.linspace(-45, 50, 4001, dtype=torch.float64)


def draw() -> matplotlib.figure.Figure:
    """The integrands p ln(p/q) and q ln(q/p), for the wide Q and for the one-mode Q."""
    p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    log_p = p.log_prob(X)
    answers = {
        "wide Q = N(2.5, 7.57²)": (Gaussian(2.5, 7.5664), COLORS["forward_kl"], "-"),
        "mode Q = N(\u22125, 1)": (Gaussian(-5.0, 1.0), COLORS["reverse_kl"], "--"),
    }
    fig, axes = new_figure(ncols=2, width=9.0, height=3.8)
    for name, (q, color, line) in answers.items():
        log_q = q.log_prob(X)
        forward = log_p.exp() * (log_p - log_q)
        reverse = log_q.exp() * (log_q - log_p)
        # The legend states each curve's area (trapezoid rule over the plotted points).
        for ax, integrand in ((axes[0], forward), (axes[1], reverse)):
            area = float(torch.trapezoid(integrand, X))
            ax.plot(X, integrand, line, color=color, label=f"{name}: area {area:.2f}")
    label_axes(axes[0], "x", "nats per unit of x", "forward KL: p(x) ln(p(x)/q(x))")
    label_axes(axes[1], "x", "", "reverse KL: q(x) ln(q(x)/p(x))")
    axes[0].annotate(
        "P's mode at 10,\nwhere the mode Q ≈ 0",
        xy=(10.5, 20.0),
        xytext=(17.0, 14.0),
        arrowprops={"arrowstyle": "->", "color": "#555555"},
        fontsize=9,
    )
    axes[1].annotate(
        "the gap between\nP's modes, where\nthe wide Q has mass",
        xy=(2.5, 1.35),
        xytext=(17.0, 1.0),
        arrowprops={"arrowstyle": "->", "color": "#555555"},
        fontsize=9,
    )
    for ax in axes:
        ax.set_xlim(-45, 50)
    axes[0].set_ylim(-2.0, 30.0)
    axes[1].set_ylim(-0.2, 2.1)
    axes[0].legend(loc="upper left", fontsize=9)
    axes[1].legend(loc="upper left", fontsize=9)
    return fig
