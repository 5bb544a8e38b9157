r"""Five ways to score a Gaussian :math:`Q = \mathcal N(\mu, \sigma^2)` against a target P on a grid.

Every loss has the same signature, ``loss(log_p, log_q, x)``: log-densities of the
target :math:`P` and of :math:`Q` on the grid ``x`` (last dimension), batched over any
leading dimensions. All are integrals over the grid (trapezoid rule), so refining the
grid does not change them:

* ``forward_kl``: :math:`D_{\mathrm{KL}}(P\,\|\,Q)`, P normalised on the grid.
* ``reverse_kl``: :math:`D_{\mathrm{KL}}(Q\,\|\,P)`, both normalised on the grid.
* ``mse``: :math:`\int (p - q)^2\,dx`.
* ``l1``: :math:`\int |p - q|\,dx`.
* ``cosine``: :math:`-\int p\,q\,dx \big/ \sqrt{\int p^2\,dx \int q^2\,dx}`, the negative
  cosine similarity of the two density curves.

The KL losses ignore the scale of P (they normalise it); MSE and L1 compare the curves as
given, so a target that integrates to 2 (the original experiment's sum of two densities)
is a different problem for them than the normalised mixture; cosine ignores scale.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from kltutorial.divergence import grid_kl
from kltutorial.grid import trapezoid_weights

Loss = Callable[[Tensor, Tensor, Tensor], Tensor]
"""The signature every loss shares: ``loss(log_p, log_q, x) -> Tensor``."""


def forward_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Forward KL, :math:`D_{\mathrm{KL}}(P\,\|\,Q)`: mass-covering.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of :math:`Q` on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.
    """
    return grid_kl(log_p, log_q, x)


def reverse_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Reverse KL, :math:`D_{\mathrm{KL}}(Q\,\|\,P)`: mode-seeking.

    The expectation is under :math:`Q`, so :math:`Q` is normalised on the grid (its tails
    outside the grid are cut off: this is the divergence of :math:`Q` restricted to the
    grid) and :math:`P` is normalised on the grid too.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of :math:`Q` on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.
    """
    log_mass = torch.logsumexp(log_p + trapezoid_weights(x).log(), dim=-1, keepdim=True)
    return grid_kl(log_q, log_p - log_mass, x)


def mse(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Integrated squared error :math:`\int (p - q)^2\,dx` of the density curves.

    On a uniform grid this is ``torch.nn.functional.mse_loss(q, p)`` times the grid's
    length, up to the half weights of the two end points.

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of :math:`Q` on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.
    """
    return _integral((log_p.exp() - log_q.exp()) ** 2, x)


def l1(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Integrated absolute error :math:`\int |p - q|\,dx` of the density curves.

    The difference :math:`u = p - q` is interpolated linearly between grid points and
    :math:`|u|` integrated exactly: :math:`\Delta x\,(|u_i| + |u_{i+1}|)/2` on a segment
    where :math:`u` keeps its sign, :math:`\Delta x\,(u_i^2 + u_{i+1}^2)/(2(|u_i| +
    |u_{i+1}|))` where it crosses zero. The trapezoid rule applied to :math:`|u|` would put a
    kink in the loss each time a crossing point passes a grid point; this form has a
    continuous gradient, so Newton's method can certify its minima. On a uniform grid it is
    ``torch.nn.functional.l1_loss(q, p)`` times the grid's length, up to the end points and
    the crossing segments.

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of :math:`Q` on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.
    """
    u = log_p.exp() - log_q.exp()
    a, b = u[..., :-1], u[..., 1:]
    spacing = (x[1:] - x[:-1]).to(u.dtype)
    same_sign = a * b >= 0
    # Double where: the crossing formula's denominator is only safe where signs differ.
    denominator = torch.where(same_sign, torch.ones_like(a), a.abs() + b.abs())
    crossing = (a * a + b * b) / (2 * denominator)
    segment = torch.where(same_sign, (a.abs() + b.abs()) / 2, crossing)
    return (segment * spacing).sum(dim=-1)


def cosine(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Negative cosine similarity :math:`-\langle p, q\rangle / (\|p\|\,\|q\|)` of the curves.

    The inner product is :math:`\int p\,q\,dx`. Minimising this maximises the similarity;
    it lies in :math:`[-1, 0]` for densities and ignores the scale of either curve.

    Args:
        log_p: Log-density of the target on ``x`` (any scale).
        log_q: Log-density of :math:`Q` on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.
    """
    p, q = log_p.exp(), log_q.exp()
    return -_integral(p * q, x) / (_integral(p * p, x) * _integral(q * q, x)).sqrt()


LOSSES: dict[str, Loss] = {
    "forward_kl": forward_kl,
    "reverse_kl": reverse_kl,
    "mse": mse,
    "l1": l1,
    "cosine": cosine,
}
"""The losses by name, in the order the pages show them."""


def get_loss(name: str) -> Loss:
    """Look a loss up by name.

    Args:
        name: One of ``"forward_kl"``, ``"reverse_kl"``, ``"mse"``, ``"l1"``, ``"cosine"``.

    Returns:
        The loss function.

    Raises:
        ValueError: If ``name`` is not one of the five.
    """
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}; got {name!r}")
    return LOSSES[name]


def _integral(values: Tensor, x: Tensor) -> Tensor:
    """Trapezoid rule over the last dimension."""
    return (values * trapezoid_weights(x).to(values.dtype)).sum(dim=-1)
