r"""Five ways to score a Gaussian $Q = \mathcal N(\mu, \sigma^2)$ against a target P.

Every loss has the same signature, ``loss(log_p, log_q, x)``: log-densities of the
target $P$ and of $Q$ on the grid ``x`` (last dimension), batched over any
leading dimensions. All are integrals over the grid (trapezoid rule), so refining the
grid does not change them:

* ``forward_kl``: $D_{\mathrm{KL}}(P\,\|\,Q)$, P normalised on the grid.
* ``reverse_kl``: $D_{\mathrm{KL}}(Q\,\|\,P)$, both normalised on the grid.
* ``mse``: $\int (p - q)^2\,dx$.
* ``l1``: $\int |p - q|\,dx$, including $Q$'s mass outside the grid.
* ``cosine``: $-\int p\,q\,dx \big/ \sqrt{\int p^2\,dx \int q^2\,dx}$, the negative
  cosine similarity of the two density curves.

The KL losses ignore the scale of P (they normalise it); MSE and L1 compare the curves as
given, so a target that integrates to 2 (the original experiment's sum of two densities)
is a different problem for them than the normalised mixture; cosine ignores scale. MSE
and cosine see only the grid: mass of $Q$ pushed past its ends is invisible to
them, which on a short grid can pull a fit towards an edge. L1 counts that mass (outside
the grid it is exactly $\int q\,dx$), so it does not have this artefact.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from kltutorial.divergence import _grid_kl
from kltutorial.grid import trapezoid_weights
from kltutorial.validation import check_log_densities

Loss = Callable[[Tensor, Tensor, Tensor], Tensor]
"""The signature every loss shares: ``loss(log_p, log_q, x) -> Tensor``."""


def forward_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Forward KL, $D_{\mathrm{KL}}(P\,\|\,Q)$: mass-covering.

    This is [`grid_kl`][kltutorial.grid_kl]: $P$ is normalised on the grid and
    $Q$ is taken as normalised on the whole line.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of $Q$ on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: If ``x`` is not an increasing grid, a last dimension does not match it,
            a value is NaN or ``+inf``, or the shapes do not broadcast.
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    return _forward_kl(log_p, log_q, x)


def reverse_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Reverse KL, $D_{\mathrm{KL}}(Q\,\|\,P)$: mode-seeking.

    The expectation is under $Q$, so $Q$ is normalised on the grid (its tails
    outside the grid are cut off: this is the divergence of $Q$ restricted to the
    grid) and $P$ is normalised on the grid too. Where $P$ is zero on the
    grid the divergence of any Gaussian is ``+inf``.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    if bool((log_q == -math.inf).all(dim=-1).any()):
        raise ValueError("log_q must be finite somewhere on the grid (q is zero everywhere)")
    return _reverse_kl(log_p, log_q, x)


def mse(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Integrated squared error $\int (p - q)^2\,dx$ of the density curves.

    On a uniform grid of spacing $\Delta x$ this is
    ``torch.nn.functional.mse_loss(q, p, reduction="sum") * dx`` less half the two end
    points' terms (the trapezoid rule).

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    return _mse(log_p, log_q, x)


def l1(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Absolute error $\int |p - q|\,dx$ of the density curves, over the whole line.

    The target is known only on the grid and is taken as zero outside it, where
    $|p - q| = q$; so the part outside the grid is $Q$'s mass there,
    $1 - \int_{x_0}^{x_{n-1}} q\,dx$ (``log_q`` must be normalised on the real line, as
    for [`forward_kl`][kltutorial.forward_kl]). Leaving it out would reward a Gaussian for
    pushing its mass past the grid's ends: on ``[-15, 15]`` that pulls a fit off a mode
    towards an edge.

    On the grid, $u = p - q$ is interpolated linearly between grid points and
    $|u|$ integrated exactly: $\Delta x\,(|u_i| + |u_{i+1}|)/2$ on a segment
    where $u$ keeps its sign, $\Delta x\,(u_i^2 + u_{i+1}^2)/(2(|u_i| +
    |u_{i+1}|))$ where it crosses zero. The trapezoid rule applied to $|u|$ would put a
    kink in the loss each time a crossing point passes a grid point; this form has a
    continuous gradient. On a uniform grid the on-grid part is
    ``torch.nn.functional.l1_loss(q, p, reduction="sum") * dx`` up to half the end points'
    terms and the crossing segments.

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of $Q$ on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    return _l1(log_p, log_q, x)


def cosine(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Negative cosine similarity $-\langle p, q\rangle / (\|p\|\,\|q\|)$ of the curves.

    The inner product is $\int p\,q\,dx$. Minimising this maximises the similarity;
    it lies in $[-1, 0]$ for densities and ignores the scale of either curve. On a
    uniform grid it is ``-torch.nn.functional.cosine_similarity(q, p, dim=-1)`` up to the
    half weights of the end points.

    Args:
        log_p: Log-density of the target on ``x`` (any scale).
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    return _cosine(log_p, log_q, x)


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


# The unchecked computations. fit() calls these directly: it validates once, and then
# evaluates the loss many times on arrays it built itself.


def _forward_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    return _grid_kl(log_p, log_q, x)


def _reverse_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    # grid_kl normalises its first argument (Q here) on the grid; P must be passed as a
    # density whose cells w_i p(x_i) sum to one, i.e. normalised on the grid.
    log_mass = torch.logsumexp(log_p + trapezoid_weights(x).log(), dim=-1, keepdim=True)
    return _grid_kl(log_q, log_p - log_mass, x)


def _mse(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    return _integral((log_p.exp() - log_q.exp()) ** 2, x)


def _l1(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    # Per segment, (|a| + |b|)/2 - relu(-ab)/(|a| + |b|) is both formulas of the docstring
    # in one: the correction is nonzero only on the few segments where u changes sign.
    # Summed over segments the first term is the trapezoid rule for |u|.
    q = log_q.exp()
    u = log_p.exp() - q
    w = trapezoid_weights(x).to(u.dtype)
    total = u.abs() @ w + (1 - q @ w)  # + Q's mass off the grid
    rows, segments, a, b = _crossings(u)
    spacing = (x[1:] - x[:-1]).to(u.dtype)
    correction = -a * b / (a.abs() + b.abs()) * spacing[segments]
    if u.dim() == 1:
        return total - correction.sum()
    batch = torch.zeros(u.shape[:-1], dtype=u.dtype).index_put(rows, correction, accumulate=True)
    return total - batch


def _crossings(u: Tensor) -> tuple[tuple[Tensor, ...], Tensor, Tensor, Tensor]:
    """Where ``u`` changes sign between neighbours: batch index, segment, both end values."""
    a, b = u[..., :-1], u[..., 1:]
    where = (a * b < 0).nonzero(as_tuple=True)
    return where[:-1], where[-1], a[where], b[where]


def _cosine(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    p, q = log_p.exp(), log_q.exp()
    w = trapezoid_weights(x).to(q.dtype)
    return -((p * q) @ w) / (((p * p) @ w) * ((q * q) @ w)).sqrt()


KERNELS: dict[str, Loss] = {
    "forward_kl": _forward_kl,
    "reverse_kl": _reverse_kl,
    "mse": _mse,
    "l1": _l1,
    "cosine": _cosine,
}
"""The losses without argument checks, by name (for [`fit`][kltutorial.fit])."""


def _integral(values: Tensor, x: Tensor) -> Tensor:
    """Trapezoid rule over the last dimension."""
    return values @ trapezoid_weights(x).to(values.dtype)
