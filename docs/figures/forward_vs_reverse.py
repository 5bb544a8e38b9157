"""Forward KL against reverse KL: one Gaussian fitted to a two-mode target."""

import matplotlib.figure
import torch

from kltutorial import Gaussian, Mixture, fit
from kltutorial.plotting import COLORS, LOSS_LABELS, in_language, label_axes, new_figure

STARTS = torch.tensor([-8.0, -2.0, 0.0, 5.0, 8.0, 12.0])

# The titles are the losses' names, LOSS_LABELS.
TEXT = {
    "en": {
        "target": "target P",
        "fit": "Q = N({mu:.2f}, {sigma:.2f}²)\nfrom μ₀ = {starts}",
        "density": "density",
    },
    "zh": {
        "target": "目标分布 P",
        "fit": "Q = N({mu:.2f}, {sigma:.2f}²)\n初值 μ₀ = {starts}",
        "density": "密度",
    },
}


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """Left: forward KL fits from six starts; right: reverse KL fits from the same starts."""
    with in_language(TEXT, language) as text:
        p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        x = torch.linspace(-15, 15, 1000)
        fine = torch.linspace(-15, 15, 1500, dtype=torch.float64)
        fig, axes = new_figure(ncols=2, width=9.0, height=3.6, sharey=True)
        for ax, loss in zip(axes, ("forward_kl", "reverse_kl"), strict=True):
            result = fit(p, x, loss, mu=STARTS, sigma=1.0)
            ax.fill_between(fine, p.prob(fine), color=COLORS["target"], alpha=0.25, linewidth=0)
            ax.plot(fine, p.prob(fine), color=COLORS["target"], linewidth=1.2, label=text["target"])
            # One curve per distinct answer, labelled with the starts that reached it.
            answers: dict[tuple[float, float], list[float]] = {}
            fitted = zip(STARTS.tolist(), result.mu.tolist(), result.sigma.tolist(), strict=True)
            for mu0, mu, sigma in fitted:
                answers.setdefault((round(mu, 3), round(sigma, 3)), []).append(mu0)
            styles = iter(["-", "--"])
            for (mu, sigma), froms in answers.items():
                q = Gaussian(mu, sigma).prob(fine)
                starts = ", ".join(f"{s:g}" for s in froms)
                ax.plot(
                    fine,
                    q,
                    next(styles),
                    color=COLORS[loss],
                    label=text["fit"].format(mu=mu, sigma=sigma, starts=starts),
                )
            ax.plot(STARTS, torch.full_like(STARTS, -0.012), "^", color=COLORS[loss], markersize=6)
            density = text["density"] if loss == "forward_kl" else ""
            label_axes(ax, "x", density, LOSS_LABELS[language][loss])
            ax.set_ylim(-0.03, 0.62)
            ax.legend(loc="upper left", fontsize=9)
    return fig
