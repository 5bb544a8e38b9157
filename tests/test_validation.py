"""Bad input: every error names the argument and says what was expected."""

from __future__ import annotations

import math

import pytest
import torch

from kltutorial import (
    LOSSES,
    Gaussian,
    Mixture,
    fit,
    gaussian_kl,
    get_loss,
    grid_kl,
    kl_divergence,
    mse,
    reverse_kl,
)

X = torch.linspace(-15, 15, 100)
P = torch.tensor([0.5, 0.5])
TARGET = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])


# ---------------------------------------------------------------- sigma <= 0 or NaN


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan, math.inf, torch.tensor([1.0, 0.0])])
def test_gaussian_sigma_must_be_positive(sigma: float | torch.Tensor) -> None:
    with pytest.raises(ValueError, match=r"sigma must be finite and > 0"):
        Gaussian(0.0, sigma)


def test_gaussian_mu_must_not_be_nan() -> None:
    with pytest.raises(ValueError, match="mu must not contain NaN"):
        Gaussian(math.nan, 1.0)


@pytest.mark.parametrize("name", ["sigma1", "sigma2"])
def test_gaussian_kl_sigmas_must_be_positive(name: str) -> None:
    args = {"mu1": 0.0, "sigma1": 1.0, "mu2": 0.0, "sigma2": 1.0, name: 0.0}
    with pytest.raises(ValueError, match=f"{name} must be finite and > 0"):
        gaussian_kl(**args)


def test_gaussian_kl_means_must_not_be_nan() -> None:
    with pytest.raises(ValueError, match="mu2 must not contain NaN"):
        gaussian_kl(0.0, 1.0, math.nan, 1.0)


@pytest.mark.parametrize("sigma", [0.0, -2.0, math.nan])
def test_fit_sigma_must_be_positive(sigma: float) -> None:
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        fit(TARGET, X, "forward_kl", 0.0, sigma)


def test_fit_mu_must_not_be_nan() -> None:
    with pytest.raises(ValueError, match="mu must not contain NaN"):
        fit(TARGET, X, "forward_kl", torch.tensor([0.0, math.nan]), 1.0)


# ---------------------------------------------------------------- negative probabilities


def test_kl_divergence_probabilities_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="p must be probabilities >= 0"):
        kl_divergence(torch.tensor([1.5, -0.5]), P)
    with pytest.raises(ValueError, match="q must be probabilities >= 0"):
        kl_divergence(P, torch.tensor([-0.1, 1.1]))


def test_kl_divergence_log_probabilities_must_not_be_plus_infinity() -> None:
    with pytest.raises(ValueError, match=r"q holds log-probabilities, which must be <= 0"):
        kl_divergence(P.log(), torch.tensor([0.0, math.inf]), log_probs=True)


def test_mixture_weights_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="weights must be finite and >= 0"):
        Mixture([Gaussian(0.0, 1.0), Gaussian(1.0, 1.0)], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weights must not all be zero"):
        Mixture([Gaussian(0.0, 1.0)], weights=[0.0])


def test_fit_target_density_must_not_be_negative() -> None:
    values = TARGET.prob(X)
    values[3] = -1e-3
    with pytest.raises(ValueError, match="target must hold finite density values >= 0"):
        fit(values, X)
    with pytest.raises(ValueError, match="target must be positive somewhere"):
        fit(torch.zeros_like(X), X)


# ---------------------------------------------------------------- sums to one


def test_kl_divergence_probabilities_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="p must be probabilities that sum to one"):
        kl_divergence(torch.tensor([0.5, 0.6]), P)
    with pytest.raises(ValueError, match="q must be probabilities that sum to one"):
        kl_divergence(P, torch.tensor([[0.5, 0.5], [0.2, 0.2]]))


def test_kl_divergence_log_probabilities_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="q must be log-probabilities whose exp sum to one"):
        kl_divergence(P.log(), torch.tensor([0.3, 0.3]).log(), log_probs=True)


# ---------------------------------------------------------------- shapes


def test_kl_divergence_shapes_must_broadcast() -> None:
    with pytest.raises(ValueError, match=r"p has shape \(2, 3\), q has shape \(4, 3\)"):
        kl_divergence(torch.full((2, 3), 1 / 3), torch.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match="p and q must have the same number of outcomes"):
        kl_divergence(torch.full((3,), 1 / 3), torch.ones(1))  # broadcasts, but 3 vs 1


def test_gaussian_parameters_must_broadcast() -> None:
    with pytest.raises(ValueError, match=r"mu has shape \(2,\), sigma has shape \(3,\)"):
        Gaussian(torch.zeros(2), torch.ones(3))
    with pytest.raises(ValueError, match=r"x has shape \(5,\)"):
        Gaussian(torch.zeros(2), 1.0).log_prob(torch.zeros(5))


def test_gaussian_kl_parameters_must_broadcast() -> None:
    with pytest.raises(ValueError, match=r"mu1 has shape \(2,\)"):
        gaussian_kl(torch.zeros(2), 1.0, torch.zeros(3), 1.0)


def test_grid_kl_values_must_match_the_grid() -> None:
    with pytest.raises(ValueError, match=r"log_q must have one value per grid point \(100\)"):
        grid_kl(TARGET.log_prob(X), torch.zeros(99), X)
    with pytest.raises(ValueError, match=r"log_p has shape \(2, 100\), log_q has shape \(3, 100\)"):
        grid_kl(torch.zeros(2, 100), torch.zeros(3, 100), X)


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_values_must_match_the_grid(name: str) -> None:
    with pytest.raises(ValueError, match=r"log_p must have one value per grid point"):
        LOSSES[name](torch.zeros(99), torch.zeros(100), X)


def test_mixture_weights_one_per_component() -> None:
    with pytest.raises(ValueError, match=r"weights must hold one number per component \(2\)"):
        Mixture([Gaussian(0.0, 1.0), Gaussian(1.0, 1.0)], weights=[1.0, 1.0, 1.0])


def test_fit_starts_must_broadcast() -> None:
    with pytest.raises(ValueError, match=r"mu has shape \(2,\), sigma has shape \(3,\)"):
        fit(TARGET, X, "forward_kl", torch.zeros(2), torch.ones(3))


def test_fit_target_values_must_match_the_grid() -> None:
    with pytest.raises(ValueError, match=r"target must hold one density value per grid point"):
        fit(torch.ones(99), X)
    with pytest.raises(ValueError, match="target must be a single distribution"):
        fit(Gaussian(torch.zeros(2, 1), 1.0), X)


# ---------------------------------------------------------------- empty tensors


def test_empty_tensors_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"p must not be empty"):
        kl_divergence(torch.tensor([]), torch.tensor([]))
    with pytest.raises(ValueError, match=r"mu must not be empty"):
        Gaussian(torch.tensor([]), 1.0)
    with pytest.raises(ValueError, match=r"x must not be empty"):
        grid_kl(torch.tensor([]), torch.tensor([]), torch.tensor([]))
    with pytest.raises(ValueError, match=r"mu must not be empty"):
        fit(TARGET, X, "forward_kl", torch.tensor([]))
    with pytest.raises(ValueError, match=r"components must hold at least one Gaussian"):
        Mixture([])


# ---------------------------------------------------------------- integer tensors


def test_integer_tensors_are_rejected() -> None:
    with pytest.raises(
        TypeError, match=r"p must be a floating-point tensor, got dtype torch.int64"
    ):
        kl_divergence(torch.tensor([1, 0]), P)
    with pytest.raises(TypeError, match=r"mu must be a floating-point tensor"):
        Gaussian(torch.tensor(1), 1.0)
    with pytest.raises(TypeError, match=r"x must be a floating-point tensor"):
        fit(TARGET, torch.arange(-15, 16))
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor"):
        fit(torch.ones(100, dtype=torch.int32), X)
    with pytest.raises(TypeError, match=r"q must be a floating-point tensor, got dtype torch.bool"):
        kl_divergence(P, torch.tensor([True, False]))


def test_wrong_types_are_rejected() -> None:
    with pytest.raises(
        TypeError, match=r"sigma must be a real number or a floating-point torch\.Tensor, got str"
    ):
        Gaussian(0.0, "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"components\[1\] must be a Gaussian"):
        Mixture([Gaussian(0.0, 1.0), 3.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="target must be a distribution with log_prob"):
        fit([0.1, 0.2], X)  # type: ignore[arg-type]


# ---------------------------------------------------------------- unknown loss name


def test_unknown_loss_name() -> None:
    with pytest.raises(ValueError, match=r"loss must be one of 'forward_kl', .*; got 'kl'"):
        get_loss("kl")
    with pytest.raises(ValueError, match=r"loss must be one of .*; got 'KL'"):
        fit(TARGET, X, "KL")


# ---------------------------------------------------------------- grid not increasing


@pytest.mark.parametrize(
    "grid",
    [
        torch.linspace(15, -15, 100),
        torch.tensor([0.0, 1.0, 1.0, 2.0]),
        torch.tensor([0.0, 2.0, 1.0]),
    ],
)
def test_grid_must_be_increasing(grid: torch.Tensor) -> None:
    values = torch.zeros_like(grid)
    with pytest.raises(ValueError, match="x must be strictly increasing"):
        grid_kl(values, values, grid)
    with pytest.raises(ValueError, match="x must be strictly increasing"):
        mse(values, values, grid)
    with pytest.raises(ValueError, match="x must be strictly increasing"):
        fit(TARGET, grid)


def test_grid_must_be_one_dimensional_finite_and_long_enough() -> None:
    with pytest.raises(ValueError, match=r"x must be a 1-D grid, got shape \(2, 50\)"):
        fit(TARGET, X.reshape(2, 50))
    with pytest.raises(ValueError, match="x must have at least 2 points"):
        fit(TARGET, torch.tensor([0.0]))
    with pytest.raises(ValueError, match="x must be finite"):
        fit(TARGET, torch.tensor([0.0, 1.0, math.inf]))


# ---------------------------------------------------------------- other arguments


def test_log_densities_must_not_be_nan_or_plus_infinity() -> None:
    log_p = TARGET.log_prob(X)
    with pytest.raises(ValueError, match="log_q must not contain NaN"):
        grid_kl(log_p, torch.full_like(log_p, math.nan), X)
    with pytest.raises(ValueError, match=r"log_q must not contain \+inf"):
        mse(log_p, torch.full_like(log_p, math.inf), X)
    with pytest.raises(ValueError, match="log_p must be finite somewhere on the grid"):
        grid_kl(torch.full_like(log_p, -math.inf), log_p, X)
    with pytest.raises(ValueError, match="log_q must be finite somewhere on the grid"):
        reverse_kl(log_p, torch.full_like(log_p, -math.inf), X)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"optimizer": "sgd"}, "optimizer must be 'newton' or 'adam'"),
        ({"sigma_param": "softplus", "optimizer": "adam"}, "sigma_param must be 'log' or 'raw'"),
        ({"sigma_param": "raw"}, "sigma_param='raw' needs optimizer='adam'"),
        ({"faithful": True, "optimizer": "newton"}, "faithful=True reproduces the original"),
        ({"max_steps": 0}, "max_steps must be a whole number >= 1"),
        ({"max_steps": 2.5}, "max_steps must be a whole number >= 1"),
        ({"lr": -1.0, "optimizer": "adam"}, "lr must be a finite number > 0"),
        ({"lr": math.nan, "optimizer": "adam"}, "lr must be a finite number > 0"),
        ({"tol": 0.0}, "tol must be a finite number > 0"),
    ],
)
def test_fit_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit(TARGET, X, "forward_kl", **options)  # type: ignore[arg-type]
