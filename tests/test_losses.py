"""The five losses: their relation to torch.nn.functional, and closed-form oracles.

Oracles: integrals of products of Gaussians over an interval in closed form (with erf),
scipy.integrate.quad, scipy.special.rel_entr, torch.distributions.kl_divergence, and the
closed-form Gaussian KL. Tolerances are a little above the largest error measured.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Normal

from kltutorial import (
    LOSSES,
    Gaussian,
    cosine,
    forward_kl,
    gaussian_kl,
    get_loss,
    kl_divergence,
    l1,
    mse,
    reverse_kl,
)

F64 = torch.float64
PROPERTY = settings(max_examples=40, deadline=None, derandomize=True)
GRID = (-30.0, 30.0)
# Gaussians well inside the grid (8 sigma) and wide enough for its spacing (0.03).
params = st.tuples(st.floats(-6, 6), st.floats(0.4, 3), st.floats(-6, 6), st.floats(0.4, 3))


def grid(n: int = 2001, bounds: tuple[float, float] = GRID) -> torch.Tensor:
    return torch.linspace(*bounds, n, dtype=F64)


def log_normal(x: torch.Tensor, mu: float, sigma: float) -> torch.Tensor:
    return Gaussian(torch.tensor(mu, dtype=F64), torch.tensor(sigma, dtype=F64)).log_prob(x)


def product_integral(m1: float, s1: float, m2: float, s2: float, a: float, b: float) -> float:
    """Closed form of the integral of N(x; m1, s1^2) N(x; m2, s2^2) over [a, b]."""
    v = s1 * s1 + s2 * s2
    mean, sd = (m1 * s2 * s2 + m2 * s1 * s1) / v, s1 * s2 / math.sqrt(v)
    height = scipy.stats.norm.pdf(m1 - m2, scale=math.sqrt(v))
    return float(height * (scipy.stats.norm.cdf(b, mean, sd) - scipy.stats.norm.cdf(a, mean, sd)))


def uniform_weights(x: torch.Tensor) -> torch.Tensor:
    """Trapezoid weights of a uniform grid, written out: h inside, h/2 at both ends."""
    h = float(x[1] - x[0])
    w = torch.full_like(x, h)
    w[0] = w[-1] = h / 2
    return w


# ---------------------------------------------------------------- closed-form oracles

# Largest errors measured over 2,000 random pairs (200 for L1) on linspace(-30, 30, 2001),
# float64, and the tolerances asserted:
#   mse, relative to int p^2:                 2.3e-15 -> 1e-14
#   cosine, absolute:                         4.4e-16 -> 2e-15
#   forward / reverse KL, relative to 1 + KL: 1.1e-15 / 1.3e-15 -> 5e-15
#   l1, absolute:                             4.2e-4  -> 1e-3. Interpolating p - q linearly
#   puts an O(h^2) error at each crossing (test_l1_converges_like_h_squared).
TOL = {"mse": 1e-14, "cosine": 2e-15, "kl": 5e-15, "l1": 1e-3}


def error_mse(p: tuple[float, ...]) -> float:
    m1, s1, m2, s2 = p
    a, b = GRID
    expected = (
        product_integral(m1, s1, m1, s1, a, b)
        + product_integral(m2, s2, m2, s2, a, b)
        - 2 * product_integral(m1, s1, m2, s2, a, b)
    )
    x = grid()
    got = float(mse(log_normal(x, m1, s1), log_normal(x, m2, s2), x))
    return abs(got - expected) / product_integral(m1, s1, m1, s1, a, b)


def error_cosine(p: tuple[float, ...]) -> float:
    m1, s1, m2, s2 = p
    a, b = GRID
    pq = product_integral(m1, s1, m2, s2, a, b)
    pp, qq = product_integral(m1, s1, m1, s1, a, b), product_integral(m2, s2, m2, s2, a, b)
    x = grid()
    got = float(cosine(log_normal(x, m1, s1), log_normal(x, m2, s2), x))
    return abs(got + pq / math.sqrt(pp * qq))


def error_kl(p: tuple[float, ...], loss: str) -> float:
    m1, s1, m2, s2 = p
    x = grid()
    got = float(LOSSES[loss](log_normal(x, m1, s1), log_normal(x, m2, s2), x))
    args = [torch.tensor(v, dtype=F64) for v in (p if loss == "forward_kl" else (m2, s2, m1, s1))]
    expected = float(gaussian_kl(*args))
    return abs(got - expected) / (1 + expected)


def l1_by_quadrature(
    density_p: Callable[[np.ndarray], np.ndarray], m: float, s: float, a: float, b: float
) -> float:
    """int_a^b |p - q| + Q's mass outside [a, b], by scipy.integrate.quad."""
    xs = np.linspace(a, b, 20001)
    u = density_p(xs) - scipy.stats.norm.pdf(xs, m, s)
    # Split the integral where p - q changes sign, so quad integrates smooth pieces.
    sign_changes = np.nonzero(np.diff(np.sign(u)))[0]

    def diff(t: float) -> float:
        return float(density_p(np.array([t]))[0] - scipy.stats.norm.pdf(t, m, s))

    roots = [scipy.optimize.brentq(diff, xs[i], xs[i + 1], xtol=1e-15) for i in sign_changes]
    edges = [a, *roots, b]
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        value, _ = scipy.integrate.quad(
            lambda t: abs(diff(t)), lo, hi, epsabs=1e-14, epsrel=1e-13, limit=200
        )
        total += value
    return total + float(scipy.stats.norm.cdf(a, m, s) + scipy.stats.norm.sf(b, m, s))


def error_l1(p: tuple[float, ...]) -> float:
    m1, s1, m2, s2 = p
    a, b = GRID
    expected = l1_by_quadrature(lambda t: scipy.stats.norm.pdf(t, m1, s1), m2, s2, a, b)
    x = grid()
    return abs(float(l1(log_normal(x, m1, s1), log_normal(x, m2, s2), x)) - expected)


@PROPERTY
@given(p=params)
def test_mse_matches_the_closed_form(p: tuple[float, ...]) -> None:
    assert error_mse(p) <= TOL["mse"]


@PROPERTY
@given(p=params)
def test_cosine_matches_the_closed_form(p: tuple[float, ...]) -> None:
    assert error_cosine(p) <= TOL["cosine"]


@pytest.mark.parametrize("loss", ["forward_kl", "reverse_kl"])
@PROPERTY
@given(p=params)
def test_kl_losses_match_the_closed_form(p: tuple[float, ...], loss: str) -> None:
    assert error_kl(p, loss) <= TOL["kl"]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(p=params)
def test_l1_matches_quadrature(p: tuple[float, ...]) -> None:
    assert error_l1(p) <= TOL["l1"]


def test_l1_converges_like_h_squared() -> None:
    # The error of the grid's L1 against quadrature falls by 4 when the spacing halves.
    m1, s1, m2, s2 = 2.63, 0.44, 3.1, 1.73
    expected = l1_by_quadrature(lambda t: scipy.stats.norm.pdf(t, m1, s1), m2, s2, -15, 15)
    errors = []
    for n in (1000, 1999, 3997):  # spacings 0.03, 0.015, 0.0075
        x = grid(n, (-15, 15))
        errors.append(abs(float(l1(log_normal(x, m1, s1), log_normal(x, m2, s2), x)) - expected))
    assert errors[0] > 1e-4
    for coarse, fine in itertools.pairwise(errors):
        assert coarse / fine == pytest.approx(4, rel=0.05)


def test_l1_counts_the_mass_of_q_outside_the_grid() -> None:
    # Q = N(12, 2) has 7% of its mass past 15. The target is zero there, so |p - q| = q:
    # l1 adds that mass, and the total is the integral over the whole line.
    x = grid(1000, (-15, 15))
    got = float(l1(log_normal(x, -5, 1), log_normal(x, 12, 2), x))
    whole_line = l1_by_quadrature(lambda t: scipy.stats.norm.pdf(t, -5, 1), 12, 2, -40, 40)
    assert got == pytest.approx(whole_line, abs=TOL["l1"])
    outside = float(scipy.stats.norm.sf(15, 12, 2))
    assert outside > 0.06  # what an integral over the grid alone would miss


def test_losses_at_equality() -> None:
    x = grid()
    log_p = log_normal(x, 1.0, 2.0)
    assert float(forward_kl(log_p, log_p, x)) == pytest.approx(0.0, abs=1e-14)
    assert float(reverse_kl(log_p, log_p, x)) == pytest.approx(0.0, abs=1e-14)
    assert float(mse(log_p, log_p, x)) == 0.0
    assert float(l1(log_p, log_p, x)) == pytest.approx(0.0, abs=1e-12)  # Q's tails off the grid
    assert float(cosine(log_p, log_p, x)) == pytest.approx(-1.0, abs=1e-15)


def test_scale_of_the_target() -> None:
    # The two KL divergences and cosine ignore P's scale; MSE and L1 compare the curves.
    x = grid()
    log_p, log_q = log_normal(x, -1.0, 1.0), log_normal(x, 0.5, 1.5)
    log_2p = log_p + math.log(2)
    for loss in (forward_kl, reverse_kl, cosine):
        assert float(loss(log_2p, log_q, x)) == pytest.approx(
            float(loss(log_p, log_q, x)), rel=1e-14
        )
    # Closed forms for 2p: int (2p - q)^2 and int |2p - q| >= int 2p - int q = 1.
    a, b = GRID
    expected = (
        4 * product_integral(-1, 1, -1, 1, a, b)
        + product_integral(0.5, 1.5, 0.5, 1.5, a, b)
        - 4 * product_integral(-1, 1, 0.5, 1.5, a, b)
    )
    assert float(mse(log_2p, log_q, x)) == pytest.approx(expected, rel=1e-13)
    assert float(l1(log_2p, log_q, x)) > 1.0


def test_losses_broadcast_over_batch_dimensions() -> None:
    x = grid()
    log_p = log_normal(x, 0.0, 1.0)
    mus = torch.tensor([[-1.0], [0.0], [2.0]], dtype=F64)
    log_q = Gaussian(mus, torch.tensor(1.5, dtype=F64)).log_prob(x)  # (3, n)
    for name, loss in LOSSES.items():
        batched = loss(log_p, log_q, x)
        assert batched.shape == (3,), name
        one_by_one = torch.stack([loss(log_p, row, x) for row in log_q])
        torch.testing.assert_close(batched, one_by_one, rtol=1e-14, atol=1e-15)


def test_losses_by_name() -> None:
    assert list(LOSSES) == ["forward_kl", "reverse_kl", "mse", "l1", "cosine"]
    assert get_loss("forward_kl") is forward_kl
    assert get_loss("cosine") is cosine


# ---------------------------------------------------------------- torch.nn.functional


def test_kl_div_reductions() -> None:
    # F.kl_div(input=log Q, target=P) on a (batch, outcomes) array: the per-element terms
    # are P (log P - log Q); the reductions differ only in what they divide the sum by.
    generator = torch.Generator().manual_seed(1)
    p = torch.softmax(torch.randn(4, 7, generator=generator, dtype=F64), -1)
    q = torch.softmax(torch.randn(4, 7, generator=generator, dtype=F64), -1)
    per_sample = kl_divergence(p, q)  # (4,): one KL in nats per row
    oracle = scipy.special.rel_entr(p.numpy(), q.numpy())
    none = F.kl_div(q.log(), p, reduction="none")
    np.testing.assert_allclose(none.numpy(), oracle, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(per_sample.numpy(), oracle.sum(-1), rtol=1e-14)
    # 'sum': every element of the batch; 'batchmean': divided by the batch size, the mean
    # KL per sample, the real KL.
    assert float(F.kl_div(q.log(), p, reduction="sum")) == pytest.approx(oracle.sum(), rel=1e-14)
    batchmean = F.kl_div(q.log(), p, reduction="batchmean")
    assert float(batchmean) == pytest.approx(float(per_sample.mean()), rel=1e-14)
    # 'mean' (the default) divides by ALL elements, batch times outcomes: the KL divided
    # by the number of outcomes, not a KL. PyTorch warns about it.
    with pytest.warns(UserWarning, match="batchmean"):
        mean = F.kl_div(q.log(), p)
    assert float(mean) == pytest.approx(float(per_sample.mean()) / 7, rel=1e-14)
    # log_target=True takes log P instead of P: the same numbers.
    with_logs = F.kl_div(q.log(), p.log(), reduction="batchmean", log_target=True)
    assert float(with_logs) == pytest.approx(float(batchmean), rel=1e-14)
    in_log_space = kl_divergence(p.log(), q.log(), log_probs=True)
    torch.testing.assert_close(in_log_space, per_sample, rtol=1e-14, atol=0)


def test_the_original_kl_div_call_is_a_scaled_shifted_kl() -> None:
    # The original: F.kl_div(Q.log_prob(x), P(x)) with P the sum of two densities (mass
    # Z ~ 2) on a uniform grid of spacing h, default reduction: (1/n) sum_i p_i log(p_i/q_i).
    # With the trapezoid weights, that is (Z (KL + log Z) + h/2 (end terms)) / (n h).
    x = grid(1000, (-15, 15))
    target = (Gaussian(-5.0, 1.0).prob(x) + Gaussian(10.0, 1.0).prob(x)).double()
    log_q = Normal(torch.tensor(0.0, dtype=F64), torch.tensor(1.0, dtype=F64)).log_prob(x)
    with pytest.warns(UserWarning, match="batchmean"):
        original = float(F.kl_div(log_q, target))
    n, h = x.numel(), float(x[1] - x[0])
    mass = float((uniform_weights(x) * target).sum())
    kl = float(forward_kl(target.log(), log_q, x))
    ends = target[[0, -1]] * (target[[0, -1]].log() - log_q[[0, -1]])
    rebuilt = (mass * (kl + math.log(mass)) + h / 2 * float(ends.sum())) / (n * h)
    assert original == pytest.approx(rebuilt, rel=1e-12)
    assert mass == pytest.approx(2.0, abs=1e-6)


def test_mse_relates_to_mse_loss() -> None:
    x = grid(1000, (-15, 15))
    p, q = log_normal(x, -5, 1).exp(), log_normal(x, 14, 2).exp()  # q is large at an end
    h = float(x[1] - x[0])
    got = float(mse(p.log(), q.log(), x))
    total = float(F.mse_loss(q, p, reduction="sum"))
    ends = float(((p - q)[[0, -1]] ** 2).sum())
    assert got == pytest.approx(h * total - h / 2 * ends, rel=1e-13)
    # Exactly: mse_loss of the curves scaled by the square roots of the weights.
    root = uniform_weights(x).sqrt()
    assert got == pytest.approx(float(F.mse_loss(root * q, root * p, reduction="sum")), rel=1e-13)
    # The default 'mean' is the sum over n points, not an integral.
    assert float(F.mse_loss(q, p)) == pytest.approx(total / x.numel(), rel=1e-14)


def test_l1_relates_to_l1_loss_where_the_curves_do_not_cross() -> None:
    # q = 2 p: no sign change of p - q, so the only differences from h * l1_loss(sum) are
    # the half weights at the ends and Q's mass outside the grid.
    x = grid(1000, (-15, 15))
    p = log_normal(x, 0, 2).exp()
    q = 2 * p
    h = float(x[1] - x[0])
    got = float(l1(q.log(), p.log(), x))  # P = 2 p here, Q = p
    ends = float((q - p)[[0, -1]].abs().sum())
    on_grid = h * float(F.l1_loss(p, q, reduction="sum")) - h / 2 * ends
    outside = 2 * float(scipy.stats.norm.sf(15, 0, 2))
    assert got == pytest.approx(on_grid + outside, rel=1e-13)
    assert got == pytest.approx(1.0, rel=1e-12)  # int |2p - p| = int p = 1


def test_cosine_relates_to_cosine_similarity() -> None:
    x = grid(1000, (-15, 15))
    p, q = log_normal(x, -5, 1).exp(), log_normal(x, 3, 4).exp()
    got = float(cosine(p.log(), q.log(), x))
    root = uniform_weights(x).sqrt()
    exact = -float(F.cosine_similarity(root * q, root * p, dim=-1))
    assert got == pytest.approx(exact, rel=1e-14)
    # Without the weights (the original's call) it differs only by the end points.
    assert got == pytest.approx(-float(F.cosine_similarity(q, p, dim=-1)), rel=1e-6)


# ------------------------------------------------- issue 9: cosine, 0-d, one home per loss


def _cosine_by_quadrature(log_p: torch.Tensor, log_q: torch.Tensor, x: torch.Tensor) -> float:
    """The same trapezoid sums as cosine, in mpmath from the logs (no underflow)."""
    import mpmath

    mpmath.mp.dps = 40
    w = np.zeros(len(x))
    gaps = np.diff(x.double().numpy())
    w[:-1] += gaps / 2
    w[1:] += gaps / 2
    lp, lq = log_p.double().tolist(), log_q.double().tolist()
    p = [mpmath.exp(v) for v in lp]
    q = [mpmath.exp(v) for v in lq]
    inner = mpmath.fsum(wi * a * b for wi, a, b in zip(w, p, q, strict=True))
    pp = mpmath.fsum(wi * a * a for wi, a in zip(w, p, strict=True))
    qq = mpmath.fsum(wi * b * b for wi, b in zip(w, q, strict=True))
    return float(-inner / mpmath.sqrt(pp * qq))


@pytest.mark.parametrize(
    "case",
    ["q_underflows", "p_plus_100", "p_minus_200", "far_apart"],
)
def test_cosine_is_finite_at_any_scale(case: str) -> None:
    x = torch.linspace(-15, 15, 301)
    log_p = Gaussian(0.0, 1.0).log_prob(x)
    log_q = Gaussian(1.0, 2.0).log_prob(x)
    if case == "q_underflows":
        log_q = log_q - 200  # exp is 0 in float32 everywhere: was NaN
    elif case == "p_plus_100":
        log_p = log_p + 100  # exp overflows float32 at the peak: was NaN
    elif case == "p_minus_200":
        log_p = log_p - 200
    else:
        log_q = Gaussian(14.0, 0.1).log_prob(x)
    value = cosine(log_p, log_q, x)
    assert math.isfinite(float(value))
    assert float(value) == pytest.approx(
        _cosine_by_quadrature(log_p, log_q, x), rel=1e-5, abs=1e-30
    )


def test_cosine_of_a_zero_curve_is_an_error_that_says_why() -> None:
    x = torch.linspace(-15, 15, 101)
    log_p = Gaussian(0.0, 1.0).log_prob(x)
    with pytest.raises(ValueError, match="cosine of a curve that is zero everywhere is undefined"):
        cosine(log_p, torch.full_like(x, -math.inf), x)  # was NaN
    with pytest.raises(ValueError, match="log_p must be finite somewhere"):
        cosine(torch.full_like(x, -math.inf), log_p, x)


@pytest.mark.parametrize("name", ["forward_kl", "reverse_kl", "mse", "l1", "cosine"])
def test_zero_dimensional_log_densities_get_a_clear_error(name: str) -> None:
    x = torch.linspace(-1, 1, 5)
    with pytest.raises(ValueError, match="log_p must have at least one dimension"):
        LOSSES[name](torch.tensor(0.0), torch.tensor(0.0), x)  # was IndexError


def test_every_loss_has_one_definition_in_one_table() -> None:
    # One table holds each loss's value, derivatives and torch.nn.functional form; the
    # public mapping is built from it, in the same order.
    from kltutorial.losses import TABLE, LossDefinition

    assert list(TABLE) == list(LOSSES) == ["forward_kl", "reverse_kl", "mse", "l1", "cosine"]
    x = grid(401)
    log_p = log_normal(x, 0.3, 1.2)
    log_q = log_normal(x, -0.5, 0.8)
    for name, definition in TABLE.items():
        assert isinstance(definition, LossDefinition)
        assert definition.name == name
        assert (definition.derivatives is None) != (definition.in_theta is None)
        assert LOSSES[name].__doc__ == definition.value.__doc__
        assert torch.equal(LOSSES[name](log_p, log_q, x), definition.value(log_p, log_q, x))


def test_no_private_name_is_imported_across_modules() -> None:
    import ast
    import pathlib

    import kltutorial

    for path in pathlib.Path(kltutorial.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kltutorial"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


# What a hand-written Gaussian density needs: 2 pi (or tau) under a root or a log, or
# exp(-z**2 / 2). Each pattern must match only distributions.py, the one home.
GAUSSIAN_BY_HAND = [
    r"2\s*\*\s*(math|torch|np|numpy|mpmath)\.pi",  # 2 * math.pi, (2 * torch.pi) ** 0.5
    r"(math|torch|np|numpy|mpmath)\.pi\s*\*\s*2\b",
    r"\b(math|torch|np|numpy)\.tau\b",
    r"sqrt\(\s*2(\.0*)?\s*\*",  # sqrt(2 * pi), sqrt(2.0 * ...)
    r"\blog\(\s*2(\.0*)?\s*\*\s*\w*\.?pi",  # log(2 * pi)
    r"exp\(\s*-\s*0?\.50*\s*\*",  # exp(-0.5 * z**2)
    r"exp\(\s*-\s*\(?[\w.]+\s*\*\*\s*2\)?\s*/\s*2",  # exp(-z**2 / 2)
]


def test_the_gaussian_log_density_is_written_once() -> None:
    import pathlib
    import re

    import kltutorial

    sources = {
        path.name: path.read_text()
        for path in pathlib.Path(kltutorial.__file__).parent.glob("*.py")
    }
    writers = sorted(
        name
        for name, text in sources.items()
        if any(re.search(pattern, text) for pattern in GAUSSIAN_BY_HAND)
    )
    assert writers == ["distributions.py"]
