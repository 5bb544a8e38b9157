"""A KL divergence on a grid: the spacing dx, the normalisation and the tails."""

import torch

from kltutorial import Gaussian, gaussian_kl, grid_kl, kl_divergence

P, Q = Gaussian(0.0, 1.0), Gaussian(1.0, 2.0)
exact = gaussian_kl(0.0, 1.0, 1.0, 2.0)
print(f"closed form, D(N(0, 1) || N(1, 2^2)) = {exact:.6f}\n")
print("grid        points   dx      sum, no dx  sum * dx  grid_kl   both normalised")
grids = [
    (-10, 10, 101),
    (-10, 10, 1001),
    (-10, 10, 10001),
    (-3, 3, 1001),
    (-1, 1, 1001),
    (-10, 5, 1001),
]
for low, high, n in grids:
    x = torch.linspace(low, high, n, dtype=torch.float64)
    dx = float(x[1] - x[0])
    log_p, log_q = P.log_prob(x), Q.log_prob(x)
    no_dx = (log_p.exp() * (log_p - log_q)).sum()  # density values summed as if probabilities
    with_dx = no_dx * dx  # a Riemann sum: the integral, if the grid holds all the mass
    # P and Q both normalised on the grid: Q's mass outside the grid is forgotten.
    both = kl_divergence(log_p.log_softmax(-1), log_q.log_softmax(-1), log_probs=True)
    print(
        f"[{low:>3}, {high:>2}]  {n:>6}  {dx:.4f}  {no_dx:10.4f}  {with_dx:.6f}  "
        f"{grid_kl(log_p, log_q, x):.6f}  {both:.6f}"
    )
