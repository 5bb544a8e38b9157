"""Gaussian and Mixture against torch.distributions, scipy.stats and mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.special
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Normal

from kltutorial import Gaussian, Mixture

F64, F32 = torch.float64, torch.float32
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True)


@pytest.mark.parametrize(
    ("mu", "sigma", "x"),
    [
        (-5.0, 1.0, torch.linspace(-15, 15, 1000)),  # the original, float32
        (0.3, 0.7, torch.linspace(-15, 15, 1001, dtype=F64)),  # numbers, float64 grid
        (torch.tensor(0.1, dtype=F64), 0.3, torch.linspace(-3, 3, 101, dtype=F64)),
        (
            torch.tensor([[-1.0], [2.0]]),
            torch.tensor([0.5, 1.0, 4.0])[:, None, None],
            torch.rand(7),
        ),
        (1.0, torch.tensor([0.2, 3.0], dtype=F64)[:, None], torch.linspace(-5, 5, 11)),
    ],
)
def test_gaussian_log_prob_is_bit_for_bit_torch_normal(
    mu: float | torch.Tensor, sigma: float | torch.Tensor, x: torch.Tensor
) -> None:
    ours, theirs = Gaussian(mu, sigma).log_prob(x), Normal(mu, sigma).log_prob(x)
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    assert torch.equal(ours, theirs)


@PROPERTY
@given(
    mu=st.floats(-100, 100),
    sigma=st.floats(1e-3, 1e3),
    x=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20),
    double=st.booleans(),
)
def test_gaussian_log_prob_bit_for_bit_on_random_input(
    mu: float, sigma: float, x: list[float], double: bool
) -> None:
    dtype = F64 if double else F32
    points = torch.tensor(x, dtype=dtype)
    m, s = torch.tensor(mu, dtype=dtype), torch.tensor(sigma, dtype=dtype)
    assert torch.equal(Gaussian(m, s).log_prob(points), Normal(m, s).log_prob(points))
    # and it is the normal log-density: scipy, on the same (rounded) numbers
    expected = scipy.stats.norm.logpdf(points.double().numpy(), float(m), float(s))
    got = Gaussian(m, s).log_prob(points).double().numpy()
    tolerance = (1e-13 if double else 1e-5) * (1 + np.abs(expected))
    assert np.all(np.abs(got - expected) <= tolerance)


def test_the_original_target_is_easy_to_build_exactly() -> None:
    x = torch.linspace(-15, 15, 1000)
    ours = Gaussian(-5.0, 1.0).prob(x) + Gaussian(10.0, 1.0).prob(x)
    original = Normal(-5.0, 1.0).log_prob(x).exp() + Normal(10.0, 1.0).log_prob(x).exp()
    assert torch.equal(ours, original)
    # It is a sum of two densities: it integrates to 2, not 1.
    total, _ = scipy.integrate.quad(
        lambda t: scipy.stats.norm.pdf(t, -5, 1) + scipy.stats.norm.pdf(t, 10, 1),
        -40,
        40,
        points=[-5, 10],
    )
    assert total == pytest.approx(2.0, rel=1e-12)
    h = 30 / 999
    assert float(ours.double().sum()) * h == pytest.approx(2.0, rel=1e-6)


def test_gaussian_prob_is_the_density() -> None:
    x = torch.linspace(-8, 8, 33, dtype=F64)
    g = Gaussian(torch.tensor(0.5, dtype=F64), torch.tensor(1.5, dtype=F64))
    np.testing.assert_allclose(
        g.prob(x).numpy(), scipy.stats.norm.pdf(x.numpy(), 0.5, 1.5), rtol=1e-14
    )
    assert float(g.mean) == 0.5
    assert float(g.stddev) == 1.5


def test_mixture_normalises_its_weights_and_matches_scipy() -> None:
    x = torch.linspace(-20, 20, 401, dtype=F64)
    components = [
        Gaussian(torch.tensor(-5.0, dtype=F64), 1.0),
        Gaussian(torch.tensor(10.0, dtype=F64), 2.0),
    ]
    mixture = Mixture(components, weights=[1.0, 3.0])
    assert mixture.weights.tolist() == [0.25, 0.75]
    logs = np.stack(
        [scipy.stats.norm.logpdf(x.numpy(), -5, 1), scipy.stats.norm.logpdf(x.numpy(), 10, 2)]
    )
    expected = scipy.special.logsumexp(logs, axis=0, b=np.array([[0.25], [0.75]]))
    np.testing.assert_allclose(mixture.log_prob(x).numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(mixture.prob(x).numpy(), np.exp(expected), rtol=1e-13)
    equal = Mixture(components)
    assert equal.weights.tolist() == [0.5, 0.5]


def test_mixture_log_prob_is_finite_far_in_the_tails() -> None:
    # At x = 1000 both densities are below 1e-200000: zero in any float. The log-sum-exp
    # keeps the logarithm exact; mpmath computes it at 30 digits.
    mixture = Mixture(
        [Gaussian(torch.tensor(-5.0, dtype=F64), 1.0), Gaussian(torch.tensor(10.0, dtype=F64), 1.0)]
    )
    x = torch.tensor([-1000.0, 1000.0], dtype=F64)
    got = mixture.log_prob(x)
    assert float(mixture.prob(x).max()) == 0.0
    with mpmath.workdps(30):
        for point, value in zip(x.tolist(), got.tolist(), strict=True):
            t = mpmath.mpf(point)
            density = (mpmath.exp(-((t + 5) ** 2) / 2) + mpmath.exp(-((t - 10) ** 2) / 2)) / (
                2 * mpmath.sqrt(2 * mpmath.pi)
            )
            assert value == pytest.approx(float(mpmath.log(density)), rel=1e-15)


def test_mixture_moments_match_quadrature() -> None:
    mixture = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    assert float(mixture.mean) == pytest.approx(2.5, abs=1e-7)
    assert float(mixture.stddev) == pytest.approx(math.sqrt(57.25), rel=1e-7)

    def density(t: float) -> float:
        return 0.5 * (scipy.stats.norm.pdf(t, -5, 1) + scipy.stats.norm.pdf(t, 10, 1))

    mean, _ = scipy.integrate.quad(lambda t: t * density(t), -40, 40, points=[-5, 10])
    second, _ = scipy.integrate.quad(lambda t: t * t * density(t), -40, 40, points=[-5, 10])
    assert float(mixture.mean) == pytest.approx(mean, rel=1e-7)
    assert float(mixture.stddev) == pytest.approx(math.sqrt(second - mean**2), rel=1e-7)


def test_parameters_broadcast() -> None:
    x = torch.linspace(-3, 3, 7, dtype=F64)
    mus = torch.tensor([[-1.0], [0.0], [1.0]], dtype=F64)
    g = Gaussian(mus, torch.tensor([0.5, 2.0], dtype=F64)[:, None, None])
    assert g.log_prob(x).shape == (2, 3, 7)
    assert torch.equal(
        g.log_prob(x), Normal(mus, torch.tensor([0.5, 2.0], dtype=F64)[:, None, None]).log_prob(x)
    )
    mixture = Mixture([Gaussian(mus, 1.0), Gaussian(2.0, torch.tensor(1.5, dtype=F64))])
    got = mixture.log_prob(x)
    assert got.shape == (3, 7)
    expected = np.logaddexp(
        np.log(0.5) + scipy.stats.norm.logpdf(x.numpy(), mus.numpy(), 1.0),
        np.log(0.5) + scipy.stats.norm.logpdf(x.numpy(), 2.0, 1.5),
    )
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_repr() -> None:
    assert repr(Gaussian(0.5, 2.0)) == "Gaussian(mu=0.5, sigma=2.0)"
    assert (
        repr(Mixture([Gaussian(0.0, 1.0)])) == "Mixture([Gaussian(mu=0.0, sigma=1.0)], weights=1.0)"
    )


# ------------------------------------------------- issue 9: wrong values and NaN leaks


def _mp_log_density(x: float, mu: float, sigma: float) -> tuple[float, float, float]:
    """log N(x; mu, sigma^2) and its derivatives in mu and sigma, in mpmath."""
    mpmath.mp.dps = 60
    x, mu, sigma = map(mpmath.mpf, (x, mu, sigma))
    z = (x - mu) / sigma
    value = -(z**2) / 2 - mpmath.log(sigma) - mpmath.log(mpmath.sqrt(2 * mpmath.pi))
    return float(value), float(z / sigma), float(-1 / sigma + z**2 / sigma)


@pytest.mark.parametrize(
    ("sigma", "offsets", "dtype"),
    [
        (1e-23, [0.0, 1e-23, -3e-23], F32),  # was NaN: sigma**2 underflows; about 52.0
        (1e-162, [0.0, 2e-162], F64),  # likewise in float64
        (1e20, [0.0, 1e20, 3e20], F32),  # (x - mu)**2 overflows float32
        (0.7, [0.0, 1.3], F32),
    ],
)
def test_gaussian_log_prob_at_extreme_scales_matches_mpmath(
    sigma: float, offsets: list[float], dtype: torch.dtype
) -> None:
    mu = torch.tensor(0.5 * sigma, dtype=dtype, requires_grad=True)
    s = torch.tensor(sigma, dtype=dtype, requires_grad=True)
    x = mu.detach() + torch.tensor(offsets, dtype=dtype)
    for i in range(len(offsets)):
        mu.grad = s.grad = None
        value = Gaussian(mu, s).log_prob(x[i : i + 1])
        value.sum().backward()
        expected, d_mu, d_sigma = _mp_log_density(
            float(x[i]), float(mu.detach()), float(s.detach())
        )
        assert float(value.detach()) == pytest.approx(expected, rel=1e-6)
        assert mu.grad is not None
        assert s.grad is not None
        assert float(mu.grad) == pytest.approx(d_mu, rel=1e-5, abs=1e-5 / sigma)
        assert float(s.grad) == pytest.approx(d_sigma, rel=1e-5, abs=1e-5 / sigma)


def _matches_where_representable(got: float, expected: float, dtype: torch.dtype) -> bool:
    """Equal to 1e-6 where the true value fits in dtype; an infinity of its sign beyond."""
    if abs(expected) <= torch.finfo(dtype).max:
        return math.isfinite(got) and got == pytest.approx(expected, rel=1e-6)
    return got == math.copysign(math.inf, expected)


@pytest.mark.parametrize(
    ("offset", "sigma", "dtype"),
    [
        (2e19, 1.0, F32),  # was -inf: z**2 = 4e38 overflows, z**2 / 2 = 2e38 does not
        (-2.5e19, 1.0, F32),  # -3.1e38
        (1e19, 2e19, F32),  # 2 sigma**2 overflows: was -0.125 too high
        (1.5e154, 1.0, F64),  # the same band in float64: -1.125e308
        (3e19, 1.0, F32),  # -4.5e38 overflows: -inf is right
    ],
)
def test_gaussian_log_prob_is_finite_wherever_the_true_value_is_representable(
    offset: float, sigma: float, dtype: torch.dtype
) -> None:
    mu = torch.tensor(0.0, dtype=dtype, requires_grad=True)
    s = torch.tensor(sigma, dtype=dtype, requires_grad=True)
    x = torch.tensor([offset], dtype=dtype)
    value = Gaussian(mu, s).log_prob(x)
    value.sum().backward()
    expected, d_mu, _ = _mp_log_density(float(x), 0.0, float(s.detach()))
    assert _matches_where_representable(float(value.detach()), expected, dtype)
    assert mu.grad is not None
    assert _matches_where_representable(float(mu.grad), d_mu, dtype)


def test_gaussian_log_prob_extreme_scale_exact_case() -> None:
    assert float(Gaussian(0.0, 1e-23).log_prob(torch.tensor([0.0]))) == pytest.approx(
        -math.log(1e-23) - 0.5 * math.log(2 * math.pi), rel=1e-6
    )


@pytest.mark.parametrize("bad", [math.inf, -math.inf])
def test_gaussian_rejects_an_infinite_mean(bad: float) -> None:
    with pytest.raises(ValueError, match="mu must be finite"):
        Gaussian(bad, 1.0)


def test_mixture_weights_whose_sum_overflows_are_normalised() -> None:
    mixture = Mixture([Gaussian(0.0, 1.0), Gaussian(1.0, 1.0)], [3e38, 3e38])  # was [0, 0]
    assert mixture.weights.tolist() == [0.5, 0.5]


def _mp_mixture_stddev(mixture: Mixture) -> float:
    mpmath.mp.dps = 60
    w = [mpmath.mpf(float(v)) for v in mixture.weights]
    mus = [mpmath.mpf(float(c.mu)) for c in mixture.components]
    sig = [mpmath.mpf(float(c.sigma)) for c in mixture.components]
    mean = sum(a * b for a, b in zip(w, mus, strict=True))
    var = sum(a * (s**2 + (m - mean) ** 2) for a, m, s in zip(w, mus, sig, strict=True))
    return float(mpmath.sqrt(var))


@pytest.mark.parametrize(
    "components",
    [
        [(1e4, 1e-3)],  # was 0.0
        [(18604.58, 1e-3), (18604.584, 1e-3)],  # was 5.657, true about 0.0022
        [(41998.9, 1e-3), (41998.904, 1e-3)],  # was NaN
        [(-5.0, 1.0), (10.0, 1.0)],
    ],
)
def test_mixture_stddev_has_no_cancellation(components: list[tuple[float, float]]) -> None:
    mixture = Mixture([Gaussian(m, s) for m, s in components])
    assert float(mixture.stddev) == pytest.approx(_mp_mixture_stddev(mixture), rel=1e-5)
