r"""Distributions on the real line: a Gaussian and a mixture of Gaussians.

Both compute $\log p(x)$ directly, never $\log(\exp(\cdot))$: a Gaussian's
density at 10 standard deviations is about $10^{-22}$, which is zero in float32's
linear range only a little further out, while its logarithm is an ordinary number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from kltutorial.validation import (
    as_float_tensor,
    check_broadcast,
    check_finite,
    check_not_nan,
    check_positive,
)

LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))
r"""$\tfrac12 \log 2\pi$, the Gaussian's normalising constant in log space."""

SQRT_HALF = math.sqrt(0.5)
r"""$1/\sqrt2$: $(d/(\sqrt2\,\sigma))^2$ is $d^2/(2\sigma^2)$ without the square that
overflows where the half of it would not."""


def gaussian_log_density(x: Tensor, mu: Tensor, sigma: Tensor) -> Tensor:
    r"""$\log \mathcal N(x; \mu, \sigma^2)$, broadcast, finite wherever the true value is.

    The expression, in its order, is ``torch.distributions.Normal.log_prob``'s, so the
    two agree to the last bit and the original experiment is reproduced. That form
    squares $\sigma$ first, which underflows for $\sigma$ below about 1e-19 in
    float32 (1e-154 in float64) and gives NaN; there, and where $(x - \mu)^2$ or
    $2\sigma^2$ overflows, the same quantity is computed as $-u^2 - \log\sigma -
    \tfrac12\log 2\pi$ with $u = (x - \mu)/(\sqrt2\,\sigma)$, whose value and
    gradient are finite wherever the true ones are representable (squaring $u$, not
    halving $z^2$, keeps $z^2/2$ finite where $z^2$ alone would overflow).
    """
    offset = x - mu
    square = offset**2
    var = sigma**2
    plain = (var >= torch.finfo(var.dtype).tiny) & torch.isfinite(2 * var) & torch.isfinite(square)
    if bool(plain.all()):
        return -square / (2 * var) - sigma.log() - LOG_SQRT_2PI
    # The double where keeps the branch not taken finite, so no NaN reaches a gradient.
    one, zero = torch.ones_like(var), torch.zeros_like(square)
    torch_form = -torch.where(plain, square, zero) / (2 * torch.where(plain, var, one))
    z = torch.where(plain, zero, offset) / torch.where(plain, torch.ones_like(sigma), sigma)
    return torch.where(plain, torch_form, -((z * SQRT_HALF) ** 2)) - sigma.log() - LOG_SQRT_2PI


class Gaussian:
    r"""The normal distribution $\mathcal N(\mu, \sigma^2)$.

    $$
    \log p(x) = -\frac{(x-\mu)^2}{2\sigma^2} - \log\sigma - \tfrac12\log 2\pi
    $$

    ``mu`` and ``sigma`` may be tensors; they broadcast with each other and with ``x``
    by PyTorch's rules, exactly like ``torch.distributions.Normal``.

    Args:
        mu: The mean $\mu$.
        sigma: The standard deviation $\sigma > 0$.

    Raises:
        TypeError: If ``mu`` or ``sigma`` is not a real number or a floating-point tensor.
        ValueError: If ``sigma`` is not finite and positive, ``mu`` is NaN, or the shapes do
            not broadcast.

    Examples:
        >>> Gaussian(0.0, 1.0).prob(torch.tensor([0.0]))
        tensor([0.3989])
    """

    def __init__(self, mu: float | Tensor, sigma: float | Tensor) -> None:
        # A number takes the dtype of a tensor passed with it, as in
        # torch.distributions.Normal, so that both compute with the same values.
        like = next((v.dtype for v in (mu, sigma) if isinstance(v, Tensor)), None)
        like = like if like is not None and like.is_floating_point else None
        self.mu = as_float_tensor(mu, "mu", like)
        self.sigma = as_float_tensor(sigma, "sigma", like)
        check_finite(self.mu, "mu")
        check_positive(self.sigma, "sigma")
        check_broadcast({"mu": self.mu.shape, "sigma": self.sigma.shape})

    def log_prob(self, x: Tensor) -> Tensor:
        r"""Log-density $\log p(x)$, broadcast over ``mu``, ``sigma`` and ``x``."""
        x = as_float_tensor(x, "x")
        check_broadcast({"mu": self.mu.shape, "sigma": self.sigma.shape, "x": x.shape})
        return gaussian_log_density(x, self.mu, self.sigma)

    def prob(self, x: Tensor) -> Tensor:
        r"""Density $p(x) = \exp \log p(x)$."""
        return self.log_prob(x).exp()

    @property
    def mean(self) -> Tensor:
        r"""The mean $\mu$."""
        return self.mu

    @property
    def stddev(self) -> Tensor:
        r"""The standard deviation $\sigma$."""
        return self.sigma

    def __repr__(self) -> str:
        return f"Gaussian(mu={_short(self.mu)}, sigma={_short(self.sigma)})"


class Mixture:
    r"""A mixture $p(x) = \sum_k w_k\, \mathcal N(x; \mu_k, \sigma_k^2)$ of Gaussians.

    The weights are normalised to sum to one, so the mixture is a probability density.
    The log-density is a log-sum-exp, $\log p(x) = \operatorname{logsumexp}_k
    (\log w_k + \log \mathcal N(x; \mu_k, \sigma_k^2))$, finite far into the tails.

    The original experiment's target is *not* a mixture: it is the plain sum of two
    densities, which integrates to 2. Build it as ``a.prob(x) + b.prob(x)`` (a tensor of
    density values; [`fit`][kltutorial.fit] accepts it as a target). Normalised, that sum
    is ``Mixture([a, b])`` with equal weights.

    Args:
        components: The Gaussians $\mathcal N(\mu_k, \sigma_k^2)$.
        weights: Non-negative weights, one per component, not all zero; normalised to sum
            to one. Equal weights when omitted.

    Raises:
        TypeError: If a component is not a [`Gaussian`][kltutorial.Gaussian].
        ValueError: If there are no components, or the weights are negative, NaN, all zero
            or not one per component.

    Examples:
        >>> p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
        >>> p.mean, p.stddev ** 2
        (tensor(2.5000), tensor(57.2500))
    """

    def __init__(
        self,
        components: Sequence[Gaussian],
        weights: Sequence[float] | Tensor | None = None,
    ) -> None:
        components = list(components)
        if not components:
            raise ValueError("components must hold at least one Gaussian, got none")
        for index, component in enumerate(components):
            if not isinstance(component, Gaussian):
                raise TypeError(
                    f"components[{index}] must be a Gaussian, got {type(component).__name__}"
                )
        # Weights given as numbers take the components' precision, so that a float64
        # mixture is not rounded to float32 through its log-weights.
        dtype = torch.get_default_dtype()
        for component in components:
            dtype = torch.promote_types(dtype, component.mu.dtype)
            dtype = torch.promote_types(dtype, component.sigma.dtype)
        if weights is None:
            weights = torch.ones(len(components), dtype=dtype)
        weights = as_float_tensor(weights, "weights", dtype)
        if weights.shape != (len(components),):
            raise ValueError(
                f"weights must hold one number per component ({len(components)}), "
                f"got shape {tuple(weights.shape)}"
            )
        check_not_nan(weights, "weights")
        if bool((weights < 0).any()) or not bool(torch.isfinite(weights).all()):
            raise ValueError(f"weights must be finite and >= 0, got {weights.tolist()}")
        if float(weights.sum()) <= 0:
            raise ValueError("weights must not all be zero")
        if not bool(torch.isfinite(weights.sum())):
            # Each weight is finite but their sum overflows: scale by the largest first.
            weights = weights / weights.max()
        self.components = components
        self.weights = weights / weights.sum()

    def log_prob(self, x: Tensor) -> Tensor:
        """Log-density, a log-sum-exp over the components."""
        terms = [
            component.log_prob(x) + log_w
            for component, log_w in zip(self.components, self.weights.log(), strict=True)
        ]
        terms = torch.broadcast_tensors(*terms)  # type: ignore[no-untyped-call]
        return torch.logsumexp(torch.stack(terms), dim=0)

    def prob(self, x: Tensor) -> Tensor:
        """Density $p(x)$."""
        return self.log_prob(x).exp()

    @property
    def mean(self) -> Tensor:
        r"""The mean $\sum_k w_k \mu_k$."""
        return self._moments()[0]

    @property
    def stddev(self) -> Tensor:
        r"""The standard deviation $\sqrt{\sum_k w_k (\sigma_k^2 + (\mu_k - m)^2)}$.

        Here $m$ is the mean. The spread about the mean is summed directly (not the
        second moment less the squared mean, which cancels to nothing for components far
        from zero), in float64 and rounded once to the mixture's dtype.
        """
        return self._moments()[1]

    def _moments(self) -> tuple[Tensor, Tensor]:
        """Mean and standard deviation, computed in float64."""
        wide = torch.promote_types(self.weights.dtype, torch.float64)
        w = self.weights.to(wide)
        mus = [c.mu.to(wide) for c in self.components]
        sigmas = [c.sigma.to(wide) for c in self.components]
        mean = sum((wk * mu for wk, mu in zip(w, mus, strict=True)), torch.zeros((), dtype=wide))
        var = sum(
            (
                wk * (sigma**2 + (mu - mean) ** 2)
                for wk, mu, sigma in zip(w, mus, sigmas, strict=True)
            ),
            torch.zeros((), dtype=wide),
        )
        dtype = self.weights.dtype
        return mean.to(dtype), var.sqrt().to(dtype)

    def __repr__(self) -> str:
        parts = ", ".join(repr(c) for c in self.components)
        return f"Mixture([{parts}], weights={_short(self.weights)})"


def _short(value: Tensor) -> str:
    """A tensor as a plain number or list, for ``repr``."""
    return repr(value.item()) if value.numel() == 1 else repr(value.tolist())
