"""The multivariate Gaussian KL for ill-conditioned covariances, three ways, against mpmath."""

import mpmath
import torch
from torch.distributions import MultivariateNormal, kl_divergence

from kltutorial import multivariate_gaussian_kl

torch.manual_seed(0)
k = 5


def naive_kl(
    mu_p: torch.Tensor, cov_p: torch.Tensor, mu_q: torch.Tensor, cov_q: torch.Tensor
) -> torch.Tensor:
    """The textbook formula, with an explicit inverse and two determinants."""
    inverse: torch.Tensor = torch.linalg.inv(cov_q)
    d = mu_q - mu_p
    log_det = torch.log(torch.linalg.det(cov_q) / torch.linalg.det(cov_p))
    return 0.5 * (torch.trace(inverse @ cov_p) + d @ inverse @ d - k + log_det)


def exact_kl(
    mu_p: torch.Tensor, cov_p: torch.Tensor, mu_q: torch.Tensor, cov_q: torch.Tensor
) -> float:
    """The same formula at 60 significant digits, from the float64 matrices as given."""
    with mpmath.workdps(60):
        s_p, s_q = mpmath.matrix(cov_p.tolist()), mpmath.matrix(cov_q.tolist())
        d = mpmath.matrix((mu_q - mu_p).tolist())
        s_q_inv = s_q**-1
        trace = mpmath.fsum((s_q_inv * s_p)[i, i] for i in range(k))
        log_det = mpmath.log(mpmath.det(s_q) / mpmath.det(s_p))
        return float((trace + (d.T * s_q_inv * d)[0] - k + log_det) / 2)


print("Q: condition number kappa, random orientation; P: Q's eigenvalues moved by about 1%")
print(f"{'':19}relative error of")
print(f"{'kappa':>7} {'exact D':>10} {'naive':>9} {'torch':>9} {'kltutorial':>11}")
for exponent in range(0, 11, 2):
    u, _ = torch.linalg.qr(torch.randn(k, k, dtype=torch.float64))  # a random rotation
    eigenvalues = torch.logspace(0, -exponent, k, dtype=torch.float64)  # 1 ... 1/kappa
    cov_q = u @ torch.diag(eigenvalues) @ u.T
    cov_p = (
        u @ torch.diag(eigenvalues * torch.exp(0.01 * torch.randn(k, dtype=torch.float64))) @ u.T
    )
    cov_p, cov_q = (cov_p + cov_p.T) / 2, (cov_q + cov_q.T) / 2
    mu_p = torch.zeros(k, dtype=torch.float64)
    mu_q = 0.01 * u @ (eigenvalues.sqrt() * torch.randn(k, dtype=torch.float64))

    exact = exact_kl(mu_p, cov_p, mu_q, cov_q)
    answers = [
        naive_kl(mu_p, cov_p, mu_q, cov_q),
        kl_divergence(MultivariateNormal(mu_p, cov_p), MultivariateNormal(mu_q, cov_q)),
        multivariate_gaussian_kl(mu_p, cov_p, mu_q, cov_q),
    ]
    errors = [abs(float(a) - exact) / exact for a in answers]
    print(
        f"{10.0**exponent:7.0e} {exact:10.3e} {errors[0]:9.1e} {errors[1]:9.1e} {errors[2]:11.1e}"
    )
