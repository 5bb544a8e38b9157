"""ln x <= x - 1, the inequality behind the non-negativity of the KL divergence."""

import matplotlib.figure
import torch

from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

TEXT = {
    "en": {"equal": "equal only at x = 1", "value": "value"},
    "zh": {"equal": "仅在 x = 1 处相等", "value": "函数值"},
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """ln x and its tangent x - 1 at x = 1, which lies above it everywhere else."""
    with in_language(TEXT, language) as text:
        x = torch.linspace(0.05, 3.0, 400, dtype=torch.float64)
        fig, ax = new_figure(width=6.0, height=3.4)
        ax.plot(x, x - 1, color=COLORS["forward_kl"], label="x \u2212 1")
        ax.plot(x, x.log(), color=COLORS["reverse_kl"], label="ln x")
        ax.fill_between(x, x.log(), x - 1, color=COLORS["target"], alpha=0.15, linewidth=0)
        ax.plot([1.0], [0.0], "o", color=COLORS["analytic"])
        ax.annotate(
            text["equal"],
            xy=(1.0, 0.0),
            xytext=(1.45, -1.6),
            arrowprops={"arrowstyle": "->", "color": "#555555"},
        )
        ax.set_ylim(-3.0, 2.0)
        label_axes(ax, r"$x = Q_i \,/\, P_i$", text["value"])
        ax.legend(loc="upper left")
    return fig
