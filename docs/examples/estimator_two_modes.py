"""k1, k2, k3 on the two-mode target against a single Gaussian, in both directions."""

import math
from collections.abc import Callable

import torch

from kltutorial import Gaussian, Mixture, grid_kl, monte_carlo_kl

n = 100_000
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)  # log-densities far out in the tails need its digits
p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])  # the normalised two-mode target
wide = Gaussian(2.5, math.sqrt(57.25))  # forward KL's fit: P's mean and variance
mode = Gaussian(-5.0, 1.0)  # one of reverse KL's fits: a single mode


def sample_p(n: int) -> torch.Tensor:
    """Half the samples from N(-5, 1), half from N(10, 1)."""
    left = torch.rand(n) < 0.5
    return torch.where(left, -5.0, 10.0) + torch.randn(n)


def sample_gaussian(g: Gaussian, n: int) -> torch.Tensor:
    return g.mu + g.sigma * torch.randn(n)


# A grid wide enough for the wide Gaussian's tails (it has 5% of its mass beyond 15).
x = torch.linspace(-60, 70, 13_001)
cases: list[tuple[str, Gaussian | Mixture, Gaussian | Mixture, Callable[[int], torch.Tensor]]] = [
    ("P || wide Q", p, wide, sample_p),
    ("P || mode Q", p, mode, sample_p),
    ("wide Q || P", wide, p, lambda n: sample_gaussian(wide, n)),
    ("mode Q || P", mode, p, lambda n: sample_gaussian(mode, n)),
]
print("wide Q = N(2.5, 7.5664^2), mode Q = N(-5, 1)")
print(f"D(first || second), {n:,} samples of the first; each estimate (its s.e.)")
print(f"{'':11}{'grid_kl':>10}" + "".join(f"{name:>20}" for name in ("k1", "k2", "k3")))
for label, first, second, sample in cases:
    grid = grid_kl(first.log_prob(x), second.log_prob(x), x).item()
    samples = sample(n)
    log_first, log_second = first.log_prob(samples), second.log_prob(samples)
    cells = []
    for estimator in ("k1", "k2", "k3"):
        k = monte_carlo_kl(log_first, log_second, estimator)
        cells.append(f"{k.mean().item():9.4f} ({k.std().item() / math.sqrt(n):7.4f})")
    print(f"{label:11}{grid:10.4f}" + "".join(" " + cell for cell in cells))
