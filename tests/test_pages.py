"""What the pages claim, checked against oracles independent of kltutorial.

tests/test_prose_numbers.py checks that every number in a page's prose is one that its
outputs show or that an oracle in tests/prose_numbers.py computes. This module checks the
rest: that the numbers the pages' code prints are true (scipy's quadrature and entropy,
closed forms, numpy's float32), read from the outputs of the built site; and that what
``kltutorial`` computes behind the claims the pages make in words ("twice as tall" and
"about as tall as the mode" in the headline figure's alt text, "from any start") agrees
with such oracles. Every test reads the built site, a page's source or the package's
output: a check of an oracle against itself could not fail because of a page.
"""

from __future__ import annotations

import math
import re
import runpy
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from prose_numbers import (
    MODES,
    ROOT,
    gaussian_overlap,
    mixture_logpdf,
    mixture_mean,
    mixture_variance,
    mse_fit_on_the_left_mode,
    quad,
    underflows_per_side,
)
from scipy import optimize, stats
from test_prose_numbers import Page, Quoted, read_site

from kltutorial import Gaussian, Mixture, fit, grid_kl

DOCS = ROOT / "docs"


def mixture_pdf(x: np.ndarray | float) -> np.ndarray | float:
    return np.exp(mixture_logpdf(x))


def kl_quad(p_logpdf: Callable[[float], float], q_logpdf: Callable[[float], float]) -> float:
    """D(P || Q) by quadrature of p ln(p/q) over the whole line, from log-densities."""
    return quad(lambda x: math.exp(p_logpdf(x)) * (p_logpdf(x) - q_logpdf(x)))


def shown(page: Page, value: float, decimals: int) -> bool:
    """Whether an output of the page shows ``value`` to ``decimals`` decimals (or more)."""
    quoted = Quoted(f"{value:.{decimals}f}", round(value, decimals), signed=True)
    if any(quoted.matches(output) for output in page.outputs):
        return True
    pytest.fail(
        f"{page.name}: no output shows {quoted.text} (the oracle's {value!r}): the page's code "
        "prints something else, or no longer prints it",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    """The built site's pages, read (a missing site fails): their outputs are checked here."""
    return read_site()


def wide_logpdf(x: float) -> float:
    return float(stats.norm.logpdf(x, mixture_mean(), math.sqrt(mixture_variance())))


def mode_logpdf(x: float) -> float:
    return float(stats.norm.logpdf(x, -5.0, 1.0))


# --- index.md -----------------------------------------------------------------------


def test_home_page_first_code_block_is_runnable_python() -> None:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    first_fence = re.search(r"^```(\S*)", text, re.MULTILINE)
    assert first_fence is not None
    assert first_fence.group(1) == "python"


# A loss's fit in the headline figure: loss -> (mu, sigma, loss value, reason).
Fits = dict[str, tuple[float, float, float, str]]


@pytest.fixture(scope="module")
def headline() -> Fits:
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


def cosine_fit_near(mu0: float, sigma0: float) -> tuple[float, float]:
    """The (mu, sigma) maximising cos(p, q) = <p, q> / (|p| |q|), Gaussian overlaps in
    closed form, from a start."""

    def negative_log_cosine(params: np.ndarray) -> float:
        mu, sigma = params
        pq = sum(0.5 * gaussian_overlap(mu, sigma, *mode) for mode in MODES)
        return -(math.log(pq) - 0.5 * math.log(gaussian_overlap(mu, sigma, mu, sigma)))

    found = optimize.minimize(negative_log_cosine, x0=[mu0, sigma0], method="Nelder-Mead")
    return float(found.x[0]), float(found.x[1])


def test_headline_forward_kl_matches_the_moments(headline: Fits) -> None:
    """'From any start it lands on the target's mean and standard deviation.'"""
    mu, sigma, _, reason = headline["forward_kl"]
    assert reason == "converged"
    assert mu == pytest.approx(mixture_mean(), abs=5e-3)
    assert sigma == pytest.approx(math.sqrt(mixture_variance()), abs=5e-3)


def test_headline_mode_seeking_fits(headline: Fits) -> None:
    """Reverse KL, MSE and cosine end where their oracles put the optimum near a mode."""
    mu, sigma, _, reason = headline["reverse_kl"]
    assert reason == "converged"
    assert (mu, sigma) == pytest.approx(MODES[0], abs=5e-3)  # Q = the left component
    mu, sigma, _, reason = headline["mse"]
    assert reason == "converged"
    assert (mu, sigma) == pytest.approx(mse_fit_on_the_left_mode(), abs=5e-3)
    mu, sigma, _, reason = headline["cosine"]
    assert reason == "converged"
    assert (mu, sigma) == pytest.approx(cosine_fit_near(9.0, 1.5), abs=5e-3)


def test_headline_heights_in_the_alt_text(headline: Fits) -> None:
    """Reverse KL's Q is 'twice as tall' as the mode; MSE's 'about as tall as the mode'."""
    mode_height = mixture_pdf(-5.0)
    _, sigma, _, _ = headline["reverse_kl"]
    assert stats.norm.pdf(0, 0, sigma) / mode_height == pytest.approx(2.0, abs=0.01)
    _, sigma, _, _ = headline["mse"]
    assert stats.norm.pdf(0, 0, sigma) / mode_height == pytest.approx(1.0, abs=0.03)


def test_headline_l1_stops_in_the_flat_valley_of_the_right_mode(headline: Fits) -> None:
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


def test_worked_example_prints_scipys_values(pages: dict[str, Page]) -> None:
    p, q = [0.5, 0.3, 0.2], [0.25, 0.5, 0.25]
    page = pages["definition"]
    assert shown(page, stats.entropy(p, q), 4)  # nats
    assert shown(page, stats.entropy(p, q, base=2), 4)  # bits
    assert shown(page, stats.entropy(p), 4)  # H(P)
    for pi, qi in zip(p, q, strict=True):
        assert shown(page, pi * math.log(pi / qi), 4)  # each term of the sum


def test_gaussian_closed_form_is_the_integral(pages: dict[str, Page]) -> None:
    value = kl_quad(lambda x: stats.norm.logpdf(x, 0, 1), lambda x: stats.norm.logpdf(x, 1, 2))
    assert shown(pages["definition"], value, 6)
    assert shown(pages["numerical_stability"], value, 6)  # "closed form" in grid_sums


def test_maximum_likelihood_example_prints_the_moments(pages: dict[str, Page]) -> None:
    page = pages["definition"]
    assert shown(page, mixture_mean(), 4)
    assert shown(page, math.sqrt(mixture_variance()), 4)


# --- asymmetry.md -------------------------------------------------------------------


def test_the_table_shows_the_true_divergences(pages: dict[str, Page]) -> None:
    """Both divergences of both answers, by quadrature over the whole line."""
    page = pages["asymmetry"]
    assert shown(page, kl_quad(mixture_logpdf, wide_logpdf), 4)
    assert shown(page, kl_quad(wide_logpdf, mixture_logpdf), 4)
    assert shown(page, kl_quad(mixture_logpdf, mode_logpdf), 4)
    # On a mode p = q / 2 wherever Q has mass: the reverse KL is ln 2.
    reverse_on_a_mode = kl_quad(mode_logpdf, mixture_logpdf)
    assert reverse_on_a_mode == pytest.approx(math.log(2), abs=1e-6)
    assert shown(page, reverse_on_a_mode, 4)


def test_asymmetry_page_has_reverse_kl_in_its_headings() -> None:
    text = (DOCS / "asymmetry.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# ")
    assert "reverse KL" in headings[0]
    assert sum("reverse KL" in h or "Reverse KL" in h for h in headings) >= 3


# --- numerical_stability.md ---------------------------------------------------------


def test_underflow_example_counts_what_numpy_counts(pages: dict[str, Page]) -> None:
    """The example's "44 of 1000" against numpy's float32, on both sides of the grid."""
    assert shown(pages["numerical_stability"], 2 * underflows_per_side(), 0)


def test_original_loss_relates_to_the_divergence(pages: dict[str, Page]) -> None:
    """'mean' loss = (1/1000) (1/dx) 2 (D + ln 2), D the divergence, here by quadrature."""
    x = torch.linspace(-15, 15, 1000, dtype=torch.float64)
    normal = torch.distributions.Normal
    p = normal(-5.0, 1.0).log_prob(x).exp() + normal(10.0, 1.0).log_prob(x).exp()
    # reduction="mean" is the mean of the terms (spelled out: "mean" warns).
    loss = float(F.kl_div(normal(0.0, 1.0).log_prob(x), p, reduction="none").mean())
    divergence = kl_quad(mixture_logpdf, lambda v: stats.norm.logpdf(v, 0, 1))
    dx = 30 / 999
    assert loss == pytest.approx(2 * (divergence + math.log(2)) / dx / 1000, rel=1e-3)
    page = pages["numerical_stability"]
    assert shown(page, loss, 4)  # what the original printed
    assert shown(page, divergence, 2)  # "about 30.56 nats as an integral"


def test_grid_kl_gradient_is_the_original_loss_gradient_times_15_015() -> None:
    """The package's divergence against PyTorch's: on the original grid, the gradient of
    ``grid_kl`` is the gradient of the original ``F.kl_div(..., reduction="mean")`` loss
    times ``1000 * dx / 2`` (15.015), the factor the numerical stability page derives."""
    x = torch.linspace(-15, 15, 1000, dtype=torch.float64)
    normal = torch.distributions.Normal
    p = normal(-5.0, 1.0).log_prob(x).exp() + normal(10.0, 1.0).log_prob(x).exp()
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
    dx = 30 / 999
    # Not exact: grid_kl divides by P's trapezoid mass, 2 less its tails past +-15 (1e-7).
    assert ratios == pytest.approx([1000 * dx / 2] * len(ratios), rel=1e-6)
