"""Schulman's table: bias and standard deviation of k1, k2, k3 over the true KL."""

import math

import torch
from torch.distributions import Normal, kl_divergence

from kltutorial import monte_carlo_kl
from kltutorial.estimators import Estimator


def exact(mu: float) -> dict[Estimator, tuple[float, float]]:
    """(bias, standard deviation) over the true KL mu^2 / 2, for Q = N(mu, 1).

    From log r = mu x - mu^2 / 2 ~ N(-mu^2 / 2, mu^2) and r lognormal (derived on the page).
    """
    m2 = mu * mu
    return {
        "k1": (0.0, 2 / abs(mu)),
        "k2": (m2 / 4, math.sqrt(2 + m2)),
        "k3": (0.0, 2 * math.sqrt(math.expm1(m2) - m2) / m2),
    }


n = 1_000_000
generator = torch.Generator().manual_seed(0)
p = Normal(torch.tensor(0.0, dtype=torch.float64), 1.0)
x = torch.randn(n, generator=generator, dtype=torch.float64)  # x ~ P = N(0, 1)

for mu in (0.1, 1.0):
    q = Normal(torch.tensor(mu, dtype=torch.float64), 1.0)
    true_kl = kl_divergence(p, q).item()
    print(f"P = N(0, 1), Q = N({mu}, 1): true KL = {true_kl:.4f}, {n:,} samples")
    print("     bias / true KL            std / true KL")
    print("     sampled (+- s.e.)  exact  sampled  exact")
    log_p, log_q = p.log_prob(x), q.log_prob(x)
    for name, (exact_bias, exact_std) in exact(mu).items():
        k = monte_carlo_kl(log_p, log_q, name)
        bias = (k.mean().item() - true_kl) / true_kl
        error = k.std().item() / math.sqrt(n) / true_kl  # standard error of the bias
        std = k.std().item() / true_kl
        print(f"{name}   {bias:+8.4f} (+-{error:.4f}) {exact_bias:6.4f}", end="")
        print(f"  {std:7.4f}  {exact_std:6.4f}")
    print()
