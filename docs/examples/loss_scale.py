"""Adam ignores a constant factor on the loss; SGD does not.

The original experiment's loss, F.kl_div(log q, p) with the default reduction 'mean', is
the KL divergence times a constant, about 1/15. This runs the original loop (Adam at its
default learning rate, 10,000 steps, sigma a raw number) with the loss multiplied by 1,
15.015 and 1/15.015, and the same loop with plain SGD at the same learning rate.
"""

import torch
import torch.nn.functional as F
from torch.distributions import Normal

# The original experiment: its grid, its target (the sum of two densities), and its
# start Q = N(0, 1).
x = torch.linspace(-15, 15, 1000)
p = Normal(-5.0, 1.0).log_prob(x).exp() + Normal(10.0, 1.0).log_prob(x).exp()
factors = torch.tensor([1.0, 15.015, 1 / 15.015])
steps = 10_000

# Three copies of (mu, sigma) per optimiser, one per factor. The summed loss separates,
# so each copy gets exactly the gradient of its own scaled loss.
mu_adam, sigma_adam = torch.zeros(3, requires_grad=True), torch.ones(3, requires_grad=True)
mu_sgd, sigma_sgd = torch.zeros(3, requires_grad=True), torch.ones(3, requires_grad=True)
adam = torch.optim.Adam([mu_adam, sigma_adam], lr=1e-3)  # the original's optimiser
sgd = torch.optim.SGD([mu_sgd, sigma_sgd], lr=1e-3)  # the step is lr times the gradient
weights = torch.cat([factors, factors])
for _ in range(steps):
    adam.zero_grad()
    sgd.zero_grad()
    mu = torch.cat([mu_adam, mu_sgd])[:, None]
    sigma = torch.cat([sigma_adam, sigma_sgd])[:, None]
    log_q = Normal(mu, sigma).log_prob(x)  # shape (6, 1000)
    # The original's F.kl_div(log_q, p), one value per row: 'mean' over the 1000 points.
    loss = F.kl_div(log_q, p.expand_as(log_q), reduction="none").mean(dim=-1)
    (weights * loss).sum().backward()
    adam.step()
    sgd.step()

mu_adam, sigma_adam = mu_adam.detach(), sigma_adam.detach()
mu_sgd, sigma_sgd = mu_sgd.detach(), sigma_sgd.detach()
print(f"after {steps:,} steps at lr = 1e-3, from mu = 0, sigma = 1:")
print("loss multiplied by   Adam: mu, sigma     SGD: mu, sigma")
for i, name in enumerate(["1", "15.015", "1/15.015"]):
    print(
        f"{name:>18}   {mu_adam[i]:.5f}, {sigma_adam[i]:.5f}   {mu_sgd[i]:.5f}, {sigma_sgd[i]:.5f}"
    )
spread = max(float(mu_adam.max() - mu_adam.min()), float(sigma_adam.max() - sigma_adam.min()))
print(f"largest difference between the three Adam runs: {spread:.0e}")
print(f"the divergence's minimum (P's mean and sd):     2.50000, {57.25**0.5:.5f}")
print(f"Adam's average step in sigma: {(float(sigma_adam[0]) - 1) / steps:.1e} per step")
