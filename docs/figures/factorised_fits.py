"""Forward and reverse KL fits of a factorised Gaussian to a correlated one (PRML Fig. 10.2)."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import math

import matplotlib.figure
import torch

from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

SIGMA = 2.0
RHOS = [0.0, 0.5, 0.9, 0.95]

TEXT = {
    "en": {
        "target": "P, correlated",
        "forward": "forward KL fit, D(P‖Q)",
        "reverse": "reverse KL fit, D(Q‖P)",
        "title": "\u03c1 = {rho:g}\nvar: forward {forward:.2f}, reverse {reverse:.2f}",
    },
    "zh": {
        "target": "P，分量相关",
        "forward": "前向 KL 拟合，D(P‖Q)",
        "reverse": "反向 KL 拟合，D(Q‖P)",
        "title": "\u03c1 = {rho:g}\n方差：前向 {forward:.2f}，反向 {reverse:.2f}",
    },
}


def ellipse(cov: torch.Tensor, radius: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The contour at Mahalanobis distance ``radius`` of a centred Gaussian."""
    angle = torch.linspace(0, 2 * math.pi, 200, dtype=torch.float64)
    circle = torch.stack([angle.cos(), angle.sin()])
    points = radius * torch.linalg.cholesky(cov) @ circle
    return points[0], points[1]


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """One panel per correlation: P's contours, the forward fit and the reverse fit."""
    with in_language(TEXT, language) as text:
        fig, axes = new_figure(ncols=4, width=10.0, height=3.3, sharex=True, sharey=True)
        for ax, rho in zip(axes, RHOS, strict=True):
            cov = SIGMA**2 * torch.tensor([[1.0, rho], [rho, 1.0]], dtype=torch.float64)
            forward = torch.diag(torch.diag(cov))  # Q's variances are P's marginal variances
            reverse = torch.diag(1 / torch.diag(torch.linalg.inv(cov)))  # sigma^2 (1 - rho^2)
            for radius in (1.0, 2.0):
                ax.plot(
                    *ellipse(cov, radius),
                    color=COLORS["target"],
                    linewidth=1.2,
                    label=text["target"] if radius == 1.0 else None,
                )
                ax.plot(
                    *ellipse(forward, radius),
                    "--",
                    color=COLORS["forward_kl"],
                    label=text["forward"] if radius == 1.0 else None,
                )
                ax.plot(
                    *ellipse(reverse, radius),
                    color=COLORS["reverse_kl"],
                    label=text["reverse"] if radius == 1.0 else None,
                )
            ax.set_aspect("equal")
            ax.set_xlim(-5.2, 5.2)
            ax.set_ylim(-5.2, 5.2)
            title = text["title"].format(rho=rho, forward=forward[0, 0], reverse=reverse[0, 0])
            label_axes(ax, "x₁", "x₂" if rho == RHOS[0] else "", title)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return fig
