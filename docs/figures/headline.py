"""The headline: one Gaussian fitted to a two-mode target by five different losses."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import matplotlib.figure
import torch

from kltutorial import Gaussian, Mixture, fit
from kltutorial.plotting import COLORS, LOSS_LABELS, in_language, label_axes, new_figure

# The grid is wider than the original's [-15, 15] so that no fitted Q is cut off at an end.
GRID = torch.linspace(-30, 30, 2001)
# (loss, starting mean): sigma starts at 1. Forward KL ends in the same place from any
# start; the other losses go to a mode that depends on the start, so starts are chosen
# to put two losses on each mode, where their curves can be told apart.
RUNS = [("forward_kl", 0.0), ("reverse_kl", 0.0), ("mse", 0.0), ("cosine", 8.0), ("l1", 12.0)]
STYLES = {"forward_kl": "-", "reverse_kl": "-", "mse": "--", "cosine": "--", "l1": "-."}

# The losses' names are LOSS_LABELS.
TEXT = {
    "en": {
        "target": "target P",
        "fit": "{loss}, from μ₀ = {mu0:g}: N({mu:.2f}, {sigma:.2f}²)",
        "density": "density",
    },
    "zh": {
        "target": "目标分布 P",
        "fit": "{loss}，初值 μ₀ = {mu0:g}：N({mu:.2f}, {sigma:.2f}²)",
        "density": "密度",
    },
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """The target and the five fitted Gaussians, labelled with their start and result."""
    with in_language(TEXT, language) as text:
        p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        x = torch.linspace(-16, 21, 1500, dtype=torch.float64)
        fig, ax = new_figure(width=9.0, height=4.2)
        ax.fill_between(x, p.prob(x), color=COLORS["target"], alpha=0.25, linewidth=0)
        ax.plot(x, p.prob(x), color=COLORS["target"], linewidth=1.2, label=text["target"])
        for loss, mu0 in RUNS:
            result = fit(p, GRID, loss, mu=mu0, sigma=1.0)
            mu, sigma = float(result.mu), float(result.sigma)
            name = LOSS_LABELS[language][loss]
            ax.plot(
                x,
                Gaussian(mu, sigma).prob(x),
                STYLES[loss],
                color=COLORS[loss],
                label=text["fit"].format(loss=name, mu0=mu0, mu=mu, sigma=sigma),
            )
        label_axes(ax, "x", text["density"])
        ax.set_ylim(0, 0.62)
        ax.legend(loc="upper center", ncols=2, fontsize=9)
    return fig
