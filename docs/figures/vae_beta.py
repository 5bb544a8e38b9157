"""What the KL weight beta does to a VAE's reconstructions (the models of vae_beta.py)."""

# The Chinese text uses full-width punctuation on purpose: it is not a look-alike of ASCII.

import functools
import runpy
from pathlib import Path
from typing import Any

import matplotlib.figure
import torch
from matplotlib.lines import Line2D

from kltutorial.plotting import COLORS, in_language, label_axes, new_figure

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vae_beta.py"

TEXT = {
    "en": {
        "one_active": "β = {beta:g}: {active} active unit",
        "active": "β = {beta:g}: {active} active units",
        "data": "data",
        "reconstruction": "reconstruction",
    },
    "zh": {
        "one_active": "β = {beta:g}：{active} 个活跃单元",
        "active": "β = {beta:g}：{active} 个活跃单元",
        "data": "数据",
        "reconstruction": "重构",
    },
}


@functools.cache
def trained() -> dict[str, Any]:
    """The example's namespace, once per process: it trains the four models.

    One source of truth: the example trains them (and prints its table); drawing the figure
    in a second language reuses them.
    """
    return runpy.run_path(str(EXAMPLE))


def draw(language: str = "en") -> matplotlib.figure.Figure:
    """The data and each model's reconstruction of it, one panel per beta."""
    with in_language(TEXT, language) as text:
        example = trained()
        data = example["data"]
        fig, axes = new_figure(ncols=2, nrows=2, width=7.0, height=5.0, sharex=True, sharey=True)
        for ax, (beta, model) in zip(axes.flat, example["models"].items(), strict=True):
            with torch.no_grad():
                mu, _ = model.encode(data)
                decoded = model.decoder(mu)
                active = int((mu.var(0) > 0.01).sum())
            ax.scatter(
                data[:, 0],
                data[:, 1],
                s=6,
                color=COLORS["target"],
                alpha=0.35,
                lw=0,
                rasterized=True,
            )
            ax.scatter(
                decoded[:, 0], decoded[:, 1], s=6, color=COLORS["forward_kl"], lw=0, rasterized=True
            )
            title = text["one_active"] if active == 1 else text["active"]
            label_axes(
                ax,
                "x₁" if ax in axes[1] else "",
                "x₂" if ax in axes[:, 0] else "",
                title.format(beta=beta, active=active),
            )
        target, fitted = COLORS["target"], COLORS["forward_kl"]
        fig.legend(
            handles=[
                Line2D([], [], ls="", marker="o", color=target, alpha=0.5, label=text["data"]),
                Line2D([], [], ls="", marker="o", color=fitted, label=text["reconstruction"]),
            ],
            loc="outside lower center",
            ncols=2,
            fontsize=10,
            frameon=False,
        )
    return fig
