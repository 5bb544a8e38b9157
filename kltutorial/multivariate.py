r"""The KL divergence of two multivariate Gaussians, from Cholesky factors.

$$
\begin{aligned}
D_{\mathrm{KL}}(\mathcal N(\mu_p, \Sigma_p) \,\|\, \mathcal N(\mu_q, \Sigma_q)) =
\tfrac12 \Big[&\operatorname{tr}(\Sigma_q^{-1}\Sigma_p)
+ (\mu_q - \mu_p)^\top \Sigma_q^{-1} (\mu_q - \mu_p) \\
&- k + \ln\det\Sigma_q - \ln\det\Sigma_p\Big]
\end{aligned}
$$

No inverse is formed. With Cholesky factors $\Sigma_p = L_p L_p^\top$ and
$\Sigma_q = L_q L_q^\top$, the matrix $M = L_q^{-1} L_p$ (a triangular solve) is lower
triangular with $M_{ii} = (L_p)_{ii} / (L_q)_{ii}$, so that
$\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) = \|M\|_F^2$ and
$\ln\det\Sigma_q - \ln\det\Sigma_p = -\sum_i \ln M_{ii}^2$. With
$w = L_q^{-1}(\mu_q - \mu_p)$, another triangular solve,

$$
D_{\mathrm{KL}} = \tfrac12 \Big[\sum_{i > j} M_{ij}^2
+ \sum_i \big(M_{ii}^2 - 1 - \ln M_{ii}^2\big) + \|w\|^2\Big],
$$

a sum of terms that are each $\ge 0$, so no large terms cancel and the result is never
negative. (For nearly equal $P$ and $Q$, a relative distance $\delta$ apart, the relative
error still grows as about $\epsilon / \delta$: the Cholesky factors themselves are
rounded by $\epsilon$, and the divergence depends on their ratios to second order.)
"""

from __future__ import annotations

import torch
from torch import Tensor

from kltutorial.gibbs_gap import gibbs_gap
from kltutorial.validation import as_float_tensor, check_broadcast, check_not_nan


def multivariate_gaussian_kl(mu_p: Tensor, cov_p: Tensor, mu_q: Tensor, cov_q: Tensor) -> Tensor:
    r"""The KL divergence $D_{\mathrm{KL}}(P\,\|\,Q)$ of two multivariate Gaussians, in nats.

    $P = \mathcal N(\mu_p, \Sigma_p)$ and $Q = \mathcal N(\mu_q, \Sigma_q)$ in $k$
    dimensions. The means have shape ``(..., k)`` and the covariances ``(..., k, k)``;
    the leading dimensions are a batch and broadcast between all four arguments. The
    computation uses Cholesky factors and triangular solves (see the
    [module docstring][kltutorial.multivariate]), in the promoted dtype of the arguments,
    and is differentiable.

    Args:
        mu_p: Mean of $P$, shape ``(..., k)``.
        cov_p: Covariance of $P$, symmetric positive definite, shape ``(..., k, k)``.
        mu_q: Mean of $Q$, shape ``(..., k)``.
        cov_q: Covariance of $Q$, symmetric positive definite, shape ``(..., k, k)``.

    Returns:
        The divergence, with the broadcast batch shape of the arguments.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: If an argument is empty, NaN or infinite, a covariance is not square,
            not symmetric, not positive definite or singular to the precision of its
            dtype, the dimensions ``k`` differ, or the batch shapes do not broadcast.

    Examples:
        >>> mu = torch.zeros(2)
        >>> cov_p = torch.tensor([[1.0, 0.9], [0.9, 1.0]])
        >>> multivariate_gaussian_kl(mu, cov_p, mu, torch.eye(2))
        tensor(0.8304)
    """
    args = {
        "mu_p": as_float_tensor(mu_p, "mu_p"),
        "cov_p": as_float_tensor(cov_p, "cov_p"),
        "mu_q": as_float_tensor(mu_q, "mu_q"),
        "cov_q": as_float_tensor(cov_q, "cov_q"),
    }
    for name, value in args.items():
        check_not_nan(value, name)
        if not bool(torch.isfinite(value.detach()).all()):
            raise ValueError(f"{name} must be finite, got an infinite entry")
    dtype = args["mu_p"].dtype
    for value in args.values():
        dtype = torch.promote_types(dtype, value.dtype)
    m_p, s_p, m_q, s_q = (value.to(dtype) for value in args.values())
    k = _check_shapes(m_p, s_p, m_q, s_q)
    l_p = _cholesky(s_p, "cov_p")
    l_q = _cholesky(s_q, "cov_q")
    batch = check_broadcast(
        {
            "mu_p": m_p.shape[:-1],
            "cov_p": s_p.shape[:-2],
            "mu_q": m_q.shape[:-1],
            "cov_q": s_q.shape[:-2],
        }
    )
    l_q = l_q.expand(*batch, k, k)
    # --8<-- [start:terms]
    # M = L_q^-1 L_p is lower triangular, with diagonal L_p,ii / L_q,ii; then
    # tr(S_q^-1 S_p) = ||M||_F^2 and ln det S_q - ln det S_p = -sum_i ln M_ii^2.
    m: Tensor = torch.linalg.solve_triangular(l_q, l_p.expand(*batch, k, k), upper=False)
    below = m.tril(diagonal=-1).square().sum(dim=(-2, -1))
    # Each diagonal entry adds M_ii^2 - 1 - ln M_ii^2 >= 0, computed
    # from t = 2 ln M_ii: the "- k" cancels term by term, and gibbs_gap
    # keeps every digit of a term whose M_ii is near 1.
    t = 2 * torch.log(l_p.diagonal(dim1=-2, dim2=-1) / l_q.diagonal(dim1=-2, dim2=-1))
    diagonal = gibbs_gap(t).sum(dim=-1)
    # The Mahalanobis term ||L_q^-1 (mu_q - mu_p)||^2.
    diff = (m_q - m_p).expand(*batch, k).unsqueeze(-1)
    whitened: Tensor = torch.linalg.solve_triangular(l_q, diff, upper=False).squeeze(-1)
    mahalanobis = whitened.square().sum(dim=-1)
    return 0.5 * (below + diagonal + mahalanobis)
    # --8<-- [end:terms]


def _check_shapes(mu_p: Tensor, cov_p: Tensor, mu_q: Tensor, cov_q: Tensor) -> int:
    """Check that the means are vectors and the covariances square, all of one size k."""
    for name, mu in (("mu_p", mu_p), ("mu_q", mu_q)):
        if mu.dim() < 1:
            raise ValueError(f"{name} must have shape (..., k), got a scalar")
    for name, cov in (("cov_p", cov_p), ("cov_q", cov_q)):
        if cov.dim() < 2 or cov.shape[-1] != cov.shape[-2]:
            raise ValueError(
                f"{name} must be square matrices, shape (..., k, k), got {tuple(cov.shape)}"
            )
    k = mu_p.shape[-1]
    sizes = {
        "mu_p": mu_p.shape[-1],
        "cov_p": cov_p.shape[-1],
        "mu_q": mu_q.shape[-1],
        "cov_q": cov_q.shape[-1],
    }
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"{name} has k = {size}" for name, size in sizes.items())
        raise ValueError(f"the dimension k must be the same for all arguments: {listing}")
    return k


def _cholesky(cov: Tensor, name: str) -> Tensor:
    """The lower Cholesky factor of ``cov``, or a ValueError naming ``name``."""
    values = cov.detach()
    # A covariance assembled in floating point (A @ A.T, a sample estimate) may be
    # symmetric only up to rounding; anything more is a mistake in the input.
    asymmetry = (values - values.mT).abs().amax(dim=(-2, -1))
    scale = values.abs().amax(dim=(-2, -1))
    tolerance = 100 * cov.shape[-1] * torch.finfo(cov.dtype).eps
    if bool((asymmetry > tolerance * scale).any()):
        worst = float((asymmetry / scale).max())
        raise ValueError(
            f"{name} must be symmetric, but |{name} - {name}.mT| is {worst:.2g} of its largest "
            f"entry; symmetrise it with ({name} + {name}.mT) / 2"
        )
    # Only the lower triangle is read, so an asymmetry within rounding does no harm.
    result = torch.linalg.cholesky_ex(cov)
    factor: Tensor = result.L
    info = result.info
    if bool((info > 0).any()):
        raise ValueError(
            f"{name} must be positive definite (its Cholesky factorisation failed): a "
            "covariance needs all eigenvalues > 0; add a small multiple of the identity "
            "if it is singular"
        )
    # Rounding can also let a singular matrix through (a tiny last pivot, or an
    # eigenvalue below the dtype's resolution that Cholesky does not notice), and the
    # divergence computed from it would be garbage: an eigenvalue within rounding of zero,
    # relative to the largest, means singular in this dtype.
    n, eps = cov.shape[-1], torch.finfo(cov.dtype).eps
    eigenvalues = torch.linalg.eigvalsh(values)
    smallest, largest = eigenvalues[..., 0], eigenvalues[..., -1]
    if bool((smallest <= 10 * n * eps * largest).any()):
        raise ValueError(
            f"{name} is singular to {cov.dtype} precision (its smallest eigenvalue is "
            "within rounding of zero, relative to its largest); compute in float64, or add "
            "a small multiple of the identity"
        )
    return factor
