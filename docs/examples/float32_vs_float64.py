"""How many digits of a KL divergence float32 gets right, measured against float64."""

import torch

from kltutorial import Gaussian, gaussian_kl, grid_kl

# (mu1, sigma1, mu2, sigma2) for D(N(mu1, sigma1^2) || N(mu2, sigma2^2)), large to tiny.
pairs = [(0.0, 1.0, 10.0, 1.0), (0.0, 1.0, 1.0, 2.0), (0.0, 1.0, 0.01, 1.0), (0.0, 1.0, 0.001, 1.0)]
print("P = N(0, 1), Q = N(mu, sigma^2)")
print("Q                     exact D(P || Q) relative error: float32      float64")
print("                                      closed form   grid_kl       grid_kl")
for mu1, s1, mu2, s2 in pairs:
    # The reference: the closed form, evaluated in float64.
    exact = float(gaussian_kl(*(torch.tensor(v, dtype=torch.float64) for v in (mu1, s1, mu2, s2))))
    errors = []
    for dtype, formula in (
        (torch.float32, "closed"),
        (torch.float32, "grid"),
        (torch.float64, "grid"),
    ):
        t = [torch.tensor(v, dtype=dtype) for v in (mu1, s1, mu2, s2)]
        if formula == "closed":
            value = gaussian_kl(*t)
        else:
            x = torch.linspace(-12, 22, 3401, dtype=dtype)
            value = grid_kl(Gaussian(t[0], t[1]).log_prob(x), Gaussian(t[2], t[3]).log_prob(x), x)
        errors.append(abs(float(value) - exact) / exact)
    name = f"mu = {mu2:g}, sigma = {s2:g}"
    print(f"{name:21} {exact:.4e}      {errors[0]:.1e}       {errors[1]:.1e}       {errors[2]:.1e}")
