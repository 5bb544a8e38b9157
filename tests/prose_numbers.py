"""The numbers a page's prose quotes that no output on that page shows: derived, or inputs.

``tests/test_prose_numbers.py`` reads every page of the built site and requires each
number in its prose to appear in an output of the page (to the precision quoted), to be a
literal of the page's code, or to be listed here. Prefer printing a number in the page's
own code: an entry here is for a number no output can show (read off a figure, a step of a
derivation in the prose, a fact about float32 or the package).

``DERIVED[page][number]``: the number as the prose writes it (thousands separators
dropped, ``1.19 \\times 10^{-7}`` written ``1.19e-7``, a sign only if the prose has one)
-> ``Oracle(why, compute)``. ``compute()`` recomputes it independently of the page (scipy
quadrature and optimisation, closed forms, numpy's float32, the package's signature), and
the test requires the result to round to the quoted number.

``ALLOWED[page][number]``: an input that no rule of the checker recognises and that the
page's code does not spell out, with the reason. Keep both short: an entry the page no
longer quotes, or one that an output or the code already explains, fails the test.

Pages are named after their source: ``index``, ``asymmetry``, ``original_experiment``.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple, overload

import numpy as np
from scipy import integrate, optimize, stats

ROOT = Path(__file__).resolve().parents[1]


class Oracle(NamedTuple):
    """How a derived number is computed, and what it is."""

    why: str
    compute: Callable[[], float]


# ------------------------------------------------------------------ the two-mode target

# P = N(-5, 1)/2 + N(10, 1)/2, the target of every page, as plain scipy densities.
MODES = ((-5.0, 1.0), (10.0, 1.0))


@overload
def mixture_logpdf(x: float) -> float: ...
@overload
def mixture_logpdf(x: np.ndarray) -> np.ndarray: ...
def mixture_logpdf(x: np.ndarray | float) -> np.ndarray | float:
    """ln p(x) of the target: a float for a float (the quadratures), an array for an array."""
    left, right = (math.log(0.5) + stats.norm.logpdf(x, m, s) for m, s in MODES)
    result: np.ndarray | float = np.logaddexp(left, right)
    return result


def quad(f: Callable[[float], float], low: float = -60.0, high: float = 70.0) -> float:
    """An integral over the real line, telling quad where the mass is."""
    value, _ = integrate.quad(f, low, high, points=[-5.0, 2.5, 10.0], limit=500)
    return value


@cache
def mixture_moment(k: int) -> float:
    """E_P[X^k], by quadrature."""
    return quad(lambda x: x**k * math.exp(mixture_logpdf(x)))


def mixture_mean() -> float:
    return mixture_moment(1)


def mixture_variance() -> float:
    return mixture_moment(2) - mixture_moment(1) ** 2


def integrand_peak(
    log_a: Callable[[float], float], log_b: Callable[[float], float], near: float
) -> float:
    """The largest value of a(x) ln(a(x)/b(x)) near ``near``, the peak of a KL integrand."""

    def negative(x: float) -> float:
        return -math.exp(log_a(x)) * (log_a(x) - log_b(x))

    found = optimize.minimize_scalar(negative, bounds=(near - 3, near + 3), method="bounded")
    return -float(found.fun)


def wide_logpdf(x: float) -> float:
    """The forward-KL answer, N(mean, variance) of P."""
    return float(stats.norm.logpdf(x, mixture_mean(), math.sqrt(mixture_variance())))


def mode_logpdf(x: float) -> float:
    """The reverse-KL answer on the left mode, N(-5, 1)."""
    return float(stats.norm.logpdf(x, -5.0, 1.0))


def gaussian_overlap(m1: float, s1: float, m2: float, s2: float) -> float:
    """int N(x; m1, s1^2) N(x; m2, s2^2) dx, in closed form: N(m1; m2, s1^2 + s2^2)."""
    return float(stats.norm.pdf(m1, m2, math.hypot(s1, s2)))


@cache
def mse_fit_on_the_left_mode() -> tuple[float, float]:
    """The (mu, sigma) minimising int (p - q)^2 dx from near the left mode.

    The integral is a sum of Gaussian overlaps in closed form (not the package's grid sum).
    """

    def mse(params: np.ndarray) -> float:
        mu, sigma = params
        pp = sum(0.25 * gaussian_overlap(*a, *b) for a in MODES for b in MODES)
        pq = sum(0.5 * gaussian_overlap(mu, sigma, *a) for a in MODES)
        return pp - 2 * pq + gaussian_overlap(mu, sigma, mu, sigma)

    found = optimize.minimize(
        mse, x0=[-4.5, 1.5], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-15}
    )
    return float(found.x[0]), float(found.x[1])


def headline_start(loss: str) -> float:
    """The starting mean of a loss in the headline figure (RUNS in docs/figures/headline.py)."""
    tree = ast.parse((ROOT / "docs/figures/headline.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "RUNS":
            return float(dict(ast.literal_eval(node.value))[loss])
    raise LookupError("no RUNS in docs/figures/headline.py")


# ------------------------------------------------------------------ pages' own inputs


def linspace_of(path: str) -> tuple[float, float, int]:
    """The (start, end, steps) of the first ``torch.linspace`` call in a file of the repository."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.linspace":
            start, end, steps = (ast.literal_eval(arg) for arg in node.args[:3])
            return float(start), float(end), int(steps)
    raise LookupError(f"no torch.linspace call in {path}")


def grid_spacing(path: str) -> float:
    """The spacing of the first ``torch.linspace`` grid in a file: (end - start) / (steps - 1)."""
    start, end, steps = linspace_of(path)
    return (end - start) / (steps - 1)


def grid_width(path: str) -> float:
    """The width end - start of the first ``torch.linspace`` grid in a file."""
    start, end, _ = linspace_of(path)
    return end - start


def fit_default(name: str) -> float:
    """A default of ``kltutorial.fit``, read from its signature in the package's source.

    Read with ast rather than imported: importing torch would take seconds.
    """
    tree = ast.parse((ROOT / "kltutorial" / "fitting.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "fit":
            arguments = node.args.args[len(node.args.args) - len(node.args.defaults) :]
            defaults: dict[ast.arg, ast.expr | None]
            defaults = dict(zip(arguments, node.args.defaults, strict=True))
            defaults |= dict(zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True))
            for argument, default in defaults.items():
                if argument.arg == name and default is not None:
                    return float(ast.literal_eval(default))
    raise LookupError(f"fit has no default for {name!r}")


def smallest_float32_exponent() -> float:
    """log2 of the smallest positive (subnormal) float32."""
    return math.log2(float(np.nextafter(np.float32(0), np.float32(1))))


def underflows_per_side() -> float:
    """Grid points of the original's grid where N(0, 1)'s density underflows in float32.

    numpy's float32 arithmetic, not torch's: ln q in float32, then exp, on the left half.
    """
    start, end, steps = linspace_of("docs/examples/float32_underflow.py")
    x = np.linspace(start, end, steps).astype(np.float32)
    log_q = -(x**2) / np.float32(2) - np.float32(0.5 * math.log(2 * math.pi))
    with np.errstate(under="ignore"):
        q = np.exp(log_q)
    return float(np.sum((q == 0) & (x < 0)))


def minimum_python() -> float:
    """The Python version pyproject.toml requires, as major.minor."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', text, re.MULTILINE)
    assert found, 'pyproject.toml has no requires-python = ">=X.Y"'
    return float(f"{found[1]}.{found[2]}")


# ------------------------------------------------------------------ the registry

SECOND_MOMENT_TERMS = {
    "25": Oracle("mu_1^2 in E[X^2] = (1 + mu_1^2)/2 + (1 + mu_2^2)/2", lambda: MODES[0][0] ** 2),
    "100": Oracle("mu_2^2 in the same sum", lambda: MODES[1][0] ** 2),
}
VARIANCE = Oracle("Var_P(x), by quadrature of the mixture", mixture_variance)

DERIVED: dict[str, dict[str, Oracle]] = {
    "index": {
        "2.50": Oracle("the forward-KL fit's mu in the headline: E_P[x]", mixture_mean),
        "7.57": Oracle(
            "the forward-KL fit's sigma in the headline: sd of P",
            lambda: math.sqrt(mixture_variance()),
        ),
        "-5.00": Oracle("the MSE fit's mu", lambda: mse_fit_on_the_left_mode()[0]),
        "1.96": Oracle("the MSE fit's sigma", lambda: mse_fit_on_the_left_mode()[1]),
        "12": Oracle("L1's start in the headline figure", lambda: headline_start("l1")),
        "-30": Oracle(
            "the headline fits' grid", lambda: linspace_of("docs/figures/headline.py")[0]
        ),
        "30": Oracle("its right end", lambda: linspace_of("docs/figures/headline.py")[1]),
        "3.10": Oracle("the Python that pyproject.toml requires", minimum_python),
    },
    "definition": {
        "0.6": Oracle("the ratio p/q = 0.3/0.5 in the worked example", lambda: 0.3 / 0.5),
        "0.8": Oracle("the ratio p/q = 0.2/0.25 in the worked example", lambda: 0.2 / 0.25),
        "0.025": Oracle(
            "the histogram's bin width: the spacing of the example's grid",
            lambda: grid_spacing("docs/examples/maximum_likelihood.py"),
        ),
        "57.25": VARIANCE,
    },
    "asymmetry": {
        **SECOND_MOMENT_TERMS,
        "57.25": VARIANCE,
        "22.5": Oracle(
            "peak of the forward-KL integrand p ln(p/q) for Q = N(-5, 1), at x = 10 (figure)",
            lambda: integrand_peak(mixture_logpdf, mode_logpdf, near=10.0),
        ),
        "1.4": Oracle(
            "peak of the reverse-KL integrand q ln(q/p) for the wide Q, at x = 2.5 (figure)",
            lambda: integrand_peak(wide_logpdf, mixture_logpdf, near=2.5),
        ),
        "0.28": Oracle(
            "peak of the reverse-KL integrand for Q = N(-5, 1), at x = -5 (figure)",
            lambda: integrand_peak(mode_logpdf, mixture_logpdf, near=-5.0),
        ),
    },
    "numerical_stability": {
        "-113": Oracle("ln q(15) for Q = N(0, 1)", lambda: float(stats.norm.logpdf(15.0))),
        "-149": Oracle("the smallest positive float32 is 2^-149", smallest_float32_exponent),
        "-51": Oracle(
            "the lowest ln p of the original's target on its grid (figure alt text)",
            lambda: float(
                np.min(
                    np.logaddexp(
                        *(stats.norm.logpdf(np.linspace(-15, 15, 1000), m, s) for m, s in MODES)
                    )
                )
            ),
        ),
        "22": Oracle("grid points on each side where q underflows", underflows_per_side),
        "30": Oracle(
            "the width of the original's grid: Delta x = 30/999",
            lambda: grid_width("docs/examples/float32_underflow.py"),
        ),
        "999": Oracle(
            "the intervals of the original's grid: Delta x = 30/999",
            lambda: linspace_of("docs/examples/float32_underflow.py")[2] - 1,
        ),
        "1.19e-7": Oracle("float32's machine epsilon", lambda: float(np.finfo(np.float32).eps)),
    },
    "original_experiment": {
        **SECOND_MOMENT_TERMS,
        "63.5": Oracle("E_P[X^2], by quadrature of the mixture", lambda: mixture_moment(2)),
        "1e-9": Oracle("the step size at which fit's Newton stops", lambda: fit_default("tol")),
    },
    "kl_vs_other_losses": {
        "57.25": VARIANCE,
        "1.9615": Oracle("the MSE fit's sigma on one mode", lambda: mse_fit_on_the_left_mode()[1]),
        "50": Oracle(
            "the larger learning rate 0.05 against fit's (and the original's) default",
            lambda: 0.05 / fit_default("lr"),
        ),
    },
}

# ------------------------------------------------------------------ the explorer's settings

EXPLORER_JS = ROOT / "docs" / "javascripts" / "explorer.js"


def explorer_setting(pattern: str) -> Callable[[], float]:
    """A constant of the explorer's JavaScript, which the explorer's prose describes."""

    def read() -> float:
        found = re.search(pattern, EXPLORER_JS.read_text(encoding="utf-8"))
        assert found is not None, f"{pattern!r} is no longer in {EXPLORER_JS}"
        return float(found.group(1))

    return read


DERIVED["explorer"] = {
    "0.25": Oracle(
        "the landscapes' smallest sigma", explorer_setting(r"logSigmaMin: Math\.log\(([\d.]+)\)")
    ),
    "100": Oracle("the landscapes' size", explorer_setting(r"LANDSCAPE_SIZE = (\d+)")),
    "1e-9": Oracle("the fit's tol", explorer_setting(r"\{ tol: ([\de.-]+),")),
}


def _k3_std_over_kl(mu: float) -> float:
    """k3's exact standard deviation over the true KL, P = N(0, 1), Q = N(mu, 1)."""
    return 2 * math.sqrt(math.exp(mu**2) - 1 - mu**2) / mu**2


def _adam_eps() -> float:
    import inspect

    import torch

    return float(inspect.signature(torch.optim.Adam).parameters["eps"].default)


DERIVED.setdefault("definition", {})["25"] = Oracle(
    "the exercise's arithmetic: (0.5/0.1)^2 of 0.5 ln((0.5/0.9)(0.5/0.1))... written 25/9",
    lambda: (0.5 / 0.1) ** 2,
)
DERIVED.setdefault("estimator_accuracy", {}).update(
    {
        "199": Oracle(
            "(std k1 / std k3)^2 at mu = 0.1, from the closed forms",
            lambda: ((2 / 0.1) / _k3_std_over_kl(0.1)) ** 2,
        ),
        "16": Oracle("float64's decimal digits", lambda: -math.log10(np.finfo(np.float64).eps)),
        "1.41": Oracle("k2's std over KL as mu -> 0: sqrt(2 + mu^2)", lambda: math.sqrt(2)),
        "4.2": Oracle("k2's std over KL at mu = 4: sqrt(2 + 16)", lambda: math.sqrt(18)),
        "373": Oracle("k3's exact std over KL at mu = 4", lambda: _k3_std_over_kl(4.0)),
    }
)
DERIVED.setdefault("kl_vs_other_losses", {})["-28"] = Oracle(
    "ln of p at 2.5 over its peak: 7.5 units from each unit-variance mode", lambda: -(7.5**2) / 2
)
DERIVED.setdefault("multivariate", {}).update(
    {
        "1e-16": Oracle("float64's unit roundoff", lambda: float(np.finfo(np.float64).eps) / 2),
        "1e7": Oracle("1 / float32's machine epsilon", lambda: 1 / float(np.finfo(np.float32).eps)),
    }
)
DERIVED.setdefault("numerical_stability", {})["1e-8"] = Oracle(
    "torch.optim.Adam's default eps", _adam_eps
)
DERIVED.setdefault("original_experiment", {}).update(
    {
        "78.5": Oracle("E[X^2] of 0.3 N(-5, 1) + 0.7 N(10, 1)", lambda: 0.3 * 26 + 0.7 * 101),
        "48.25": Oracle("its variance", lambda: 0.3 * 26 + 0.7 * 101 - 5.5**2),
        "6.946": Oracle("its standard deviation", lambda: math.sqrt(0.3 * 26 + 0.7 * 101 - 5.5**2)),
    }
)


ALLOWED: dict[str, dict[str, str]] = {
    "estimator_accuracy": {
        "1e-15": "the range of |log r| that tests/test_estimators.py checks k3 over, an input",
        "30": "the other end of that range",
        "1000": "the figure's y-axis limit, set in docs/figures/estimator_variance.py",
        "57": "k2's factor off the grid value: the ratio of two outputs in the table above "
        "(3179.6 / 55.56), asserted in tests/test_estimators.py",
        "-112": "log r of samples from the right mode, asserted in tests/test_estimators.py",
    },
    "f_divergences": {
        "50": "the working precision (digits) of the mpmath tests, an input",
        "1.25": "the figure's y-axis limit, set in its script",
        "3000": "how many random pairs the figure draws, set in its script",
    },
    "reference": {
        "500": "fit's default step limit for Newton, set in its body (not its signature)",
        "10000": "fit's default step limit for Adam, likewise",
    },
}
