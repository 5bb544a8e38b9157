"""Fit a factorised Gaussian to a correlated one, by forward and by reverse KL."""

import math

import torch
from torch.distributions import MultivariateNormal, kl_divergence

from kltutorial import multivariate_gaussian_kl

sigma = 2.0  # P's standard deviation along each axis


def fit(p: MultivariateNormal, direction: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimise D(P || Q) or D(Q || P) over Q = N(m, diag(s^2)) with L-BFGS."""
    m = torch.ones(2, dtype=torch.float64, requires_grad=True)
    log_s = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [m, log_s],
        max_iter=500,
        tolerance_grad=1e-10,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        q = MultivariateNormal(m, torch.diag(torch.exp(2 * log_s)))
        loss = kl_divergence(p, q) if direction == "forward" else kl_divergence(q, p)
        loss.backward()
        return loss

    optimiser.step(closure)
    return m.detach(), torch.exp(2 * log_s).detach()


print(f"P = N(0, sigma^2 [[1, rho], [rho, 1]]), sigma^2 = {sigma**2:g}; Q factorised")
print(
    f"{'rho':>5} {'forward var':>12} {'reverse var':>12} {'s2(1-rho2)':>11}"
    f" {'D forward':>10} {'D reverse':>10} {'-log(1-rho2)/2':>15}"
)
for rho in [0.0, 0.5, 0.9, 0.95]:
    cov = sigma**2 * torch.tensor([[1.0, rho], [rho, 1.0]], dtype=torch.float64)
    p = MultivariateNormal(torch.zeros(2, dtype=torch.float64), cov)
    m_f, var_f = fit(p, "forward")
    m_r, var_r = fit(p, "reverse")
    # The fitted divergences, recomputed by kltutorial from the fitted parameters.
    d_f = multivariate_gaussian_kl(p.mean, cov, m_f, torch.diag(var_f))
    d_r = multivariate_gaussian_kl(m_r, torch.diag(var_r), p.mean, cov)
    print(
        f"{rho:5.2f} {var_f[0]:6.4f} {var_f[1]:5.4f} {var_r[0]:6.4f} {var_r[1]:5.4f}"
        f" {sigma**2 * (1 - rho**2):11.4f} {d_f:10.4f} {d_r:10.4f}"
        f" {-0.5 * math.log1p(-(rho**2)) + 0.0:15.4f}"
    )
    assert max(m_f.abs().max(), m_r.abs().max()) < 1e-6  # both fits are centred on P
