"""The bookkeeping of a fit in progress: where it stands, why it stopped, the path it took.

Each start carries a status code. Running starts are 0; every other code is a reason to
stop, and becomes a sentence in [`reasons`][kltutorial.FitResult.reasons].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

RUNNING = 0
CONVERGED = 1
CONVERGED_FLAT = 2
NON_FINITE = 3
TOO_WIDE = 4
TOO_NARROW = 5
OFF_GRID = 6
STEP_LIMIT = 7
INFINITE_LOSS = 8
STILL_MOVING = 9
SIGMA_INFINITE = 10
SIGMA_NOT_POSITIVE = 11
UNDEFINED_LOSS = 12
BETWEEN_POINTS = 13
SIGMA_UNDERFLOW = 14

MESSAGES = {
    CONVERGED: "converged",
    CONVERGED_FLAT: (
        "converged to within tol: no nearby point in 8 directions lowers the loss by more "
        "than tol times its value (a flat or kinked minimum the Hessian cannot certify)"
    ),
    NON_FINITE: "mu or sigma became NaN (a NaN gradient makes NaN parameters)",
    SIGMA_INFINITE: "sigma became infinite (it overflowed: the fit blew up)",
    SIGMA_NOT_POSITIVE: (
        "sigma became <= 0 (a raw sigma is unconstrained: a step took it through zero)"
    ),
    SIGMA_UNDERFLOW: (
        "sigma underflowed to 0 (log sigma went towards -inf, below where exp(log sigma) "
        "is representable: the fit collapsed Q to a point)"
    ),
    TOO_WIDE: (
        "sigma grew past the grid's width: Q is spreading onto a plateau where the loss "
        "stops changing"
    ),
    TOO_NARROW: "sigma shrank below half the grid spacing, which cannot resolve Q",
    OFF_GRID: "mu left the grid",
    STEP_LIMIT: "stopped at the step limit",
    INFINITE_LOSS: "the loss is infinite here (Q has mass where the target is zero)",
    UNDEFINED_LOSS: "the loss is undefined (NaN) here",
    BETWEEN_POINTS: (
        "Q fell between grid points: no grid point lies within 5 sigma of mu, so the "
        "grid cannot see Q"
    ),
}


@dataclass(frozen=True)
class Bounds:
    """Where a fit stops meaning anything on this grid.

    ``narrowest`` is the smallest sigma the grid resolves, half its spacing; it is 0 for
    a loss computed in closed form in (mu, sigma) (the forward KL), whose value does not
    depend on resolving Q on the grid, so a path that narrows Q on the way to the
    minimum is not cut off.
    """

    low: float
    high: float
    width: float
    narrowest: float
    gaps: Tensor | None = None
    """The grid, if it is so uneven that Q can fall between two of its points."""

    @classmethod
    def of(cls, grid: Tensor, resolve_q: bool = True) -> Bounds:
        """The bounds of a 1-D increasing grid; ``resolve_q``: whether sigma must resolve."""
        low, high = float(grid[0]), float(grid[-1])
        spacings = grid[1:] - grid[:-1]
        spacing = float(spacings.min())
        # On a grid whose largest gap is below 10 times its smallest, a Q at least half
        # the smallest spacing wide always has a grid point within 5 sigma of its mean.
        uneven = resolve_q and float(spacings.max()) > 10 * spacing
        narrowest = spacing / 2 if resolve_q else 0.0
        return cls(low, high, high - low, narrowest, grid if uneven else None)

    def between_points(self, mu: Tensor, sigma: Tensor) -> Tensor:
        """Where no grid point lies within 5 sigma of mu (only on an uneven grid)."""
        if self.gaps is None:
            return torch.zeros(mu.shape, dtype=torch.bool)
        grid = self.gaps.to(mu.dtype)
        right = torch.searchsorted(grid, mu.clamp(self.low, self.high)).clamp(1, len(grid) - 1)
        nearest = torch.minimum((grid[right] - mu).abs(), (grid[right - 1] - mu).abs())
        return nearest > 5 * sigma

    def check(self, mu: Tensor, sigma: Tensor, raw_sigma: bool = False) -> Tensor:
        """A status code per element: a reason to stop, or RUNNING to go on.

        ``raw_sigma``: whether the optimiser steps sigma itself (Adam's ``"raw"``), where
        a step can take it through zero; otherwise it steps log sigma, and sigma = 0 is
        exp(log sigma) underflowing.
        """
        code = torch.full(mu.shape, RUNNING, dtype=torch.long)
        # Assigned in reverse order of priority, so that the first matching reason wins.
        code[(mu < self.low) | (mu > self.high)] = OFF_GRID
        code[self.between_points(mu, sigma)] = BETWEEN_POINTS
        code[sigma < self.narrowest] = TOO_NARROW
        code[sigma > self.width] = TOO_WIDE
        code[sigma <= 0] = SIGMA_NOT_POSITIVE if raw_sigma else SIGMA_UNDERFLOW
        code[sigma == math.inf] = SIGMA_INFINITE
        code[mu.isnan() | sigma.isnan()] = NON_FINITE
        return code

    def start(self, mu: Tensor, sigma: Tensor, loss: Tensor) -> Tensor:
        """The status of starting points, given the loss there: the one check at the start.

        Starts outside the bounds stop at once, and so do starts where the loss is not
        finite: no step from there could be trusted, and a NaN must not become a result.
        """
        code = self.check(mu, sigma)
        running = code == RUNNING
        code[running & loss.isnan()] = UNDEFINED_LOSS
        code[running & loss.isinf()] = INFINITE_LOSS
        return code


@dataclass
class Run:
    """A fit in progress: parameters, per-element status and the recorded path."""

    mu: Tensor
    sigma: Tensor
    loss: Tensor
    status: Tensor
    steps: Tensor
    path_mu: list[Tensor] = field(default_factory=list)
    path_sigma: list[Tensor] = field(default_factory=list)
    path_loss: list[Tensor] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def start(cls, mu: Tensor, sigma: Tensor, loss: Tensor, bounds: Bounds) -> Run:
        """Record the starting point; starts already out of bounds stop at once."""
        status = bounds.start(mu, sigma, loss)
        run = cls(mu.clone(), sigma.clone(), loss.clone(), status, torch.zeros_like(status))
        run.record(torch.zeros_like(status, dtype=torch.bool))
        return run

    @property
    def active(self) -> Tensor:
        """Which elements are still running."""
        return self.status == RUNNING

    def stop(self, index: Tensor, code: Tensor | int) -> None:
        """Give the still-running elements among ``index`` the status ``code``."""
        code = torch.as_tensor(code).expand(index.shape)
        running = self.status[index] == RUNNING
        self.status[index[running]] = code[running]

    def record(self, moved: Tensor) -> None:
        """Append the current state to the path; count a step for elements that moved."""
        self.steps += moved.long()
        self.path_mu.append(self.mu.clone())
        self.path_sigma.append(self.sigma.clone())
        self.path_loss.append(self.loss.clone())

    def reasons(self) -> tuple[str, ...]:
        """One sentence per element; elements still running hit the step limit."""
        return tuple(
            self.notes.get(i, MESSAGES.get(code, MESSAGES[STEP_LIMIT]))
            for i, code in enumerate(self.status.tolist())
        )
