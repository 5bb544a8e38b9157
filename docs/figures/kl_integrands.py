"""Where each divergence charges: the integrands of forward and reverse KL."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import matplotlib.figure
import torch

from kltutorial import Gaussian, Mixture
from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

# The grid of the table on the asymmetry page: wide enough that the wide Q's reverse-KL
# integrand has died out at both ends, so the area under each curve is the whole
# divergence, not part of it.
X = torch.linspace(-45, 50, 4001, dtype=torch.float64)

TEXT = {
    "en": {
        "wide": "wide Q = N(2.5, 7.57²)",
        "mode": "mode Q = N(\u22125, 1)",
        "area": "{name}: area {area:.2f}",
        "y": "nats per unit of x",
        "forward": "forward KL: p(x) ln(p(x)/q(x))",
        "reverse": "reverse KL: q(x) ln(q(x)/p(x))",
        "spike": "P's mode at 10,\nwhere the mode Q ≈ 0",
        "gap": "the gap between\nP's modes, where\nthe wide Q has mass",
    },
    "zh": {
        "wide": "宽 Q = N(2.5, 7.57²)",
        "mode": "峰上的 Q = N(\u22125, 1)",
        "area": "{name}：面积 {area:.2f}",
        "y": "每单位 x 的奈特数",
        "forward": "前向 KL：p(x) ln(p(x)/q(x))",
        "reverse": "反向 KL：q(x) ln(q(x)/p(x))",
        "spike": "P 在 10 处的峰，\n峰上的 Q 在此 ≈ 0",
        "gap": "P 的两峰之间，\n宽 Q 在此\n有概率质量",
    },
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """The integrands p ln(p/q) and q ln(q/p), for the wide Q and for the one-mode Q."""
    with in_language(TEXT, language) as text:
        p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        log_p = p.log_prob(X)
        answers = {
            text["wide"]: (Gaussian(2.5, 7.5664), COLORS["forward_kl"], "-"),
            text["mode"]: (Gaussian(-5.0, 1.0), COLORS["reverse_kl"], "--"),
        }
        fig, axes = new_figure(ncols=2, width=9.0, height=3.8)
        for name, (q, color, line) in answers.items():
            log_q = q.log_prob(X)
            forward = log_p.exp() * (log_p - log_q)
            reverse = log_q.exp() * (log_q - log_p)
            # The legend states each curve's area (trapezoid rule over the plotted points).
            for ax, integrand in ((axes[0], forward), (axes[1], reverse)):
                area = float(torch.trapezoid(integrand, X))
                label = text["area"].format(name=name, area=area)
                ax.plot(X, integrand, line, color=color, label=label)
        label_axes(axes[0], "x", text["y"], text["forward"])
        label_axes(axes[1], "x", "", text["reverse"])
        axes[0].annotate(
            text["spike"],
            xy=(10.5, 20.0),
            xytext=(17.0, 14.0),
            arrowprops={"arrowstyle": "->", "color": "#555555"},
            fontsize=9,
        )
        axes[1].annotate(
            text["gap"],
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
