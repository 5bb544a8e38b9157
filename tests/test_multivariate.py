"""multivariate_gaussian_kl against torch.distributions and against mpmath at 60 digits.

Each tolerance in TOL is a little above the largest error measured for it (see the
comment there); `test_report_largest_errors` prints the errors of this run (pytest -s).
"""

from __future__ import annotations

import functools
import math

import mpmath
import pytest
import torch
from torch.distributions import MultivariateNormal
from torch.distributions import kl_divergence as torch_kl

from kltutorial import gaussian_kl, multivariate_gaussian_kl

F64, F32 = torch.float64, torch.float32
DTYPES = [F64, F32]

# Largest errors measured, float64 / float32, and the tolerances asserted.
TOL = {
    # relative to the float64 torch.distributions value on the same (rounded) inputs;
    # 2,100 random pairs, k from 1 to 32, divergences from about 0.1 to 100
    "torch": {F64: 1e-12, F32: 5e-6},  # measured 1.2e-14 / 1.5e-6
}
# Against mpmath, for P close to Q (eigenvalues 1% apart) and Q with condition number
# kappa = 10^e, e in EXPONENTS, the relative error may be 4 kappa eps + 1e-14: the
# largest measured was 1.8 kappa eps (at kappa = 1e10, 4.1e-6), and the naive formula's
# 150 kappa eps. No method that starts from the rounded matrices does much better than
# kappa eps: rounding an entry moves the smallest eigenvalue by about that much.
EXPONENTS = [0, 2, 4, 6, 8, 10]


def random_pairs(n: int, k: int, seed: int, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """``n`` random pairs of k-dimensional Gaussians with moderately conditioned covariances."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, k, k, generator=g, dtype=F64)
    b = torch.randn(n, k, k, generator=g, dtype=F64)
    eye = torch.eye(k, dtype=F64)
    cov_p = a @ a.mT / k + 0.1 * eye
    cov_q = b @ b.mT / k + 0.1 * eye
    mu_p = torch.randn(n, k, generator=g, dtype=F64)
    mu_q = torch.randn(n, k, generator=g, dtype=F64)
    # Exactly symmetric in the target dtype.
    cov_p, cov_q = (c.to(dtype) for c in (cov_p, cov_q))
    cov_p, cov_q = (c.tril() + c.tril(-1).mT for c in (cov_p, cov_q))
    return mu_p.to(dtype), cov_p, mu_q.to(dtype), cov_q


@functools.cache
def error_torch(dtype: torch.dtype) -> float:
    worst = 0.0
    for seed, k in enumerate([1, 2, 3, 5, 8, 16, 32]):
        args = random_pairs(300, k, seed, dtype)
        got = multivariate_gaussian_kl(*args)
        assert got.dtype == dtype
        mu_p, cov_p, mu_q, cov_q = (a.double() for a in args)
        expected = torch_kl(MultivariateNormal(mu_p, cov_p), MultivariateNormal(mu_q, cov_q))
        worst = max(worst, float(((got.double() - expected) / expected).abs().max()))
    return worst


def mpmath_kl(
    mu_p: torch.Tensor, cov_p: torch.Tensor, mu_q: torch.Tensor, cov_q: torch.Tensor
) -> float:
    """The closed form at 60 digits, from the float64 values exactly as given."""
    with mpmath.workdps(60):
        k = mu_p.shape[-1]
        s_p, s_q = mpmath.matrix(cov_p.tolist()), mpmath.matrix(cov_q.tolist())
        d = mpmath.matrix((mu_q - mu_p).tolist())
        s_q_inv = s_q**-1
        product = s_q_inv * s_p
        trace = mpmath.fsum(product[i, i] for i in range(k))
        quad = (d.T * s_q_inv * d)[0]
        log_det = mpmath.log(mpmath.det(s_q)) - mpmath.log(mpmath.det(s_p))
        return float((trace + quad - k + log_det) / 2)


def naive_kl(
    mu_p: torch.Tensor, cov_p: torch.Tensor, mu_q: torch.Tensor, cov_q: torch.Tensor
) -> torch.Tensor:
    """The textbook formula with an explicit inverse and determinants."""
    inverse: torch.Tensor = torch.linalg.inv(cov_q)
    d = mu_q - mu_p
    k = mu_p.shape[-1]
    log_det = torch.log(torch.linalg.det(cov_q) / torch.linalg.det(cov_p))
    return 0.5 * (torch.trace(inverse @ cov_p) + d @ inverse @ d - k + log_det)


def ill_conditioned(exponent: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Q with condition number 10^exponent and a random orientation, P 1% away from Q."""
    g = torch.Generator().manual_seed(seed)
    k = 5
    u, _ = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=F64))
    lam = torch.logspace(0, -exponent, k, dtype=F64)
    cov_q = u @ torch.diag(lam) @ u.T
    scale = torch.exp(0.01 * torch.randn(k, generator=g, dtype=F64))
    cov_p = u @ torch.diag(lam * scale) @ u.T
    cov_p, cov_q = ((c + c.T) / 2 for c in (cov_p, cov_q))
    mu_p = torch.zeros(k, dtype=F64)
    mu_q = 0.01 * (u @ (torch.randn(k, generator=g, dtype=F64) * lam.sqrt()))
    return mu_p, cov_p, mu_q, cov_q


@functools.cache
def errors_mpmath(exponent: int) -> tuple[float, float]:
    """Largest relative errors (kltutorial, naive) over four cases at one condition number."""
    ours, naive = 0.0, 0.0
    for seed in range(4):
        args = ill_conditioned(exponent, seed)
        exact = mpmath_kl(*args)
        ours = max(ours, abs(float(multivariate_gaussian_kl(*args)) - exact) / exact)
        naive = max(naive, abs(float(naive_kl(*args)) - exact) / exact)
    return ours, naive


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_torch_distributions(dtype: torch.dtype) -> None:
    assert error_torch(dtype) <= TOL["torch"][dtype]


@pytest.mark.parametrize("exponent", EXPONENTS)
def test_matches_mpmath_where_the_naive_formula_loses_digits(exponent: int) -> None:
    ours, naive = errors_mpmath(exponent)
    # Rounding the covariance's entries to float64 alone costs about kappa * eps of the
    # result; the constant depends on the LAPACK kernels (up to 6 seen on AMD EPYC).
    assert ours <= 10 * 10.0**exponent * torch.finfo(F64).eps + 1e-14
    if exponent >= 6:
        # The page's claim: the explicit inverse loses at least one more digit.
        assert naive >= 10 * ours


def test_report_largest_errors() -> None:
    lines = [f"torch.distributions, {dtype}: {error_torch(dtype):.1e}" for dtype in DTYPES]
    for exponent in EXPONENTS:
        ours, naive = errors_mpmath(exponent)
        lines.append(f"mpmath, cond 1e{exponent}: kltutorial {ours:.1e}, naive {naive:.1e}")
    print("\n".join(lines))


def test_one_dimension_is_gaussian_kl() -> None:
    mu_p, sigma_p, mu_q, sigma_q = (torch.tensor([v], dtype=F64) for v in (0.5, 2.0, -1.0, 0.5))
    got = multivariate_gaussian_kl(mu_p, sigma_p[:, None] ** 2, mu_q, sigma_q[:, None] ** 2)
    expected = gaussian_kl(mu_p, sigma_p, mu_q, sigma_q)
    assert float(got) == pytest.approx(float(expected), rel=1e-15)


def test_equal_distributions_give_zero_and_never_negative() -> None:
    mu_p, cov_p, _, _ = random_pairs(200, 6, 99, F64)
    # The batched triangular solve leaves rounding of order eps^2 in M - I, no more.
    assert float(multivariate_gaussian_kl(mu_p, cov_p, mu_p, cov_p).max()) <= 1e-30
    # Every term of the sum is >= 0, so rounding cannot make the divergence negative.
    near = cov_p * (1 + 1e-12)
    assert bool((multivariate_gaussian_kl(mu_p, cov_p, mu_p, near) >= 0).all())


def test_batches_broadcast_like_a_loop() -> None:
    mu_p, cov_p, mu_q, cov_q = random_pairs(6, 3, 7, F64)
    batched = multivariate_gaussian_kl(
        mu_p.view(2, 3, 3), cov_p.view(2, 3, 3, 3), mu_q[0], cov_q[0]
    )
    assert batched.shape == (2, 3)
    for i in range(6):
        single = multivariate_gaussian_kl(mu_p[i], cov_p[i], mu_q[0], cov_q[0])
        assert float(batched.flatten()[i]) == pytest.approx(float(single), rel=1e-14)


def test_gradients_match_torch_distributions() -> None:
    mu_p, cov_p, mu_q, cov_q = random_pairs(1, 4, 3, F64)
    ours = [t.clone().requires_grad_() for t in (mu_p, cov_p, mu_q, cov_q)]
    theirs = [t.clone().requires_grad_() for t in (mu_p, cov_p, mu_q, cov_q)]
    multivariate_gaussian_kl(*ours).sum().backward()
    torch_kl(
        MultivariateNormal(theirs[0], theirs[1]), MultivariateNormal(theirs[2], theirs[3])
    ).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        assert a.grad is not None
        assert b.grad is not None
        # Only the symmetric part of a covariance's gradient is meaningful.
        ga, gb = (a.grad + a.grad.mT) / 2 if a.dim() > 2 else a.grad, b.grad
        gb = (gb + gb.mT) / 2 if b.dim() > 2 else gb
        torch.testing.assert_close(ga, gb, rtol=1e-10, atol=1e-12)


EYE = torch.eye(2, dtype=F64)
ZERO = torch.zeros(2, dtype=F64)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            (ZERO, torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=F64), ZERO, EYE),
            "cov_p must be symmetric",
        ),
        (
            (ZERO, EYE, ZERO, torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=F64)),
            "cov_q must be positive definite",
        ),
        ((ZERO, torch.zeros(2, 2, dtype=F64), ZERO, EYE), "cov_p must be positive definite"),
        ((ZERO, EYE, torch.zeros(3, dtype=F64), EYE), "mu_q has k = 3"),
        ((ZERO, EYE, ZERO, torch.ones(2, 3, dtype=F64)), "cov_q must be square"),
        ((torch.tensor([math.nan, 0.0], dtype=F64), EYE, ZERO, EYE), "mu_p must not contain NaN"),
        ((ZERO, torch.full((2, 2), math.inf, dtype=F64), ZERO, EYE), "cov_p must be finite"),
        ((ZERO, EYE.expand(3, 2, 2), ZERO, EYE.expand(4, 2, 2)), "cov_p has shape"),
        ((torch.tensor(0.0, dtype=F64), EYE, ZERO, EYE), "mu_p must have shape"),
    ],
)
def test_bad_input_raises_naming_the_argument(
    args: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        multivariate_gaussian_kl(*args)


def test_singular_in_float32_is_refused_where_torch_returns_a_wrong_number() -> None:
    # The page's example: eigenvalues 1 and 1e-9 along the diagonals.
    small = 1e-9
    cov = torch.tensor([[1 + small, 1 - small], [1 - small, 1 + small]], dtype=F64) / 2
    exact = 0.5 * (1 + small - 2 - math.log(small))  # tr(cov) - k - ln det(cov), halved
    mu = torch.zeros(2, dtype=F64)
    # Storing the entries in float64 moves the eigenvalue 1e-9 by about 1e-7 of itself.
    assert float(multivariate_gaussian_kl(mu, cov, mu, EYE)) == pytest.approx(exact, rel=1e-8)
    mu32, cov32, eye32 = mu.float(), cov.float(), EYE.float()
    wrong = torch_kl(MultivariateNormal(mu32, cov32), MultivariateNormal(mu32, eye32))
    # The page: a finite number, more than a nat off (its digits are rounding error).
    assert math.isfinite(float(wrong))
    assert abs(float(wrong) - exact) > 1.0
    with pytest.raises(ValueError, match=r"cov_p is singular to torch\.float32 precision"):
        multivariate_gaussian_kl(mu32, cov32, mu32, eye32)


def test_determinants_underflow_where_the_log_determinants_do_not() -> None:
    # The page: det(1e-4 I) in 100 dimensions is 1e-400, zero in float64.
    eye = torch.eye(100, dtype=F64)
    assert float(torch.linalg.det(1e-4 * eye)) == 0.0
    mu = torch.zeros(100, dtype=F64)
    zero, s_p, s_q = (torch.tensor(v, dtype=F64) for v in (0.0, 1e-2, 2e-2))
    expected = 100 * float(gaussian_kl(zero, s_p, zero, s_q))
    got = multivariate_gaussian_kl(mu, 1e-4 * eye, mu, 4e-4 * eye)
    assert float(got) == pytest.approx(expected, rel=1e-13)


def test_integer_covariance_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cov_q"):
        multivariate_gaussian_kl(ZERO, EYE, ZERO, torch.eye(2, dtype=torch.int64))


def test_a_rank_deficient_float32_covariance_is_refused() -> None:
    """A A^T with A of shape (4, 3) has rank 3: singular, whatever rounding makes of it.

    Cholesky succeeds on some of them in float32, with no tiny pivot to show for it
    (11 of these 200 got through a pivot check); the eigenvalue check refuses them all.
    """
    zero, eye = torch.zeros(4), torch.eye(4)
    for seed in range(200):
        a = torch.randn(4, 3, generator=torch.Generator().manual_seed(seed))
        cov = a @ a.T
        with pytest.raises(ValueError, match=r"cov_q (is singular|must be positive definite)"):
            multivariate_gaussian_kl(zero, eye, zero, (cov + cov.T) / 2)
