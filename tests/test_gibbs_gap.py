"""x - 1 - ln x from ln x: every digit near x = 1, never negative, against mpmath."""

from __future__ import annotations

import math

import mpmath
import pytest
import torch

from kltutorial import monte_carlo_kl, multivariate_gaussian_kl
from kltutorial.gibbs_gap import gibbs_gap

# From deep inside the series (|u| tiny) across its edge (0.5) to where e^u dominates.
US = [s * 10.0**e for e in range(-15, 2) for s in (-1.0, 1.0)] + [-0.49, 0.49, 0.51, 30.0]


def exact(u: float) -> float:
    with mpmath.workdps(50):
        v = mpmath.mpf(u)
        return float(mpmath.expm1(v) - v)


@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float64, 4e-16), (torch.float32, 3e-7)])
def test_matches_mpmath_to_the_last_digits(dtype: torch.dtype, tolerance: float) -> None:
    u = torch.tensor(US, dtype=dtype)
    got = gibbs_gap(u).double()
    # The oracle at the value the dtype actually holds.
    want = torch.tensor([exact(float(v)) for v in u], dtype=torch.float64)
    assert (got >= 0).all()
    assert ((got - want).abs() / want).max() <= tolerance


def test_is_zero_at_one_with_a_finite_gradient() -> None:
    u = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    value = gibbs_gap(u)
    (grad,) = torch.autograd.grad(value.sum(), u)
    assert float(value.detach()) == 0.0
    assert float(grad) == 0.0  # d/du (e^u - 1 - u) = e^u - 1 = 0 at u = 0


def test_both_users_share_it() -> None:
    """k3 and the multivariate divergence's diagonal terms are this function."""
    u = torch.tensor([1e-9, -0.3, 2.0], dtype=torch.float64)
    assert torch.equal(monte_carlo_kl(torch.zeros(3, dtype=torch.float64), u), gibbs_gap(u))
    # A diagonal Gaussian pair: D = sum_i (s_i - 1 - ln s_i) / 2 with s_i the variance ratio.
    s = torch.tensor([1.5, 0.25, 1.0 + 1e-6], dtype=torch.float64)
    zero = torch.zeros(3, dtype=torch.float64)
    got = multivariate_gaussian_kl(zero, torch.diag(s), zero, torch.eye(3, dtype=torch.float64))
    assert float(got) == pytest.approx(float(gibbs_gap(torch.log(s)).sum()) / 2, rel=1e-15)
    assert float(got) == pytest.approx(sum(exact(math.log(v)) for v in s.tolist()) / 2, rel=1e-9)
