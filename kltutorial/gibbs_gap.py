r"""The gap in Gibbs' inequality, $x - 1 - \ln x \ge 0$, computed from $\ln x$.

The same quantity appears twice in the package: Schulman's estimator $k_3 = (r - 1) - \ln r$
([`monte_carlo_kl`][kltutorial.monte_carlo_kl]) and each diagonal term $M_{ii}^2 - 1 -
\ln M_{ii}^2$ of the multivariate Gaussian divergence
([`multivariate_gaussian_kl`][kltutorial.multivariate_gaussian_kl]). Both are tiny exactly
when they matter most, for $x$ near 1 (nearly equal distributions), where $e^u - 1 - u$
subtracts two numbers that agree in their leading digits.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# Below this |u|, e^u - 1 - u is summed as its Taylor series: expm1(u) - u subtracts two
# numbers that agree in their leading digits, and loses about log10(2 / |u|) of them. At
# |u| = 0.5 the loss is under one digit, and 17 terms of the series reach float64's last
# digit.
_SERIES_BELOW = 0.5
_SERIES_TERMS = 17
# 1 / (n + 2)! for n = 0 .. 16: e^u - 1 - u = u^2 * sum_n u^n / (n + 2)!.
_SERIES = tuple(1.0 / math.factorial(n + 2) for n in range(_SERIES_TERMS))


def gibbs_gap(log_x: Tensor) -> Tensor:
    """``x - 1 - ln x`` from ``ln x``, accurate to the last digits for x near 1, and >= 0.

    Both branches are computed on inputs that keep them finite (the double-``where``
    pattern), so the branch not taken sends no NaN through the backward pass.

    Args:
        log_x: ``ln x``, any shape, floating point.

    Returns:
        ``e^u - 1 - u`` for ``u = log_x``, elementwise.
    """
    small = log_x.abs() < _SERIES_BELOW
    u = torch.where(small, log_x, torch.zeros_like(log_x))
    series = torch.full_like(u, _SERIES[-1])
    for coefficient in reversed(_SERIES[:-1]):
        series = series * u + coefficient
    near_one = u.square() * series
    v = torch.where(small, torch.ones_like(log_x), log_x)
    far = torch.expm1(v) - v
    # Both are >= 0 in exact arithmetic; the clamp makes that hold after rounding too.
    return torch.where(small, near_one, far).clamp_min(0.0)
