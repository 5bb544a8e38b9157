"""The original experiment's infinite KL: a density that underflows to zero in float32."""

import math

import torch
import torch.nn.functional as F
from torch.distributions import Normal

from kltutorial import grid_kl, kl_divergence

# The original's grid and target (float32, the default dtype), and its starting Q.
x = torch.linspace(-15, 15, 1000)
p = Normal(-5.0, 1.0).log_prob(x).exp() + Normal(10.0, 1.0).log_prob(x).exp()
Q = Normal(0.0, 1.0)

# The pitfall: turn log Q into probabilities, then take their log again.
q = Q.log_prob(x).exp()
underflow = q == 0
left, right = int((underflow & (x < 0)).sum()), int((underflow & (x > 0)).sum())
print(
    f"grid points where q underflows to exactly 0: {int(underflow.sum())} of {len(x)}"
    f" ({left} at the left end, {right} at the right)"
)
print(f"  they are the points with |x| >= {x[underflow].abs().min():.4f}")
print(f"  log q = Q.log_prob(x) at x = 15: {Q.log_prob(x)[-1]:.2f}")
print(f"  log q there is {Q.log_prob(x)[underflow].max():.2f} or lower,")
print(f"  below float32's smallest positive number, exp({math.log(2.0**-149):.2f})")
print(f"  p there is > 0: its smallest value is {p[underflow].min():.3g}")
print(f"F.kl_div(q.log(), p)          = {F.kl_div(q.log(), p)}")

# The fix: stay in log space. Pass log Q as it comes from log_prob.
print(f"F.kl_div(Q.log_prob(x), p)    = {F.kl_div(Q.log_prob(x), p):.4f}")

# With kltutorial: the integral in nats, and the discrete KL of the two distributions
# normalised on the grid, from log-probabilities.
integral = grid_kl(p.log(), Q.log_prob(x), x)
print(f"grid_kl(p.log(), Q.log_prob(x), x)    = {integral:.4f}")
log_p_grid = torch.log_softmax(p.log(), dim=-1)
log_q_grid = torch.log_softmax(Q.log_prob(x), dim=-1)
discrete = kl_divergence(log_p_grid, log_q_grid, log_probs=True)
print(f"kl_divergence(..., log_probs=True)    = {discrete:.4f}")
print(f"kl_divergence of the linear q (zeros) = {kl_divergence(p / p.sum(), q / q.sum())}")
