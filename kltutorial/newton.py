r"""The default optimiser: damped Newton on $\theta = (\mu, \log\sigma)$, many starts at once.

Each step solves one 2x2 system per start,

$$
(H + \lambda I)\,\Delta = -g,
$$

with $\lambda \ge 0$ (Levenberg-Marquardt damping) large enough to make the matrix
positive definite and small enough to keep Newton's fast convergence near a minimum. A
step that does not lower the loss is retried with more damping. A start has converged
when the Hessian is positive definite and the Newton step is below ``tol`` (or predicts a
decrease below the loss's rounding error): a certified local minimum.

Some losses have minima the Hessian cannot certify: L1 is flat over whole regions and has
kinks where its second derivative jumps. When no damped step can lower the loss by more
than rounding, the start switches to a compass search: it probes eight directions at a
radius that shrinks when none is lower by more than ``tol`` times the loss, and has
converged once the radius is below ``tol``: no nearby point is lower by more than that
relative amount. That certifies a minimum to a stated tolerance in the loss, without
derivatives; on a region that is flat to that tolerance it stops anywhere in it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from kltutorial.derivatives import symmetric
from kltutorial.objective import Objective
from kltutorial.progress import CONVERGED, CONVERGED_FLAT, Bounds, Run

_MAX_RETRIES = 30
_SEARCH_START = 1e-2  # compass-search radius when Newton gives up, in units of (sigma, 1)
_ANGLES = torch.arange(8, dtype=torch.float64) * (math.pi / 4)
_DIRECTIONS = torch.stack([_ANGLES.cos(), _ANGLES.sin()], dim=-1)


def minimise(
    objective: Objective,
    mu: Tensor,
    sigma: Tensor,
    max_steps: int,
    tol: float,
    bounds: Bounds,
) -> Run:
    """Minimise ``objective`` from every start ``(mu[i], sigma[i])`` (1-D, float64).

    Only the starts still running are evaluated, so a batch gets cheaper as it converges.
    """
    theta = torch.stack([mu, sigma.log()], dim=-1)
    run = Run.start(mu, sigma, objective.value(theta), bounds)
    damping = torch.full_like(mu, 1e-3)
    radius = torch.full_like(mu, math.nan)  # NaN: Newton; a number: compass search
    for _ in range(max_steps):
        active = run.active
        if not bool(active.any()):
            break
        moved = torch.zeros_like(active)
        newton = (active & radius.isnan()).nonzero().flatten()
        if newton.numel():
            _newton_step(objective, theta, run, damping, radius, moved, newton, tol)
        search = (run.active & ~radius.isnan()).nonzero().flatten()
        if search.numel():
            _search_step(objective, theta, run, radius, moved, search, tol)
        run.mu, run.sigma = theta[:, 0].clone(), theta[:, 1].exp()
        index = run.active.nonzero().flatten()
        run.stop(index, bounds.check(run.mu[index], run.sigma[index]))
        run.record(moved)
    return run


def _newton_step(
    objective: Objective,
    theta: Tensor,
    run: Run,
    damping: Tensor,
    radius: Tensor,
    moved: Tensor,
    index: Tensor,
    tol: float,
) -> None:
    """One damped Newton step for the starts in ``index``; updates the state in place."""
    th = theta[index]
    f, g, h = objective.value_grad_hessian(th)
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    positive = (a > 0) & (a * c - b * b > 0)
    newton = _solve(a, b, c, g, torch.zeros_like(a))
    noise = 16 * torch.finfo(f.dtype).eps * f.abs()
    decrement = -0.5 * (g * newton).sum(-1)
    done = positive & ((newton.abs().amax(-1) < tol) | (decrement <= noise))
    run.stop(index[done], CONVERGED)

    # A loss may ask for its diagonal where the Hessian is indefinite (see its
    # definition): the coupling is dropped there, for the step only.
    diagonal = torch.zeros_like(positive)
    if objective.definition.diagonal_when_indefinite:
        diagonal = ~positive & (a > 0) & (c > 0)
        b = torch.where(diagonal, torch.zeros_like(b), b)
        h = symmetric(a, b, c)
    # Damp relative to the Hessian's size, and at least enough to make it positive
    # definite: then the step goes downhill even where the loss is not convex.
    scale = torch.maximum(torch.maximum(a.abs(), b.abs()), c.abs()).clamp_min(1e-300)
    min_eig = (a + c) / 2 - (((a - c) / 2) ** 2 + b * b).sqrt()
    lam = damping[index]
    pending = ~done
    accepted = torch.zeros_like(done)
    stalled = torch.zeros_like(done)
    for _ in range(_MAX_RETRIES):
        todo = pending.nonzero().flatten()
        if todo.numel() == 0:
            break
        shift = torch.maximum(lam[todo] * scale[todo], -min_eig[todo] + 1e-9 * scale[todo])
        step = _solve(a[todo], b[todo], c[todo], g[todo], shift)
        # A trust region: Q moves at most its own width, and sigma by a factor e^0.5, per
        # step, so that a nearly flat region cannot fling it across the grid.
        limit = torch.stack([th[todo, 1].exp(), torch.full_like(shift, 0.5)], dim=-1)
        factor = (limit / step.abs().clamp_min(1e-300)).clamp(max=1)
        # A diagonal step is two independent one-dimensional steps: each is cut back
        # on its own, so that a long way to go in mu does not hold sigma back.
        factor = torch.where(diagonal[todo, None], factor, factor.amin(-1, keepdim=True))
        step = step * factor
        # If the quadratic model promises less than rounding can measure, more damping
        # will not help: the start is on a flat region or a kink. Where the Hessian is
        # not positive definite (no minimum to certify nearby), a promise below the
        # compass search's threshold is as good as none.
        hs = torch.einsum("kij,kj->ki", h[todo], step)
        promised = -((g[todo] * step).sum(-1) + 0.5 * (step * hs).sum(-1))
        floor = torch.where(positive[todo], noise[todo], tol * f[todo].abs() + noise[todo])
        hopeless = (promised <= floor) | (step.abs().amax(-1) < tol)
        trial = th[todo] + step
        f_trial = torch.full_like(promised, math.inf)
        if not bool(hopeless.all()):
            f_trial[~hopeless] = objective.value(trial[~hopeless])
        better = torch.isfinite(f_trial) & (f_trial < f[todo])
        lam[todo] = torch.where(better, lam[todo] / 3, lam[todo] * 10).clamp(1e-12, 1e16)
        keep = todo[better]
        th[keep], f[keep] = trial[better], f_trial[better]
        accepted[keep] = True
        stalled[todo[hopeless]] = True
        pending[todo] = ~better & ~hopeless
    stalled |= pending  # retries exhausted: let the compass search take over
    theta[index], damping[index] = th, lam
    run.loss[index] = f
    moved[index] = accepted
    radius[index[stalled]] = _SEARCH_START


def _search_step(
    objective: Objective,
    theta: Tensor,
    run: Run,
    radius: Tensor,
    moved: Tensor,
    index: Tensor,
    tol: float,
) -> None:
    """One compass-search step: move to the best of eight probes, or shrink the radius."""
    th, f, r = theta[index], run.loss[index], radius[index]
    # Probe mu in units of sigma and log sigma as it is, so that the search is the same
    # for a narrow and a wide Q.
    units = torch.stack([th[:, 1].exp(), torch.ones_like(r)], dim=-1)
    probes = th[:, None, :] + r[:, None, None] * units[:, None, :] * _DIRECTIONS.to(th.dtype)
    values = objective.value(probes.reshape(-1, 2)).reshape(-1, 8)
    values = torch.where(torch.isfinite(values), values, torch.full_like(values, math.inf))
    best, which = values.min(dim=-1)
    # A probe must beat the loss by more than tol relative to it: on L1's near-flat
    # regions the loss keeps falling by ever smaller amounts along a kinked valley, and
    # following it to the last bit would take thousands of steps for no visible change.
    threshold = (tol + 16 * torch.finfo(f.dtype).eps) * f.abs()
    better = best < f - threshold
    theta[index] = torch.where(better[:, None], probes[torch.arange(len(index)), which], th)
    run.loss[index] = torch.where(better, best, f)
    radius[index] = torch.where(better, (2 * r).clamp(max=0.5), r / 8)
    moved[index] = better
    run.stop(index[radius[index] < tol], CONVERGED_FLAT)


def _solve(a: Tensor, b: Tensor, c: Tensor, g: Tensor, shift: Tensor) -> Tensor:
    """Solve ``[[a + shift, b], [b, c + shift]] step = -g`` for each start."""
    a, c = a + shift, c + shift
    det = a * c - b * b
    det = torch.where(det == 0, torch.full_like(det, 1e-300), det)
    return (
        -torch.stack([c * g[:, 0] - b * g[:, 1], a * g[:, 1] - b * g[:, 0]], dim=-1) / det[:, None]
    )
