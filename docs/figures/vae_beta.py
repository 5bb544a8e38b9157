"""What the KL weight beta does to a VAE's reconstructions (the models of vae_beta.py)."""

import runpy
from pathlib import Path

import matplotlib.figure
import torch
from matplotlib.lines import Line2D

from kltutorial.plotting import COLORS, label_axes, new_figure

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vae_beta.py"


def draw() -> matplotlib.figure.Figure:
    """The data and each model's reconstruction of it, one panel per beta."""
    # One source of truth: the example trains the four models (and prints its table).
    example = runpy.run_path(str(EXAMPLE))
    data = example["data"]
    fig, axes = new_figure(ncols=2, nrows=2, width=7.0, height=5.0, sharex=True, sharey=True)
    for ax, (beta, model) in zip(axes.flat, example["models"].items(), strict=True):
        with torch.no_grad():
            mu, _ = model.encode(data)
            decoded = model.decoder(mu)
            active = int((mu.var(0) > 0.01).sum())
        ax.scatter(
            data[:, 0], data[:, 1], s=6, color=COLORS["target"], alpha=0.35, lw=0, rasterized=True
        )
        ax.scatter(
            decoded[:, 0], decoded[:, 1], s=6, color=COLORS["forward_kl"], lw=0, rasterized=True
        )
        units = "unit" if active == 1 else "units"
        label_axes(
            ax,
            "x₁" if ax in axes[1] else "",
            "x₂" if ax in axes[:, 0] else "",
            f"β = {beta:g}: {active} active {units}",
        )
    fig.legend(
        handles=[
            Line2D([], [], ls="", marker="o", color=COLORS["target"], alpha=0.5, label="data"),
            Line2D([], [], ls="", marker="o", color=COLORS["forward_kl"], label="reconstruction"),
        ],
        loc="outside lower center",
        ncols=2,
        fontsize=10,
        frameon=False,
    )
    return fig
