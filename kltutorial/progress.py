"""The bookkeeping of a fit in progress: where it stands, why it stopped, the path it took.

Each start carries a status code. Running starts are 0; every other code is a reason to
stop, and becomes a sentence in [`reasons`][kltutorial.FitResult.reasons].
"""

from __future__ import annotations

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

MESSAGES = {
    CONVERGED: "converged",
    CONVERGED_FLAT: (
        "converged to within tol: no nearby point in 8 directions lowers the loss by more "
        "than tol times its value (a flat or kinked minimum the Hessian cannot certify)"
    ),
    NON_FINITE: (
        "mu or sigma became NaN, or sigma non-positive (raw sigma is unconstrained, and a "
        "NaN gradient makes NaN parameters)"
    ),
    TOO_WIDE: (
        "sigma grew past the grid's width: Q is spreading onto a plateau where the loss "
        "stops changing"
    ),
    TOO_NARROW: "sigma shrank below half the grid spacing, which cannot resolve Q",
    OFF_GRID: "mu left the grid",
    STEP_LIMIT: "stopped at the step limit",
    INFINITE_LOSS: "the loss is infinite here (Q has mass where the target is zero)",
}


@dataclass(frozen=True)
class Bounds:
    """Where a fit stops meaning anything on this grid."""

    low: float
    high: float
    width: float
    spacing: float

    @classmethod
    def of(cls, grid: Tensor) -> Bounds:
        """The bounds of a 1-D increasing grid."""
        low, high = float(grid[0]), float(grid[-1])
        return cls(low, high, high - low, float((grid[1:] - grid[:-1]).min()))

    def check(self, mu: Tensor, sigma: Tensor) -> Tensor:
        """A status code per element: a reason to stop, or RUNNING to go on."""
        code = torch.full(mu.shape, RUNNING, dtype=torch.long)
        # Assigned in reverse order of priority, so that the first matching reason wins.
        code[(mu < self.low) | (mu > self.high)] = OFF_GRID
        code[sigma < self.spacing / 2] = TOO_NARROW
        code[sigma > self.width] = TOO_WIDE
        code[~(torch.isfinite(mu) & torch.isfinite(sigma) & (sigma > 0))] = NON_FINITE
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
        status = bounds.check(mu, sigma)
        status[(status == RUNNING) & ~torch.isfinite(loss)] = INFINITE_LOSS
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
