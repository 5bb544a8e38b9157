"""monte_carlo_kl and the estimators page, against closed forms, torch.distributions and mpmath."""

from __future__ import annotations

import contextlib
import io
import math
import re
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import torch
from scipy import integrate, stats
from torch.distributions import Distribution, Laplace, Normal, kl_divergence

from kltutorial import monte_carlo_kl
from kltutorial.estimators import Estimator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
F64 = torch.float64


def run_quietly(path: Path) -> dict[str, Any]:
    """Run an example file and return its namespace, without its printing.

    An example may set torch's default dtype for itself; it is restored afterwards.
    """
    dtype = torch.get_default_dtype()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return runpy.run_path(str(path))
    finally:
        torch.set_default_dtype(dtype)


# --- the three estimators, value by value --------------------------------------------


def exact_estimates(log_p: float, log_q: float) -> dict[str, mpmath.mpf]:
    """k1, k2, k3 from the float inputs, in 50-digit arithmetic."""
    with mpmath.workdps(50):
        u = mpmath.mpf(log_q) - mpmath.mpf(log_p)
        return {"k1": -u, "k2": u * u / 2, "k3": mpmath.expm1(u) - u}


def relative_error(value: float, exact: mpmath.mpf) -> float:
    with mpmath.workdps(50):
        return float(abs((mpmath.mpf(value) - exact) / exact))


@pytest.mark.parametrize("estimator", ["k1", "k2", "k3"])
def test_each_estimator_matches_its_formula_in_high_precision(estimator: Estimator) -> None:
    generator = torch.Generator().manual_seed(1)
    log_p = -5 * torch.rand(200, generator=generator, dtype=F64)
    log_q = -5 * torch.rand(200, generator=generator, dtype=F64)
    values = monte_carlo_kl(log_p, log_q, estimator)
    for a, b, value in zip(log_p.tolist(), log_q.tolist(), values.tolist(), strict=True):
        exact = exact_estimates(a, b)[estimator]
        assert relative_error(value, exact) < 1e-14, (a, b)


NEAR_ONE = [1e-15, 1e-12, 1e-9, 1e-6, 1e-4, 1e-2, 0.1, 0.3, 0.49, 0.5, 0.51, 2.0, 30.0]


@pytest.mark.parametrize("u", [*NEAR_ONE, *(-u for u in NEAR_ONE)])
def test_k3_keeps_full_precision_when_r_is_near_one(u: float) -> None:
    value = monte_carlo_kl(torch.tensor(0.0, dtype=F64), torch.tensor(u, dtype=F64)).item()
    assert relative_error(value, exact_estimates(0.0, u)["k3"]) < 4 * 2.0**-52


@pytest.mark.parametrize("u", [1e-6, 1e-4, 1e-2, 0.3, -0.3, 3.0, -3.0])
def test_k3_keeps_full_precision_in_float32(u: float) -> None:
    u32 = torch.tensor(u, dtype=torch.float32)
    value = monte_carlo_kl(torch.zeros((), dtype=torch.float32), u32).item()
    assert relative_error(value, exact_estimates(0.0, u32.item())["k3"]) < 4 * 2.0**-23


def test_the_naive_formula_loses_digits_near_one_and_expm1_alone_some() -> None:
    """What the page says: (r - 1) - log r as written fails, expm1(u) - u loses digits."""
    for u, naive_worse_than, expm1_worse_than in [(1e-8, 0.1, 1e-9), (1e-12, 1e6, 1e-6)]:
        log_r = torch.tensor(u, dtype=F64)
        exact = exact_estimates(0.0, u)["k3"]
        naive = ((log_r.exp() - 1) - log_r).item()
        expm1_only = (torch.expm1(log_r) - log_r).item()
        ours = monte_carlo_kl(torch.tensor(0.0, dtype=F64), log_r).item()
        assert relative_error(naive, exact) > naive_worse_than
        assert relative_error(expm1_only, exact) > expm1_worse_than
        assert relative_error(ours, exact) < 4 * 2.0**-52


def test_k2_and_k3_are_never_negative() -> None:
    generator = torch.Generator().manual_seed(2)
    for dtype in (torch.float32, F64):
        scale = 10.0 ** torch.randint(-12, 3, (100_000,), generator=generator)
        log_r = (torch.randn(100_000, generator=generator, dtype=F64) * scale).to(dtype)
        zeros = torch.zeros_like(log_r)
        for estimator in ("k2", "k3"):
            assert bool((monte_carlo_kl(zeros, log_r, estimator) >= 0).all())
        assert bool((monte_carlo_kl(zeros, log_r, "k1") < 0).any())  # k1 can be


def test_k3_gradient_is_r_minus_one_and_finite_on_both_branches() -> None:
    log_q = torch.tensor([-40.0, -3.0, -0.4, 1e-9, 0.3, 0.6, 5.0], dtype=F64, requires_grad=True)
    monte_carlo_kl(torch.zeros(7, dtype=F64), log_q).sum().backward()
    assert log_q.grad is not None
    expected = torch.expm1(log_q.detach())  # d/du (e^u - 1 - u) = e^u - 1
    torch.testing.assert_close(log_q.grad, expected, rtol=1e-13, atol=1e-300)


# --- shapes, dtypes, infinities and bad input ----------------------------------------


def test_shapes_broadcast_and_dtypes_promote() -> None:
    log_p = torch.zeros(3, 1, dtype=torch.float32)
    log_q = torch.full((4,), -0.5, dtype=F64)
    for estimator in ("k1", "k2", "k3"):
        out = monte_carlo_kl(log_p, log_q, estimator)
        assert out.shape == (3, 4)
        assert out.dtype == F64
    scalar = monte_carlo_kl(0.0, -0.5, "k1")
    assert scalar.shape == ()
    assert scalar.item() == 0.5


def test_log_q_minus_inf_means_an_infinite_divergence() -> None:
    log_p = torch.tensor([-1.0, -2.0])
    log_q = torch.tensor([-1.5, -math.inf])
    for estimator in ("k1", "k2", "k3"):
        out = monte_carlo_kl(log_p, log_q, estimator)
        assert math.isfinite(out[0].item())
        assert out[1].item() == math.inf
        assert out.mean().item() == math.inf  # D(P || Q) = inf: Q misses a point P produced


@pytest.mark.parametrize(
    ("log_p", "log_q", "estimator", "error", "message"),
    [
        (torch.zeros(2), torch.zeros(2), "k4", ValueError, "estimator must be one of"),
        (torch.zeros(2), torch.zeros(2), "K3", ValueError, "estimator must be one of"),
        (torch.zeros(2), torch.zeros(2), 3, ValueError, "estimator must be one of"),
        (torch.tensor([0.0, math.nan]), torch.zeros(2), "k3", ValueError, "log_p must not"),
        (torch.zeros(2), torch.tensor([math.nan, 0.0]), "k1", ValueError, "log_q must not"),
        (torch.zeros(2), torch.zeros(3), "k3", ValueError, "log_p has shape (2,), log_q"),
        (torch.zeros(2, dtype=torch.int64), torch.zeros(2), "k3", TypeError, "log_p must be"),
        (torch.zeros(2), torch.tensor([1, 2]), "k3", TypeError, "log_q must be a floating"),
        (torch.zeros(2), "0.5", "k3", TypeError, "log_q must be"),
        (torch.zeros(0), torch.zeros(0), "k3", ValueError, "log_p must not be empty"),
        (torch.tensor([math.inf]), torch.zeros(1), "k3", ValueError, "log_p must not contain +inf"),
        (torch.zeros(1), torch.tensor([math.inf]), "k2", ValueError, "log_q must not contain +inf"),
        (torch.tensor([-math.inf]), torch.zeros(1), "k1", ValueError, "drawn from P"),
    ],
)
def test_bad_input_is_rejected_with_the_argument_named(
    log_p: object, log_q: object, estimator: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        monte_carlo_kl(log_p, log_q, estimator)  # type: ignore[arg-type]


# --- unbiasedness, against torch.distributions --------------------------------------


@pytest.mark.parametrize(
    ("p", "q"),
    [
        (Normal(0.0, 1.0), Normal(1.0, 1.0)),
        (Normal(0.0, 1.0), Normal(0.5, 1.2)),
        (Normal(2.0, 1.5), Normal(1.0, 1.3)),
        (Laplace(0.0, 1.0), Laplace(0.5, 1.2)),
    ],
)
def test_k1_and_k3_are_unbiased_against_torch_distributions(
    p: Normal | Laplace, q: Normal | Laplace
) -> None:
    torch.manual_seed(3)
    p64: Distribution = type(p)(p.loc.double(), p.scale.double())
    q64: Distribution = type(q)(q.loc.double(), q.scale.double())
    x = p64.sample((400_000,))
    true = kl_divergence(p64, q64).item()
    for estimator in ("k1", "k3"):
        k = monte_carlo_kl(p64.log_prob(x), q64.log_prob(x), estimator)
        standard_error = k.std().item() / math.sqrt(len(x))
        assert abs(k.mean().item() - true) < 4 * standard_error, estimator


def test_k2_is_biased_by_half_the_squared_kl_for_unit_gaussians() -> None:
    torch.manual_seed(4)
    x = torch.randn(1_000_000, dtype=F64)
    p, q = Normal(0.0, 1.0), Normal(torch.tensor(1.5, dtype=F64), 1.0)
    true = kl_divergence(p, q).item()
    k2 = monte_carlo_kl(p.log_prob(x), q.log_prob(x), "k2")
    standard_error = k2.std().item() / 1000
    assert abs(k2.mean().item() - (true + true**2 / 2)) < 4 * standard_error
    assert k2.mean().item() - true > 20 * standard_error  # and the bias is really there


# --- the page's closed forms for two unit-variance Gaussians --------------------------


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    return run_quietly(EXAMPLES / "estimator_table.py")


@pytest.mark.parametrize("mu", [0.1, 0.5, 1.0, 2.0])
def test_closed_form_mean_and_std_of_each_estimator_against_quadrature(
    table: dict[str, Any], mu: float
) -> None:
    """E and Var of k1, k2, k3 under N(0, 1), integrated with mpmath, not derived."""
    exact = table["exact"](mu)  # (bias, std) over the true KL
    true = mu * mu / 2

    with mpmath.workdps(20):

        def moment(estimator: str, power: int) -> mpmath.mpf:
            def integrand(x: mpmath.mpf) -> mpmath.mpf:
                u = -((x - mu) ** 2) / 2 + x**2 / 2  # log q - log p
                k = {"k1": -u, "k2": u * u / 2, "k3": mpmath.expm1(u) - u}[estimator]
                return k**power * mpmath.npdf(x)

            return mpmath.quad(integrand, [-mpmath.inf, 0, mu, mpmath.inf])

        for estimator, (bias, std) in exact.items():
            mean = moment(estimator, 1)
            variance = moment(estimator, 2) - mean**2
            assert float((mean - true) / true) == pytest.approx(bias, abs=1e-12), estimator
            assert float(mpmath.sqrt(variance) / true) == pytest.approx(std, rel=1e-9), estimator


def test_k1_std_over_true_kl_is_two_over_mu(table: dict[str, Any]) -> None:
    for mu in (0.1, 0.7, 3.0):
        assert table["exact"](mu)["k1"][1] == pytest.approx(2 / mu, rel=1e-15)


def test_sampled_table_agrees_with_the_closed_forms(table: dict[str, Any]) -> None:
    """The page's million samples: every sampled entry within 4 standard errors."""
    x = table["x"]
    assert len(x) >= 1_000_000
    n = len(x)
    for mu in (0.1, 1.0):
        true = mu * mu / 2
        log_p = -(x**2) / 2
        log_q = -((x - mu) ** 2) / 2
        for estimator, (bias, std) in table["exact"](mu).items():
            k = monte_carlo_kl(log_p, log_q, estimator)
            # bias: standard error std / sqrt(n); sample std: about std / sqrt(2n) for
            # k1, wider for the skewed k2 and k3 (their fourth moments), so 4x that, x3.
            assert abs((k.mean().item() - true) / true - bias) < 4 * std / math.sqrt(n)
            assert abs(k.std().item() / true - std) < 12 * std / math.sqrt(2 * n)


def test_k3_beats_k1_only_while_mu_is_below_the_crossover(table: dict[str, Any]) -> None:
    """The crossover the page quotes: e^t = 1 + 2t with t = mu^2."""
    t = float(mpmath.findroot(lambda t: mpmath.exp(t) - 1 - 2 * t, 1.25))
    crossover = math.sqrt(t)
    assert round(crossover, 4) == 1.1209
    below, above = table["exact"](crossover - 0.01), table["exact"](crossover + 0.01)
    assert below["k3"][1] < below["k1"][1]
    assert above["k3"][1] > above["k1"][1]


# --- register_kl on a custom distribution --------------------------------------------


def test_registered_rayleigh_kl_against_quadrature() -> None:
    namespace = run_quietly(EXAMPLES / "register_kl.py")
    rayleigh = namespace["Rayleigh"]
    for s_p, s_q in [(1.5, 1.0), (1.0, 2.0), (0.3, 0.35)]:
        p = rayleigh(torch.tensor(s_p, dtype=F64))
        q = rayleigh(torch.tensor(s_q, dtype=F64))

        def integrand(x: float, s_p: float = s_p, s_q: float = s_q) -> float:
            log_p = stats.rayleigh.logpdf(x, scale=s_p)
            return math.exp(log_p) * (log_p - stats.rayleigh.logpdf(x, scale=s_q))

        value, _ = integrate.quad(integrand, 0, np.inf, limit=200)
        assert kl_divergence(p, q).item() == pytest.approx(value, rel=1e-9)


def test_rayleigh_samples_and_density_match_scipy() -> None:
    namespace = run_quietly(EXAMPLES / "register_kl.py")
    p = namespace["Rayleigh"](torch.tensor(1.5, dtype=F64))
    x = torch.linspace(0.01, 8, 50, dtype=F64)
    expected = stats.rayleigh.logpdf(x.numpy(), scale=1.5)
    np.testing.assert_allclose(p.log_prob(x).numpy(), expected, rtol=1e-12)
    torch.manual_seed(5)
    samples = p.sample((20_000,)).numpy()
    assert stats.kstest(samples, stats.rayleigh(scale=1.5).cdf).pvalue > 1e-3


# --- the two-mode target -------------------------------------------------------------


def mixture_logpdf(x: float) -> float:
    return float(
        np.logaddexp(
            math.log(0.5) + stats.norm.logpdf(x, -5, 1), math.log(0.5) + stats.norm.logpdf(x, 10, 1)
        )
    )


def kl_quad(first: Callable[[float], float], second: Callable[[float], float]) -> float:
    def integrand(x: float) -> float:
        log_first = first(x)
        return math.exp(log_first) * (log_first - second(x))

    value: float
    value, _ = integrate.quad(integrand, -80, 90, points=[-5.0, 2.5, 10.0], limit=500)
    return value


def test_two_mode_grid_values_against_scipy_quadrature() -> None:
    namespace = run_quietly(EXAMPLES / "estimator_two_modes.py")
    x = namespace["x"]
    sigma = math.sqrt(57.25)
    wide = lambda v: stats.norm.logpdf(v, 2.5, sigma)  # noqa: E731
    mode = lambda v: stats.norm.logpdf(v, -5, 1)  # noqa: E731
    expected = [
        kl_quad(mixture_logpdf, wide),
        kl_quad(mixture_logpdf, mode),
        kl_quad(wide, mixture_logpdf),
        kl_quad(mode, mixture_logpdf),
    ]
    for (_, first, second, _), value in zip(namespace["cases"], expected, strict=True):
        grid = namespace["grid_kl"](first.log_prob(x), second.log_prob(x), x).item()
        assert grid == pytest.approx(value, abs=1e-7)
    assert [round(v, 4) for v in expected] == [1.3306, 55.5569, 9.6355, 0.6931]


def test_k3_for_the_single_mode_q_is_one_minus_ln2_off() -> None:
    """On Q's mode r = p / q = 1/2, so k3 = -1/2 + ln 2, not the true ln 2."""
    assert round(-0.5 + math.log(2), 4) == 0.1931
    assert round(math.log(2) ** 2 / 2, 4) == 0.2402  # and k2 = (ln 2)^2 / 2


def test_k3_has_infinite_variance_for_the_wide_q_under_p() -> None:
    """E_P[r^2] = int q^2 / p diverges: the integrand grows without bound in the tails."""
    sigma = math.sqrt(57.25)
    for x in (-30.0, -60.0, 40.0):
        log_integrand = 2 * stats.norm.logpdf(x, 2.5, sigma) - mixture_logpdf(x)
        assert log_integrand > 100


# --- numbers the page's prose derives from its outputs ---------------------------------


def test_prose_numbers_derived_from_the_outputs() -> None:
    page = (ROOT / "docs" / "estimator_accuracy.md").read_text(encoding="utf-8")
    # "k3 needs (20 / 1.4166)^2 ~ 199 times fewer samples than k1"
    assert "(20 / 1.4166)^2 \\approx 199" in page
    assert round((20 / 1.4166) ** 2) == 199
    # "k2 is off by a factor of 57" for D(P || mode Q), 3179.6462 against 55.5569
    assert round(3179.6462 / 55.5569) == 57
    # "more than four of its own standard errors": k3 for D(P || wide Q)
    assert (1.3306 - 0.9639) / 0.0826 > 4
    # "373 times the true KL, yet 10^5 samples report 6"
    assert (round(372.619), round(5.993)) == (373, 6)
    # "expm1 gets 8 digits out of 16": 5.0000000843e-17 against 5.0000000167e-17
    assert f"{5.0000000843e-17:.8e}"[:9] == f"{5.0000000167e-17:.8e}"[:9]
    assert f"{5.0000000843e-17:.9e}"[:10] != f"{5.0000000167e-17:.9e}"[:10]
    # "from 1.70 to 1.29 times the KL", Exercise 3
    assert (round(1.6957, 2), round(1.2928, 2)) == (1.70, 1.29)


def test_log_r_at_the_far_mode_and_its_distance() -> None:
    """Samples of P's right mode have log r around -112 against Q = N(-5, 1)."""
    log_r = stats.norm.logpdf(10.0, -5, 1) - mixture_logpdf(10.0)
    assert round(log_r) == -112
    assert (10 - (-5)) / 1 == 15  # "fifteen standard deviations from Q's mean"
