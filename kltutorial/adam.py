r"""Adam on $(\mu, \sigma)$ or $(\mu, \log\sigma)$, many starts at once.

``torch.optim.Adam`` does the updates, exactly as in a hand-written training loop; only
the gradients it is given differ. The faithful reproduction of the original gets them
from autograd through the ``torch.nn.functional`` losses, in the grid's dtype, so that it
matches the original loop bit for bit. The other runs get the same gradients in closed
form (``kltutorial/derivatives.py``), in float64, which is several times faster for the
10,000 steps such a run takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import torch
from torch import Tensor

from kltutorial.distributions import gaussian_log_density
from kltutorial.objective import Objective
from kltutorial.progress import CONVERGED, RUNNING, STILL_MOVING, Bounds, Run

SigmaParam = Literal["log", "raw"]

Evaluate = Callable[[Tensor], Tensor]
"""``evaluate(params)``: the loss per start, params ``(k, 2)`` holding (mu, sigma or
log sigma); leaves the gradient in ``params.grad``."""


class LossOfLogQ(Protocol):
    r"""A loss per start as a function of $\log q$ on the grid, shape ``(k, n)``."""

    def __call__(self, log_q: Tensor, /) -> Tensor:
        """The loss, shape ``(k,)``."""
        ...


def autograd_evaluator(loss: LossOfLogQ, grid: Tensor, sigma_param: SigmaParam) -> Evaluate:
    """Gradients by backpropagation, as the original training loop computed them."""

    def evaluate(params: Tensor) -> Tensor:
        sigma = params[:, 1].exp() if sigma_param == "log" else params[:, 1]
        f = loss(gaussian_log_density(grid, params[:, 0, None], sigma[:, None]))
        f.sum().backward()
        return f.detach()

    return evaluate


def analytic_evaluator(objective: Objective, sigma_param: SigmaParam) -> Evaluate:
    r"""Gradients in closed form, in float64.

    For raw $\sigma$ the chain rule gives $\partial L/\partial\sigma =
    (\partial L/\partial\log\sigma)/\sigma$.
    """

    def evaluate(params: Tensor) -> Tensor:
        with torch.no_grad():
            if sigma_param == "log":
                f, params.grad = objective.value_and_gradient(params)
            else:
                f, g = objective.value_and_gradient(
                    torch.stack([params[:, 0], params[:, 1].log()], -1)
                )
                params.grad = torch.stack([g[:, 0], g[:, 1] / params[:, 1]], dim=-1)
        return f

    return evaluate


def adam(
    evaluate: Evaluate,
    mu: Tensor,
    sigma: Tensor,
    max_steps: int,
    lr: float,
    sigma_param: SigmaParam,
    bounds: Bounds,
) -> Run:
    """Adam for a fixed number of steps; converged means it had stopped moving.

    The loop is kept lean (it runs 10,000 times): the path goes into preallocated
    tensors, and the bounds are checked with one fused test per step.
    """
    k = mu.shape[0]
    # One (k, 2) parameter: Adam is element-wise, so this updates each number exactly as
    # two separate parameters would, with half the optimiser's overhead.
    params = torch.stack([mu, sigma.log() if sigma_param == "log" else sigma], dim=-1)
    params.requires_grad_(True)
    optim = torch.optim.Adam([params], lr=lr)

    def current_sigma() -> Tensor:
        return params[:, 1].exp() if sigma_param == "log" else params[:, 1]

    path = torch.empty(3, max_steps + 1, k, dtype=mu.dtype)  # mu, sigma, loss
    path[0, 0], path[1, 0] = mu, sigma
    # The same check at the start as Newton's: the loss must be finite to take a step.
    status = bounds.start(mu, sigma, evaluate(params))
    optim.zero_grad()
    steps = torch.full((k,), max_steps, dtype=torch.long)
    frozen = status != RUNNING
    steps[frozen] = 0
    # Inside the bounds means |(mu, sigma) - centre| <= radius (False for NaN, too).
    low = torch.tensor([[bounds.low], [bounds.narrowest]], dtype=mu.dtype)
    high = torch.tensor([[bounds.high], [bounds.width]], dtype=mu.dtype)
    centre, radius = (low + high) / 2, (high - low) / 2
    last = 0
    any_frozen, all_frozen = bool(frozen.any()), bool(frozen.all())
    for step in range(max_steps):
        if all_frozen:
            break
        optim.zero_grad()
        path[2, step] = evaluate(params)
        if any_frozen:
            # A stopped element keeps its parameters (Adam's momentum would move them).
            kept = params.detach().clone()
        optim.step()
        last = step + 1
        with torch.no_grad():
            if any_frozen:
                params.copy_(torch.where(frozen[:, None], kept, params))
            now = path[:2, last]
            now[0], now[1] = params[:, 0], current_sigma()
            # sigma > 0 separately: when the lowest sigma allowed is 0 (the forward KL),
            # sigma = 0 lies inside [0, width], but it means exp(log sigma) underflowed.
            inside = ((now - centre).abs() <= radius).all(0) & (now[1] > 0)
            outside = not bool((inside if not any_frozen else inside | frozen).all())
            if outside or bounds.gaps is not None:
                codes = bounds.check(now[0], now[1], raw_sigma=sigma_param == "raw")
                stopping = ~frozen & (codes != RUNNING)
                status[stopping], steps[stopping] = codes[stopping], last
                frozen = status != RUNNING
                any_frozen, all_frozen = bool(frozen.any()), bool(frozen.all())
    optim.zero_grad()
    path[2, last] = evaluate(params)
    path = path[:, : last + 1]
    run = Run(path[0, -1].clone(), path[1, -1].clone(), path[2, -1].clone(), status, steps)
    run.path_mu, run.path_sigma, run.path_loss = [path[0]], [path[1]], [path[2]]
    # Adam has no certificate; call a run converged if mu and sigma stood still (to 1e-4)
    # over the last tenth of its steps.
    window = max(1, last // 10)
    recent = path[:2, -window - 1 :].to(torch.float64)
    spread = (recent.amax(1) - recent.amin(1)).amax(0)
    index = run.active.nonzero().flatten()
    run.stop(index, torch.where(spread < 1e-4, CONVERGED, STILL_MOVING)[index])
    for i in (run.status == STILL_MOVING).nonzero().flatten().tolist():
        run.notes[i] = (
            f"still moving after {max_steps} steps (changed by {float(spread[i]):.2g} over "
            f"the last {window})"
        )
    return run
