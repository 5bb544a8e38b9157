"""The chain rule, the data-processing inequality and convexity, on random distributions."""

import torch

from kltutorial import js_divergence, kl_divergence

generator = torch.Generator().manual_seed(0)


def random_distributions(*shape: int) -> torch.Tensor:
    """Random distributions over the last dimension (Dirichlet(1), uniform on the simplex)."""
    e = -torch.rand(*shape, generator=generator, dtype=torch.float64).log()
    return e / e.sum(dim=-1, keepdim=True)


# Chain rule: D(P_XY || Q_XY) = D(P_X || Q_X) + E_{x ~ P_X} D(P_Y|x || Q_Y|x).
p_x, q_x = random_distributions(4), random_distributions(4)
p_y_given_x, q_y_given_x = random_distributions(4, 5), random_distributions(4, 5)
p_xy, q_xy = p_x[:, None] * p_y_given_x, q_x[:, None] * q_y_given_x
joint = kl_divergence(p_xy.flatten(), q_xy.flatten())
marginal = kl_divergence(p_x, q_x)
conditional = (p_x * kl_divergence(p_y_given_x, q_y_given_x)).sum()
print("chain rule:")
print(f"  D(P_XY || Q_XY)                     = {joint:.6f}")
print(
    f"  D(P_X || Q_X) + E D(P_Y|X || Q_Y|X) = {marginal:.6f} + {conditional:.6f} = "
    f"{marginal + conditional:.6f}"
)

# Data processing: pass P and Q through the same channel W (a row-stochastic matrix,
# W[i, j] = probability that input i comes out as j). 20,000 random triples.
n = 20_000
p, q = random_distributions(n, 6), random_distributions(n, 6)
channel = random_distributions(n, 6, 4)  # 6 inputs, 4 outputs
p_out, q_out = (p[:, None, :] @ channel).squeeze(1), (q[:, None, :] @ channel).squeeze(1)
for name, divergence in (("KL", kl_divergence), ("JS", js_divergence)):
    before, after = divergence(p, q), divergence(p_out, q_out)
    print(f"\ndata processing, {name}: after > before in {int((after > before).sum())} of {n}")
    print(f"  largest after / before: {(after / before).max():.4f}")

# Convexity: D(l P1 + (1-l) P2 || l Q1 + (1-l) Q2) <= l D(P1||Q1) + (1-l) D(P2||Q2).
p1, p2, q1, q2 = (random_distributions(n, 6) for _ in range(4))
weight = torch.rand(n, 1, generator=generator, dtype=torch.float64)
mixed = kl_divergence(weight * p1 + (1 - weight) * p2, weight * q1 + (1 - weight) * q2)
average = weight[:, 0] * kl_divergence(p1, q1) + (1 - weight[:, 0]) * kl_divergence(p2, q2)
print(f"\nconvexity: mixture's KL > average KL in {int((mixed > average).sum())} of {n}")
print(f"  largest mixture / average: {(mixed / average).max():.4f}")
