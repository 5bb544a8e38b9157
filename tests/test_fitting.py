"""fit(): where each loss lands, checked against theory and closed-form optima.

Oracles: the moments of the target (forward KL matches them), the components themselves
(reverse KL, and MSE against the sum of densities), MSE and cosine as closed-form
integrals of Gaussian products over the grid's interval minimised by scipy, quadrature of
|p - q| for L1, and the original 2019 training loop written out plainly.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Normal

from kltutorial import FitResult, Gaussian, Mixture, fit, forward_kl, get_loss
from kltutorial.fitting import Optimizer

F64 = torch.float64
ORIGINAL_GRID = torch.linspace(-15, 15, 1000)  # float32, as in the original
MIXTURE = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])  # the normalised target
SIGMA_STAR = math.sqrt(57.25)  # the mixture's standard deviation


def original_target(x: torch.Tensor) -> torch.Tensor:
    """The original's target: the sum of two densities, integrating to 2."""
    return Gaussian(-5.0, 1.0).prob(x) + Gaussian(10.0, 1.0).prob(x)


def wide_grid() -> torch.Tensor:
    return torch.linspace(-30, 30, 1999)  # the original's spacing, twice as wide


# ---------------------------------------------------------------- closed-form oracles


def _product(m1: float, s1: float, m2: float, s2: float, a: float, b: float) -> float:
    """Integral of N(x; m1, s1^2) N(x; m2, s2^2) over [a, b], in closed form."""
    v = s1 * s1 + s2 * s2
    mean, sd = (m1 * s2 * s2 + m2 * s1 * s1) / v, s1 * s2 / math.sqrt(v)
    mass = scipy.stats.norm.cdf(b, mean, sd) - scipy.stats.norm.cdf(a, mean, sd)
    return float(scipy.stats.norm.pdf(m1 - m2, scale=math.sqrt(v)) * mass)


def _closed_form(loss: str, weight: float, a: float, b: float) -> Callable[[np.ndarray], float]:
    """MSE or cosine of N(mu, sigma) against weight * (N(-5,1) + N(10,1)) over [a, b]."""
    modes = [(-5.0, 1.0), (10.0, 1.0)]
    pp = sum(weight * weight * _product(*i, *j, a, b) for i in modes for j in modes)

    def value(theta: np.ndarray) -> float:
        mu, sigma = float(theta[0]), math.exp(float(theta[1]))
        pq = sum(weight * _product(*mode, mu, sigma, a, b) for mode in modes)
        qq = _product(mu, sigma, mu, sigma, a, b)
        return pp + qq - 2 * pq if loss == "mse" else -pq / math.sqrt(pp * qq)

    return value


def closed_form_optimum(
    loss: str, weight: float, grid: torch.Tensor, start: tuple[float, float]
) -> tuple[float, float, float]:
    """Where scipy's Nelder-Mead lands on the closed-form loss, from (mu, sigma) = start."""
    a, b = float(grid[0]), float(grid[-1])
    result = scipy.optimize.minimize(
        _closed_form(loss, weight, a, b),
        [start[0], math.log(start[1])],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-16, "maxiter": 4000},
    )
    return result.x[0], math.exp(result.x[1]), result.fun


def l1_by_quadrature(weight: float, mu: float, sigma: float) -> float:
    """The whole-line int |p - q| for p = weight * (N(-5,1) + N(10,1)), by scipy.quad."""

    def difference(t: np.ndarray | float) -> np.ndarray:
        p = weight * (scipy.stats.norm.pdf(t, -5, 1) + scipy.stats.norm.pdf(t, 10, 1))
        return np.asarray(p - scipy.stats.norm.pdf(t, mu, sigma))

    # Split where p - q changes sign, so that quad integrates smooth pieces.
    xs = np.linspace(-60, 60, 24001)
    changes = np.nonzero(np.diff(np.sign(difference(xs))))[0]
    roots = [
        scipy.optimize.brentq(lambda t: float(difference(t)), xs[i], xs[i + 1], xtol=1e-14)
        for i in changes
    ]
    edges = [-60.0, *roots, 60.0]
    pieces = (
        scipy.integrate.quad(lambda t: abs(float(difference(t))), lo, hi, limit=200, epsabs=1e-13)[
            0
        ]
        for lo, hi in itertools.pairwise(edges)
    )
    return float(sum(pieces))


def landing(result: FitResult) -> list[tuple[float, float]]:
    return list(zip(result.mu.tolist(), result.sigma.tolist(), strict=True))


# ---------------------------------------------------------------- forward KL


def test_forward_kl_matches_moments_from_any_start() -> None:
    mus = torch.linspace(-14, 14, 15)[:, None]
    sigmas = torch.tensor([0.2, 1.0, 5.0, 25.0])[None, :]
    result = fit(MIXTURE, ORIGINAL_GRID, "forward_kl", mus, sigmas)
    assert result.mu.shape == result.sigma.shape == (15, 4)
    assert result.mu.dtype == torch.float32
    assert bool(result.converged.all())
    assert set(result.reasons) == {"converged"}
    # Oracle: the mean and standard deviation of P on the grid (P normalised there by the
    # trapezoid rule), computed here independently; and the mixture's own moments.
    x = ORIGINAL_GRID.double().numpy()
    density = 0.5 * (scipy.stats.norm.pdf(x, -5, 1) + scipy.stats.norm.pdf(x, 10, 1))
    mass = scipy.integrate.trapezoid(density, x)
    mean = scipy.integrate.trapezoid(x * density, x) / mass
    sd = math.sqrt(scipy.integrate.trapezoid((x - mean) ** 2 * density, x) / mass)
    np.testing.assert_allclose(result.mu.double().numpy(), mean, atol=2e-6)
    np.testing.assert_allclose(result.sigma.double().numpy(), sd, rtol=2e-7)
    assert mean == pytest.approx(2.5, abs=1e-5)
    assert sd == pytest.approx(SIGMA_STAR, rel=1e-5)


def test_forward_kl_ignores_the_scale_of_the_target() -> None:
    x = ORIGINAL_GRID.double()
    from_sum = fit(original_target(x), x, "forward_kl", torch.tensor([-8.0, 0.0, 9.0]))
    from_mixture = fit(MIXTURE, x, "forward_kl", torch.tensor([-8.0, 0.0, 9.0]))
    torch.testing.assert_close(from_sum.mu, from_mixture.mu, rtol=0, atol=1e-9)
    torch.testing.assert_close(from_sum.sigma, from_mixture.sigma, rtol=1e-9, atol=0)
    # the loss at the optimum is the divergence there, from the loss function itself
    log_q = Gaussian(from_sum.mu[1], from_sum.sigma[1]).log_prob(x)
    expected = forward_kl(MIXTURE.log_prob(x), log_q, x)
    assert float(from_sum.loss[1]) == pytest.approx(float(expected), rel=1e-12)


# ---------------------------------------------------------------- reverse KL


def test_reverse_kl_lands_on_the_mode_nearest_the_start() -> None:
    starts = torch.tensor([-13.0, -9.0, -5.0, -3.0, -1.0, 6.0, 8.0, 10.0, 12.0, 13.0])
    result = fit(MIXTURE, ORIGINAL_GRID.double(), "reverse_kl", starts, 1.0)
    assert bool(result.converged.all())
    nearest = torch.where(starts < 2.5, -5.0, 10.0).double()
    torch.testing.assert_close(result.mu, nearest, rtol=0, atol=1e-6)
    torch.testing.assert_close(result.sigma, torch.ones_like(nearest), rtol=0, atol=1e-6)
    # At a component of a 50/50 mixture of far-apart modes, D(Q || P) = log 2.
    np.testing.assert_allclose(result.loss.numpy(), math.log(2), atol=1e-7)


# ---------------------------------------------------------------- the original recipe


def test_faithful_kl_reproduces_the_original_run() -> None:
    x = ORIGINAL_GRID
    target = original_target(x)
    result = fit(target, x, "forward_kl", 0.0, 1.0, faithful=True)
    # Independent check of the objective: the faithful loss at the start is exactly the
    # original call, F.kl_div(Normal(0, 1).log_prob(x), P(x)) with its default reduction.
    with pytest.warns(UserWarning, match="batchmean"):
        original = F.kl_div(Normal(0.0, 1.0).log_prob(x), target)
    assert torch.equal(result.trajectory.loss[0], original)
    # What the original reported: after 10,000 Adam steps at lr 1e-3, sigma near 5.2,
    # still growing, mu between the modes. The answer (below) is sigma = 7.566.
    assert int(result.steps) == 10_000
    assert result.trajectory.mu.shape == (10_001,)
    assert 5.1 < float(result.sigma) < 5.3
    assert -5 < float(result.mu) < 10
    assert float(result.mu) == pytest.approx(2.5, abs=0.01)
    assert not bool(result.converged)
    assert result.reasons[0].startswith("still moving after 10000 steps")
    sigma_path = result.trajectory.sigma
    assert bool((sigma_path[-1000:].diff() > 0).all())  # still growing at the end
    corrected = fit(target, x, "forward_kl", 0.0, 1.0)
    assert bool(corrected.converged)
    assert float(corrected.sigma) == pytest.approx(SIGMA_STAR, rel=1e-5)


def test_faithful_steps_are_the_original_loop_bit_for_bit() -> None:
    # The original loop, written out plainly, for 300 steps.
    x = ORIGINAL_GRID
    target = original_target(x)
    mu = torch.tensor(0.0, requires_grad=True)
    sigma = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.Adam([mu, sigma])
    mus, sigmas = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the 'mean' reduction warning
        for _ in range(300):
            optimizer.zero_grad()
            loss = F.kl_div(Normal(mu, sigma).log_prob(x), target)
            loss.backward()
            optimizer.step()
            mus.append(mu.item())
            sigmas.append(sigma.item())
    result = fit(target, x, "forward_kl", 0.0, 1.0, faithful=True, max_steps=300)
    assert result.trajectory.mu[1:].tolist() == mus
    assert result.trajectory.sigma[1:].tolist() == sigmas


def test_faithful_mse_reaches_the_nearest_mode() -> None:
    # The original's MSE runs, from mu = 0 and from mu = 5, in one call: each ends on the
    # nearest mode, which is exactly a component (see the MSE tests below).
    x = ORIGINAL_GRID
    result = fit(original_target(x), x, "mse", torch.tensor([0.0, 5.0]), 1.0, faithful=True)
    assert bool(result.converged.all())
    torch.testing.assert_close(result.mu, torch.tensor([-5.0, 10.0]), rtol=0, atol=1e-4)
    torch.testing.assert_close(result.sigma, torch.ones(2), rtol=0, atol=1e-4)


# ---------------------------------------------------------------- many starts at once


def test_many_starts_in_one_call_equal_one_at_a_time() -> None:
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-9.0, -2.0, 4.0, 11.0], dtype=F64)
    for loss in ("reverse_kl", "mse", "cosine"):
        together = fit(MIXTURE, x, loss, starts, 1.0)
        for i, start in enumerate(starts):
            alone = fit(MIXTURE, x, loss, start, 1.0)
            assert float(alone.mu) == pytest.approx(float(together.mu[i]), abs=1e-9)
            assert float(alone.sigma) == pytest.approx(float(together.sigma[i]), rel=1e-9)
            assert alone.reasons[0] == together.reasons[i]


def test_result_shapes_broadcast() -> None:
    result = fit(
        MIXTURE,
        ORIGINAL_GRID,
        "mse",
        torch.tensor([[-6.0], [0.0], [8.0]]),
        torch.tensor([[1.0, 2.0]]),
    )
    assert result.mu.shape == result.sigma.shape == result.loss.shape == (3, 2)
    assert result.converged.shape == result.steps.shape == (3, 2)
    assert len(result.reasons) == 6
    # One row per iteration, the start first; steps counts the iterations that moved it.
    rows = result.trajectory.mu.shape[0]
    assert result.trajectory.mu.shape == result.trajectory.sigma.shape == (rows, 3, 2)
    assert rows >= int(result.steps.max()) + 1
    assert float(result.trajectory.mu[0, 2, 1]) == 8.0
    assert float(result.trajectory.sigma[0, 2, 1]) == 2.0
    assert torch.equal(result.trajectory.mu[-1], result.mu)
    assert torch.equal(result.trajectory.loss[-1], result.loss)


# ---------------------------------------------------------------- honest failures


def test_sigma_growing_onto_a_plateau_is_not_converged() -> None:
    # Against a flat target, D(Q || P) keeps falling as Q spreads: there is no minimum.
    x = ORIGINAL_GRID.double()
    result = fit(torch.ones_like(x), x, "reverse_kl", 0.0, 1.0)
    assert not bool(result.converged)
    assert result.reasons[0].startswith("sigma grew past the grid's width")
    assert float(result.sigma) > 30
    path = result.trajectory.loss
    assert bool((path.diff() <= 0).all())  # the loss fell all the way


def test_log_sigma_stays_positive_and_raw_sigma_can_fail() -> None:
    # Fitting N(0, 0.2) from sigma = 0.9 with a large learning rate: Adam's first step
    # moves each parameter by about lr = 1, which takes raw sigma through zero. The same
    # step on log sigma divides sigma by e instead.
    x = ORIGINAL_GRID.double()
    target = Gaussian(torch.tensor(0.0, dtype=F64), 0.2)
    options: dict[str, Any] = {"optimizer": "adam", "lr": 1.0, "max_steps": 500}
    raw = fit(target, x, "forward_kl", 0.0, 0.9, sigma_param="raw", **options)
    log = fit(target, x, "forward_kl", 0.0, 0.9, sigma_param="log", **options)
    assert not bool(raw.converged)
    assert raw.reasons[0].startswith("sigma became <= 0 (a raw sigma is unconstrained")
    assert float(raw.trajectory.sigma[1]) == pytest.approx(0.9 - 1.0, abs=1e-6)
    assert float(log.trajectory.sigma[1]) == pytest.approx(0.9 / math.e, rel=1e-6)
    assert bool((log.trajectory.sigma > 0).all())


def test_adam_reaches_the_same_minimum_as_newton() -> None:
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-4.0, 0.0, 7.0])
    adam = fit(MIXTURE, x, "forward_kl", starts, 1.0, optimizer="adam", lr=0.05, max_steps=5000)
    assert bool(adam.converged.all())
    np.testing.assert_allclose(adam.mu.numpy(), 2.5, atol=1e-3)
    np.testing.assert_allclose(adam.sigma.numpy(), SIGMA_STAR, rtol=1e-3)


# ---------------------------------------------------------------- MSE: where it lands


def test_mse_against_the_sum_lands_exactly_on_a_mode() -> None:
    # Each mode of the sum has mass 1, like Q: Q equal to a component is a perfect local fit,
    # and the remaining error is the other component's int N^2 = 1 / (2 sqrt(pi)).
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-12.0, -8.0, -5.0, 0.0, 2.0, 3.0, 6.0, 10.0, 14.0])
    result = fit(original_target(x), x, "mse", starts, 1.0)
    assert bool(result.converged.all())
    modes = torch.where(starts <= 2.0, -5.0, 10.0).double()
    torch.testing.assert_close(result.mu, modes, rtol=0, atol=1e-6)
    torch.testing.assert_close(result.sigma, torch.ones_like(modes), rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.loss.numpy(), 1 / (2 * math.sqrt(math.pi)), rtol=1e-6)


@pytest.mark.parametrize("grid", [ORIGINAL_GRID, wide_grid()], ids=["15", "30"])
def test_mse_against_the_mixture_lands_on_a_mode_with_a_wider_sigma(grid: torch.Tensor) -> None:
    # Q (mass 1) against a mode of mass 0.5: the best compromise is wider, sigma ~ 1.96.
    # On [-15, 15] the edge 5 sigma from the mode at 10 pulls that one (mu 10.002, sigma
    # 1.968): the closed form over the same interval finds the same.
    x = grid.double()
    result = fit(MIXTURE, x, "mse", torch.tensor([-9.0, -2.0, 5.0, 12.0]), 1.0)
    assert bool(result.converged.all())
    for (mu, sigma), mode in zip(landing(result), [-5.0, -5.0, 10.0, 10.0], strict=True):
        m, s, _ = closed_form_optimum("mse", 0.5, x, (mode, 1.5))
        assert mu == pytest.approx(m, abs=2e-6)
        assert sigma == pytest.approx(s, rel=2e-6)
    line_sigma = closed_form_optimum("mse", 0.5, torch.tensor([-1e3, 1e3]), (-5.0, 1.5))[1]
    assert line_sigma == pytest.approx(1.9615, abs=1e-4)


@pytest.mark.parametrize(
    ("weight", "grid"), [(1.0, ORIGINAL_GRID), (0.5, ORIGINAL_GRID), (0.5, wide_grid())]
)
def test_mse_has_a_wide_local_minimum_between_the_modes(weight: float, grid: torch.Tensor) -> None:
    # From the exact midpoint a wide Q is a local minimum (not the global one); where it
    # sits depends on the target's scale and on the grid.
    x = grid.double()
    target = original_target(x) if weight == 1.0 else MIXTURE
    result = fit(target, x, "mse", 2.5, 1.0)
    assert bool(result.converged)
    m, s, value = closed_form_optimum("mse", weight, x, (2.5, 9.0))
    # (the trapezoid rule's end error: this wide Q is not negligible at the grid's ends)
    assert float(result.mu) == pytest.approx(m, abs=2e-5)
    assert float(result.sigma) == pytest.approx(s, rel=2e-6)
    mode_value = closed_form_optimum("mse", weight, x, (-5.0, 1.5))[2]
    assert value > mode_value


def test_mse_far_starts_leave_a_short_grid() -> None:
    # Q far from both modes sees almost no gradient towards them; shrinking its integral
    # of q^2 on the grid (by leaving the grid) is what lowers the loss. On a grid twice
    # as wide the same starts find the modes.
    short = fit(MIXTURE, ORIGINAL_GRID.double(), "mse", torch.tensor([-14.0, -13.0]), 1.0)
    assert not bool(short.converged.any())
    assert set(short.reasons) == {"mu left the grid"}
    wide = fit(MIXTURE, wide_grid().double(), "mse", torch.tensor([-14.0, -13.0]), 1.0)
    assert bool(wide.converged.all())
    torch.testing.assert_close(wide.mu, torch.full((2,), -5.0, dtype=F64), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- cosine


def test_cosine_lands_on_a_mode_or_on_a_wide_solution_set_by_the_grid() -> None:
    starts = torch.tensor([-10.0, -3.0, 0.0, 2.5, 5.0, 6.0, 12.0])
    for grid in (ORIGINAL_GRID, wide_grid()):
        x = grid.double()
        result = fit(MIXTURE, x, "cosine", starts, 1.0)
        assert bool(result.converged.all())
        wide = closed_form_optimum("cosine", 0.5, x, (4.0, 10.0))
        for start, (mu, sigma) in zip(starts.tolist(), landing(result), strict=True):
            if 0 <= start <= 5:  # between the modes: the wide solution (up to the
                # trapezoid rule's end error, as this Q is far from zero at the ends)
                assert mu == pytest.approx(wide[0], abs=3e-4)
                assert sigma == pytest.approx(wide[1], rel=2e-5)
            else:  # the nearest mode, exactly
                assert mu == pytest.approx(-5.0 if start < 0 else 10.0, abs=1e-6)
                assert sigma == pytest.approx(1.0, abs=1e-6)
    # The wide solution moves with the grid's ends: on the whole line it is (2.5, 10.607).
    on_short = closed_form_optimum("cosine", 0.5, ORIGINAL_GRID, (4.0, 10.0))
    on_line = closed_form_optimum("cosine", 0.5, torch.tensor([-1e3, 1e3]), (4.0, 10.0))
    assert on_short[0] == pytest.approx(11.073, abs=1e-3)
    assert on_short[1] == pytest.approx(18.385, abs=1e-3)
    assert on_line[0] == pytest.approx(2.5, abs=1e-6)
    assert on_line[1] == pytest.approx(10.607, abs=1e-3)


def test_cosine_ignores_the_scale_of_the_target() -> None:
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-7.0, 1.0, 9.0])
    from_sum = fit(original_target(x), x, "cosine", starts)
    from_mixture = fit(MIXTURE, x, "cosine", starts)
    torch.testing.assert_close(from_sum.mu, from_mixture.mu, rtol=0, atol=1e-8)
    torch.testing.assert_close(from_sum.sigma, from_mixture.sigma, rtol=1e-8, atol=0)


# ---------------------------------------------------------------- L1


def test_l1_against_the_mixture_stops_anywhere_on_a_flat_set() -> None:
    # Any Q that covers one mode (q >= 0.5 N(x; -5, 1) wherever that mode has mass) has
    # int |p - q| = 1 up to ~1e-6 (the other mode's tail): the minimisers are not unique.
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-14.0, -11.0, -9.0, -7.0, -4.0, -2.0, -0.5])
    result = fit(MIXTURE, x, "l1", starts, 1.0)
    assert bool(result.converged.all())
    assert all(r.startswith("converged to within tol") for r in result.reasons)
    np.testing.assert_allclose(result.loss.numpy(), 1.0, atol=2e-6)
    for mu, sigma in landing(result):
        # covering: min over x of log(q / (0.5 N(-5, 1))) >= 0, in closed form
        assert 1 - 1e-3 < sigma < 2 + 1e-3
        slack = 2 * (sigma**2 - 1) * math.log(2 / sigma) - (mu + 5) ** 2
        assert slack > -1e-2
        assert l1_by_quadrature(0.5, mu, sigma) == pytest.approx(1.0, abs=1e-5)
    assert float(result.sigma.max() - result.sigma.min()) > 0.2  # different points


def test_l1_has_a_local_minimum_between_the_modes() -> None:
    x = ORIGINAL_GRID.double()
    result = fit(MIXTURE, x, "l1", torch.tensor([0.0, 1.0, 4.0]), 1.0)
    assert set(result.reasons) == {"converged"}  # certified: positive definite Hessian
    mu, sigma = float(result.mu[0]), float(result.sigma[0])
    assert mu == pytest.approx(2.5, abs=0.01)
    assert sigma == pytest.approx(7.55, abs=0.01)
    # Independent check: quadrature of the whole-line L1 is higher all around it.
    centre = l1_by_quadrature(0.5, mu, sigma)
    assert float(result.loss[0]) == pytest.approx(centre, abs=1e-4)
    for angle in np.linspace(0, 2 * math.pi, 8, endpoint=False):
        around = l1_by_quadrature(
            0.5, mu + 0.1 * math.cos(angle), sigma * math.exp(0.02 * math.sin(angle))
        )
        assert around > centre
    assert centre > 1.39  # much worse than covering a mode (1.0)


def test_l1_against_the_sum_lands_exactly_on_a_mode() -> None:
    # Q equal to a component makes p - q the other component: int |p - q| = 1 exactly.
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-12.0, -6.0, -2.0, 6.0, 11.0])
    result = fit(original_target(x), x, "l1", starts, 1.0)
    assert bool(result.converged.all())
    modes = torch.where(starts < 2.5, -5.0, 10.0).double()
    torch.testing.assert_close(result.mu, modes, rtol=0, atol=1e-5)
    torch.testing.assert_close(result.sigma, torch.ones_like(modes), rtol=0, atol=1e-5)
    np.testing.assert_allclose(result.loss.numpy(), l1_by_quadrature(1.0, -5.0, 1.0), atol=1e-6)


def test_adam_at_the_original_learning_rate_jitters_on_l1() -> None:
    # L1 has a kink at the exact fit; Adam's normalised steps keep hopping across it at
    # about the learning rate, so after 10,000 steps it has not stood still.
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([-5.2, 9.8])
    result = fit(original_target(x), x, "l1", starts, 1.0, optimizer="adam", max_steps=1500)
    assert not bool(result.converged.any())
    assert all(r.startswith("still moving") for r in result.reasons)
    torch.testing.assert_close(result.mu, torch.tensor([-5.0, 10.0], dtype=F64), rtol=0, atol=0.01)


def test_loss_functions_are_the_ones_fit_minimises() -> None:
    x = ORIGINAL_GRID.double()
    for loss in ("forward_kl", "reverse_kl", "mse", "l1", "cosine"):
        result = fit(MIXTURE, x, loss, -3.0, 1.0)
        log_q = Gaussian(result.mu, result.sigma).log_prob(x)
        expected = get_loss(loss)(MIXTURE.log_prob(x), log_q, x)
        assert float(result.loss) == pytest.approx(float(expected), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("loss", ["forward_kl", "reverse_kl", "mse", "l1", "cosine"])
@pytest.mark.parametrize("scale", [0.5, 1.0], ids=["mixture", "sum"])
def test_closed_form_derivatives_match_autograd(loss: str, scale: float) -> None:
    # fit's Newton steps use gradients and Hessians in (mu, log sigma) written out in
    # kltutorial.derivatives; autograd through the public loss functions is the oracle.
    from kltutorial.distributions import gaussian_log_density
    from kltutorial.objective import Objective

    def gaussian_log_q(x: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return gaussian_log_density(x, mu[:, None], sigma[:, None])

    x = ORIGINAL_GRID.double()
    log_p = MIXTURE.log_prob(x) + math.log(2 * scale)
    generator = torch.Generator().manual_seed(0)
    theta = torch.stack(
        [
            torch.rand(40, generator=generator, dtype=F64) * 24 - 12,
            torch.rand(40, generator=generator, dtype=F64) * 3 - 1,
        ],
        dim=-1,
    )
    leaf = theta.clone().requires_grad_(True)
    value = get_loss(loss)(log_p, gaussian_log_q(x, leaf[:, 0], leaf[:, 1].exp()), x)
    (grad,) = torch.autograd.grad(value.sum(), leaf, create_graph=True)
    rows = [torch.autograd.grad(grad[:, i].sum(), leaf, retain_graph=True)[0] for i in range(2)]
    hessian = torch.stack(rows, dim=1)
    objective = Objective(loss, log_p, x)
    f, g, h = objective.value_grad_hessian(theta)
    torch.testing.assert_close(f, value.detach(), rtol=1e-13, atol=1e-15)
    f_only, g_only = objective.value_and_gradient(theta)  # what Adam uses
    torch.testing.assert_close((f_only, g_only), (f, g), rtol=1e-15, atol=0)
    # relative to the largest entry per start: rounding in sums of ~1000 terms
    g_scale = grad.detach().abs().amax(-1, keepdim=True) + 1e-300
    h_scale = hessian.detach().abs().amax((-2, -1), keepdim=True) + 1e-300
    assert float(((g - grad.detach()).abs() / g_scale).max()) < 1e-12
    assert float(((h - hessian.detach()).abs() / h_scale).max()) < 1e-12


# ---------------------------------------------------------------- Adam: lr and sigma


def test_adam_mse_at_lr_1e3_depends_on_how_sigma_is_parameterised() -> None:
    # Raw sigma moves by at most ~lr per step, so Q stays narrow and slides to the
    # nearest mode (the original's finding). On log sigma the same lr multiplies sigma by
    # up to e^0.001 per step: Q spreads towards the wide minimum between the modes and is
    # still drifting after 10,000 steps.
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([0.0, 2.5])
    raw = fit(MIXTURE, x, "mse", starts, 1.0, optimizer="adam", sigma_param="raw")
    mode = closed_form_optimum("mse", 0.5, x, (-5.0, 1.5))
    torch.testing.assert_close(raw.mu, torch.full((2,), mode[0], dtype=F64), rtol=0, atol=1e-3)
    torch.testing.assert_close(raw.sigma, torch.full((2,), mode[1], dtype=F64), rtol=0, atol=1e-3)
    log = fit(MIXTURE, x, "mse", starts, 1.0, optimizer="adam", sigma_param="log")
    assert not bool(log.converged.any())
    assert all(r.startswith("still moving") for r in log.reasons)
    assert bool((log.sigma > 8).all())


def test_adam_mse_with_a_large_learning_rate_lands_between_the_modes() -> None:
    # At lr 0.1 on log sigma, starts between the modes jump into the wide local minimum
    # (closed form over the grid's interval) instead of the nearest mode, where Newton goes.
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([0.0, 2.5, 5.0])
    adam = fit(MIXTURE, x, "mse", starts, 1.0, optimizer="adam", lr=0.1)
    wide = closed_form_optimum("mse", 0.5, x, (2.5, 9.0))
    torch.testing.assert_close(adam.mu, torch.full((3,), wide[0], dtype=F64), rtol=0, atol=1e-2)
    torch.testing.assert_close(adam.sigma, torch.full((3,), wide[1], dtype=F64), rtol=0, atol=1e-2)
    newton = fit(MIXTURE, x, "mse", starts, 1.0)
    assert float(newton.mu[0]) == pytest.approx(-5.0, abs=1e-6)
    assert float(newton.mu[2]) == pytest.approx(10.0, abs=1e-2)


def test_adam_cosine_at_lr_1e3_depends_on_how_sigma_is_parameterised() -> None:
    x = ORIGINAL_GRID.double()
    starts = torch.tensor([0.0, 2.5])
    raw = fit(MIXTURE, x, "cosine", starts, 1.0, optimizer="adam", sigma_param="raw")
    torch.testing.assert_close(raw.mu, torch.tensor([-5.0, 10.0], dtype=F64), rtol=0, atol=1e-3)
    torch.testing.assert_close(raw.sigma, torch.ones(2, dtype=F64), rtol=0, atol=1e-3)
    log = fit(MIXTURE, x, "cosine", starts, 1.0, optimizer="adam", sigma_param="log")
    assert not bool(log.converged.any())
    assert bool((log.sigma > 10).all())  # heading for the wide solution (11.07, 18.39)


# ------------------------------------------------------------------- issue 9: fit


def test_adam_checks_for_an_infinite_loss_at_the_start_like_newton() -> None:
    # 44 exact zeros in float32: the reverse KL of any Gaussian is +inf. Adam used to
    # step on NaN gradients and report mu = sigma = NaN with loss 0.0.
    x = torch.linspace(-15, 15, 1000)
    p = Gaussian(0.0, 1.0).prob(x)
    assert int((p == 0).sum()) == 44
    for optimizer in ("newton", "adam"):
        result = fit(p, x, "reverse_kl", optimizer=optimizer, max_steps=100)
        assert result.reasons == (
            "the loss is infinite here (Q has mass where the target is zero)",
        )
        assert not bool(result.converged)
        assert (float(result.mu), float(result.sigma)) == (0.0, 1.0)
        assert float(result.loss) == math.inf


def test_a_blown_up_log_sigma_is_reported_as_infinite_not_as_raw_sigma() -> None:
    # Adam's first step moves log sigma by about lr = 1000: sigma = e^1000 = inf.
    x = ORIGINAL_GRID.double()
    result = fit(
        Gaussian(0.0, 1.0), x, "forward_kl", 0.0, 0.1, optimizer="adam", lr=1000.0, max_steps=5
    )
    assert result.reasons == ("sigma became infinite (it overflowed: the fit blew up)",)
    assert float(result.sigma) == math.inf
    assert "raw" not in result.reasons[0]


@pytest.mark.parametrize("loss", ["mse", "forward_kl", "reverse_kl"])
def test_an_underflowed_log_sigma_is_reported_as_underflow_not_as_raw_sigma(loss: str) -> None:
    # Adam's first step moves log sigma by about -lr = -1000: sigma = e^-997 = 0. MSE used
    # to blame raw sigma; the forward KL (no narrowest sigma) ran on into NaN parameters.
    x = ORIGINAL_GRID.double()
    result = fit(Gaussian(0.0, 0.1), x, loss, 0.0, 10.0, optimizer="adam", lr=1000.0, max_steps=5)
    assert result.reasons == (
        "sigma underflowed to 0 (log sigma went towards -inf, below where exp(log sigma) "
        "is representable: the fit collapsed Q to a point)",
    )
    assert float(result.sigma) == 0.0
    assert math.isfinite(float(result.mu))
    assert not bool(result.trajectory.mu.isnan().any())
    assert not bool(result.trajectory.sigma.isnan().any())
    assert not bool(result.converged)


def test_raw_sigma_through_zero_is_blamed_on_raw_sigma() -> None:
    x = ORIGINAL_GRID.double()
    target = Gaussian(torch.tensor(0.0, dtype=F64), 0.2)
    raw = fit(
        target, x, "forward_kl", 0.0, 0.9, optimizer="adam", lr=1.0, max_steps=50, sigma_param="raw"
    )
    assert raw.reasons == (
        "sigma became <= 0 (a raw sigma is unconstrained: a step took it through zero)",
    )


def test_newton_forward_kl_converges_from_a_far_narrow_start() -> None:
    # Used to end at (0.448, 0.0149): "sigma shrank below half the grid spacing".
    x = torch.linspace(-15, 15, 1000)
    target = Gaussian(0.0, 0.35)
    result = fit(target, x, "forward_kl", mu=10.0, sigma=0.2)
    mean, sd = grid_moments(target.log_prob(x.double()), x.double())
    assert result.reasons == ("converged",)
    assert float(result.mu) == pytest.approx(mean, abs=1e-6)
    assert float(result.sigma) == pytest.approx(sd, rel=1e-6)


def test_a_fitted_divergence_is_never_reported_negative() -> None:
    # This fit used to report loss -1.015e-09, while forward_kl at its parameters is 0.0.
    x = torch.linspace(-15, 15, 1000)
    target = Gaussian(0.0, 0.35)
    result = fit(target, x, "forward_kl", mu=10.0, sigma=0.2)
    assert float(result.loss) >= 0
    assert bool((result.trajectory.loss >= 0).all())
    at_fit = forward_kl(target.log_prob(x), Gaussian(result.mu, result.sigma).log_prob(x), x)
    assert float(result.loss) == float(at_fit) == 0.0


def test_newton_forward_kl_converges_from_every_start_in_the_grid() -> None:
    x = torch.linspace(-15, 15, 1000, dtype=F64)
    generator = torch.Generator().manual_seed(3)
    for _ in range(3):
        m = float(torch.rand((), generator=generator, dtype=F64) * 20 - 10)
        sd = float(torch.rand((), generator=generator, dtype=F64) * 3 + 0.05)
        target = Gaussian(torch.tensor(m, dtype=F64), sd)
        mu = torch.rand(200, generator=generator, dtype=F64) * 30 - 15
        sigma = torch.exp(torch.rand(200, generator=generator, dtype=F64) * 6 - 4)
        result = fit(target, x, "forward_kl", mu, sigma)
        mean, std = grid_moments(target.log_prob(x), x)
        assert bool(result.converged.all()), set(result.reasons)
        torch.testing.assert_close(result.mu, torch.full_like(mu, mean), rtol=0, atol=1e-6)
        torch.testing.assert_close(result.sigma, torch.full_like(mu, std), rtol=1e-6, atol=0)


def grid_moments(log_p: torch.Tensor, x: torch.Tensor) -> tuple[float, float]:
    """Mean and standard deviation of the target normalised on the grid (trapezoid rule)."""
    xs = x.double().numpy()
    p = np.exp(log_p.double().numpy() - log_p.double().numpy().max())
    mass = scipy.integrate.trapezoid(p, xs)
    mean = scipy.integrate.trapezoid(p * xs, xs) / mass
    var = scipy.integrate.trapezoid(p * (xs - mean) ** 2, xs) / mass
    return float(mean), float(math.sqrt(var))


@pytest.mark.parametrize("tol", [math.inf, math.nan, 0.0, -1.0])
def test_tol_must_be_finite_and_positive(tol: float) -> None:
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        fit(MIXTURE, ORIGINAL_GRID, tol=tol)  # inf used to "converge" at the start


def test_max_steps_accepts_integral_numbers() -> None:
    a = fit(MIXTURE, ORIGINAL_GRID, max_steps=np.int64(5))  # type: ignore[arg-type]
    b = fit(MIXTURE, ORIGINAL_GRID, max_steps=5)
    assert torch.equal(a.mu, b.mu)
    assert a.reasons == b.reasons
    for bad in (5.0, True, 0, "5"):
        with pytest.raises(ValueError, match="max_steps must be a whole number >= 1"):
            fit(MIXTURE, ORIGINAL_GRID, max_steps=bad)  # type: ignore[arg-type]


def test_fit_rejects_an_infinite_start() -> None:
    with pytest.raises(ValueError, match="mu must be finite"):
        fit(MIXTURE, ORIGINAL_GRID, mu=math.inf)


# Hypothesis properties of fit itself (few examples: each is a fit).
FIT_PROPERTY = settings(max_examples=12, deadline=None, derandomize=True)
LOSS_NAMES = st.sampled_from(["forward_kl", "reverse_kl", "mse", "l1", "cosine"])
STARTS = st.lists(st.tuples(st.floats(-14, 14), st.floats(0.1, 20)), min_size=2, max_size=4)


@FIT_PROPERTY
@given(LOSS_NAMES, STARTS)
def test_property_batched_fit_equals_single_starts(
    loss: str, starts: list[tuple[float, float]]
) -> None:
    x = ORIGINAL_GRID.double()
    mu = torch.tensor([m for m, _ in starts], dtype=F64)
    sigma = torch.tensor([s for _, s in starts], dtype=F64)
    batch = fit(MIXTURE, x, loss, mu, sigma, max_steps=60)
    for i in range(len(starts)):
        one = fit(MIXTURE, x, loss, mu[i], sigma[i], max_steps=60)
        assert float(one.mu) == float(batch.mu[i])
        assert float(one.sigma) == float(batch.sigma[i])
        assert one.reasons[0] == batch.reasons[i]


@FIT_PROPERTY
@given(LOSS_NAMES, STARTS, st.sampled_from(["newton", "adam"]))
def test_property_every_result_is_converged_and_finite_or_has_a_reason(
    loss: str, starts: list[tuple[float, float]], optimizer: Optimizer
) -> None:
    x = ORIGINAL_GRID.double()
    mu = torch.tensor([m for m, _ in starts], dtype=F64)
    sigma = torch.tensor([s for _, s in starts], dtype=F64)
    result = fit(MIXTURE, x, loss, mu, sigma, optimizer=optimizer, max_steps=200, lr=0.05)
    for i, reason in enumerate(result.reasons):
        if bool(result.converged[i]):
            assert reason.startswith("converged")
            assert math.isfinite(float(result.mu[i]))
            assert float(result.sigma[i]) > 0
            assert math.isfinite(float(result.sigma[i]))
            assert math.isfinite(float(result.loss[i]))
        else:
            assert reason
            assert not reason.startswith("converged")


@FIT_PROPERTY
@given(
    st.floats(-8, 8),
    st.floats(0.3, 3),
    st.floats(-8, 8),
    st.floats(0.3, 3),
    st.floats(0, 1),
    st.floats(-14, 14),
    st.floats(0.05, 20),
)
def test_property_converged_forward_kl_is_moment_matching(
    m1: float, s1: float, m2: float, s2: float, w: float, mu0: float, sigma0: float
) -> None:
    x = torch.linspace(-15, 15, 1000, dtype=F64)
    target = Mixture(
        [Gaussian(torch.tensor(m1, dtype=F64), s1), Gaussian(torch.tensor(m2, dtype=F64), s2)],
        [w, 1 - w] if 0 < w < 1 else None,
    )
    result = fit(target, x, "forward_kl", mu0, sigma0)
    mean, sd = grid_moments(target.log_prob(x), x)
    assert result.reasons == ("converged",)
    assert float(result.mu) == pytest.approx(mean, abs=1e-6)
    assert float(result.sigma) == pytest.approx(sd, abs=1e-6)


def test_a_cosine_fit_whose_q_falls_off_the_grid_points_says_so() -> None:
    # A grid with a hole in [-1, 1] and a narrow Q inside it: every q(x_i) underflows.
    # The reason used to be "the loss is infinite here (Q has mass where the target is
    # zero)", which is not why.
    x = torch.cat([torch.linspace(-15, -1, 500), torch.linspace(1, 15, 500)]).double()
    result = fit(
        Gaussian(-5.0, 1.0), x, "cosine", torch.tensor([0.0, -5.5]), torch.tensor([0.02, 1.0])
    )
    assert result.reasons[0].startswith("Q fell between grid points")
    assert not bool(result.converged[0])
    assert result.reasons[1] == "converged"
    assert float(result.mu[1]) == pytest.approx(-5.0, abs=1e-6)
