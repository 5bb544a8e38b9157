"""How fast kltutorial.fit is, against the original 2019 training loop.

Run: .venv/bin/python tests/benchmark.py

Not a test (pytest collects only test_*.py): timings depend on the machine and its load,
so they are printed, never asserted. Each timing is the best of a few repeats.

(a) One forward-KL fit of the two-mode mixture on the original grid, from (mu, sigma) =
    (0, 1), to within 1e-3 of the answer (2.5, sqrt(57.25)), against the original loop:
    10,000 Adam steps at lr 1e-3 on torch.distributions.Normal and F.kl_div, written out
    below as ORIGIN.md describes it. (That loop stops at sigma ~ 5.2, short of the answer.)
(b) 256 starts, mu = linspace(-14, 14, 256) and sigma = 1, for each of the five losses in
    one vectorised call each, against calling fit once per start (timed on 16 of the
    starts and extrapolated to 256).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.distributions import Normal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kltutorial import LOSSES, Gaussian, Mixture, fit

X = torch.linspace(-15, 15, 1000)
TARGET = Mixture([Gaussian(-5.0, 1.0), Gaussian(10.0, 1.0)])
ANSWER = (2.5, math.sqrt(57.25))


def best_time(function: Callable[[], object], repeats: int) -> float:
    """The shortest of ``repeats`` wall-clock timings, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def original_loop() -> tuple[float, float]:
    """The 2019 recipe: the sum of two densities, Normal, F.kl_div, Adam, 10,000 steps."""
    p1, p2 = Normal(-5.0, 1.0), Normal(10.0, 1.0)
    px = p1.log_prob(X).exp() + p2.log_prob(X).exp()
    mu = torch.tensor(0.0, requires_grad=True)
    sigma = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.Adam([mu, sigma], lr=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # F.kl_div's 'mean' reduction warning
        for _ in range(10_000):
            optimizer.zero_grad()
            loss = F.kl_div(Normal(mu, sigma).log_prob(X), px)
            loss.backward()
            optimizer.step()
    return mu.item(), sigma.item()


def part_a() -> None:
    result = fit(TARGET, X, "forward_kl", 0.0, 1.0)
    error = max(abs(float(result.mu) - ANSWER[0]), abs(float(result.sigma) - ANSWER[1]))
    assert bool(result.converged), result
    assert error < 1e-3, error
    ours = best_time(lambda: fit(TARGET, X, "forward_kl", 0.0, 1.0), 20)
    baseline_mu, baseline_sigma = original_loop()
    baseline = best_time(original_loop, 1)
    print("(a) one forward-KL fit from (0, 1), two-mode mixture, linspace(-15, 15, 1000)")
    print(f"    {'method':<44}{'time':>10}  {'mu':>8}  {'sigma':>8}")
    print(
        f"    {'kltutorial.fit (Newton, certified converged)':<44}{ours * 1e3:>8.2f}ms"
        f"  {float(result.mu):>8.4f}  {float(result.sigma):>8.4f}"
    )
    print(
        f"    {'original loop (10,000 Adam steps, lr 1e-3)':<44}{baseline:>9.2f}s"
        f"  {baseline_mu:>8.4f}  {baseline_sigma:>8.4f}"
    )
    print(f"    answer (2.5, sqrt(57.25)) = ({ANSWER[0]}, {ANSWER[1]:.4f}); |error| {error:.1e}")
    print(f"    speed-up: {baseline / ours:,.0f}x (and the original loop stops short of sigma)")


def part_b() -> None:
    starts = torch.linspace(-14, 14, 256)
    subset = starts[::16]  # 16 of them, for the one-at-a-time loop
    print()
    print("(b) 256 starts, mu = linspace(-14, 14, 256), sigma = 1, one vectorised call per loss")
    header = f"{'loss':<12}{'vectorised':>12}{'loop/start':>12}{'loop x256':>11}{'speed-up':>10}"
    print(f"    {header}  converged")
    total = 0.0
    for loss in LOSSES:
        # partial, not a lambda with default arguments: mypy can type it.
        vectorised = best_time(partial(fit, TARGET, X, loss, starts, 1.0), 3)
        one_each = [best_time(partial(fit, TARGET, X, loss, mu, 1.0), 1) for mu in subset]
        per_start = statistics.fmean(one_each)
        converged = int(fit(TARGET, X, loss, starts, 1.0).converged.sum())
        total += vectorised
        print(
            f"    {loss:<12}{vectorised:>11.3f}s{per_start * 1e3:>10.1f}ms{per_start * 256:>10.2f}s"
            f"{per_start * 256 / vectorised:>9.1f}x  {converged}/256"
        )
    print(f"    {'total':<12}{total:>11.3f}s   (goal: <= 2 s)")
    print("    loop x256 = the mean time of single fits over 16 of the starts, times 256")


def main() -> None:
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads (torch's default), "
        f"Python {sys.version.split()[0]}"
    )
    part_a()
    part_b()


if __name__ == "__main__":
    main()
