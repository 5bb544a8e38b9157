"""kltutorial: the Kullback-Leibler divergence, hands-on, in PyTorch.

Distributions on a grid, a numerically stable divergence, five losses that fit a
Gaussian to a target, and the fit itself. Everything public is importable from here.
"""

from kltutorial.distributions import Gaussian, Mixture
from kltutorial.divergence import gaussian_kl, grid_kl, kl_divergence
from kltutorial.estimators import monte_carlo_kl
from kltutorial.fitting import FitResult, Trajectory, fit
from kltutorial.jensen_shannon import js_divergence
from kltutorial.losses import LOSSES, cosine, forward_kl, get_loss, l1, mse, reverse_kl
from kltutorial.multivariate import multivariate_gaussian_kl

__all__ = [
    "LOSSES",
    "FitResult",
    "Gaussian",
    "Mixture",
    "Trajectory",
    "cosine",
    "fit",
    "forward_kl",
    "gaussian_kl",
    "get_loss",
    "grid_kl",
    "js_divergence",
    "kl_divergence",
    "l1",
    "monte_carlo_kl",
    "mse",
    "multivariate_gaussian_kl",
    "reverse_kl",
]
