"""Six divergences as one formula, sum_i Q_i f(P_i / Q_i), and Renyi's family around KL."""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from kltutorial import js_divergence, kl_divergence

p = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
q = torch.tensor([0.25, 0.5, 0.25], dtype=torch.float64)

# The generators: convex, with f(1) = 0.
generators: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "KL": lambda t: t * t.log(),
    "reverse KL": lambda t: -t.log(),
    "Jensen-Shannon": lambda t: 0.5 * (t * t.log() - (1 + t) * ((1 + t) / 2).log()),
    "total variation": lambda t: 0.5 * (t - 1).abs(),
    "squared Hellinger": lambda t: (t.sqrt() - 1) ** 2,
    "chi-squared": lambda t: (t - 1) ** 2,
}
# The same divergences written directly, in PyTorch or kltutorial.
m = (p + q) / 2
direct = {
    "KL": F.kl_div(q.log(), p, reduction="sum"),
    "reverse KL": kl_divergence(q, p),
    "Jensen-Shannon": js_divergence(p, q),
    "total variation": 0.5 * (p - q).abs().sum(),
    "squared Hellinger": ((p.sqrt() - q.sqrt()) ** 2).sum(),
    "chi-squared": ((p - q) ** 2 / q).sum(),
}
print(f"{'':18} {'sum Q f(P/Q)':>12} {'direct':>10}")
for name, f in generators.items():
    print(f"{name:18} {(q * f(p / q)).sum():12.6f} {direct[name]:10.6f}")


def renyi(p: torch.Tensor, q: torch.Tensor, alpha: float) -> torch.Tensor:
    """D_alpha(P || Q) = log(sum P^alpha Q^(1 - alpha)) / (alpha - 1), in nats."""
    return torch.logsumexp(alpha * p.log() + (1 - alpha) * q.log(), dim=-1) / (alpha - 1)


print("\nRenyi divergence of order alpha:")
for alpha in [0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 2.0]:
    print(f"  alpha = {alpha:<6} {renyi(p, q, alpha):.6f}")
print(f"  KL (alpha -> 1)  {kl_divergence(p, q):.6f}")
hellinger, chi2 = direct["squared Hellinger"], direct["chi-squared"]
print(f"  alpha = 1/2 is -2 log(1 - H^2/2) = {-2 * math.log(1 - hellinger / 2):.6f}")
print(f"  alpha = 2 is log(1 + chi^2)      = {math.log(1 + chi2):.6f}")
