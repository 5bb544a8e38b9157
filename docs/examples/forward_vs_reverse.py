"""Fit one Gaussian to a two-mode target with forward KL and with reverse KL."""

import torch

from kltutorial import Gaussian, Mixture, fit, forward_kl, reverse_kl

# The target: two well-separated modes, half of the mass in each.
p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
x = torch.linspace(-15, 15, 1000)  # the grid of the original experiment
starts = torch.tensor([-8.0, -2.0, 0.0, 5.0, 8.0, 12.0])
print(f"target P: mean {p.mean:.4f}, standard deviation {p.stddev:.4f}")

# All six starts are fitted at once (mu is a tensor); sigma starts at 1 for each.
for loss in ("forward_kl", "reverse_kl"):
    result = fit(p, x, loss, mu=starts, sigma=1.0)
    print(f"\n{loss}, from sigma0 = 1:")
    for i, mu0 in enumerate(starts.tolist()):
        print(
            f"  mu0 = {mu0:5.1f} -> mu = {result.mu[i]:7.4f}, sigma = {result.sigma[i]:.4f}, "
            f"D = {result.loss[i]:.4f} ({result.reasons[i]})"
        )

# Score each answer with both divergences: each one rejects the other's answer. The grid
# is wider here, because reverse KL integrates over all of the wide Q, tails included.
wide = torch.linspace(-45, 50, 4001, dtype=torch.float64)
log_p = p.log_prob(wide)
answers = {
    "wide Q = N(2.5, 7.5664^2)": Gaussian(2.5, 7.5664),
    "mode Q = N(-5, 1)": Gaussian(-5.0, 1.0),
}
print(f"\n{'':26}{'D(P || Q)':>12}{'D(Q || P)':>12}")
for name, q in answers.items():
    log_q = q.log_prob(wide)
    print(f"{name:26}{forward_kl(log_p, log_q, wide):12.4f}{reverse_kl(log_p, log_q, wide):12.4f}")
