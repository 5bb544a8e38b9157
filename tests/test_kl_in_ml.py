"""The numbers of the pages "KL in machine learning" and "Variational inference and VAEs",
against independent oracles.

The pages' code blocks and examples are run by pytest-codeblocks and test_docs_examples;
here the values they print, and the numbers the prose quotes, are recomputed another way:
scipy's entropy and quadrature, numpy in float64, closed forms written out by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from scipy import integrate, stats
from scipy.special import log_softmax, logsumexp, softmax

ROOT = Path(__file__).resolve().parents[1]
KL_IN_ML = (ROOT / "docs" / "kl_in_ml.md").read_text(encoding="utf-8")
VARIATIONAL = (ROOT / "docs" / "variational.md").read_text(encoding="utf-8")


def example_source(name: str) -> str:
    return (ROOT / "docs" / "examples" / f"{name}.py").read_text(encoding="utf-8")


def shown_output(page: str, name: str) -> str:
    """The output block a page shows after including docs/examples/<name>.py."""
    match = re.search(
        rf'--8<-- "docs/examples/{name}\.py"\n```\n+```text title="Output"\n(.*?)^```$',
        page,
        re.MULTILINE | re.DOTALL,
    )
    assert match is not None, name
    return match.group(1)


def block_output_after(page: str, marker: str) -> str:
    """The expected output of a page's first code block whose source contains marker."""
    start = page.index(marker)
    match = re.compile(r"<!--pytest-codeblocks:expected-output-->\n\s*```text\n(.*?)```", re.S)
    found = match.search(page, start)
    assert found is not None, marker
    return found.group(1)


def number_after(text: str, label: str) -> float:
    found = re.search(re.escape(label) + r"\s*=?\s*(-?[\d.]+(?:e[-+]\d+)?)", text)
    assert found is not None, label
    return float(found.group(1))


# ===================================================================== docs/kl_in_ml.md


# --- Classification -------------------------------------------------------------------


def first_batch() -> tuple[np.ndarray, np.ndarray]:
    """The page's batch of logits and labels, as float64 numpy arrays."""
    torch.manual_seed(0)
    return torch.randn(4, 5).double().numpy(), np.array([0, 3, 1, 4])


def test_one_hot_cross_entropy_is_the_kl_by_scipy() -> None:
    logits, labels = first_batch()
    q = softmax(logits, axis=-1)
    one_hot = np.eye(5)[labels]
    kl = np.mean([stats.entropy(one_hot[i], q[i]) for i in range(4)])
    cross_entropy = np.mean(-np.log(q[np.arange(4), labels]))
    assert stats.entropy(one_hot[0]) == 0.0  # H(one-hot) = 0
    assert kl == pytest.approx(cross_entropy, rel=1e-12)
    shown = block_output_after(KL_IN_ML, "one_hot = F.one_hot(labels, num_classes=5).float()")
    assert number_after(shown, "F.cross_entropy(logits, labels)") == pytest.approx(kl, abs=2e-6)
    assert number_after(shown, "F.kl_div(log_q, one_hot, 'batchmean')") == pytest.approx(
        kl, abs=2e-6
    )


def test_float32_difference_is_one_step_of_float32() -> None:
    torch.manual_seed(0)
    logits = torch.randn(4, 5)
    labels = torch.tensor([0, 3, 1, 4])
    one_hot = F.one_hot(labels, num_classes=5).float()
    gap = F.cross_entropy(logits, labels) - F.kl_div(
        F.log_softmax(logits, -1), one_hot, reduction="batchmean"
    )
    # Between 2 and 4 neighbouring float32 numbers are 2^-22 apart.
    assert abs(float(gap)) == 2.0**-22
    assert f"{2.0**-22:.1e}" == "2.4e-07"
    shown = block_output_after(KL_IN_ML, "one_hot = F.one_hot(labels, num_classes=5).float()")
    assert number_after(shown, "difference") == pytest.approx(2.0**-22, rel=0.05)


def test_label_smoothing_is_kl_plus_the_target_entropy_by_scipy() -> None:
    logits, labels = first_batch()
    q = softmax(logits, axis=-1)
    target = 0.9 * np.eye(5)[labels] + 0.1 / 5  # PyTorch's definition of label smoothing
    entropy = stats.entropy(target[0])
    assert entropy == pytest.approx(-(0.92 * math.log(0.92) + 4 * 0.02 * math.log(0.02)))
    cross_entropy = np.mean([-(target[i] * np.log(q[i])).sum() for i in range(4)])
    kl = np.mean([stats.entropy(target[i], q[i]) for i in range(4)])
    shown = block_output_after(KL_IN_ML, "eps = 0.1  # PyTorch's label smoothing")
    assert number_after(shown, "label_smoothing=0.1)") == pytest.approx(cross_entropy, abs=1e-6)
    assert number_after(shown, "F.kl_div(log_softmax, smoothed)") == pytest.approx(kl, abs=1e-6)
    assert number_after(shown, "entropy of the smoothed target") == pytest.approx(entropy, abs=1e-6)
    assert round(entropy, 2) == 0.39  # "refuses to go below about 0.39"


def test_label_smoothing_minimum_is_ln_46_apart() -> None:
    assert math.log(0.92 / 0.02) == pytest.approx(math.log(46))
    shown = block_output_after(KL_IN_ML, "target = torch.tensor([0.92, 0.02, 0.02, 0.02, 0.02])")
    assert number_after(shown, "loss at the minimum:") == pytest.approx(
        stats.entropy([0.92, 0.02, 0.02, 0.02, 0.02]), abs=1e-6
    )


# --- Distillation ---------------------------------------------------------------------


def soft_gradient(student: np.ndarray, teacher: np.ndarray, temperature: float) -> np.ndarray:
    """d/ds of the batch mean of KL(softmax(t/T) || softmax(s/T)): (q - p) / (T * batch)."""
    q = softmax(student / temperature, axis=-1)
    p = softmax(teacher / temperature, axis=-1)
    return (q - p) / (temperature * len(student))


@pytest.fixture(scope="module")
def gradient_batch() -> tuple[np.ndarray, np.ndarray]:
    torch.manual_seed(0)
    return torch.randn(64, 10).double().numpy(), torch.randn(64, 10).double().numpy()


def test_soft_gradient_formula_against_autograd(
    gradient_batch: tuple[np.ndarray, np.ndarray],
) -> None:
    student, teacher = gradient_batch
    for temperature in (1.0, 3.0):
        s = torch.tensor(student, requires_grad=True)
        loss = F.kl_div(
            F.log_softmax(s / temperature, -1),
            F.log_softmax(torch.tensor(teacher) / temperature, -1),
            log_target=True,
            reduction="batchmean",
        )
        (autograd,) = torch.autograd.grad(loss, s)
        np.testing.assert_allclose(
            autograd.numpy(), soft_gradient(student, teacher, temperature), atol=1e-15
        )


def test_t_squared_gradient_norms_and_their_limit(
    gradient_batch: tuple[np.ndarray, np.ndarray],
) -> None:
    student, teacher = gradient_batch
    shown = block_output_after(KL_IN_ML, "gap = (student - student.mean(-1, keepdim=True))")
    rows = {
        int(m.group(1)): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)$", shown, re.MULTILINE)
    }
    assert sorted(rows) == [1, 2, 4, 8]
    for temperature, (plain, scaled) in rows.items():
        norm = np.linalg.norm(soft_gradient(student, teacher, temperature))
        assert plain == pytest.approx(norm, abs=1e-5)
        assert scaled == pytest.approx(norm * temperature**2, abs=1e-5)
    centred = (student - student.mean(-1, keepdims=True)) - (
        teacher - teacher.mean(-1, keepdims=True)
    )
    limit = np.linalg.norm(centred) / (64 * 10)
    assert number_after(shown, "|gap| / (64 * 10)") == pytest.approx(limit, abs=1e-5)
    # The limit is the large-T limit of T^2 times the gradient.
    far = np.linalg.norm(soft_gradient(student, teacher, 1000.0)) * 1000.0**2
    assert far == pytest.approx(limit, rel=1e-3)
    # "about 70 times smaller"; "within 10% of its T = 1 value".
    ratio = np.linalg.norm(soft_gradient(student, teacher, 1.0)) / np.linalg.norm(
        soft_gradient(student, teacher, 8.0)
    )
    assert 65 < ratio < 75
    assert min(scaled for _, scaled in rows.values()) > 0.9 * rows[1][1]


def test_high_temperature_kl_is_logit_matching() -> None:
    rng = np.random.default_rng(1)
    z, v = rng.normal(size=10), rng.normal(size=10)
    gap = (z - z.mean()) - (v - v.mean())
    temperature = 1e4
    kl = stats.entropy(softmax(v / temperature), softmax(z / temperature))
    assert temperature**2 * kl == pytest.approx((gap**2).sum() / (2 * 10), rel=1e-3)
    shown = block_output_after(KL_IN_ML, "gap = (z - z.mean()) - (v - v.mean())")
    torch.manual_seed(0)
    z_page = torch.randn(10, dtype=torch.float64).numpy()
    v_page = torch.randn(10, dtype=torch.float64).numpy()
    gap_page = (z_page - z_page.mean()) - (v_page - v_page.mean())
    assert number_after(shown, "limit:") == pytest.approx((gap_page**2).sum() / 20, abs=1e-6)


def distillation_table() -> dict[str, list[float]]:
    rows = {}
    for line in shown_output(KL_IN_ML, "distillation").splitlines():
        cells = re.findall(r"\b0\.\d{3}\b", line)
        if line.startswith(("hard", "distilled")):
            rows[line[:38].strip()] = [float(c) for c in cells]
    return rows


def test_distillation_claims_follow_from_the_shown_table() -> None:
    rows = distillation_table()
    hard = rows["hard labels only"]
    t1 = rows["distilled, T = 1, alpha = 0.9"]
    t4 = rows["distilled, T = 4, alpha = 0.9"]
    for row in (hard, t1, t4):
        assert row[3] == pytest.approx(sum(row[:3]) / 3, abs=1e-3)  # the mean column
    # "Every initialisation improves, by more than the spread between them."
    spread = max(hard[:3]) - min(hard[:3])
    for seed in range(3):
        assert t1[seed] - hard[seed] > spread
        assert t4[seed] - t1[seed] > 0
    teacher = number_after(shown_output(KL_IN_ML, "distillation"), "test accuracy")
    assert (t4[3] - hard[3]) / (teacher - hard[3]) > 0.75  # "most of the way"
    source = example_source("distillation")
    assert "make_data(2000)" in source
    assert "x_train[:100]" in source
    assert 2000 / 100 == 20  # "twenty times more labels"


# --- RLHF -----------------------------------------------------------------------------


def toy_policies() -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(drift, policy probabilities, reference probabilities), rebuilt from the seed."""
    torch.manual_seed(0)
    reference = torch.randn(8).double().numpy()
    direction = torch.randn(8).double().numpy()
    return [
        (drift, softmax(reference + drift * direction), softmax(reference))
        for drift in (0.1, 0.5, 2.0)
    ]


def rlhf_blocks() -> dict[float, str]:
    text = block_output_after(KL_IN_ML, "SAMPLES = 1_000_000")
    parts = re.split(r"^drift ([\d.]+): ", text, flags=re.MULTILINE)[1:]
    return {float(parts[i]): parts[i + 1] for i in range(0, len(parts), 2)}


def test_per_token_estimators_against_exact_sums() -> None:
    blocks = rlhf_blocks()
    for drift, policy, reference in toy_policies():
        shown = blocks[drift]
        exact = stats.entropy(policy, reference)  # D(policy || reference)
        assert number_after(shown, "exact KL") == pytest.approx(exact, abs=1e-6)
        log_r = np.log(reference) - np.log(policy)
        k1, k3 = -log_r, np.expm1(log_r) - log_r
        # Both unbiased, exactly: the expectation under the policy is the KL.
        assert (policy * k1).sum() == pytest.approx(exact, rel=1e-10)
        assert (policy * k3).sum() == pytest.approx(exact, rel=1e-10)
        assert k3.min() >= 0
        for name, k in (("k1", k1), ("k3", k3)):
            line = next(x for x in shown.splitlines() if x.strip().startswith(name))
            std = math.sqrt((policy * k**2).sum() - exact**2)
            assert number_after(line, "std / KL") == pytest.approx(std / exact, rel=0.01)
            negative = policy[k < 0].sum()
            found = re.search(r"([\d.]+)% negative", line)
            assert found is not None
            shown_negative = float(found.group(1)) / 100
            assert shown_negative == pytest.approx(negative, abs=0.002)
            # "Every mean is within two standard errors of the exact KL."
            mean = number_after(line, "mean")
            standard_error = number_after(line, "s.e.")
            assert standard_error == pytest.approx(std / 1000, rel=0.02, abs=5e-7)
            assert abs(mean - exact) < 2 * standard_error


def test_k1_precision_needs_about_1500_tokens() -> None:
    _, policy, reference = toy_policies()[0]
    k1 = np.log(policy) - np.log(reference)
    exact = (policy * k1).sum()
    relative_std = math.sqrt((policy * k1**2).sum() - exact**2) / exact
    assert 1400 < relative_std**2 < 1600
    k3_ratios = [
        float(m)
        for m in re.findall(
            r"k3: .*std / KL\s+([\d.]+)", block_output_after(KL_IN_ML, "SAMPLES = 1_000_000")
        )
    ]
    assert (min(k3_ratios), max(k3_ratios)) == (1.14, 1.23)


def test_expected_gradient_of_k3_is_the_forward_kl_gradient() -> None:
    """By finite differences in numpy, independent of autograd."""
    rng = np.random.default_rng(0)
    log_ref: NDArray[np.float64] = log_softmax(rng.normal(size=8))
    theta = rng.normal(size=8)

    def expected(
        estimator: Callable[[NDArray[np.float64]], NDArray[np.float64]],
        weights_at: NDArray[np.float64],
        at: NDArray[np.float64],
    ) -> float:
        weights = np.exp(log_softmax(weights_at))  # held fixed: no gradient through sampling
        return float((weights * estimator(log_softmax(at))).sum())

    def k3(logp: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.expm1(log_ref - logp) - (log_ref - logp)

    def forward_kl(at: np.ndarray) -> float:
        return float((np.exp(log_ref) * (log_ref - log_softmax(at))).sum())

    h = 1e-6
    for i in range(8):
        step = np.eye(8)[i] * h
        grad_k3 = (expected(k3, theta, theta + step) - expected(k3, theta, theta - step)) / (2 * h)
        grad_k1 = (
            expected(lambda lp: lp - log_ref, theta, theta + step)
            - expected(lambda lp: lp - log_ref, theta, theta - step)
        ) / (2 * h)
        grad_forward = (forward_kl(theta + step) - forward_kl(theta - step)) / (2 * h)
        assert grad_k3 == pytest.approx(grad_forward, abs=1e-7)
        assert grad_k1 == pytest.approx(0.0, abs=1e-7)
    assert logsumexp(log_ref) == pytest.approx(0.0, abs=1e-12)


# ================================================================== docs/variational.md


# --- Variational inference ------------------------------------------------------------


def log_p_tilde(x: float) -> float:
    return float(np.logaddexp(-0.5 * (x + 5) ** 2, -0.5 * (x - 10) ** 2))


def test_log_z_and_the_elbo_of_a_mode_by_quadrature() -> None:
    z, _ = integrate.quad(lambda x: math.exp(log_p_tilde(x)), -40, 50, points=[-5, 10])
    assert z == pytest.approx(2 * math.sqrt(2 * math.pi), rel=1e-10)
    shown = block_output_after(VARIATIONAL, "def log_p_tilde(x: torch.Tensor)")
    assert number_after(shown, "ln Z") == pytest.approx(math.log(z), abs=5e-5)
    # ELBO(N(-5, 1)) = ln Z - ln 2: a q on one of two equal modes.
    q = stats.norm(-5, 1)
    elbo, _ = integrate.quad(lambda x: q.pdf(x) * (log_p_tilde(x) - q.logpdf(x)), -20, 10)
    assert elbo == pytest.approx(math.log(z) - math.log(2), abs=1e-8)
    assert round(math.log(2), 4) == 0.6931


def test_elbo_identity_for_the_fitted_q_by_quadrature() -> None:
    shown = block_output_after(VARIATIONAL, "def log_p_tilde(x: torch.Tensor)")
    found = re.search(r"N\((-?[\d.]+), ([\d.]+)\^2\)", shown)
    assert found is not None
    q = stats.norm(float(found.group(1)), float(found.group(2)))
    log_z = math.log(2 * math.sqrt(2 * math.pi))

    def integrand(x: float) -> float:
        return q.pdf(x) * (q.logpdf(x) - (log_p_tilde(x) - log_z))

    reverse_kl, _ = integrate.quad(integrand, -25, 15)
    assert number_after(shown, "D(q || p), grid_kl") == pytest.approx(reverse_kl, abs=2e-4)
    assert number_after(shown, "ln Z - ELBO") == pytest.approx(reverse_kl, abs=3e-4)


# --- Variational autoencoders ---------------------------------------------------------


def test_diagonal_gaussian_kl_against_quadrature() -> None:
    torch.manual_seed(0)
    mu, log_var = torch.randn(3, 2).double().numpy(), torch.randn(3, 2).double().numpy()
    sigma = np.exp(0.5 * log_var)
    shown = block_output_after(VARIATIONAL, "mu, log_var = torch.randn(3, 2), torch.randn(3, 2)")
    printed = [float(v) for v in re.findall(r"[\d.]+(?=[,\]])", shown.splitlines()[0])]
    for row in range(3):
        total = 0.0
        for d in range(2):
            q = stats.norm(mu[row, d], sigma[row, d])
            value, _ = integrate.quad(
                lambda z, q=q: q.pdf(z) * (q.logpdf(z) - stats.norm.logpdf(z)), -30, 30
            )
            total += value
        assert printed[row] == pytest.approx(total, abs=6e-5)


def vae_table() -> list[tuple[float, float, float, int, float]]:
    rows = []
    for line in shown_output(VARIATIONAL, "vae_beta").splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[0][0].isdigit():
            beta, kl1, kl2, active, error = cells
            rows.append((float(beta), float(kl1), float(kl2), int(active), float(error)))
    return rows


def test_vae_claims_follow_from_the_shown_table() -> None:
    rows = vae_table()
    assert [r[0] for r in rows] == [0.1, 1.0, 10.0, 100.0]
    total_variance = number_after(shown_output(VARIATIONAL, "vae_beta"), "total variance")
    # Latent use falls with beta, reconstruction error rises.
    assert [r[3] for r in rows] == [2, 2, 1, 1]
    errors = [r[4] for r in rows]
    assert errors == sorted(errors)
    assert rows[2][2] <= 0.001  # beta = 10: the second dimension is practically the prior
    # beta = 10 keeps the curve and drops the noise: the error is near the noise variance.
    noise_variance = 2 * 0.05**2
    assert round(noise_variance, 3) == 0.005
    assert noise_variance < rows[2][4] < 1.5 * noise_variance
    # beta = 100: "a large part of the data's variance".
    assert rows[3][4] > 0.3 * total_variance
    source = example_source("vae_beta")
    assert "0.05 * torch.randn(500, 2)" in source
    assert "NOISE = 0.05" in source
    assert "mu.var(0) > 0.01" in source


def test_vae_data_variance_from_the_recipe() -> None:
    # t ~ U(-1, 1): Var t = 1/3, Var t^2 = 1/5 - 1/9; plus the noise in both coordinates.
    expected = 1 / 3 + (1 / 5 - 1 / 9) + 2 * 0.05**2
    assert number_after(shown_output(VARIATIONAL, "vae_beta"), "total variance") == pytest.approx(
        expected, abs=0.03
    )
