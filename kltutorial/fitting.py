r"""Fitting :math:`Q = \mathcal N(\mu, \sigma^2)` to a target by minimising a loss on a grid.

Two optimisers:

* ``"newton"`` (the default): a damped Newton method (Levenberg-Marquardt) on
  :math:`(\mu, \log\sigma)`, with exact second derivatives from autograd. Two parameters
  make the Hessian a 2x2 matrix, so each step is cheap, and the method stops when the
  Newton step is below ``tol`` at a point where the Hessian is positive definite: a
  certified local minimum, not a step budget running out.
* ``"adam"``: plain gradient steps with ``torch.optim.Adam``, for showing what the
  learning rate and the parameterisation of :math:`\sigma` do.

Many starting points are fitted at once: ``mu`` and ``sigma`` broadcast to a batch, the
losses are evaluated on a ``(batch, grid)`` array, and the batch elements never interact
(the summed loss separates, Adam is element-wise and Newton solves one 2x2 system each).

``faithful=True`` reproduces the original 2019 recipe: the losses as
``torch.nn.functional`` computes them (``kl_div(log q, p)`` with reduction ``'mean'``,
``mse_loss``, ``l1_loss``, ``cosine_similarity``), Adam at its default learning rate for
10,000 steps, :math:`\sigma` a raw unconstrained parameter, in the grid's dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor

from kltutorial.losses import get_loss
from kltutorial.validation import (
    as_float_tensor,
    check_broadcast,
    check_grid,
    check_not_nan,
    check_positive,
)

Optimizer = Literal["newton", "adam"]
SigmaParam = Literal["log", "raw"]


class Density(Protocol):
    """Anything with a ``log_prob(x)``: a :class:`~kltutorial.Gaussian` or a ``Mixture``."""

    def log_prob(self, x: Tensor) -> Tensor:
        """Log-density at ``x``."""
        ...


@dataclass(frozen=True)
class Trajectory:
    """The path of a fit: one row per step (row 0 is the start), one column per start."""

    mu: Tensor
    sigma: Tensor
    loss: Tensor


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` found.

    ``mu``, ``sigma``, ``loss`` and ``converged`` have the broadcast shape of the starting
    ``mu`` and ``sigma`` (a 0-d tensor for one start) and the dtype of ``x``. ``reasons``
    has one entry per start, in row-major order.

    Attributes:
        mu: Fitted means.
        sigma: Fitted standard deviations.
        loss: The loss at the fitted parameters.
        converged: Whether each fit reached a local minimum.
        reasons: ``"converged"``, or why not.
        steps: The number of steps each fit took.
        trajectory: ``mu``, ``sigma`` and the loss at every step, shape ``(steps + 1, *batch)``.
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
    r"""Fit :math:`Q = \mathcal N(\mu, \sigma^2)` to ``target`` by minimising ``loss`` on ``x``.

    Args:
        target: A distribution with ``log_prob`` (:class:`~kltutorial.Gaussian`,
            :class:`~kltutorial.Mixture`), or a tensor of density values on ``x`` at any scale
            (the original's ``p1.prob(x) + p2.prob(x)`` works as it is).
        x: The 1-D increasing grid the losses integrate over.
        loss: ``"forward_kl"``, ``"reverse_kl"``, ``"mse"``, ``"l1"`` or ``"cosine"``.
        mu: Starting mean(s); a tensor fits every start at once.
        sigma: Starting standard deviation(s), positive; broadcasts with ``mu``.
        optimizer: ``"newton"`` (default) or ``"adam"`` (default with ``faithful``).
        lr: Adam's learning rate.
        max_steps: Step limit; 500 for Newton, 10,000 for Adam.
        sigma_param: ``"log"`` (:math:`\sigma = e^s`, positive by construction; default) or
            ``"raw"`` (:math:`\sigma` itself, as the original; Adam only, default with
            ``faithful``).
        tol: Newton stops when its step in :math:`(\mu, \log\sigma)` is below this.
        faithful: Reproduce the original recipe (see the module docstring).

    Returns:
        A :class:`FitResult`.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``loss`` is unknown, ``sigma`` is not positive, ``x`` is not an
            increasing grid, the target's values do not match ``x`` or are negative, or the
            options contradict each other.

    Example:
        >>> p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        >>> x = torch.linspace(-15, 15, 1000)
        >>> result = fit(p, x, "forward_kl")
        >>> result.mu, result.sigma
        (tensor(2.5000), tensor(7.5664))
    """
    x = check_grid(x)
    loss_fn = get_loss(loss)
    mu_t = as_float_tensor(mu, "mu")
    sigma_t = as_float_tensor(sigma, "sigma")
    check_not_nan(mu_t, "mu")
    check_positive(sigma_t, "sigma")
    batch_shape = check_broadcast({"mu": mu_t.shape, "sigma": sigma_t.shape})
    optimizer, sigma_param, max_steps = _resolve_options(optimizer, sigma_param, max_steps, faithful)
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be a number > 0, got {tol!r}")

    # Faithful runs keep the grid's dtype (float32 in the original); the others work in
    # float64, where a certified minimum to 1e-9 is reachable, and report in x's dtype.
    dtype = x.dtype if faithful else torch.float64
    grid = x.to(dtype)
    log_p = _target_log_density(target, x).to(dtype)
    mu0 = mu_t.to(dtype).expand(batch_shape).reshape(-1).clone()
    sigma0 = sigma_t.to(dtype).expand(batch_shape).reshape(-1).clone()

    if faithful:
        objective = _torch_form(loss, log_p)
    else:

        def objective(log_q: Tensor) -> Tensor:
            return loss_fn(log_p, log_q, grid)

    bounds = _Bounds.of(grid)
    if optimizer == "newton":
        run = _newton(objective, grid, mu0, sigma0, max_steps, tol, bounds)
    else:
        run = _adam(objective, grid, mu0, sigma0, max_steps, lr, sigma_param, bounds)
    return run.result(batch_shape, x.dtype)


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
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a whole number >= 1, got {max_steps!r}")
    return optimizer, sigma_param, max_steps


def _target_log_density(target: Density | Tensor, x: Tensor) -> Tensor:
    """The target's log-density on ``x``, from a distribution or from density values."""
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
        return values.detach().log()
    if not callable(getattr(target, "log_prob", None)):
        raise TypeError(
            "target must be a distribution with log_prob (Gaussian, Mixture) or a tensor "
            f"of density values; got {type(target).__name__}"
        )
    return target.log_prob(x).detach()


def _torch_form(loss: str, log_p: Tensor) -> _Objective:
    """The original's losses, as ``torch.nn.functional`` computes them, per batch row."""
    p = log_p.exp()  # the original passed density values, not logs, as the target

    def objective(log_q: Tensor) -> Tensor:
        q = log_q.exp()
        target = p.expand_as(q)
        if loss == "forward_kl":  # kl_div(input=log Q, target=P), reduction 'mean'
            return F.kl_div(log_q, target, reduction="none").mean(dim=-1)
        if loss == "reverse_kl":  # the same call with the roles swapped
            return F.kl_div(log_p.expand_as(q), q, reduction="none").mean(dim=-1)
        if loss == "mse":
            return F.mse_loss(q, target, reduction="none").mean(dim=-1)
        if loss == "l1":
            return F.l1_loss(q, target, reduction="none").mean(dim=-1)
        return -F.cosine_similarity(q, target, dim=-1)  # maximise the similarity

    return objective


class _Objective(Protocol):
    def __call__(self, log_q: Tensor) -> Tensor: ...


def _gaussian_log_q(grid: Tensor, mu: Tensor, sigma: Tensor) -> Tensor:
    """log N(x; mu, sigma^2) as a (batch, grid) array, written as torch's Normal writes it."""
    mu, sigma = mu[:, None], sigma[:, None]
    return -((grid - mu) ** 2) / (2 * sigma**2) - sigma.log() - math.log(math.sqrt(2 * math.pi))


@dataclass(frozen=True)
class _Bounds:
    """Where a fit stops meaning anything on this grid."""

    low: float
    high: float
    width: float
    spacing: float

    @classmethod
    def of(cls, grid: Tensor) -> _Bounds:
        low, high = float(grid[0]), float(grid[-1])
        return cls(low, high, high - low, float((grid[1:] - grid[:-1]).min()))

    def check(self, mu: Tensor, sigma: Tensor) -> list[str | None]:
        """A reason to stop for each element, or None to go on."""
        reasons: list[str | None] = []
        for m, s in zip(mu.tolist(), sigma.tolist(), strict=True):
            if not (math.isfinite(m) and math.isfinite(s)) or s <= 0:
                reasons.append("sigma became non-positive or NaN (raw sigma is unconstrained)")
            elif s > self.width:
                reasons.append(
                    "sigma grew past the grid's width: Q is spreading onto a plateau "
                    "where the loss stops changing"
                )
            elif s < self.spacing / 2:
                reasons.append("sigma shrank below the grid spacing, which cannot resolve Q")
            elif not self.low <= m <= self.high:
                reasons.append("mu left the grid")
            else:
                reasons.append(None)
        return reasons


@dataclass
class _Run:
    """A fit in progress: parameters, per-element status and the recorded path."""

    mu: Tensor
    sigma: Tensor
    loss: Tensor
    reasons: list[str | None]
    steps: Tensor
    path_mu: list[Tensor]
    path_sigma: list[Tensor]
    path_loss: list[Tensor]

    @classmethod
    def start(cls, mu: Tensor, sigma: Tensor, loss: Tensor, bounds: _Bounds) -> _Run:
        return cls(
            mu, sigma, loss, bounds.check(mu, sigma), torch.zeros(mu.shape[0], dtype=torch.long),
            [mu.clone()], [sigma.clone()], [loss.clone()],
        )

    @property
    def active(self) -> Tensor:
        return torch.tensor([reason is None for reason in self.reasons])

    def record(self, active: Tensor) -> None:
        self.steps += active.long()
        self.path_mu.append(self.mu.clone())
        self.path_sigma.append(self.sigma.clone())
        self.path_loss.append(self.loss.clone())

    def result(self, batch_shape: torch.Size, dtype: torch.dtype) -> FitResult:
        reasons = tuple(reason or "stopped at the step limit" for reason in self.reasons)
        converged = torch.tensor([reason == "converged" for reason in reasons])

        def shaped(values: Tensor) -> Tensor:
            return values.to(dtype).reshape(batch_shape)

        def path(rows: list[Tensor]) -> Tensor:
            return torch.stack(rows).to(dtype).reshape(len(rows), *batch_shape)

        return FitResult(
            mu=shaped(self.mu),
            sigma=shaped(self.sigma),
            loss=shaped(self.loss),
            converged=converged.reshape(batch_shape),
            reasons=reasons,
            steps=self.steps.reshape(batch_shape),
            trajectory=Trajectory(path(self.path_mu), path(self.path_sigma), path(self.path_loss)),
        )


def _newton(
    objective: _Objective,
    grid: Tensor,
    mu: Tensor,
    sigma: Tensor,
    max_steps: int,
    tol: float,
    bounds: _Bounds,
) -> _Run:
    """Levenberg-Marquardt on theta = (mu, log sigma), one 2x2 system per batch element.

    Only the elements still running are evaluated, so a batch gets cheaper as it converges.
    """
    theta = torch.stack([mu, sigma.log()], dim=-1)

    def value(theta: Tensor) -> Tensor:
        return objective(_gaussian_log_q(grid, theta[:, 0], theta[:, 1].exp()))

    with torch.no_grad():
        run = _Run.start(mu, sigma, value(theta), bounds)
    damping = torch.full_like(mu, 1e-3)
    for _ in range(max_steps):
        active = run.active
        index = active.nonzero().flatten()
        if index.numel() == 0:
            break
        th = theta[index]
        f, g, h = _value_grad_hessian(value, th)
        # A local minimum: positive-definite Hessian and a pure Newton step below tol, or a
        # predicted decrease below the loss's rounding error (no step can be measured to
        # improve it in this precision).
        positive = (h[:, 0, 0] > 0) & (torch.linalg.det(h) > 0)
        newton_step = torch.linalg.solve(torch.where(positive[:, None, None], h, _EYE), g)
        decrement = 0.5 * (g * newton_step).sum(-1).abs()
        small = (newton_step.abs().amax(-1) < tol) | (decrement <= 16 * _eps(f) * f.abs())
        done = positive & small
        trial, f_trial, lam, tiny = _damped_step(value, th, f, g, h, damping[index], tol, ~done)
        better = ~done & (f_trial < f)
        th = torch.where(better[:, None], trial, th)
        theta[index], damping[index] = th, lam
        run.mu, run.sigma = theta[:, 0].clone(), theta[:, 1].exp()
        run.loss[index] = torch.where(better, f_trial, f)
        checks = bounds.check(th[:, 0], th[:, 1].exp())
        for k, i in enumerate(index.tolist()):
            if done[k]:
                run.reasons[i] = "converged"
            elif checks[k] is not None:
                run.reasons[i] = checks[k]
            elif tiny[k] and not better[k]:
                run.reasons[i] = _nonsmooth_verdict(value, th[k], f[k], tol)
        stepped = torch.zeros_like(active)
        stepped[index] = better
        run.record(stepped)
    return run


_EYE = torch.eye(2, dtype=torch.float64)


def _eps(values: Tensor) -> float:
    return torch.finfo(values.dtype).eps


def _damped_step(
    value: _Objective,
    theta: Tensor,
    f: Tensor,
    g: Tensor,
    h: Tensor,
    damping: Tensor,
    tol: float,
    todo: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Try ever more damped steps until the loss drops or the step is shorter than tol.

    Retries reuse the gradient and Hessian, so a rejected step costs one loss evaluation.
    Returns the last trial points, their losses, the new damping and which elements gave
    up with a step below tol.
    """
    eye = _EYE.to(theta.dtype)
    scale = h.abs().amax(dim=(-2, -1)).clamp_min(1e-300)
    min_eig = torch.linalg.eigvalsh(h)[:, 0]
    trial, f_trial = theta.clone(), torch.full_like(f, math.inf)
    lam, tiny = damping.clone(), torch.zeros_like(todo)
    pending = todo.clone()
    for _ in range(40):
        index = pending.nonzero().flatten()
        if index.numel() == 0:
            break
        # Damp relative to the Hessian's size; shift enough to make it positive definite.
        shift = torch.maximum(lam[index] * scale[index], -min_eig[index] + 1e-12 * scale[index])
        step = -torch.linalg.solve(h[index] + shift[:, None, None] * eye, g[index])
        # A trust region: Q moves at most its own width, and sigma by a factor e^0.5, per
        # step, so that a nearly flat region cannot fling it across the grid.
        th = theta[index]
        limit = torch.stack([th[:, 1].exp(), torch.full_like(shift, 0.5)], dim=-1)
        step = step * (limit / step.abs().clamp_min(1e-300)).amin(-1, keepdim=True).clamp(max=1)
        with torch.no_grad():
            candidate = th + step
            f_candidate = value(candidate)
        trial[index], f_trial[index] = candidate, f_candidate
        accepted = torch.isfinite(f_candidate) & (f_candidate < f[index])
        lam[index] = torch.where(accepted, lam[index] / 3, lam[index] * 10).clamp(1e-12, 1e16)
        short = ~accepted & (step.abs().amax(-1) < tol)
        tiny[index] = short
        pending[index] = ~accepted & ~short
    return trial, f_trial, lam, tiny


def _nonsmooth_verdict(value: _Objective, theta: Tensor, f: Tensor, tol: float) -> str:
    """Why no damped step lowers the loss: a flat minimum, or a point that is not one.

    Probes the loss a small distance away in eight directions. If none is lower (beyond
    rounding), the point is a local minimum to that resolution, even though the Hessian
    is singular there: the L1 loss against the normalised mixture is exactly flat over a
    whole region of (mu, sigma), where Q covers one mode completely.
    """
    radius = max(tol, 1e-9) * 10
    angles = torch.arange(8, dtype=theta.dtype) * (math.pi / 4)
    probes = theta + radius * torch.stack([angles.cos(), angles.sin()], dim=-1)
    with torch.no_grad():
        around = value(probes)
    if bool((around >= f - 16 * _eps(f) * f.abs()).all()):
        return "converged"
    return "stalled: no damped Newton step lowers the loss, but this is not a minimum"


def _value_grad_hessian(value: _Objective, theta: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Loss, gradient and 2x2 Hessian per batch element, by double backward."""
    theta = theta.detach().requires_grad_(True)
    f = value(theta)
    (g,) = torch.autograd.grad(f.sum(), theta, create_graph=True)
    rows = [torch.autograd.grad(g[:, i].sum(), theta, retain_graph=i == 0)[0] for i in range(2)]
    h = torch.stack(rows, dim=1)
    h = 0.5 * (h + h.transpose(1, 2))
    return f.detach(), g.detach(), h.detach()


def _adam(
    objective: _Objective,
    grid: Tensor,
    mu: Tensor,
    sigma: Tensor,
    max_steps: int,
    lr: float,
    sigma_param: SigmaParam,
    bounds: _Bounds,
) -> _Run:
    """Adam for a fixed number of steps; converged means it had stopped moving."""
    mu_p = mu.clone().requires_grad_(True)
    s_p = (sigma.log() if sigma_param == "log" else sigma.clone()).requires_grad_(True)
    optim = torch.optim.Adam([mu_p, s_p], lr=lr)

    def current_sigma() -> Tensor:
        return s_p.exp() if sigma_param == "log" else s_p

    with torch.no_grad():
        run = _Run.start(mu, sigma, objective(_gaussian_log_q(grid, mu, sigma)), bounds)
    for _ in range(max_steps):
        active = run.active
        if not bool(active.any()):
            break
        optim.zero_grad()
        f = objective(_gaussian_log_q(grid, mu_p, current_sigma()))
        f.sum().backward()
        frozen = (mu_p.detach().clone(), s_p.detach().clone())
        optim.step()
        with torch.no_grad():
            # A stopped element keeps its parameters (Adam's momentum would move them).
            mu_p.copy_(torch.where(active, mu_p, frozen[0]))
            s_p.copy_(torch.where(active, s_p, frozen[1]))
            run.loss = torch.where(active, f.detach(), run.loss)
            run.mu, run.sigma = mu_p.detach().clone(), current_sigma().detach().clone()
        for index, reason in enumerate(bounds.check(run.mu, run.sigma)):
            if active[index] and reason is not None:
                run.reasons[index] = reason
        run.record(active)
    # Adam has no certificate; call a run converged if mu and sigma stood still (to 1e-4)
    # over the last tenth of its steps.
    window = max(1, len(run.path_mu) // 10)
    moved_mu = torch.stack(run.path_mu[-window - 1 :]).to(torch.float64)
    moved_sigma = torch.stack(run.path_sigma[-window - 1 :]).to(torch.float64)
    spread = torch.maximum(
        moved_mu.amax(0) - moved_mu.amin(0), moved_sigma.amax(0) - moved_sigma.amin(0)
    )
    with torch.no_grad():
        final = objective(_gaussian_log_q(grid, run.mu, run.sigma))
    run.loss = torch.where(run.active, final, run.loss)
    for index, reason in enumerate(run.reasons):
        if reason is None:
            run.reasons[index] = (
                "converged"
                if spread[index] < 1e-4
                else f"still moving after {max_steps} steps (changed by {float(spread[index]):.2g} "
                f"over the last {window})"
            )
    return run
