r"""Integrals on a grid: the trapezoid rule in log space.

A density $p(x)$ known only at grid points $x_0 < \dots < x_{n-1}$ becomes a
discrete distribution with probabilities $P_i = w_i p(x_i) / \sum_j w_j p(x_j)$, where
$w_i$ are the trapezoid weights (half the neighbouring spacings). The spacing factor
is what turns a sum into an integral; dividing by the sum is the normalisation; everything
outside $[x_0, x_{n-1}]$ (the tails) is cut off and must be negligible for the
answer to mean what it says.
"""

from __future__ import annotations

import torch
from torch import Tensor


def trapezoid_weights(x: Tensor) -> Tensor:
    r"""Trapezoid weights $w_i$, so that $\int f\,dx \approx \sum_i w_i f(x_i)$.

    Args:
        x: A 1-D increasing grid.

    Returns:
        A tensor like ``x``: $w_0 = (x_1 - x_0)/2$, $w_i = (x_{i+1} - x_{i-1})/2$,
        $w_{n-1} = (x_{n-1} - x_{n-2})/2$.
    """
    gaps = x[1:] - x[:-1]
    weights = torch.zeros_like(x)
    weights[:-1] += gaps / 2
    weights[1:] += gaps / 2
    return weights


def log_normalise(log_density: Tensor, x: Tensor) -> Tensor:
    r"""Log-probabilities $\log P_i$ of a density on a grid, normalised on the grid.

    Computed as $\log w_i + \log p(x_i) - \operatorname{logsumexp}_j(\log w_j +
    \log p(x_j))$, so nothing is exponentiated and a density that underflows to zero in
    linear space keeps its exact logarithm.

    Args:
        log_density: Log-density values on ``x``, in the last dimension.
        x: The 1-D grid.

    Returns:
        Log-probabilities that sum (after ``exp``) to one along the last dimension.
    """
    log_mass = log_density + trapezoid_weights(x).log()
    return log_mass - torch.logsumexp(log_mass, dim=-1, keepdim=True)


def integral(values: Tensor, x: Tensor) -> Tensor:
    r"""The trapezoid rule $\sum_i w_i f(x_i)$ over the last dimension of ``values``."""
    return values @ trapezoid_weights(x).to(values.dtype)
