r"""The chain rule from a loss on the grid to $\theta = (\mu, s = \log\sigma)$.

[`fit`][kltutorial.fit] needs the gradient and the 2x2 Hessian of a loss in
$\theta$ for many starts at once. Autograd can give them (two backward passes
through the whole ``(starts, grid)`` computation); here they are written out, which is
several times cheaper and is checked against autograd in the tests. Each loss supplies
its own pieces (its derivatives in $\log q$, in ``kltutorial/losses.py``); this module
holds what they share.

With $z_i = (x_i - \mu)/\sigma$ the Gaussian's log-density and its derivatives are

$$
\ell_i = \log q(x_i) = -\tfrac12 z_i^2 - s - \tfrac12\log 2\pi, \qquad
J_i = \frac{\partial \ell_i}{\partial\theta} = \begin{pmatrix} z_i/\sigma \\ z_i^2 - 1
\end{pmatrix}, \qquad
K_i = \frac{\partial^2 \ell_i}{\partial\theta^2} = -\begin{pmatrix} 1/\sigma^2 &
2z_i/\sigma \\ 2z_i/\sigma & 2z_i^2 \end{pmatrix}.
$$

A loss $L(\ell)$ then has gradient $\sum_i \alpha_i J_i$ and Hessian
$\sum_i (\beta_i J_i J_i^\top + \alpha_i K_i)$ plus, for losses that couple grid
points, a few extra terms; $\alpha_i = \partial L/\partial\ell_i$ and
$\beta_i$ is the diagonal of $\partial^2 L/\partial\ell^2$. Both sums only need
the moments $\sum_i \alpha_i z_i^k$ ($k \le 2$) and $\sum_i \beta_i
z_i^k$ ($k \le 4$).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from kltutorial.distributions import gaussian_log_density
from kltutorial.grid import log_normalise, trapezoid_weights

Derivatives = tuple[Tensor, Tensor, Tensor]
"""Loss ``(k,)``, gradient ``(k, 2)`` and Hessian ``(k, 2, 2)`` for ``k`` parameter pairs."""


class Target:
    """A target's log-density on a grid, with what the derivatives need of it, computed once.

    Args:
        log_p: The target's log-density on ``x``, shape ``(n,)``.
        x: The grid, shape ``(n,)``, same dtype as ``log_p``.
    """

    def __init__(self, log_p: Tensor, x: Tensor) -> None:
        self.log_p = log_p
        self.x = x
        self.weights = trapezoid_weights(x)
        self.spacing = x[1:] - x[:-1]
        self.p = log_p.exp()
        # The target normalised on the grid, for the two KL divergences.
        self.log_big_p = log_normalise(log_p, x)
        big_p = self.log_big_p.exp()
        # P's mean and variance on the grid, and sum_i P_i (log P_i - log w_i): all the
        # forward KL of a Gaussian depends on.
        self.p_mean = big_p @ x
        self.p_var = big_p @ (x - self.p_mean) ** 2
        self.p_const = torch.where(
            big_p > 0, big_p * (self.log_big_p - self.weights.log()), torch.zeros_like(big_p)
        ).sum()


@dataclass(frozen=True)
class Point:
    r"""Gaussians $Q_k = \mathcal N(\mu_k, \sigma_k^2)$ on the grid, one row per start."""

    mu: Tensor
    sigma: Tensor
    log_q: Tensor
    z: Tensor

    @classmethod
    def of(cls, theta: Tensor, x: Tensor) -> Point:
        r"""The Gaussians at $\theta$ (shape ``(k, 2)``: $\mu$, $\log\sigma$) on ``x``."""
        mu, sigma = theta[:, 0], theta[:, 1].exp()
        log_q = gaussian_log_density(x, mu[:, None], sigma[:, None])
        return cls(mu, sigma, log_q, (x - mu[:, None]) / sigma[:, None])


def gradient(point: Point, alpha: Tensor) -> Tensor:
    r"""The gradient $\sum_i \alpha_i J_i$."""
    z, sigma = point.z, point.sigma
    az = alpha * z
    return torch.stack([az.sum(-1) / sigma, (az * z).sum(-1) - alpha.sum(-1)], dim=-1)


def assemble(point: Point, alpha: Tensor, beta: Tensor) -> tuple[Tensor, Tensor]:
    r"""Gradient $\sum \alpha J$ and Hessian $\sum (\beta JJ^\top + \alpha K)$."""
    z, sigma = point.z, point.sigma
    az = alpha * z
    a0, a1, a2 = alpha.sum(-1), az.sum(-1), (az * z).sum(-1)
    b0 = beta.sum(-1)
    t = beta * z
    b1 = t.sum(-1)
    t = t * z
    b2 = t.sum(-1)
    t = t * z
    b3 = t.sum(-1)
    b4 = (t * z).sum(-1)
    var = sigma * sigma
    g = torch.stack([a1 / sigma, a2 - a0], dim=-1)
    hmm = (b2 - a0) / var
    hms = (b3 - b1 - 2 * a1) / sigma
    hss = b4 - 2 * b2 + b0 - 2 * a2
    return g, symmetric(hmm, hms, hss)


def symmetric(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """The 2x2 matrices [[a, b], [b, c]], stacked."""
    return torch.stack([torch.stack([a, b], -1), torch.stack([b, c], -1)], -2)


def outer(u: Tensor, v: Tensor) -> Tensor:
    """Outer products of rows, ``(k, 2) x (k, 2) -> (k, 2, 2)``."""
    return u[:, :, None] * v[:, None, :]
