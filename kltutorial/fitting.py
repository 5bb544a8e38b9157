r"""Fitting $Q = \mathcal N(\mu, \sigma^2)$ to a target by minimising a loss on a grid.

Two optimisers:

* ``"newton"`` (the default): a damped Newton method (Levenberg-Marquardt) on
  $(\mu, \log\sigma)$, with exact first and second derivatives in closed form
  (`kltutorial.derivatives`). Two parameters make the Hessian a 2x2 matrix, so each
  step is cheap, and the method stops when the Newton step is below ``tol`` at a point
  where the Hessian is positive definite: a certified local minimum, not a step budget
  running out. Where the Hessian cannot certify a minimum (L1's flat regions and kinks), a
  compass search finishes the job (`kltutorial.newton`).
* ``"adam"``: plain gradient steps with ``torch.optim.Adam``, for showing what the
  learning rate and the parameterisation of $\sigma$ do (`kltutorial.adam`).
  There is no certificate: a run counts as converged when $\mu$ and $\sigma$
  changed by less than a ten-thousandth over its last tenth of steps.

Every start ends with a reason: converged, or why not. A fit whose $\sigma$ grows
past the grid's width (a plateau where the loss stops changing), shrinks below half its
spacing, or whose $\mu$ leaves the grid is stopped there and is not converged.

Many starting points are fitted at once: ``mu`` and ``sigma`` broadcast to a batch, the
losses are evaluated on a ``(batch, grid)`` array, and the batch elements never interact
(the summed loss separates, Adam is element-wise and Newton solves one 2x2 system each).

``faithful=True`` reproduces the original 2019 recipe: the losses as
``torch.nn.functional`` computes them (``kl_div(log q, p)`` with reduction ``'mean'``,
``mse_loss``, ``l1_loss``, ``cosine_similarity``), Adam at its default learning rate for
10,000 steps, $\sigma$ a raw unconstrained parameter, in the grid's dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import torch
from torch import Tensor

from kltutorial.adam import LossOfLogQ, SigmaParam, adam, analytic_evaluator, autograd_evaluator
from kltutorial.losses import get_definition
from kltutorial.newton import minimise
from kltutorial.objective import Objective
from kltutorial.progress import CONVERGED, CONVERGED_FLAT, Bounds, Run
from kltutorial.validation import (
    as_float_tensor,
    check_bool,
    check_broadcast,
    check_finite,
    check_grid,
    check_not_nan,
    check_positive,
    check_positive_number,
    check_whole_number,
)

Optimizer = Literal["newton", "adam"]


class Density(Protocol):
    """Anything with a ``log_prob(x)``: a [`Gaussian`][kltutorial.Gaussian] or a ``Mixture``."""

    def log_prob(self, x: Tensor) -> Tensor:
        """Log-density at ``x``."""
        ...


@dataclass(frozen=True)
class Trajectory:
    """The path of a fit: one row per iteration (row 0 is the start), then the batch shape.

    A start that stopped early keeps its last values in the later rows.
    """

    mu: Tensor
    sigma: Tensor
    loss: Tensor


@dataclass(frozen=True)
class FitResult:
    """What [`fit`][kltutorial.fit] found.

    ``mu``, ``sigma``, ``loss`` and ``converged`` have the broadcast shape of the starting
    ``mu`` and ``sigma`` (a 0-d tensor for one start) and the dtype of ``x``. ``reasons``
    has one entry per start, in row-major order.

    Attributes:
        mu: Fitted means.
        sigma: Fitted standard deviations.
        loss: The loss at the fitted parameters.
        converged: Whether each fit reached a local minimum (certified by Newton, to within
            ``tol`` by the compass search, or standing still under Adam).
        reasons: ``"converged"``, ``"converged to within tol: ..."`` (a flat or kinked
            minimum), or why not, e.g. ``"mu left the grid"``.
        steps: The number of iterations in which each fit moved.
        trajectory: ``mu``, ``sigma`` and the loss at every iteration, shape
            ``(iterations + 1, *batch)``.
    """

    mu: Tensor
    sigma: Tensor
    loss: Tensor
    converged: Tensor
    reasons: tuple[str, ...]
    steps: Tensor
    trajectory: Trajectory


def fit(
    target: Density | Tensor,
    x: Tensor,
    loss: str = "forward_kl",
    mu: float | Tensor = 0.0,
    sigma: float | Tensor = 1.0,
    *,
    optimizer: Optimizer | None = None,
    lr: float = 1e-3,
    max_steps: int | None = None,
    sigma_param: SigmaParam | None = None,
    tol: float = 1e-9,
    faithful: bool = False,
) -> FitResult:
    r"""Fit $Q = \mathcal N(\mu, \sigma^2)$ to ``target`` by minimising ``loss`` on ``x``.

    Args:
        target: A distribution with ``log_prob`` ([`Gaussian`][kltutorial.Gaussian],
            [`Mixture`][kltutorial.Mixture]), or a tensor of density values on ``x`` at any scale
            (the original's ``p1.prob(x) + p2.prob(x)`` works as it is).
        x: The 1-D increasing grid the losses integrate over.
        loss: ``"forward_kl"``, ``"reverse_kl"``, ``"mse"``, ``"l1"`` or ``"cosine"``.
        mu: Starting mean(s); a tensor fits every start at once.
        sigma: Starting standard deviation(s), positive; broadcasts with ``mu``.
        optimizer: ``"newton"`` (default) or ``"adam"`` (default with ``faithful``).
        lr: Adam's learning rate.
        max_steps: Step limit; 500 for Newton, 10,000 for Adam.
        sigma_param: ``"log"`` ($\sigma = e^s$, positive by construction; default) or
            ``"raw"`` ($\sigma$ itself, as the original; Adam only, default with
            ``faithful``).
        tol: Newton stops when its step in $(\mu, \log\sigma)$ is below this at a
            positive-definite Hessian. Where the Hessian cannot certify a minimum, the
            compass search stops when no point it probes, down to a radius of ``tol``, is
            lower by more than ``tol`` times the loss.
        faithful: Reproduce the original recipe (see the
            [module docstring][kltutorial.fitting]).

    Returns:
        A [`FitResult`][kltutorial.FitResult].

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``loss`` is unknown, ``sigma`` is not positive, ``x`` is not an
            increasing grid, the target's values do not match ``x`` or are negative, or the
            options contradict each other.

    Examples:
        >>> from kltutorial import Gaussian, Mixture
        >>> p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        >>> x = torch.linspace(-15, 15, 1000)
        >>> result = fit(p, x, "forward_kl")
        >>> result.mu, result.sigma
        (tensor(2.5000), tensor(7.5664))
    """
    x = check_grid(x)
    definition = get_definition(loss)  # raises for an unknown name
    mu_t = as_float_tensor(mu, "mu")
    sigma_t = as_float_tensor(sigma, "sigma")
    check_finite(mu_t, "mu")
    check_positive(sigma_t, "sigma")
    batch_shape = check_broadcast({"mu": mu_t.shape, "sigma": sigma_t.shape})
    faithful = check_bool(faithful, "faithful")
    optimizer, sigma_param, max_steps = _resolve_options(
        optimizer, sigma_param, max_steps, faithful
    )
    lr = check_positive_number(lr, "lr")
    tol = check_positive_number(tol, "tol")

    # Faithful runs keep the grid's dtype (float32 in the original); the others work in
    # float64, where a certified minimum to 1e-9 is reachable, and report in x's dtype.
    dtype = x.dtype if faithful else torch.float64
    grid = x.to(dtype)
    log_p = _target_log_density(target, grid)
    mu0 = mu_t.detach().to(dtype).expand(batch_shape).reshape(-1).clone()
    sigma0 = sigma_t.detach().to(dtype).expand(batch_shape).reshape(-1).clone()
    # The forward KL is computed in closed form in (mu, sigma) except when faithful: a
    # narrow Q on the way to its minimum is no reason to stop it.
    bounds = Bounds.of(grid, resolve_q=faithful or definition.in_theta is None)
    if optimizer == "newton":
        run = minimise(Objective(loss, log_p, grid), mu0, sigma0, max_steps, tol, bounds)
    else:
        if faithful:
            evaluate = autograd_evaluator(_torch_form(loss, target, grid), grid, sigma_param)
        else:
            evaluate = analytic_evaluator(Objective(loss, log_p, grid), sigma_param)
        run = adam(evaluate, mu0, sigma0, max_steps, lr, sigma_param, bounds)
    # A divergence is >= 0; rounding can leave it a hair below (-1e-9 at a minimum of the
    # forward KL). The faithful runs report torch.nn.functional's values as they are.
    return _result(run, batch_shape, x.dtype, nonnegative=definition.nonnegative and not faithful)


def _resolve_options(
    optimizer: Optimizer | None,
    sigma_param: SigmaParam | None,
    max_steps: int | None,
    faithful: bool,
) -> tuple[Optimizer, SigmaParam, int]:
    """Fill in defaults and reject contradictory combinations."""
    if optimizer is None:
        optimizer = "adam" if faithful else "newton"
    if optimizer not in ("newton", "adam"):
        raise ValueError(f"optimizer must be 'newton' or 'adam', got {optimizer!r}")
    if faithful and optimizer != "adam":
        raise ValueError("faithful=True reproduces the original, which used optimizer='adam'")
    if sigma_param is None:
        sigma_param = "raw" if faithful else "log"
    if sigma_param not in ("log", "raw"):
        raise ValueError(f"sigma_param must be 'log' or 'raw', got {sigma_param!r}")
    if optimizer == "newton" and sigma_param == "raw":
        raise ValueError("sigma_param='raw' needs optimizer='adam'; Newton works on log sigma")
    if max_steps is None:
        max_steps = 10_000 if optimizer == "adam" else 500
    return optimizer, sigma_param, check_whole_number(max_steps, "max_steps", 1)


def _target_log_density(target: Density | Tensor, x: Tensor) -> Tensor:
    """The target's log-density on ``x`` in ``x``'s dtype, from a distribution or values.

    A distribution is evaluated on ``x`` itself (in float64 for the Newton fits), not on
    a float32 copy, so that the fit is not limited by float32 rounding of the target.
    """
    if isinstance(target, Tensor):
        values = as_float_tensor(target, "target")
        if values.shape != x.shape:
            raise ValueError(
                f"target must hold one density value per grid point, shape {tuple(x.shape)}; "
                f"got shape {tuple(values.shape)}"
            )
        check_not_nan(values, "target")
        if bool((values < 0).any()) or not bool(torch.isfinite(values).all()):
            raise ValueError("target must hold finite density values >= 0")
        if not bool((values > 0).any()):
            raise ValueError("target must be positive somewhere on the grid, got all zeros")
        return values.detach().to(x.dtype).log()
    if not callable(getattr(target, "log_prob", None)):
        raise TypeError(
            "target must be a distribution with log_prob (Gaussian, Mixture) or a tensor "
            f"of density values; got {type(target).__name__}"
        )
    log_p = target.log_prob(x).detach().to(x.dtype)
    if log_p.shape != x.shape:
        raise ValueError(
            f"target must be a single distribution: its log_prob on x has shape "
            f"{tuple(log_p.shape)}, expected {tuple(x.shape)}"
        )
    check_not_nan(log_p, "target")
    return log_p


def _torch_form(loss: str, target: Density | Tensor, x: Tensor) -> LossOfLogQ:
    """The original's loss, as ``torch.nn.functional`` computes it, per batch row."""
    # The original passed density values (not logs) as the target, as given.
    p = target.detach() if isinstance(target, Tensor) else target.log_prob(x).detach().exp()
    p = p.to(x.dtype)
    torch_form = get_definition(loss).torch_form

    def objective(log_q: Tensor) -> Tensor:
        return torch_form(p, log_q)

    return objective


def _result(
    run: Run, batch_shape: torch.Size, dtype: torch.dtype, nonnegative: bool = False
) -> FitResult:
    """Package a finished run, in the batch shape of the starts and the dtype of x.

    With ``nonnegative`` (a divergence), the reported losses, final and along the path,
    are clamped at 0: the optimisers compare the unclamped values, the reader never sees
    a negative divergence.
    """
    converged = (run.status == CONVERGED) | (run.status == CONVERGED_FLAT)

    def shaped(values: Tensor) -> Tensor:
        return values.to(dtype).reshape(batch_shape)

    def path(rows: list[Tensor]) -> Tensor:
        # Newton records one row per step; Adam records its whole path as one block.
        block = torch.cat([row.reshape(-1, run.mu.shape[0]) for row in rows])
        return block.to(dtype).reshape(len(block), *batch_shape)

    def reported(loss: Tensor) -> Tensor:
        return loss.clamp_min(0) if nonnegative else loss

    return FitResult(
        mu=shaped(run.mu),
        sigma=shaped(run.sigma),
        loss=reported(shaped(run.loss)),
        converged=converged.reshape(batch_shape),
        reasons=run.reasons(),
        steps=run.steps.reshape(batch_shape),
        trajectory=Trajectory(
            path(run.path_mu), path(run.path_sigma), reported(path(run.path_loss))
        ),
    )
