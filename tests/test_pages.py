"""Numbers quoted in the prose of the four prose pages that no code on the page prints.

Where possible each is checked against an independent oracle (scipy's quadrature and
entropy, closed forms written out here) rather than against kltutorial itself.
"""

from __future__ import annotations

import math
import re
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import integrate, stats

from kltutorial import Gaussian, Mixture, fit, gaussian_kl

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# The two-mode target of every page, as plain numpy/scipy densities.
def mixture_pdf(x: float) -> float:
    return 0.5 * stats.norm.pdf(x, -5, 1) + 0.5 * stats.norm.pdf(x, 10, 1)


def quad(f, low: float = -60.0, high: float = 70.0) -> float:
    """Integrate over the real line, telling quad where the mass is."""
    value, _ = integrate.quad(f, low, high, points=[-5.0, 2.5, 10.0], limit=500)
    return value


def kl_quad(p_logpdf, q_logpdf) -> float:
    """D(P || Q) by quadrature of p ln(p/q), from log-densities."""
    return quad(lambda x: math.exp(p_logpdf(x)) * (p_logpdf(x) - q_logpdf(x)))


def mixture_logpdf(x: float) -> float:
    return float(
        np.logaddexp(
            math.log(0.5) + stats.norm.logpdf(x, -5, 1), math.log(0.5) + stats.norm.logpdf(x, 10, 1)
        )
    )


# --- index.md -----------------------------------------------------------------------


def test_home_page_first_code_block_is_runnable_python() -> None:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    first_fence = re.search(r"^```(\S*)", text, re.MULTILINE)
    assert first_fence is not None
    assert first_fence.group(1) == "python"


@pytest.fixture(scope="module")
def headline() -> dict[str, tuple[float, float, float, str]]:
    """The fits the headline figure draws: loss -> (mu, sigma, loss value, reason)."""
    script = runpy.run_path(str(DOCS / "figures" / "headline.py"))
    p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    fits = {}
    for loss, mu0 in script["RUNS"]:
        result = fit(p, script["GRID"], loss, mu=mu0, sigma=1.0)
        fits[loss] = (
            float(result.mu),
            float(result.sigma),
            float(result.loss),
            result.reasons[0],
        )
    return fits


def test_headline_forward_kl_matches_the_moments(headline) -> None:
    mu, sigma, _, reason = headline["forward_kl"]
    assert reason == "converged"
    assert mu == pytest.approx(2.5, abs=5e-3)
    assert sigma == pytest.approx(math.sqrt(57.25), abs=5e-3)
    assert f"{sigma:.2f}" == "7.57"


def test_headline_mode_seeking_fits(headline) -> None:
    mu, sigma, _, reason = headline["reverse_kl"]
    assert (reason, round(mu, 2), round(sigma, 2)) == ("converged", -5.0, 1.0)
    mu, sigma, _, reason = headline["mse"]
    assert (reason, round(mu, 2), round(sigma, 2)) == ("converged", -5.0, 1.96)
    mu, sigma, _, reason = headline["cosine"]
    assert (reason, round(mu, 2), round(sigma, 2)) == ("converged", 10.0, 1.0)


def test_headline_heights_in_the_alt_text(headline) -> None:
    mode_height = mixture_pdf(-5.0)
    # Reverse KL's Q is twice as tall as the mode; MSE's about as tall.
    assert stats.norm.pdf(0, 0, 1) / mode_height == pytest.approx(2.0, rel=1e-6)
    _, sigma, _, _ = headline["mse"]
    assert stats.norm.pdf(0, 0, sigma) / mode_height == pytest.approx(1.0, abs=0.03)


def test_headline_l1_stops_in_the_flat_valley_of_the_right_mode(headline) -> None:
    mu, sigma, loss, _ = headline["l1"]
    # The valley: any Q lying above the half-height mode scores exactly 1.
    assert abs(mu - 10.0) < 1.0
    assert 1.0 <= sigma <= 2.0  # "sigma between 1 and 2"
    assert loss == pytest.approx(1.0, abs=1e-4)
    # |p - q| has kinks where the curves cross: a fine trapezoid rule, not quad.
    x = np.linspace(-40.0, 50.0, 180_001)
    gap = np.abs(mixture_pdf(x) - stats.norm.pdf(x, mu, sigma))
    assert np.trapezoid(gap, x) == pytest.approx(1.0, abs=1e-4)


def test_cosine_and_l1_from_between_the_modes_stop_in_the_middle() -> None:
    script = runpy.run_path(str(DOCS / "figures" / "headline.py"))
    p = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
    for loss in ("cosine", "l1"):
        result = fit(p, script["GRID"], loss, mu=0.0, sigma=1.0)
        assert result.reasons[0] == "converged", (loss, result.reasons)
        assert abs(float(result.mu) - 2.5) < 0.1, loss  # between the modes
        assert float(result.sigma) > 5, loss  # wide: it covers both


# --- definition.md ------------------------------------------------------------------


def test_worked_example_against_scipy() -> None:
    p, q = [0.5, 0.3, 0.2], [0.25, 0.5, 0.25]
    assert round(stats.entropy(p, q), 4) == 0.1487
    assert round(stats.entropy(p, q, base=2), 4) == 0.2145
    assert round(stats.entropy(p), 4) == 1.0297
    assert round(math.log(2), 4) == 0.6931


def test_gaussian_closed_form_against_quadrature() -> None:
    value = kl_quad(lambda x: stats.norm.logpdf(x, 0, 1), lambda x: stats.norm.logpdf(x, 1, 2))
    assert round(value, 6) == 0.443147


def test_histogram_bins_are_0_025_wide() -> None:
    source = (DOCS / "examples" / "maximum_likelihood.py").read_text(encoding="utf-8")
    assert "torch.linspace(-15, 20, 1401" in source
    assert pytest.approx(0.025) == (20 - -15) / 1400


def test_mixture_moments() -> None:
    mean = quad(lambda x: x * mixture_pdf(x))
    variance = quad(lambda x: (x - 2.5) ** 2 * mixture_pdf(x))
    assert mean == pytest.approx(2.5, abs=1e-7)
    assert variance == pytest.approx(57.25, abs=1e-6)
    assert round(math.sqrt(57.25), 4) == 7.5664


# --- asymmetry.md -------------------------------------------------------------------


def test_narrow_in_wide_costs_about_three_times_less() -> None:
    ratio = float(gaussian_kl(1.0, 2.0, 0.0, 1.0) / gaussian_kl(0.0, 1.0, 1.0, 2.0))
    assert 2.9 < ratio < 3.0


def test_both_divergences_of_both_answers_against_quadrature() -> None:
    wide = lambda x: stats.norm.logpdf(x, 2.5, 7.5664)  # noqa: E731
    mode = lambda x: stats.norm.logpdf(x, -5, 1)  # noqa: E731
    assert round(kl_quad(mixture_logpdf, wide), 4) == 1.3306
    assert round(kl_quad(wide, mixture_logpdf), 2) == 9.64
    assert round(kl_quad(mixture_logpdf, mode), 2) == 55.56
    # On a mode, p = q / 2 wherever Q has mass: the reverse KL is ln 2.
    assert kl_quad(mode, mixture_logpdf) == pytest.approx(math.log(2), abs=1e-6)


def test_integrand_peaks_quoted_in_the_alt_text() -> None:
    x = np.linspace(-15, 15, 30001)
    log_p = np.array([mixture_logpdf(v) for v in x])
    log_wide = stats.norm.logpdf(x, 2.5, 7.5664)
    log_mode = stats.norm.logpdf(x, -5, 1)
    forward_mode = np.exp(log_p) * (log_p - log_mode)
    reverse_wide = np.exp(log_wide) * (log_wide - log_p)
    reverse_mode = np.exp(log_mode) * (log_mode - log_p)
    assert abs(x[forward_mode.argmax()] - 10) < 0.2
    assert round(forward_mode.max(), 1) == 22.5
    assert abs(x[reverse_wide.argmax()] - 2.5) < 0.1
    assert round(reverse_wide.max(), 1) == 1.4
    assert abs(x[reverse_mode.argmax()] - -5) < 0.1
    assert round(reverse_mode.max(), 2) == 0.28


def test_triangle_counterexample_direct_route_is_exactly_twice_the_detour() -> None:
    direct = stats.entropy([0.9, 0.1], [0.1, 0.9])
    detour = stats.entropy([0.9, 0.1], [0.5, 0.5]) + stats.entropy([0.5, 0.5], [0.1, 0.9])
    assert direct / detour == pytest.approx(2.0, rel=1e-12)


def test_asymmetry_page_has_reverse_kl_in_its_headings() -> None:
    text = (DOCS / "asymmetry.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# ")
    assert "reverse KL" in headings[0]
    assert sum("reverse KL" in h or "Reverse KL" in h for h in headings) >= 3


# --- numerical_stability.md ---------------------------------------------------------


def test_underflow_is_22_points_on_each_side() -> None:
    x = torch.linspace(-15, 15, 1000)
    q = torch.distributions.Normal(0.0, 1.0).log_prob(x).exp()
    assert int((q[x < 0] == 0).sum()) == 22
    assert int((q[x > 0] == 0).sum()) == 22
    assert round(float(x[q == 0].abs().min()), 2) == 14.37


def test_log_q_and_log_p_at_the_ends_of_the_grid() -> None:
    assert round(stats.norm.logpdf(15, 0, 1)) == -113
    x = np.linspace(-15, 15, 1000)
    log_p = np.logaddexp(stats.norm.logpdf(x, -5, 1), stats.norm.logpdf(x, 10, 1))
    assert log_p.min() > -51


def test_float32_smallest_positive_number() -> None:
    smallest = np.nextafter(np.float32(0), np.float32(1))
    assert float(smallest) == 2.0**-149
    assert round(math.log(2.0**-149), 2) == -103.28
    assert np.float32(2.0**-150 * 0.99) == 0  # below half of it rounds to zero


def test_original_loss_relates_to_the_divergence() -> None:
    # D(P || N(0, 1)) for the normalised mixture, by quadrature.
    divergence = kl_quad(mixture_logpdf, lambda x: stats.norm.logpdf(x, 0, 1))
    assert round(divergence, 2) == 30.56
    # The formula on the page, with the divergence as the page's grid_kl prints it.
    dx = 30 / 999
    assert 2 * (30.5568 + math.log(2)) / dx / 1000 == pytest.approx(2.0812, rel=1e-3)


def test_original_loss_gradient_is_about_15_times_smaller() -> None:
    x = torch.linspace(-15, 15, 1000, dtype=torch.float64)
    normal = torch.distributions.Normal
    p = normal(-5.0, 1.0).log_prob(x).exp() + normal(10.0, 1.0).log_prob(x).exp()
    from kltutorial import grid_kl

    ratios = []
    for mu0, sigma0 in [(0.0, 1.0), (1.0, 3.0), (-5.0, 1.0)]:
        params = torch.tensor([mu0, sigma0], dtype=torch.float64, requires_grad=True)
        log_q = normal(params[0], params[1]).log_prob(x)
        original = F.kl_div(log_q, p, reduction="none").mean()
        (g_original,) = torch.autograd.grad(original, params)
        params = torch.tensor([mu0, sigma0], dtype=torch.float64, requires_grad=True)
        log_q = normal(params[0], params[1]).log_prob(x)
        (g_kl,) = torch.autograd.grad(grid_kl(p.log(), log_q, x), params)
        ratios.extend((g_kl / g_original).tolist())
    assert all(14.5 < r < 15.5 for r in ratios), ratios


def test_float_epsilons() -> None:
    eps32, eps64 = torch.finfo(torch.float32).eps, torch.finfo(torch.float64).eps
    assert f"{eps32:.2e}" == "1.19e-07"
    assert round(math.log10(eps32 / eps64)) == 9
