"""Minimising forward KL to the data's histogram is maximum likelihood."""

import torch

from kltutorial import Gaussian, Mixture, fit

torch.manual_seed(0)
# 10,000 samples from the two-mode target: half from N(-5, 1), half from N(10, 1).
p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
which = torch.rand(10_000) < 0.5
samples = torch.where(which, -5.0 + torch.randn(10_000), 10.0 + torch.randn(10_000))
samples = samples.double()

# Maximum likelihood for a Gaussian, in closed form: the sample mean and the
# standard deviation with 1/N (not 1/(N-1)).
mle_mu = samples.mean()
mle_sigma = samples.std(correction=0)

# The empirical distribution as a density on a fine grid: a histogram with one bin of
# width dx centred on each grid point, divided by N * dx.
x = torch.linspace(-15, 20, 1401, dtype=torch.float64)
dx = float(x[1] - x[0])
counts = torch.histc(samples, bins=len(x), min=float(x[0]) - dx / 2, max=float(x[-1]) + dx / 2)
density = counts / (len(samples) * dx)
kl_fit = fit(density, x, "forward_kl", mu=0.0, sigma=1.0)

print(f"target P:                     mu = {p.mean:.4f}, sigma = {p.stddev:.4f}")
print(f"maximum likelihood:           mu = {mle_mu:.4f}, sigma = {mle_sigma:.4f}")
print(f"min forward KL to histogram:  mu = {kl_fit.mu:.4f}, sigma = {kl_fit.sigma:.4f}")
print(f"fit converged: {bool(kl_fit.converged)}")
print(f"histogram: {len(x)} bins, each {dx:.3f} wide")
