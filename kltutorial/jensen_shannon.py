r"""The Jensen-Shannon divergence: the KL of each distribution from their average.

$$
D_{\mathrm{JS}}(P, Q) = \tfrac12 D_{\mathrm{KL}}(P \,\|\, M) + \tfrac12 D_{\mathrm{KL}}(Q \,\|\, M),
\qquad M = \tfrac12 (P + Q).
$$

It is symmetric, finite even where the supports differ ($M$ is positive wherever $P$ or
$Q$ is), at most $\ln 2$, and its square root is a metric.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from kltutorial.validation import check_distribution_pair

LN2 = math.log(2.0)


def js_divergence(p: Tensor, q: Tensor) -> Tensor:
    r"""The Jensen-Shannon divergence of discrete distributions, in nats.

    The last dimension indexes the outcomes; leading dimensions are a batch and broadcast
    between ``p`` and ``q``, as in [`kl_divergence`][kltutorial.kl_divergence]. Per outcome,
    with $m = \tfrac12(p + q)$ and $d = (p - q)/(p + q)$,

    $$
    p \ln\frac{p}{m} + q \ln\frac{q}{m} = m\, g(|d|), \qquad
    g(d) = (1 + d)\ln(1 + d) + (1 - d)\ln(1 - d) = 2d \operatorname{artanh} d + \ln(1 - d^2),
    $$

    and $D_{\mathrm{JS}} = \tfrac12 \sum_i m_i\, g(|d_i|)$. Everything depends on $p$ and
    $q$ only through $p + q$, $|p - q|$ and $\min(p, q)$, so swapping them gives the same
    bits. The
    second form of $g$ is used for $|d| \le \tfrac12$, where the first would subtract
    nearly equal numbers (two nearly equal distributions); the first is used above, where
    it is exact at $d = 1$: $0 \ln 0 = 0$, so an outcome that only one distribution has
    contributes $\tfrac12 p \ln 2$. The result is clipped to $[0, \ln 2]$, which holds
    exactly and can be missed by one rounding.

    Args:
        p: Probabilities $P$, summing to one along the last dim.
        q: Probabilities $Q$, summing to one along the last dim.

    Returns:
        The divergence, with the broadcast batch shape of ``p`` and ``q``.

    Raises:
        TypeError: If ``p`` or ``q`` is not a floating-point tensor.
        ValueError: If either is empty or NaN, a probability is negative or infinite, a
            distribution does not sum to one, or the shapes do not broadcast.

    Examples:
        >>> p = torch.tensor([0.5, 0.5, 0.0])
        >>> q = torch.tensor([0.0, 0.5, 0.5])
        >>> js_divergence(p, q)
        tensor(0.3466)
    """
    p, q = check_distribution_pair(p, q)
    dtype = torch.promote_types(p.dtype, q.dtype)
    p, q = p.to(dtype), q.to(dtype)
    return _js_terms(p, q).sum(dim=-1).clamp(0.0, LN2)


# --8<-- [start:js_terms]
def _js_terms(p: Tensor, q: Tensor) -> Tensor:
    """(p ln(p/m) + q ln(q/m)) / 2 per outcome, symmetric in p and q by construction.

    Only p + q, |p - q| and min(p, q) are used, and each is the same number whichever
    argument comes first. The double ``torch.where`` keeps discarded branches finite, so
    no NaN reaches the gradient either.
    """
    total, gap, low = p + q, (p - q).abs(), torch.minimum(p, q)
    present = total > 0  # p + q = 0: both are zero, and so is the term
    safe_total = torch.where(present, total, torch.ones_like(total))
    d = torch.where(present, gap / safe_total, torch.zeros_like(total))  # 0 <= d <= 1
    near = d <= 0.5
    # Near d = 0: 2 d artanh(d) + ln(1 - d^2) = d^2 + d^4/6 + ..., which loses one bit,
    # where (1 + d) ln(1 + d) + (1 - d) ln(1 - d) would cancel to d^2 from terms of size d.
    d_near = torch.where(near, d, torch.zeros_like(d))
    g_near = 2 * d_near * torch.atanh(d_near) + torch.log1p(-d_near.square())
    # Away from 0: (1 + d) ln(1 + d) + (1 - d) ln(1 - d), with 1 - d = 2 min(p, q) / (p + q)
    # computed directly (1 - d would lose the digits of a tiny min), and 0 ln 0 = 0.
    d_far = torch.where(near, torch.ones_like(d), d)
    one_minus = torch.where(near, torch.ones_like(d), 2 * low / safe_total)
    safe_one_minus = torch.where(one_minus > 0, one_minus, torch.ones_like(one_minus))
    g_far = (1 + d_far) * torch.log1p(d_far) + one_minus * safe_one_minus.log()
    g = torch.where(near, g_near, g_far)
    return 0.25 * total * g  # (1/2) m g, with m = (p + q) / 2
    # --8<-- [end:js_terms]
