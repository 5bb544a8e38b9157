"""Mutual information as the KL divergence of a joint from the product of its marginals."""

import math
from collections.abc import Callable

import torch
from torch.distributions import Categorical, MultivariateNormal, kl_divergence

from kltutorial import kl_divergence as kl
from kltutorial import multivariate_gaussian_kl

# A joint distribution of X (rows: weather) and Y (columns: what people carry).
joint = torch.tensor(
    [
        [0.30, 0.05, 0.05],  # sunny: sunglasses, umbrella, nothing
        [0.02, 0.25, 0.03],  # rainy
        [0.10, 0.10, 0.10],  # cloudy
    ],
    dtype=torch.float64,
)
p_x, p_y = joint.sum(dim=1), joint.sum(dim=0)
independent = p_x[:, None] * p_y[None, :]  # P_X P_Y: same marginals, no dependence

# PyTorch: I(X; Y) = H(X) + H(Y) - H(X, Y) from Categorical entropies, and as a KL.
entropy: Callable[[torch.Tensor], torch.Tensor]
entropy = lambda probs: Categorical(probs=probs.flatten()).entropy()  # noqa: E731
print(f"H(X) + H(Y) - H(X, Y)   = {entropy(p_x) + entropy(p_y) - entropy(joint):.6f} nats")
as_kl = kl_divergence(Categorical(probs=joint.flatten()), Categorical(probs=independent.flatten()))
print(f"D(P_XY || P_X P_Y)      = {as_kl:.6f} nats  (torch.distributions)")
print(f"kltutorial.kl_divergence: {kl(joint.flatten(), independent.flatten()):.6f} nats")

# A bivariate Gaussian with correlation rho: the product of marginals drops rho.
print(f"\n{'rho':>5} {'torch':>9} {'kltutorial':>11} {'-log(1-rho^2)/2':>16}")
for rho in [0.0, 0.5, 0.9, 0.99]:
    cov = torch.tensor([[1.0, rho], [rho, 1.0]], dtype=torch.float64)
    mean = torch.zeros(2, dtype=torch.float64)
    marginals = torch.diag(cov.diagonal())
    torch_mi = kl_divergence(MultivariateNormal(mean, cov), MultivariateNormal(mean, marginals))
    ours = multivariate_gaussian_kl(mean, cov, mean, marginals)
    print(f"{rho:5.2f} {torch_mi:9.4f} {ours:11.4f} {-0.5 * math.log1p(-(rho**2)) + 0.0:16.4f}")
