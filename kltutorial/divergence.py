r"""The Kullback-Leibler divergence, computed so that it never returns NaN.

For discrete distributions on the same outcomes,

$$
D_{\mathrm{KL}}(P \,\|\, Q) = \sum_i P_i \log \frac{P_i}{Q_i} \quad\text{(nats)},
$$

with the conventions $0 \log(0/q) = 0$ (outcomes P never produces cost nothing) and
$p \log(p/0) = +\infty$ (Q calls impossible what P produces).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from kltutorial.distributions import SQRT_HALF
from kltutorial.grid import log_normalise, trapezoid_weights
from kltutorial.validation import (
    as_float_tensor,
    check_bool,
    check_broadcast,
    check_distribution_pair,
    check_finite,
    check_log_densities,
    check_positive,
)


def kl_divergence(p: Tensor, q: Tensor, *, log_probs: bool = False) -> Tensor:
    r"""The KL divergence $D_{\mathrm{KL}}(P\,\|\,Q)$ of discrete distributions, in nats.

    The last dimension indexes the outcomes; leading dimensions are a batch and broadcast
    between ``p`` and ``q``. Terms where $P_i = 0$ are exactly zero; a term where
    $P_i > 0$ and $Q_i = 0$ makes the result ``+inf``. Gradients are finite
    wherever the value is finite: at $P_i = 0$, where the divergence has no
    derivative (its slope in $P_i$ tends to $-\infty$), the gradient of that
    term is taken as zero, instead of the NaN a plain ``p * log(p / q)`` gives.

    With ``log_probs=True`` the inputs are $\log P$ and $\log Q$ and the sum
    $\sum_i e^{\log P_i}(\log P_i - \log Q_i)$ uses them as given: nothing is
    exponentiated and logged again, so a $Q_i$ below the smallest float does not
    turn into $\log 0 = -\infty$.

    Args:
        p: Probabilities $P$ (or $\log P$), summing to one along the last dim.
        q: Probabilities $Q$ (or $\log Q$), summing to one along the last dim.
        log_probs: Whether ``p`` and ``q`` hold log-probabilities.

    Returns:
        The divergence, with the broadcast batch shape of ``p`` and ``q``.

    Raises:
        TypeError: If ``p`` or ``q`` is not a floating-point tensor.
        ValueError: If either is empty or NaN, a probability is negative (or a
            log-probability is ``+inf``), a distribution does not sum to one, or the shapes
            do not broadcast.

    Examples:
        >>> p = torch.tensor([0.5, 0.5])
        >>> q = torch.tensor([0.9, 0.1])
        >>> kl_divergence(p, q)
        tensor(0.5108)
    """
    log_probs = check_bool(log_probs, "log_probs")
    p, q = check_distribution_pair(p, q, log_probs)
    log_p, log_q = (p, q) if log_probs else (log_or_minus_inf(p), log_or_minus_inf(q))
    # Rounding can leave the sum of nearly equal distributions a hair below zero; the
    # divergence is not negative, so neither is what leaves the package.
    return kl_from_logs(log_p, log_q).clamp_min(0)


def grid_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""The KL divergence of two densities known on a grid, as an integral in nats.

    $$
    D_{\mathrm{KL}}(P\,\|\,Q) = \int p(x) \log\frac{p(x)}{q(x)}\,dx
    \approx \sum_i P_i \log \frac{P_i}{w_i\, q(x_i)},
    \qquad P_i = \frac{w_i\, p(x_i)}{\sum_j w_j\, p(x_j)}
    $$

    * **Spacing.** The trapezoid weights $w_i$ (about $\Delta x$) turn the
      sum into an integral; without them a sum over grid points is not a divergence
      and changes when the grid is refined.
    * **Normalisation.** $p$ is normalised on the grid, so it may be given up to a
      constant (the original experiment's sum of two densities integrates to 2).
      $q$ is used as given: pass the log-density of a normalised distribution,
      evaluated on the grid.
    * **Truncated tails.** The integral runs only where $p$ lives, so only
      $p$'s mass outside $[x_0, x_{n-1}]$ is lost, and it must be negligible;
      $q$ may have mass outside the grid (a wide Gaussian does) and that mass is
      accounted for, because $q$ is normalised on the whole line.

    Args:
        log_p: Log-density of $P$ on ``x`` (any constant offset), last dimension.
        log_q: Log-density of $Q$ on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The divergence, with the broadcast batch shape of ``log_p`` and ``log_q``.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: If ``x`` is not an increasing 1-D grid, the last dimensions do not match
            ``x``, a log-density is NaN or ``+inf``, or ``log_p`` is ``-inf`` everywhere.
    """
    log_p, log_q, x = check_log_densities(log_p, log_q, x)
    return unchecked_grid_kl(log_p, log_q, x).clamp_min(0)


def unchecked_grid_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    """[`grid_kl`][kltutorial.grid_kl] without the argument checks (for the losses)."""
    log_big_p = log_normalise(log_p, x)
    # Q_i = w_i q(x_i): the probability Q gives the grid cell around x_i. These need
    # not sum to one (Q's tails may lie outside the grid); the sum runs where P_i > 0.
    log_big_q = log_q + trapezoid_weights(x).log().to(log_q.dtype)
    return kl_from_logs(log_big_p, log_big_q)


def gaussian_kl(
    mu1: float | Tensor, sigma1: float | Tensor, mu2: float | Tensor, sigma2: float | Tensor
) -> Tensor:
    r"""The KL divergence of two Gaussians, in closed form.

    $$
    D_{\mathrm{KL}}(\mathcal N(\mu_1,\sigma_1^2)\,\|\,\mathcal N(\mu_2,\sigma_2^2)) =
    \log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2}
    - \frac12
    $$

    Args:
        mu1: Mean of $P$.
        sigma1: Standard deviation of $P$, positive.
        mu2: Mean of $Q$.
        sigma2: Standard deviation of $Q$, positive.

    Returns:
        The divergence in nats, broadcast over the arguments.

    Raises:
        TypeError: If an argument is not a real number or a floating-point tensor.
        ValueError: If a standard deviation is not finite and positive, a mean is NaN, or
            the shapes do not broadcast.

    Examples:
        >>> gaussian_kl(0.0, 1.0, 1.0, 2.0)
        tensor(0.4431)
    """
    mu1_t = as_float_tensor(mu1, "mu1")
    sigma1_t = as_float_tensor(sigma1, "sigma1")
    mu2_t = as_float_tensor(mu2, "mu2")
    sigma2_t = as_float_tensor(sigma2, "sigma2")
    check_finite(mu1_t, "mu1")
    check_finite(mu2_t, "mu2")
    check_positive(sigma1_t, "sigma1")
    check_positive(sigma2_t, "sigma2")
    check_broadcast(
        {"mu1": mu1_t.shape, "sigma1": sigma1_t.shape, "mu2": mu2_t.shape, "sigma2": sigma2_t.shape}
    )
    # (d / (sqrt 2 sigma2))^2, not d^2 / sigma2^2 halved: the square of d / sigma2 alone
    # overflows (2e19 in float32) where its half, the divergence, is still representable.
    half_offset = ((mu1_t - mu2_t) / sigma2_t * SQRT_HALF) ** 2
    ratio = sigma1_t / sigma2_t
    # r^2 / 2 likewise, where r^2 overflows and its half does not (r = 2e19 in float32).
    square = ratio**2
    half_square = torch.where(torch.isfinite(square), 0.5 * square, (ratio * SQRT_HALF) ** 2)
    if bool(((half_square >= torch.finfo(ratio.dtype).tiny) & torch.isfinite(half_square)).all()):
        return -ratio.log() + half_square + half_offset - 0.5
    # In log sigma: sigma1 / sigma2 can underflow or overflow (1e-30 / 1e30 in float32)
    # where the divergence itself is an ordinary number; the log-ratio cannot.
    log_ratio = sigma1_t.log() - sigma2_t.log()
    return -log_ratio + (2 * log_ratio - math.log(2)).exp() + half_offset - 0.5


# --8<-- [start:kl_from_logs]
def log_or_minus_inf(probs: Tensor) -> Tensor:
    """``log`` with a zero gradient (not 0 * inf = NaN) where a probability is zero."""
    positive = probs > 0
    safe = torch.where(positive, probs, torch.ones_like(probs))
    return torch.where(positive, safe.log(), torch.full_like(probs, -math.inf))


def kl_from_logs(log_p: Tensor, log_q: Tensor) -> Tensor:
    """Sum of P (log P - log Q) over the last dim, with 0 log 0 = 0 and finite gradients.

    The double ``torch.where`` keeps the discarded branch finite: a masked-out
    ``inf * 0`` would still send NaN through the backward pass. Only ``-inf`` counts as
    a zero: a NaN stays NaN, so an error upstream is not silently scored as 0.
    """
    absent = log_p == -math.inf  # P_i = 0
    impossible = ~absent & (log_q == -math.inf)  # P_i > 0 but Q_i = 0
    safe_p = torch.where(absent, torch.zeros_like(log_p), log_p)
    safe_q = torch.where(log_q == -math.inf, torch.zeros_like(log_q), log_q)
    terms = torch.where(absent, torch.zeros_like(safe_p), safe_p.exp() * (safe_p - safe_q))
    terms = torch.where(impossible, torch.full_like(terms, math.inf), terms)
    return terms.sum(dim=-1)
    # --8<-- [end:kl_from_logs]
