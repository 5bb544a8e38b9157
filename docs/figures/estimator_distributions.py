"""The distribution of each estimator's per-sample values, for a near and a far Q."""

import matplotlib.figure
import torch

from kltutorial import monte_carlo_kl
from kltutorial.estimators import Estimator
from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

# Okabe-Ito colours not yet bound to a loss on this site's other pages' figures.
ESTIMATOR_COLORS: dict[Estimator, str] = {"k1": "#56B4E9", "k2": "#E69F00", "k3": "#009E73"}

TEXT = {
    "en": {"x": "estimate / true KL", "density": "density", "true_kl": "true KL"},
    "zh": {"x": "估计值 / 真实 KL", "density": "密度", "true_kl": "真实 KL"},
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """Histograms of k / true KL for P = N(0, 1) and Q = N(0.1, 1), Q = N(1, 1)."""
    with in_language(TEXT, language) as text:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(200_000, generator=generator, dtype=torch.float64)
        fig, axes = new_figure(ncols=2, width=8.0, height=3.6, sharey=True)
        edges = torch.linspace(-6, 10, 161, dtype=torch.float64)
        for ax, mu in zip(axes, (0.1, 1.0), strict=True):
            true_kl = mu * mu / 2
            log_p, log_q = -(x**2) / 2, -((x - mu) ** 2) / 2
            for name, color in ESTIMATOR_COLORS.items():
                k = monte_carlo_kl(log_p, log_q, name) / true_kl
                # Values outside the edges are left out (the histogram is truncated, not clamped).
                counts = torch.histogram(k, bins=edges).hist
                density = counts / (len(x) * (edges[1] - edges[0]))
                ax.stairs(density.numpy(), edges.numpy(), color=color, linewidth=1.6, label=name)
            ax.axvline(1.0, color=COLORS["analytic"], linestyle="--", linewidth=1.0)
            ax.set_yscale("log")
            ax.set_ylim(1e-3, 20)
            ax.set_xlim(-6, 10)
            label_axes(
                ax,
                text["x"],
                text["density"] if mu == 0.1 else "",
                f"$P = N(0, 1)$, $Q = N({mu:g}, 1)$",
            )
        axes[0].annotate(
            text["true_kl"],
            xy=(1.0, 8),
            xytext=(3.0, 8),
            va="center",
            arrowprops={"arrowstyle": "->", "color": "#555555"},
        )
        axes[1].legend(loc="upper right")
    return fig
