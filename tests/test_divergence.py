"""kl_divergence, grid_kl and gaussian_kl against independent oracles.

Oracles: scipy.special.rel_entr, torch.distributions.kl_divergence, the closed form of
the Gaussian KL, and mpmath quadrature at 30 digits. Each tolerance in TOL is a little
above the largest error measured for it (see the comment there).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Categorical, Normal
from torch.distributions import kl_divergence as torch_kl

from kltutorial import Gaussian, Mixture, gaussian_kl, grid_kl, kl_divergence

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)
F64, F32 = torch.float64, torch.float32
DTYPES = [F64, F32]

# Largest errors measured (3 runs of 3,000-5,000 random cases per entry, 300-500 for the
# grid, drawn from the strategies below), float64 / float32, and the tolerances asserted.
# Each error is normalised by the scale its rounding errors grow with:
TOL = {
    # sum_i P_i (log P_i - log Q_i), relative to sum_i P_i (|log P_i| + |log Q_i|)
    "rel_entr": {F64: 5e-16, F32: 2e-7},  # measured 3.3e-16 / 1.4e-7
    "log_probs": {F64: 5e-16, F32: 2e-7},  # measured 2.7e-16 / 1.1e-7
    # the same, relative to 1 + that sum: torch.distributions renormalises its input,
    # which moves the value by about n * eps in absolute terms
    "categorical": {F64: 5e-16, F32: 2e-7},  # measured 3.3e-16 / 1.1e-7
    # gaussian_kl, relative to |log r| + (r^2 + d^2)/2 + 1/2 (r = s1/s2, d = (m1 - m2)/s2)
    "normal": {F64: 5e-16, F32: 4e-7},  # measured 2.7e-16 / 2.7e-7
    "gaussian_quad": {F64: 5e-16, F32: 2e-7},  # measured 2.0e-16 / 7.3e-8
    # grid_kl of two Gaussians on linspace(-40, 40, 4001), relative to 1 + the divergence
    "grid_closed": {F64: 1.5e-15, F32: 3e-7},  # measured 7.5e-16 / 1.6e-7
    # grid_kl of the two-mode mixture against N(2.5, 7.566) on linspace(-15, 15, 1000),
    # relative, against quadrature of the same divergence with P cut to [-15, 15]. In
    # float64 this is the trapezoid rule's end error: P is still 7e-7 at x = 15.
    "grid_quad": {F64: 5e-9, F32: 5e-7},  # measured 2.3e-9 / 2.4e-7
}


@st.composite
def distribution_pairs(draw: st.DrawFn, zeros: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Two distributions on the same outcomes; with ``zeros``, P has some zero entries."""
    n = draw(st.integers(2, 40))
    weight = st.floats(1e-6, 1.0)
    p = np.array(draw(st.lists(weight, min_size=n, max_size=n)))
    q = np.array(draw(st.lists(weight, min_size=n, max_size=n)))
    if zeros:
        mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        mask[draw(st.integers(0, n - 1))] = True  # keep at least one outcome
        p = np.where(mask, p, 0.0)
    return p / p.sum(), q / q.sum()


gaussian_params = st.tuples(
    st.floats(-10, 10), st.floats(0.05, 20), st.floats(-10, 10), st.floats(0.05, 20)
)
grid_params = st.tuples(st.floats(-5, 5), st.floats(0.5, 3), st.floats(-5, 5), st.floats(0.5, 3))
Pair = tuple[np.ndarray, np.ndarray]
Params = tuple[float, float, float, float]


def as_tensors(
    p: np.ndarray, q: np.ndarray, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
    """The pair in ``dtype``, renormalised there, and the exact float64 values they hold."""
    pt, qt = torch.tensor(p, dtype=dtype), torch.tensor(q, dtype=dtype)
    pt, qt = pt / pt.sum(), qt / qt.sum()
    return pt, qt, pt.double().numpy(), qt.double().numpy()


def _relative(error: float, scale: float) -> float:
    return error / scale if scale else (0.0 if error == 0 else math.inf)


def _log_scale(p: np.ndarray, q: np.ndarray) -> float:
    """sum_i P_i (|log P_i| + |log Q_i|): what rounding errors of log P - log Q scale with."""
    present = p > 0
    return float((p[present] * (np.abs(np.log(p[present])) + np.abs(np.log(q[present])))).sum())


def error_rel_entr(pair: Pair, dtype: torch.dtype) -> float:
    p, q, p64, q64 = as_tensors(*pair, dtype)
    got = kl_divergence(p, q)
    assert got.dtype == dtype
    expected = float(scipy.special.rel_entr(p64, q64).sum())
    return _relative(abs(float(got) - expected), _log_scale(p64, q64))


def error_categorical(pair: Pair, dtype: torch.dtype) -> float:
    p, q, p64, q64 = as_tensors(*pair, dtype)
    expected = float(torch_kl(Categorical(probs=p.double()), Categorical(probs=q.double())))
    # torch.distributions renormalises its input, which in float32 moves the divergence
    # by about n * eps in absolute terms: hence the 1 + in the scale.
    return abs(float(kl_divergence(p, q)) - expected) / (1 + _log_scale(p64, q64))


def error_log_probs(pair: Pair, dtype: torch.dtype) -> float:
    p, q, _, _ = as_tensors(*pair, dtype)
    log_p, log_q = p.log(), q.log()
    # The oracle gets the same rounded logarithms, exactly, in float64.
    p64, q64 = log_p.double().exp().numpy(), log_q.double().exp().numpy()
    expected = float(scipy.special.rel_entr(p64, q64).sum())
    got = float(kl_divergence(log_p, log_q, log_probs=True))
    return _relative(abs(got - expected), _log_scale(p64, q64))


def _gaussian_scale(m1: float, s1: float, m2: float, s2: float) -> float:
    r, d = s1 / s2, (m1 - m2) / s2
    return abs(math.log(r)) + (r * r + d * d) / 2 + 0.5


def error_normal(params: Params, dtype: torch.dtype) -> float:
    m1, s1, m2, s2 = (torch.tensor(v, dtype=dtype) for v in params)
    got = gaussian_kl(m1, s1, m2, s2)
    assert got.dtype == dtype
    expected = torch_kl(Normal(m1.double(), s1.double()), Normal(m2.double(), s2.double()))
    exact = [float(v) for v in (m1, s1, m2, s2)]
    return abs(float(got) - float(expected)) / _gaussian_scale(*exact)


def error_grid_closed(params: Params, dtype: torch.dtype) -> float:
    x = torch.linspace(-40, 40, 4001, dtype=F64)
    m1, s1, m2, s2 = (torch.tensor(v, dtype=F64) for v in params)
    log_p = Gaussian(m1, s1).log_prob(x).to(dtype)
    log_q = Gaussian(m2, s2).log_prob(x).to(dtype)
    expected = float(gaussian_kl(m1, s1, m2, s2))
    return abs(float(grid_kl(log_p, log_q, x.to(dtype))) - expected) / (1 + expected)


# ---------------------------------------------------------------- kl_divergence


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(pair=distribution_pairs(zeros=True))
def test_kl_divergence_matches_rel_entr(pair: Pair, dtype: torch.dtype) -> None:
    assert error_rel_entr(pair, dtype) <= TOL["rel_entr"][dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(pair=distribution_pairs(zeros=True))
def test_kl_divergence_matches_torch_categorical(pair: Pair, dtype: torch.dtype) -> None:
    assert error_categorical(pair, dtype) <= TOL["categorical"][dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(pair=distribution_pairs(zeros=True))
def test_kl_divergence_with_log_probabilities(pair: Pair, dtype: torch.dtype) -> None:
    assert error_log_probs(pair, dtype) <= TOL["log_probs"][dtype]


@PROPERTY
@given(pair=distribution_pairs(zeros=True))
def test_kl_divergence_non_negative_zero_exactly_at_equality_and_asymmetric(pair: Pair) -> None:
    p, q, p64, q64 = as_tensors(*pair, F64)
    forward, backward = float(kl_divergence(p, q)), float(kl_divergence(q, p))
    assert forward >= 0
    assert backward >= 0
    assert float(kl_divergence(p, p)) == 0.0
    assert float(kl_divergence(q, q)) == 0.0
    # The two directions are different numbers, each the oracle's for its own direction;
    # D(Q || P) is infinite where P has a zero (Q has none).
    oracle_backward = float(scipy.special.rel_entr(q64, p64).sum())
    if bool((p64 == 0).any()):
        assert backward == oracle_backward == math.inf
    else:
        error = abs(backward - oracle_backward)
        assert _relative(error, _log_scale(q64, p64)) <= TOL["rel_entr"][F64]
    assert error_rel_entr(pair, F64) <= TOL["rel_entr"][F64]


def test_kl_divergence_asymmetry_on_a_known_pair() -> None:
    p = torch.tensor([0.5, 0.5], dtype=F64)
    q = torch.tensor([0.9, 0.1], dtype=F64)
    forward = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    backward = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert float(kl_divergence(p, q)) == pytest.approx(forward, rel=1e-15)
    assert float(kl_divergence(q, p)) == pytest.approx(backward, rel=1e-15)
    assert forward > 1.3 * backward  # 0.511 nats one way, 0.368 the other


def test_kl_divergence_zero_terms_and_impossible_outcomes() -> None:
    p = torch.tensor([0.5, 0.5, 0.0], dtype=F64)
    q = torch.tensor([0.25, 0.25, 0.5], dtype=F64)
    # 0 log(0 / q) = 0: the third outcome costs nothing.
    assert float(kl_divergence(p, q)) == pytest.approx(math.log(2), rel=1e-15)
    # Q produces what P calls impossible: +inf, not NaN, as torch.distributions says too.
    assert float(kl_divergence(q, p)) == math.inf
    assert float(torch_kl(Categorical(probs=q), Categorical(probs=p))) == math.inf


def test_kl_divergence_log_probabilities_below_the_smallest_float() -> None:
    # log Q_2 = -1000: Q_2 = e^-1000 is 0 in float64, but its logarithm is exact and the
    # divergence finite. Taking exp() and then log() gives +inf instead.
    log_q = torch.tensor([math.log1p(-math.exp(-1000)), -1000.0], dtype=F64)
    log_p = torch.tensor([0.5, 0.5], dtype=F64).log()
    expected = 0.5 * (math.log(0.5) - float(log_q[0])) + 0.5 * (math.log(0.5) + 1000)
    assert float(kl_divergence(log_p, log_q, log_probs=True)) == pytest.approx(expected, rel=1e-15)
    assert float(kl_divergence(log_p.exp(), log_q.exp())) == math.inf


def test_kl_divergence_is_batched_and_broadcasts() -> None:
    generator = torch.Generator().manual_seed(0)
    p = torch.rand(4, 1, 6, generator=generator, dtype=F64)
    q = torch.rand(1, 3, 6, generator=generator, dtype=F64)
    p, q = p / p.sum(-1, keepdim=True), q / q.sum(-1, keepdim=True)
    got = kl_divergence(p, q)
    assert got.shape == (4, 3)
    expected = scipy.special.rel_entr(p.numpy(), q.numpy()).sum(-1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-14)


def test_kl_divergence_gradients_are_finite_where_the_value_is() -> None:
    # Zeros in both P and Q, but never P > 0 where Q = 0: the value is finite.
    p = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=F64, requires_grad=True)
    q = torch.tensor([0.25, 0.25, 0.5, 0.0], dtype=F64, requires_grad=True)
    value = kl_divergence(p, q)
    assert float(value.detach()) == pytest.approx(math.log(2), rel=1e-15)
    grad_p, grad_q = torch.autograd.grad(value, (p, q))
    # Where P > 0 the gradient is the analytic one: log(P_i/Q_i) + 1 and -P_i/Q_i.
    np.testing.assert_allclose(grad_p[:2].numpy(), math.log(2) + 1, rtol=1e-15)
    np.testing.assert_allclose(grad_q[:2].numpy(), -2.0, rtol=1e-15)
    # Where P = 0 the terms are constant zero: finite (zero) gradients, not NaN.
    assert grad_p[2:].tolist() == [0.0, 0.0]
    assert grad_q[2:].tolist() == [0.0, 0.0]
    log_p = p.detach().log().requires_grad_(True)
    log_q = q.detach().log().requires_grad_(True)
    grads = torch.autograd.grad(kl_divergence(log_p, log_q, log_probs=True), (log_p, log_q))
    assert all(bool(torch.isfinite(g).all()) for g in grads)


# ---------------------------------------------------------------- gaussian_kl


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(params=gaussian_params)
def test_gaussian_kl_matches_torch_distributions(params: Params, dtype: torch.dtype) -> None:
    assert error_normal(params, dtype) <= TOL["normal"][dtype]


def _gaussian_kl_by_quadrature(m1: float, s1: float, m2: float, s2: float) -> float:
    with mpmath.workdps(30):
        a1, b1, a2, b2 = (mpmath.mpf(v) for v in (m1, s1, m2, s2))
        half_log_2pi = mpmath.log(mpmath.sqrt(2 * mpmath.pi))

        def integrand(x: mpmath.mpf) -> mpmath.mpf:
            log_p = -((x - a1) ** 2) / (2 * b1**2) - mpmath.log(b1) - half_log_2pi
            log_q = -((x - a2) ** 2) / (2 * b2**2) - mpmath.log(b2) - half_log_2pi
            return mpmath.exp(log_p) * (log_p - log_q)

        points = [-mpmath.inf, a1 - 8 * b1, a1, a1 + 8 * b1, mpmath.inf]
        return float(mpmath.quad(integrand, points))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "params", [(0.0, 1.0, 1.0, 2.0), (-5.0, 1.0, 2.5, 7.566), (3.0, 0.5, -1.0, 0.7)]
)
def test_gaussian_kl_matches_quadrature(params: Params, dtype: torch.dtype) -> None:
    values = [torch.tensor(v, dtype=dtype) for v in params]
    exact = [float(v) for v in values]  # the values dtype can hold, for the oracle
    expected = _gaussian_kl_by_quadrature(*exact)
    error = abs(float(gaussian_kl(*values)) - expected) / _gaussian_scale(*exact)
    assert error <= TOL["gaussian_quad"][dtype]


@PROPERTY
@given(params=gaussian_params)
def test_gaussian_kl_properties(params: Params) -> None:
    m1, s1, m2, s2 = (torch.tensor(v, dtype=F64) for v in params)
    forward, backward = float(gaussian_kl(m1, s1, m2, s2)), float(gaussian_kl(m2, s2, m1, s1))
    assert forward >= 0
    assert backward >= 0
    assert float(gaussian_kl(m1, s1, m1, s1)) == 0.0
    # Asymmetric: the difference of the two directions, in closed form.
    r, d2 = float(s1 / s2), float((m1 - m2) ** 2)
    difference = (
        -2 * math.log(r) + (r**2 - r**-2) / 2 + d2 * (1 / float(s2) ** 2 - 1 / float(s1) ** 2) / 2
    )
    scale = _gaussian_scale(*params) + _gaussian_scale(params[2], params[3], params[0], params[1])
    assert abs((forward - backward) - difference) <= 1e-14 * scale


def test_gaussian_kl_broadcasts() -> None:
    got = gaussian_kl(torch.zeros(3, 1), torch.ones(1, 2), 1.0, 2.0)
    expected = torch_kl(Normal(torch.zeros(3, 1), torch.ones(1, 2)), Normal(1.0, 2.0))
    assert got.shape == (3, 2)
    assert torch.allclose(got, expected, rtol=1e-6)


# ---------------------------------------------------------------- grid_kl


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(params=grid_params)
def test_grid_kl_of_gaussians_matches_the_closed_form(params: Params, dtype: torch.dtype) -> None:
    assert error_grid_closed(params, dtype) <= TOL["grid_closed"][dtype]


def _mixture_kl_by_quadrature(mu_q: float, sigma_q: float, a: float, b: float) -> float:
    """D(P || N(mu_q, sigma_q^2)) by mpmath at 30 digits, P the two-mode mixture cut to [a, b].

    P is renormalised on [a, b]: that is the divergence grid_kl computes on such a grid.
    """
    with mpmath.workdps(30):
        half_log_2pi = mpmath.log(mpmath.sqrt(2 * mpmath.pi))
        m, s = mpmath.mpf(mu_q), mpmath.mpf(sigma_q)

        def density(x: mpmath.mpf) -> mpmath.mpf:
            modes = mpmath.exp(-((x + 5) ** 2) / 2) + mpmath.exp(-((x - 10) ** 2) / 2)
            return modes / (2 * mpmath.sqrt(2 * mpmath.pi))

        points = [a, *(c for c in (-5, 2.5, 10) if a < c < b), b]
        mass = mpmath.quad(density, points)

        def integrand(x: mpmath.mpf) -> mpmath.mpf:
            p = density(x) / mass
            log_q = -((x - m) ** 2) / (2 * s**2) - mpmath.log(s) - half_log_2pi
            return p * (mpmath.log(p) - log_q)

        return float(mpmath.quad(integrand, points))


@pytest.mark.parametrize("dtype", DTYPES)
def test_grid_kl_of_the_two_mode_target_matches_quadrature(dtype: torch.dtype) -> None:
    x = torch.linspace(-15, 15, 1000, dtype=dtype)
    sigma = torch.tensor(math.sqrt(57.25), dtype=dtype)
    mu = torch.tensor(2.5, dtype=dtype)
    expected = _mixture_kl_by_quadrature(2.5, float(sigma), -15, 15)
    mixture = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    log_p = mixture.log_prob(x.double()).to(dtype)
    got = float(grid_kl(log_p, Gaussian(mu, sigma).log_prob(x), x))
    assert abs(got - expected) / expected <= TOL["grid_quad"][dtype]
    # P has 1.4e-7 of its mass beyond 15 (the mode at 10 is 5 sigma from the edge); cutting
    # it off changes the divergence by about 1.4e-6 relative: small, but not rounding.
    whole_line = _mixture_kl_by_quadrature(2.5, float(sigma), -40, 40)
    assert 1e-6 < (got - whole_line) / whole_line < 2e-6


def test_grid_kl_ignores_the_scale_of_p_and_the_grid_spacing() -> None:
    # The original's target integrates to 2; grid_kl normalises it. Refining the grid
    # leaves the integral where it was: the spacing makes the sum an integral. (What is
    # left is the trapezoid rule's O(h^2) error at the end x = 15, where P is 7e-7.)
    expected = _mixture_kl_by_quadrature(0.0, 3.0, -15, 15)
    for n in (1000, 2000, 4001):
        x = torch.linspace(-15, 15, n, dtype=F64)
        total = Gaussian(-5.0, 1.0).prob(x) + Gaussian(10.0, 1.0).prob(x)
        got = grid_kl(total.log(), Gaussian(0.0, 3.0).log_prob(x), x)
        assert float(got) == pytest.approx(expected, rel=1e-8)


def test_grid_kl_on_a_non_uniform_grid() -> None:
    # Dense in the middle and sparse outside: the trapezoid weights take care of it.
    u = torch.linspace(-1, 1, 3001, dtype=F64)
    x = 12 * u + 3 * u**3
    params = [torch.tensor(v, dtype=F64) for v in (0.3, 1.2, -0.4, 2.0)]
    got = grid_kl(Gaussian(*params[:2]).log_prob(x), Gaussian(*params[2:]).log_prob(x), x)
    expected = torch_kl(Normal(params[0], params[1]), Normal(params[2], params[3]))
    assert float(got) == pytest.approx(float(expected))


def test_grid_kl_counts_the_mass_of_q_outside_the_grid() -> None:
    # N(0, 10) has 13% of its mass outside [-15, 15]; grid_kl still gives the divergence
    # on the whole line, because Q is taken as normalised there.
    x = torch.linspace(-15, 15, 3001, dtype=F64)
    params = [torch.tensor(v, dtype=F64) for v in (1.0, 1.0, 0.0, 10.0)]
    got = grid_kl(Gaussian(*params[:2]).log_prob(x), Gaussian(*params[2:]).log_prob(x), x)
    assert float(got) == pytest.approx(float(gaussian_kl(*params)), rel=1e-12)


def test_grid_kl_with_zero_density_and_its_gradient() -> None:
    x = torch.linspace(-10, 10, 2001, dtype=F64)
    log_p = Gaussian(torch.tensor(0.0, dtype=F64), 1.0).log_prob(x)
    log_p = torch.where(x.abs() < 3, log_p, torch.full_like(log_p, -math.inf))  # truncated P
    log_q = Gaussian(torch.tensor(0.5, dtype=F64), 2.0).log_prob(x).requires_grad_(True)
    value = grid_kl(log_p, log_q, x)
    (grad,) = torch.autograd.grad(value, log_q)
    assert math.isfinite(float(value.detach()))
    assert bool(torch.isfinite(grad).all())
    assert bool((grad[x.abs() >= 3] == 0).all())  # where P is zero, Q does not matter


# ------------------------------------------------- issue 9: wrong values and NaN leaks


@pytest.mark.parametrize(
    ("p", "q", "dtype"),
    [
        ([0.05, 0.05], [0.5, 0.5], torch.float16),  # was -0.2302
        ([3.0, 3.0], [0.5, 0.5], torch.bfloat16),  # was 10.81
    ],
    ids=["float16", "bfloat16"],
)
def test_low_precision_distributions_that_do_not_sum_to_one_are_rejected(
    p: list[float], q: list[float], dtype: torch.dtype
) -> None:
    with pytest.raises(ValueError, match="p must be probabilities that sum to one"):
        kl_divergence(torch.tensor(p, dtype=dtype), torch.tensor(q, dtype=dtype))


def test_the_sum_tolerance_does_not_grow_with_the_number_of_outcomes() -> None:
    n = 10**6
    half = torch.full((n,), 0.5e-6)  # sums to 0.5; the old tolerance grew with n to 1.2
    with pytest.raises(ValueError, match=r"off by 0\.5"):
        kl_divergence(half, torch.full((n,), 1e-6))
    # A float32 softmax over a million outcomes is still accepted, and its KL is right.
    logits = torch.randn(n, generator=torch.Generator().manual_seed(0))
    p, q = torch.softmax(logits, 0), torch.softmax(0.5 * logits, 0)
    expected = scipy.special.rel_entr(p.double().numpy(), q.double().numpy()).sum()
    assert float(kl_divergence(p, q)) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, F32, F64])
def test_kl_divergence_is_never_negative_in_any_precision(dtype: torch.dtype) -> None:
    generator = torch.Generator().manual_seed(1)
    for _ in range(200):
        logits = torch.randn(7, generator=generator)
        noisy = logits + 1e-3 * torch.randn(7, generator=generator)
        p, q = torch.softmax(logits.to(dtype), 0), torch.softmax(noisy.to(dtype), 0)
        assert float(kl_divergence(p, q)) >= 0
        log_p, log_q = torch.log_softmax(logits.to(dtype), 0), torch.log_softmax(noisy.to(dtype), 0)
        assert float(kl_divergence(log_p, log_q, log_probs=True)) >= 0


def _mp_gaussian_kl(m1: float, s1: float, m2: float, s2: float) -> tuple[float, float, float]:
    """KL(N(m1, s1^2) || N(m2, s2^2)) and its derivatives in s1 and s2, in mpmath."""
    mpmath.mp.dps = 60
    m1, s1, m2, s2 = map(mpmath.mpf, (m1, s1, m2, s2))
    value = mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2
    d_s1 = -1 / s1 + s1 / s2**2
    d_s2 = 1 / s2 - (s1**2 + (m1 - m2) ** 2) / s2**3
    return float(value), float(d_s1), float(d_s2)


@pytest.mark.parametrize(
    ("s1", "s2", "dtype"),
    [
        (1e-30, 1e30, F32),  # was inf; true 137.655
        (1e-20, 1e20, F32),  # value 91.60 was right, its gradient in s1 was -inf
        (1e-300, 1e300, F64),
        (1e-3, 1e3, F32),
        (0.5, 2.0, F32),
    ],
)
def test_gaussian_kl_at_extreme_scales_matches_mpmath(
    s1: float, s2: float, dtype: torch.dtype
) -> None:
    sigma1 = torch.tensor(s1, dtype=dtype, requires_grad=True)
    sigma2 = torch.tensor(s2, dtype=dtype, requires_grad=True)
    value = gaussian_kl(
        torch.tensor(0.0, dtype=dtype), sigma1, torch.tensor(0.0, dtype=dtype), sigma2
    )
    value.backward()
    # the oracle at the parameters as stored in dtype
    expected, d_s1, d_s2 = _mp_gaussian_kl(0.0, float(sigma1.detach()), 0.0, float(sigma2.detach()))
    assert float(value.detach()) == pytest.approx(expected, rel=1e-6)
    assert sigma1.grad is not None
    assert sigma2.grad is not None
    assert float(sigma1.grad) == pytest.approx(d_s1, rel=1e-5)
    assert float(sigma2.grad) == pytest.approx(d_s2, rel=1e-5)


def test_gaussian_kl_is_inf_only_where_the_true_value_overflows() -> None:
    assert float(gaussian_kl(0.0, 1e30, 0.0, 1e-30)) == math.inf  # was NaN
    assert float(gaussian_kl(0.0, 1.0, 1e30, 1e-10)) == math.inf  # offset^2 / s2^2 overflows


@pytest.mark.parametrize(
    ("m1", "s1", "s2", "dtype"),
    [
        (2e19, 1.0, 1.0, F32),  # was inf: d**2 = 4e38 overflows, d**2 / 2 = 2e38 does not
        (2e19, 0.5, 0.5, F32),  # d / s2 = 4e19: 8e38 overflows, and so does the truth
        (0.0, 2e19, 1.0, F32),  # r**2 = 4e38 overflows, r**2 / 2 = 2e38 does not
        (2e19, 2e19, 1.0, F32),  # 2e38 + 2e38 overflows: inf is right
        (1.5e154, 1.0, 1.0, F64),  # the same band in float64: 1.125e308
        (0.0, 1.5e154, 1.0, F64),
    ],
)
def test_gaussian_kl_is_finite_wherever_the_true_value_is_representable(
    m1: float, s1: float, s2: float, dtype: torch.dtype
) -> None:
    mu1 = torch.tensor(m1, dtype=dtype, requires_grad=True)
    sigma1, zero, sigma2 = (torch.tensor(v, dtype=dtype) for v in (s1, 0.0, s2))
    value = gaussian_kl(mu1, sigma1, zero, sigma2)
    value.backward()
    with mpmath.workdps(60):
        a, b, c = (mpmath.mpf(float(v.detach())) for v in (mu1, sigma1, sigma2))
        expected = mpmath.log(c / b) + (b**2 + a**2) / (2 * c**2) - mpmath.mpf(1) / 2
        d_mu1 = a / c**2
    for got, true in ((value.detach(), expected), (mu1.grad, d_mu1)):
        assert got is not None
        if abs(true) <= torch.finfo(dtype).max:
            assert math.isfinite(float(got))
            assert float(got) == pytest.approx(float(true), rel=1e-6)
        else:
            assert float(got) == math.inf


@pytest.mark.parametrize("name", ["mu1", "mu2"])
@pytest.mark.parametrize("bad", [math.inf, -math.inf])
def test_gaussian_kl_rejects_an_infinite_mean(name: str, bad: float) -> None:
    args = {"mu1": 0.0, "sigma1": 1.0, "mu2": 0.0, "sigma2": 1.0, name: bad}
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        gaussian_kl(**args)


def test_zero_dimensional_inputs_get_a_clear_error() -> None:
    for p, q in ((torch.tensor(1.0), torch.tensor(1.0)), (1.0, 1.0)):
        with pytest.raises(ValueError, match="p must have at least one dimension"):
            kl_divergence(p, q)  # type: ignore[arg-type]


@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_log_probs_must_be_a_bool(flag: object) -> None:
    p = torch.tensor([0.5, 0.5])
    with pytest.raises(TypeError, match="log_probs must be True or False"):
        kl_divergence(p, p, log_probs=flag)  # type: ignore[arg-type]


def test_a_nan_inside_the_log_space_sum_stays_nan() -> None:
    # The helper behind kl_divergence and grid_kl: NaN inputs must not be scored as 0.
    from kltutorial.divergence import kl_from_logs

    nan = torch.tensor([math.nan, -1.0])
    assert math.isnan(float(kl_from_logs(nan, torch.tensor([-1.0, -1.0]))))
    assert math.isnan(float(kl_from_logs(torch.tensor([-1.0, -1.0]), nan)))
    assert float(kl_from_logs(torch.tensor([-math.inf, 0.0]), torch.tensor([-5.0, 0.0]))) == 0
