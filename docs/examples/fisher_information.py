"""Fisher information: the KL divergence between nearby Gaussians is a quadratic form."""

import torch
from torch.autograd.functional import hessian
from torch.distributions import Normal, kl_divergence

from kltutorial import gaussian_kl

mu, sigma = torch.tensor(0.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)


def kl_to_neighbour(d: torch.Tensor) -> torch.Tensor:
    """D(p_theta || p_theta+d) for theta = (mu, sigma), by torch.distributions."""
    return kl_divergence(Normal(mu, sigma), Normal(mu + d[0], sigma + d[1]))


# The Hessian of the divergence at d = 0 is the Fisher information matrix.
fisher = hessian(kl_to_neighbour, torch.zeros(2, dtype=torch.float64))
print("Hessian of D at d = 0:", fisher.numpy().round(6).tolist())
print(f"closed form: diag(1/sigma^2, 2/sigma^2) = diag({1 / sigma**2:g}, {2 / sigma**2:g})")

print(f"\n{'step (d_mu, d_sigma)':22} {'D exact':>10} {'d^T F d / 2':>12} {'ratio':>8}")
steps = [(0.2, 0.0), (2.0, 0.0), (0.0, 0.2), (0.0, 0.02), (0.0, 0.002),
         (0.02, 0.02), (0.0, 1.0), (0.0, -1.0), (0.0, -1.8)]  # fmt: skip
for d_mu, d_sigma in steps:
    exact = gaussian_kl(mu, sigma, mu + d_mu, sigma + d_sigma)
    d = torch.tensor([d_mu, d_sigma], dtype=torch.float64)
    quadratic = 0.5 * d @ fisher @ d
    step = f"({d_mu:g}, {d_sigma:g})"
    print(f"{step:22} {exact:10.3e} {quadratic:12.3e} {exact / quadratic:8.4f}")
