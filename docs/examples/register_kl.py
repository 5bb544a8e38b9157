"""Teach torch.distributions.kl_divergence a closed form it lacks, with register_kl."""

from collections.abc import Sequence

import torch
from torch.distributions import Distribution, constraints, kl_divergence, register_kl
from torch.distributions.utils import broadcast_all

from kltutorial import grid_kl, monte_carlo_kl


class Rayleigh(Distribution):
    """The Rayleigh distribution: p(x) = x / s^2 exp(-x^2 / (2 s^2)) for x >= 0."""

    arg_constraints = {"scale": constraints.positive}  # noqa: RUF012 (as in torch itself)
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: torch.Tensor | float, validate_args: bool | None = None) -> None:
        (self.scale,) = broadcast_all(scale)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def rsample(self, sample_shape: Sequence[int] = ()) -> torch.Tensor:
        # Inverse CDF: F(x) = 1 - exp(-x^2 / (2 s^2)), so x = s sqrt(-2 log(1 - u)).
        u = torch.rand(self._extended_shape(torch.Size(sample_shape)), dtype=self.scale.dtype)
        return self.scale * torch.sqrt(-2 * torch.log1p(-u))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return value.log() - 2 * self.scale.log() - value**2 / (2 * self.scale**2)


p = Rayleigh(torch.tensor(1.5, dtype=torch.float64))
q = Rayleigh(torch.tensor(1.0, dtype=torch.float64))
try:
    kl_divergence(p, q)
except NotImplementedError as error:
    print("before register_kl:", type(error).__name__)


@register_kl(Rayleigh, Rayleigh)
def _kl_rayleigh_rayleigh(p: Rayleigh, q: Rayleigh) -> torch.Tensor:
    # E_p[log p - log q] with E_p[x^2] = 2 s_p^2: t - 1 - log t for t = (s_p / s_q)^2.
    t = (p.scale / q.scale) ** 2
    return t - 1 - t.log()


print(f"after register_kl:  {kl_divergence(p, q).item():.6f}")

x = torch.linspace(0, 40, 40_001, dtype=torch.float64)
print(f"grid_kl on [0, 40]: {grid_kl(p.log_prob(x), q.log_prob(x), x).item():.6f}")

torch.manual_seed(0)
samples = p.sample((100_000,))
k3 = monte_carlo_kl(p.log_prob(samples), q.log_prob(samples))
print(f"k3 from 10^5 samples: {k3.mean().item():.4f} +- {k3.std().item() / 100_000**0.5:.4f}")
