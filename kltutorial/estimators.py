r"""Monte Carlo estimates of the KL divergence from samples: Schulman's k1, k2 and k3.

For samples $x \sim P$ and the log-ratio $\log r = \log q(x) - \log p(x)$,

$$
k_1 = -\log r, \qquad k_2 = \tfrac12 (\log r)^2, \qquad k_3 = (r - 1) - \log r ,
$$

whose means over the samples estimate $D_{\mathrm{KL}}(P\,\|\,Q)$ (J. Schulman,
"Approximating KL Divergence", 2020). $k_1$ and $k_3$ are unbiased; $k_2$ is biased but
has a small variance when $Q$ is close to $P$; $k_2$ and $k_3$ are never negative.
"""

from __future__ import annotations

import math
from typing import Literal

from torch import Tensor

from kltutorial.gibbs_gap import gibbs_gap
from kltutorial.validation import as_float_tensor, check_broadcast, check_not_nan

Estimator = Literal["k1", "k2", "k3"]

ESTIMATORS: tuple[str, ...] = ("k1", "k2", "k3")
"""The names [`monte_carlo_kl`][kltutorial.monte_carlo_kl] accepts."""


def monte_carlo_kl(
    log_p: Tensor | float, log_q: Tensor | float, estimator: Estimator = "k3"
) -> Tensor:
    r"""Per-sample estimates of $D_{\mathrm{KL}}(P\,\|\,Q)$ from samples drawn from $P$.

    Given $\log p(x)$ and $\log q(x)$ at samples $x \sim P$, returns one estimate per
    sample; their mean estimates the divergence, and their standard deviation over
    $\sqrt{N}$ is the mean's standard error. With $\log r = \log q(x) - \log p(x)$:

    * ``"k1"``: $-\log r$. Unbiased; negative for about half the samples when $Q$ is
      close to $P$, and with a large variance relative to the divergence there.
    * ``"k2"``: $\tfrac12 (\log r)^2$. Never negative, low variance when $Q$ is close to
      $P$, but biased: its mean is $\tfrac12 \operatorname{Var}_P(\log r) +
      \tfrac12 D_{\mathrm{KL}}^2$, which matches $D_{\mathrm{KL}}$ only to second order
      in the distance between $P$ and $Q$.
    * ``"k3"`` (the default): $(r - 1) - \log r$. Unbiased whenever $Q$ has no mass where
      $P$ has none ($\mathbb E_P[r] = 1$), never negative ($\log r \le r - 1$), and
      usually the lowest variance when $Q$ is close to $P$. It is computed as
      ``expm1(log_r) - log_r``, never from $r$ itself, and as its Taylor series for
      $|\log r| < 0.5$, so it keeps full relative precision when $r$ is near 1,
      where $(r - 1) - \log r$ evaluated as written loses most of its digits.

    Infinite log-densities: $\log q = -\infty$ at a sample ($Q$ calls impossible a
    point $P$ produced) gives ``+inf`` for every estimator, the true value of the
    divergence, which is then infinite. $\log p = -\infty$ cannot happen at a sample
    drawn from $P$, and $+\infty$ is not the log of a density at a sample, so both
    raise.

    Args:
        log_p: $\log p(x)$ at the samples, any shape.
        log_q: $\log q(x)$ at the same samples; broadcasts with ``log_p``.
        estimator: ``"k1"``, ``"k2"`` or ``"k3"``.

    Returns:
        The estimates, with the broadcast shape (and promoted dtype) of the inputs.
        Take ``.mean()`` for the estimate of the divergence.

    Raises:
        TypeError: If ``log_p`` or ``log_q`` is not a real number or a floating-point
            tensor.
        ValueError: If ``estimator`` is not one of ``"k1"``, ``"k2"``, ``"k3"``, an input
            is empty or holds NaN or ``+inf``, ``log_p`` holds ``-inf``, or the shapes do
            not broadcast.

    Examples:
        >>> import torch
        >>> p = torch.distributions.Normal(0.0, 1.0)
        >>> q = torch.distributions.Normal(1.0, 1.0)
        >>> _ = torch.manual_seed(0)
        >>> x = p.sample((100_000,))
        >>> k3 = monte_carlo_kl(p.log_prob(x), q.log_prob(x))
        >>> round(k3.mean().item(), 2), torch.distributions.kl_divergence(p, q)
        (0.5, tensor(0.5000))
    """
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of 'k1', 'k2', 'k3', got {estimator!r}")
    log_p = as_float_tensor(log_p, "log_p")
    log_q = as_float_tensor(log_q, "log_q")
    check_broadcast({"log_p": log_p.shape, "log_q": log_q.shape})
    for name, value in (("log_p", log_p), ("log_q", log_q)):
        check_not_nan(value, name)
        if bool((value == math.inf).any()):
            raise ValueError(
                f"{name} must not contain +inf: a log-density at a sample is finite "
                "(or -inf for log_q, where Q has no mass)"
            )
    if bool((log_p == -math.inf).any()):
        raise ValueError(
            "log_p must be finite: it holds -inf, so some x has p(x) = 0, and samples "
            "drawn from P never land there. Were the samples drawn from P?"
        )
    log_r = log_q - log_p  # -inf where q = 0
    if estimator == "k1":
        return -log_r
    if estimator == "k2":
        return log_r.square() / 2
    return gibbs_gap(log_r)
