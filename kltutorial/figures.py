"""The notebook pages' figures: one function per figure, so the pages show the KL code.

Each function takes the numbers a page has computed, draws them in both themes (see
`kltutorial.plotting.show`) and returns what Jupyter displays, with alt text written
from the same numbers. Nothing here computes a result the page talks about: the pages do
that in their own visible cells, and these functions only draw it.

Every figure is at most `WIDTH` inches wide: the site's text column is 648 CSS pixels
(6.75 inches at 96 per inch) at its widest, so 9-point text in a figure is 9 points on
the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray
from torch import Tensor

from kltutorial.distributions import Gaussian
from kltutorial.fitting import FitResult, Trajectory
from kltutorial.plotting import LABELS, FigureHTML, landscape_colormap, new_figure, palette, show

Array = NDArray[np.float64]

#: The width of every figure, in inches: no wider than the text column.
WIDTH = 6.7


def _np(values: Tensor | Sequence[float]) -> Array:
    """A float64 NumPy array of the values, for matplotlib."""
    return torch.as_tensor(values).detach().to(torch.float64).cpu().numpy()


def _density(x: Tensor, mu: float | Tensor, sigma: float | Tensor) -> Array:
    """The density of N(mu, sigma^2) at x, from the package's one Gaussian density."""
    return _np(Gaussian(mu, sigma).prob(x))


def _legend_below(fig: Figure, ncols: int = 2) -> None:
    """The figure's legend under its axes, off the data."""
    fig.legend(fontsize=9, loc="outside lower center", ncols=ncols)


def sanity_checks(curves: Sequence[tuple[float, float, Tensor, Tensor]]) -> FigureHTML:
    """The original's check: each Gaussian's density on its mean plus or minus 5 sigma.

    Args:
        curves: ``(mu, sigma, xs, density)`` for each Gaussian.
    """

    def draw() -> Figure:
        colors = palette()
        fig, axes = new_figure(width=WIDTH, ncols=len(curves), height=2.6)
        for ax, (mu, sigma, xs, density) in zip(axes, curves, strict=True):
            ax.plot(_np(xs), _np(density), color=colors["target"])
            ax.axvline(mu, color=colors["analytic"], linestyle=":", linewidth=1)
            ax.set_xlabel("x")
            ax.set_title(f"N({mu:g}, {sigma:g}) on mu ± 5 sigma", fontsize=10)
        axes[0].set_ylabel("density")
        return fig

    peaks = [f"x = {mu:g}" for mu, _, _, _ in curves]
    height = float(curves[0][3].max())
    return show(
        draw,
        alt=f"Two bell curves, each drawn on its mean plus or minus five standard deviations: "
        f"they peak at {' and '.join(peaks)}, both with height {height:.4f}; a dotted line "
        "marks each mean.",
    )


def target_and_start(x: Tensor, p: Tensor, q: Tensor) -> FigureHTML:
    """The target P and the starting Q on the grid."""

    def draw() -> Figure:
        colors = palette()
        fig, ax = new_figure(width=WIDTH, height=3.0)
        ax.plot(_np(x), _np(p), color=colors["target"], label="P(x) = N(x; -5, 1) + N(x; 10, 1)")
        ax.plot(_np(x), _np(q), color=colors["forward_kl"], linestyle="--", label="Q at the start")
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        _legend_below(fig)
        return fig

    return show(
        draw,
        alt="The target P, two bell curves at x = -5 and x = 10, and the starting Q, a bell "
        "curve of the same shape centred at x = 0, between them.",
    )


def training_curves(
    losses: Sequence[float], mus: Sequence[float], sigmas: Sequence[float], settled: int
) -> FigureHTML:
    """The loss, mu and sigma against the Adam step, every 10th step.

    Args:
        losses: The loss at each step.
        mus: mu after each step.
        sigmas: sigma after each step.
        settled: The step from which mu stays within 0.01 of its final value.
    """
    steps = np.arange(1, len(losses) + 1)[::10]

    def draw() -> Figure:
        colors = palette()
        fig, axes = new_figure(width=WIDTH, ncols=3, height=2.6)
        panels = zip(axes, (losses, mus, sigmas), ("kl_div (mean)", "mu", "sigma"), strict=True)
        for ax, values, name in panels:
            ax.plot(steps, _np(values)[::10], color=colors["forward_kl"])
            ax.set_xlabel("step")
            ax.set_title(name, fontsize=10)
        return fig

    return show(
        draw,
        alt=f"Three panels against the Adam step, 1 to {len(losses):,}: the kl_div loss falls "
        f"steeply and then flattens; mu rises from 0 and levels off at {mus[-1]:.4f}, staying "
        f"within 0.01 of it from step {settled:,} on; sigma rises from 1 almost linearly and "
        f"is still rising at the last step, where it is {sigmas[-1]:.4f}.",
    )


def snapshots(
    x: Tensor, p: Tensor, mu_path: Tensor, sigma_path: Tensor, steps: Sequence[int]
) -> FigureHTML:
    """Q over P at a few steps of a run (row k of the paths is the state after k steps)."""

    def draw() -> Figure:
        colors = palette()
        fig, ax = new_figure(width=WIDTH, height=3.2)
        ax.fill_between(_np(x), _np(p), color=colors["target"], alpha=0.25, label="P (sum)")
        for k, style in zip(steps, (":", "-.", "--", "-"), strict=False):
            m, s = float(mu_path[k]), float(sigma_path[k])
            label = f"step {k:,}: mu={m:.2f}, sigma={s:.2f}"
            ax.plot(
                _np(x), _density(x, m, s), color=colors["forward_kl"], linestyle=style, label=label
            )
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        _legend_below(fig)
        return fig

    first, last = steps[0], steps[-1]
    return show(
        draw,
        alt=f"The target P shaded, two peaks at -5 and 10. Q at steps "
        f"{', '.join(f'{k:,}' for k in steps)}: it starts as a narrow bell at "
        f"{float(mu_path[first]):.2f}, moves right to {float(mu_path[last]):.2f} and flattens "
        f"into a wide, low bell (sigma {float(sigma_path[last]):.2f}) spanning both peaks.",
    )


def mode_runs(
    x: Tensor, p: Tensor, runs: Sequence[tuple[str, str, FitResult, int | None]]
) -> FigureHTML:
    """The mean mu against the step for a few runs, and where each one's Q ends.

    Args:
        x: The grid.
        p: The target on the grid.
        runs: ``(label, loss name, fit, index)`` per run: the run is element ``index`` of
            a batched fit, or the fit itself when ``index`` is None.
    """
    styles = ("-", "--", ":", "-.")
    picked = []
    for label, name, result, k in runs:
        at = (slice(None),) if k is None else (slice(None), k)
        end = () if k is None else (k,)
        path = result.trajectory.mu[at]
        picked.append((label, name, path, float(result.mu[end]), float(result.sigma[end])))

    def draw() -> Figure:
        colors = palette()
        fig, axes = new_figure(width=WIDTH, ncols=2, height=3.0)
        axes[1].fill_between(_np(x), _np(p), color=colors["target"], alpha=0.25)
        for (label, name, path, mu, sigma), style in zip(picked, styles, strict=False):
            steps = np.arange(len(path))[::10]
            axes[0].plot(steps, _np(path)[::10], color=colors[name], linestyle=style, label=label)
            axes[1].plot(_np(x), _density(x, mu, sigma), color=colors[name], linestyle=style)
        axes[0].set_xlabel("step")
        axes[0].set_ylabel("mu")
        axes[1].set_xlabel("x")
        axes[1].set_ylabel("density at the last step")
        _legend_below(fig, ncols=3)
        return fig

    ends = "; ".join(f"{label} ends at mu = {mu:.4f}" for label, _, _, mu, _ in picked)
    return show(
        draw,
        alt=f"Left: mu against the step for three runs: {ends}. Right: the final Q of each run "
        "over the shaded P: each sits on one of P's two peaks, with the peak's own width.",
    )


def fitted_densities(
    x: Tensor,
    p: Tensor,
    original: tuple[Tensor, Tensor],
    corrected: tuple[Tensor, Tensor],
    analytic: tuple[float, float],
) -> FigureHTML:
    """The original's, the corrected and the analytic Gaussian over a shaded target.

    Args:
        x: The grid.
        p: The (normalised) target on the grid.
        original: (mu, sigma) where the original's run stopped.
        corrected: (mu, sigma) of the corrected fit.
        analytic: (mu, sigma) of the analytic answer.
    """
    a_mu, a_sigma = analytic
    curves: list[tuple[str, str, str, float, float]] = [
        (
            "original (Adam, 10,000 steps)",
            "forward_kl",
            "--",
            float(original[0]),
            float(original[1]),
        ),
        ("corrected (Newton)", "forward_kl", "-", float(corrected[0]), float(corrected[1])),
        (f"analytic N({a_mu:g}, {a_sigma**2:g})", "analytic", ":", a_mu, a_sigma),
    ]

    def draw() -> Figure:
        colors = palette()
        fig, ax = new_figure(width=WIDTH, height=3.0)
        ax.fill_between(_np(x), _np(p), color=colors["target"], alpha=0.25, label="P (mixture)")
        for label, role, style, mu, sigma in curves:
            ax.plot(
                _np(x), _density(x, mu, sigma), color=colors[role], linestyle=style, label=label
            )
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        _legend_below(fig)
        return fig

    described = "; ".join(f"{c[0]}, mu {c[3]:.4f}, sigma {c[4]:.4f}" for c in curves)
    return show(
        draw,
        alt=f"The normalised mixture P shaded, with peaks at -5 and 10, and three Gaussians over "
        f"it: {described}. The corrected curve lies exactly on the analytic one; the original's "
        "is narrower and higher.",
    )


def _loss_bands(
    ax: Axes, a: Array, b: Array, values: Array, levels: Sequence[float], norm: Any = None
) -> Any:
    """Filled, rasterised bands of a map (light = low) with thin vector lines between them."""
    if norm is not None:
        # A log colour scale masks values <= 0 with a warning; none is meaningful on a map
        # of losses drawn on a log scale, so they take the lowest band.
        values = np.maximum(values, levels[0])
    bands = ax.contourf(a, b, values, levels=list(levels), cmap=landscape_colormap(), norm=norm)
    bands.set_rasterized(True)  # flat bands make a small embedded image
    return bands


def kl_map_with_paths(
    mus: Tensor,
    sigmas: Tensor,
    kl_map: Tensor,
    adam: Trajectory,
    newton: Trajectory,
    minimum: tuple[float, float],
) -> FigureHTML:
    """The forward KL over (mu, sigma), in nats, with the paths of two fits on it.

    Args:
        mus: The map's mu values (first axis of ``kl_map``).
        sigmas: The map's sigma values (second axis).
        kl_map: D_KL(P || Q) in nats at each (mu, sigma).
        adam: The original's Adam path (drawn every 10th step).
        newton: The Newton path (a marker at each step).
        minimum: The analytic minimum (mu, sigma).
    """
    steps = len(adam.mu) - 1
    paths = [
        (f"Adam, {steps:,} steps (original)", "--", adam.mu[::10], adam.sigma[::10]),
        (f"Newton, {len(newton.mu) - 1} steps", "-", newton.mu, newton.sigma),
    ]
    m, s = np.meshgrid(_np(mus), _np(sigmas), indexing="ij")
    levels = [1.34, 1.4, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0]

    def draw() -> Figure:
        colors = palette()
        fig, ax = new_figure(width=WIDTH, height=4.4)
        bands = _loss_bands(
            ax, m, s, _np(kl_map), [float(_np(kl_map).min()), *levels, 1e3], norm=LogNorm()
        )
        lines = ax.contour(
            m, s, _np(kl_map), levels=levels, colors=colors["target"], linewidths=0.6
        )
        ax.clabel(lines, fontsize=9, fmt="%.2f")
        for label, style, mu_path, sigma_path in paths:
            marker = "o" if len(mu_path) < 100 else None
            ax.plot(
                _np(mu_path),
                _np(sigma_path),
                color=colors["forward_kl"],
                linestyle=style,
                marker=marker,
                markersize=4,
                label=label,
            )
        ax.plot(
            *minimum,
            marker="*",
            markersize=14,
            linestyle="none",
            color=colors["analytic"],
            label="analytic minimum",
        )
        ax.set_xlabel("mu")
        ax.set_ylabel("sigma")
        ax.grid(False)
        bar = fig.colorbar(bands, ax=ax, ticks=[1.4, 2, 3, 4, 6, 10])
        bar.ax.set_yticklabels(["1.4", "2", "3", "4", "6", "10"])
        bar.set_label("D_KL(P ‖ Q) in nats (log scale)")
        bar.ax.minorticks_off()
        _legend_below(fig, ncols=3)
        return fig

    return show(
        draw,
        alt=f"A map of the forward KL divergence over mu (horizontal) and sigma (vertical), light "
        f"where it is low, with contour lines labelled in nats and a colour bar; the minimum, "
        f"a star at mu {minimum[0]:.4f}, sigma {minimum[1]:.4f}, lies at the bottom of a long "
        "valley that rises slowly in sigma. Adam's dashed path curves from (0, 1) up to mu 2.5 "
        "and stops well below the star; Newton's path reaches the star in a few large steps.",
    )


def loss_landscapes(
    mus: Tensor,
    sigmas: Tensor,
    ranks: Mapping[tuple[str, str], Tensor],
    minima: Mapping[tuple[str, str], tuple[Tensor, Tensor]],
    width: float,
) -> FigureHTML:
    """Every loss over (mu, sigma) against each target, coloured by rank, with its minima.

    Args:
        mus: The map's mu values.
        sigmas: The map's sigma values (drawn on a log scale).
        ranks: For each (target, loss), each point's rank among the map's values, in [0, 1].
        minima: For each (target, loss), the (mu, sigma) of the certified minima found.
        width: The grid's width, drawn as a dashed line (``fit`` stops a run past it).
    """
    m, s = np.meshgrid(_np(mus), _np(sigmas), indexing="ij")
    targets = list(dict.fromkeys(t for t, _ in ranks))
    names = list(dict.fromkeys(n for _, n in ranks))
    levels = [0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0]

    def draw() -> Figure:
        colors = palette()
        fig, axes = new_figure(
            width=WIDTH,
            ncols=len(targets),
            nrows=len(names),
            height=13.5,
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        bands: Any = None
        for col, target in enumerate(targets):
            for row, name in enumerate(names):
                ax = axes[row, col]
                rank = _np(ranks[target, name])
                bands = _loss_bands(ax, m, s, rank, levels)
                ax.contour(m, s, rank, levels=levels[1:4], colors=colors["target"], linewidths=0.4)
                # Many starts end on the same minimum: one marker each (one SVG element).
                found = np.stack([_np(v) for v in minima[target, name]], axis=-1)
                mu_k, sigma_k = np.unique(found.round(3), axis=0).T
                ax.plot(
                    mu_k,
                    sigma_k,
                    "o",
                    color=colors[name],
                    markeredgecolor=colors["analytic"],
                    markersize=6,
                    linestyle="none",
                )
                ax.axhline(width, color=colors["target"], linestyle="--", linewidth=0.8)
                ax.set_yscale("log")
                ax.minorticks_off()  # each minor tick is an element of the SVG
                ax.set_title(f"{LABELS[name]} vs the {target}", fontsize=10)
                ax.grid(False)
                # Tick marks only beside tick labels: each one is an element of the SVG.
                ax.tick_params(axis="x", which="both", bottom=row == len(names) - 1)
                ax.tick_params(axis="y", which="both", left=col == 0)
            axes[-1, col].set_xlabel("mu")
        for row in range(len(names)):
            axes[row, 0].set_ylabel("sigma")
        bar = fig.colorbar(bands, ax=axes, location="bottom", shrink=0.8, aspect=40)
        bar.set_label("rank of the loss in its panel (0 = lowest, 1 = highest; no unit)")
        return fig

    return show(
        draw,
        alt="Ten maps of loss over mu (-15 to 20, horizontal) and sigma (0.3 to 40, log scale, "
        "vertical), light where the loss is low, one row per loss, left against the sum of "
        "the two densities and right against the normalised mixture; markers are the local "
        "minima the Newton fits found, listed in the table above. Forward KL has one light "
        "basin. Reverse KL has two minima, at the modes. MSE, L1 and cosine each have minima "
        "at the two modes and a third with a wide sigma between or beside them; against the "
        "mixture L1's minima at the modes spread into flat sets. Cosine's two panels are "
        "identical.",
    )


def basin_maps(
    starts: Tensor,
    ends: Mapping[tuple[str, str], tuple[Tensor, Tensor, Tensor]],
    wide: float,
) -> FigureHTML:
    """Final mu against starting mu for every loss and target.

    Args:
        starts: The starting mu of each fit (sigma = 1).
        ends: For each (target, loss): final mu, final sigma, converged (bool).
        wide: The sigma from which a converged Q counts as wide.
    """
    targets = list(dict.fromkeys(t for t, _ in ends))
    names = list(dict.fromkeys(n for _, n in ends))
    x = _np(starts)

    def draw() -> Figure:
        colors = palette()
        fig, axes = new_figure(
            width=WIDTH,
            ncols=len(targets),
            nrows=len(names),
            height=13,
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        for col, target in enumerate(targets):
            for row, name in enumerate(names):
                ax = axes[row, col]
                mu, sigma, ok = ends[target, name]
                final = _np(mu.clamp(-19.5, 19.5))
                done = ok.cpu().numpy()
                narrow = done & (_np(sigma) < wide)
                spread = done & (_np(sigma) >= wide)
                for level in (-5.0, 2.5, 10.0):
                    ax.axhline(level, color=colors["target"], linestyle=":", linewidth=0.8)
                # 256 markers per panel: rasterised, so the page stays light.
                ax.plot(
                    x[narrow], final[narrow], "o", color=colors[name], markersize=3, rasterized=True
                )
                ax.plot(
                    x[spread],
                    final[spread],
                    "o",
                    markerfacecolor="none",
                    color=colors["target"],
                    markersize=4,
                    rasterized=True,
                )
                ax.plot(
                    x[~done],
                    final[~done],
                    "x",
                    color=colors["analytic"],
                    markersize=4,
                    rasterized=True,
                )
                ax.set_ylim(-20, 20)
                ax.set_title(f"{LABELS[name]} vs the {target}", fontsize=10)
            axes[-1, col].set_xlabel("starting mu (sigma = 1)")
        for row in range(len(names)):
            axes[row, 0].set_ylabel("final mu")
        axes[0, 0].plot(
            [],
            [],
            "o",
            color=colors["target"],
            markersize=3,
            label=f"converged on a mode (sigma < {wide:g}), in the loss's colour",
        )
        axes[0, 0].plot(
            [],
            [],
            "o",
            markerfacecolor="none",
            color=colors["target"],
            markersize=4,
            label=f"converged, wide Q (sigma ≥ {wide:g})",
        )
        axes[0, 0].plot([], [], "x", color=colors["analytic"], markersize=4, label="not converged")
        _legend_below(fig, ncols=1)
        return fig

    return show(
        draw,
        alt="Ten scatter plots of final mu against starting mu from -14 to 14, one row per loss, "
        "left against the sum, right against the mixture. Forward KL: every start ends at 2.5 "
        "with a wide Q. Reverse KL and MSE: a step function, starts left of the midpoint end "
        "at -5 and starts right of it at 10, except at the far left, where crosses mark runs "
        "that did not converge. L1: starts near the middle end at 2.5 with a wide Q, starts "
        "near a mode end on that mode; against the mixture the mode endings scatter over flat "
        "sets. Cosine: starts near a mode end on it; a band of starts in the middle ends at a "
        "wide Q near mu 11; far starts do not converge.",
    )


def swa_map(
    grid: Tensor,
    kl: Tensor,
    runs: Sequence[tuple[Tensor, Tensor]],
    cross: Tensor | None,
) -> FigureHTML:
    """The KL over the two means of a two-component Q, with SGD paths and SWA averages.

    Args:
        grid: The values of a and of b on the map's axes.
        kl: D_KL(P || Q) in nats, indexed [a, b].
        runs: ``(path, average)`` per run: the SGD path (steps, 2) and its SWA average (2,).
        cross: The average of two runs from different basins, if there is one.
    """
    a, b = np.meshgrid(_np(grid), _np(grid), indexing="ij")
    values = _np(kl)
    levels = [0.05, 0.2, 0.5, 1, 2, 4, 8, 16, 32]

    def draw() -> Figure:
        colors = palette()
        fig, ax = new_figure(width=6, height=6.2)
        bands = _loss_bands(
            ax,
            a,
            b,
            values,
            [max(float(values.min()), 0.01), *levels, float(values.max()) + 1],
            norm=LogNorm(),
        )
        lines = ax.contour(a, b, values, levels=levels, colors=colors["target"], linewidths=0.6)
        ax.clabel(lines, fontsize=9, fmt="%g")
        for path, average in runs:
            ax.plot(
                _np(path[::5, 0]),
                _np(path[::5, 1]),
                color=colors["forward_kl"],
                linewidth=0.8,
                alpha=0.8,
            )
            ax.plot(
                float(path[0, 0]), float(path[0, 1]), "s", color=colors["forward_kl"], markersize=5
            )
            ax.plot(
                float(average[0]), float(average[1]), "*", color=colors["analytic"], markersize=11
            )
        if cross is not None:
            ax.plot(
                float(cross[0]),
                float(cross[1]),
                "X",
                color=colors["reverse_kl"],
                markersize=10,
                linestyle="none",
                label="average of two runs from different basins",
            )
        ax.plot([], [], "s", color=colors["forward_kl"], label="start of a run (then its SGD path)")
        ax.plot(
            [], [], "*", color=colors["analytic"], linestyle="none", label="SWA average of one run"
        )
        ax.set_xlabel("a")
        ax.set_ylabel("b")
        ax.set_aspect("equal")
        ax.grid(False)
        bar = fig.colorbar(bands, ax=ax, shrink=0.8, ticks=[0.05, 0.2, 0.5, 2, 8, 32])
        bar.ax.set_yticklabels(["0.05", "0.2", "0.5", "2", "8", "32"])
        bar.ax.minorticks_off()
        bar.set_label("D_KL(P ‖ Q) in nats (log scale)")
        _legend_below(fig, ncols=1)
        return fig

    cross_text = ""
    if cross is not None:
        cross_text = (
            f" A cross marks the average of two runs from different minima, at "
            f"({float(cross[0]):.2f}, {float(cross[1]):.2f}) near the diagonal, where the "
            "divergence is high."
        )
    return show(
        draw,
        alt="A map of the KL divergence over the two means a and b, from -15 to 15, light where "
        "it is low, with labelled contours in nats and a colour bar: two deep minima, at "
        "(-5, 10) and (10, -5), mirror images across the diagonal. Four SGD runs start at "
        "squares scattered over the plane and wander into one minimum or the other; each "
        "run's SWA average, a star, sits at the centre of its minimum." + cross_text,
    )
