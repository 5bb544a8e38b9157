"""js_divergence against scipy.spatial.distance.jensenshannon (squared) and mpmath.

Each tolerance in TOL is a little above the largest error measured for it (see the
comment there); `test_report_largest_errors` prints the errors of this run (pytest -s).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from kltutorial import js_divergence, kl_divergence

F64, F32 = torch.float64, torch.float32
DTYPES = [F64, F32]
LN2 = math.log(2)

# Largest absolute errors measured (JS is between 0 and ln 2), float64 / float32.
TOL = {
    # against scipy's jensenshannon(p, q) ** 2 on the same rounded inputs, 3,000 pairs
    "scipy": {F64: 1e-15, F32: 3e-7},  # measured 3.3e-16 / 1.4e-7
}
# Relative to mpmath at 50 digits on the same inputs, including nearly equal pairs with
# a JS of 1e-20, where scipy's p log(p/m) + q log(q/m) has lost every digit.
MPMATH_REL = {F64: 2e-15, F32: 1e-6}  # measured 2.2e-16 / 2.0e-7


def random_pairs(
    n: int, k: int, seed: int, dtype: torch.dtype, zeros: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` pairs of distributions on k outcomes; with ``zeros``, about a third are zero."""
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(n, k, generator=g, dtype=F64) ** 3
    q = torch.rand(n, k, generator=g, dtype=F64) ** 3
    if zeros:
        p = p * (torch.rand(n, k, generator=g, dtype=F64) > 0.33)
        q = q * (torch.rand(n, k, generator=g, dtype=F64) > 0.33)
        p[:, 0] += 0.01  # keep one outcome for each
        q[:, -1] += 0.01
    p, q = p.to(dtype), q.to(dtype)
    return p / p.sum(-1, keepdim=True), q / q.sum(-1, keepdim=True)


def nearly_equal_pairs(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs Q = P (1 + delta e) renormalised, for delta from 1e-1 down to 1e-10."""
    g = torch.Generator().manual_seed(5)
    p = torch.rand(10, 8, generator=g, dtype=F64) + 0.1
    e = torch.randn(10, 8, generator=g, dtype=F64)
    delta = torch.logspace(-1, -10, 10, dtype=F64)[:, None]
    q = p * (1 + delta * e)
    p, q = p.to(dtype), q.to(dtype)
    return p / p.sum(-1, keepdim=True), q / q.sum(-1, keepdim=True)


def mpmath_js(p: np.ndarray, q: np.ndarray) -> float:
    """The definition at 50 digits, from the float64 values exactly as given."""
    with mpmath.workdps(50):
        total = mpmath.mpf(0)
        for pi, qi in zip(p.tolist(), q.tolist(), strict=True):
            m = (mpmath.mpf(pi) + mpmath.mpf(qi)) / 2
            for x in (pi, qi):
                if x > 0:
                    total += mpmath.mpf(x) * mpmath.log(mpmath.mpf(x) / m)
        return float(total / 2)


@functools.cache
def error_scipy(dtype: torch.dtype) -> float:
    worst = 0.0
    for seed, k in enumerate([2, 3, 5, 10, 50, 200]):
        p, q = random_pairs(500, k, seed, dtype)
        got = js_divergence(p, q)
        assert got.dtype == dtype
        p64, q64 = p.double().numpy(), q.double().numpy()
        expected = jensenshannon(p64, q64, axis=-1) ** 2
        worst = max(worst, float(np.abs(got.double().numpy() - expected).max()))
    return worst


@functools.cache
def error_mpmath(dtype: torch.dtype) -> float:
    far_p, far_q = random_pairs(20, 8, 11, dtype)
    near_p, near_q = nearly_equal_pairs(dtype)
    p, q = torch.cat([far_p, near_p]), torch.cat([far_q, near_q])
    got = js_divergence(p, q).double()
    worst = 0.0
    for i in range(p.shape[0]):
        exact = mpmath_js(p[i].double().numpy(), q[i].double().numpy())
        if exact == 0:  # float32 rounded Q back to P
            assert float(got[i]) == 0.0
            continue
        worst = max(worst, abs(float(got[i]) - exact) / exact)
    return worst


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_scipy_jensenshannon_squared(dtype: torch.dtype) -> None:
    assert error_scipy(dtype) <= TOL["scipy"][dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_mpmath_also_for_nearly_equal_distributions(dtype: torch.dtype) -> None:
    assert error_mpmath(dtype) <= MPMATH_REL[dtype]


def test_nearly_equal_distributions_defeat_the_textbook_formula_not_this_one() -> None:
    p, q = nearly_equal_pairs(F64)
    p64, q64 = p[-1].numpy(), q[-1].numpy()  # delta = 1e-10: JS about 1e-21
    exact = mpmath_js(p64, q64)
    textbook = jensenshannon(p64, q64) ** 2
    assert abs(textbook - exact) / exact > 1e3  # not a single digit right
    assert abs(float(js_divergence(p[-1], q[-1])) - exact) / exact < 1e-14


def test_report_largest_errors() -> None:
    for dtype in DTYPES:
        print(
            f"{dtype}: scipy {error_scipy(dtype):.1e} (absolute), "
            f"mpmath {error_mpmath(dtype):.1e} (relative)"
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_symmetric_to_the_last_bit_and_between_zero_and_ln2(dtype: torch.dtype) -> None:
    p, q = random_pairs(3000, 7, 21, dtype)
    forward, backward = js_divergence(p, q), js_divergence(q, p)
    assert torch.equal(forward, backward)
    assert bool((forward >= 0).all())
    assert bool((forward <= LN2).all())


@pytest.mark.parametrize("dtype", DTYPES)
def test_zeros_are_exact_and_disjoint_supports_give_ln2(dtype: torch.dtype) -> None:
    p = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=dtype)
    q = torch.tensor([0.0, 0.0, 0.25, 0.75], dtype=dtype)
    assert float(js_divergence(p, q)) == pytest.approx(LN2, rel=2 * torch.finfo(dtype).eps)
    assert float(js_divergence(p, p)) == 0.0
    # Where KL is infinite (Q misses an outcome of P), JS stays finite.
    r = torch.tensor([0.25, 0.25, 0.5, 0.0], dtype=dtype)
    assert float(kl_divergence(r, p)) == math.inf
    assert 0 < float(js_divergence(r, p)) < LN2


def test_square_root_satisfies_the_triangle_inequality() -> None:
    p, q = random_pairs(2000, 4, 31, F64)
    r, _ = random_pairs(2000, 4, 32, F64)
    d: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    d = lambda a, b: js_divergence(a, b).sqrt()  # noqa: E731
    assert bool((d(p, r) <= d(p, q) + d(q, r) + 1e-15).all())


def test_batches_broadcast_and_gradients_are_finite_at_zeros() -> None:
    p, q = random_pairs(6, 5, 41, F64)
    batched = js_divergence(p.view(2, 3, 5), q[0])
    assert batched.shape == (2, 3)
    for i in range(6):
        assert float(batched.flatten()[i]) == float(js_divergence(p[i], q[0]))
    leaf = p.clone().requires_grad_()
    js_divergence(leaf, q).sum().backward()
    assert leaf.grad is not None
    assert bool(torch.isfinite(leaf.grad).all())


@pytest.mark.parametrize(
    ("p", "q", "match"),
    [
        ([0.5, 0.6], [0.5, 0.5], "p must be probabilities that sum to one"),
        ([0.5, 0.5], [1.5, -0.5], "q must be probabilities >= 0"),
        ([0.5, 0.5], [math.nan, 0.5], "q must not contain NaN"),
        ([0.5, 0.5], [0.2, 0.3, 0.5], "p has shape \\(2,\\), q has shape \\(3,\\)"),
    ],
)
def test_bad_input_raises_naming_the_argument(p: list[float], q: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        js_divergence(torch.tensor(p, dtype=F64), torch.tensor(q, dtype=F64))


def test_shapes_that_do_not_broadcast_raise() -> None:
    with pytest.raises(ValueError, match="p has shape"):
        js_divergence(torch.full((3, 2), 0.5), torch.full((4, 2), 0.5))
