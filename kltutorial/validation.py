"""Argument checks shared by the public functions.

Every check raises with the argument's name and what was expected, so a reader who
passes the wrong thing learns how to fix the call instead of chasing a NaN.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor


def as_float_tensor(value: object, name: str, dtype: torch.dtype | None = None) -> Tensor:
    """Return ``value`` as a floating-point tensor, or raise naming ``name``.

    Python numbers and nested sequences of numbers are converted with ``dtype`` (the
    default dtype if None); tensors keep their dtype, and integer or boolean tensors are
    rejected because a probability or a density stored as an integer is almost always a
    mistake.
    """
    dtype = dtype or torch.get_default_dtype()
    if isinstance(value, Tensor):
        tensor = value
    elif isinstance(value, bool):
        raise TypeError(f"{name} must be a real number or a floating-point tensor, got a bool")
    elif isinstance(value, (int, float)):
        tensor = torch.tensor(float(value), dtype=dtype)
    elif isinstance(value, (list, tuple)):
        try:
            tensor = torch.tensor(value, dtype=dtype)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name} must be numbers or a floating-point tensor: {error}") from None
    else:
        raise TypeError(
            f"{name} must be a real number or a floating-point torch.Tensor, "
            f"got {type(value).__name__}"
        )
    if not tensor.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {tensor.dtype}; "
            f"convert it with {name}.double() or {name}.float()"
        )
    if tensor.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(tensor.shape)}")
    return tensor


def check_not_nan(tensor: Tensor, name: str) -> None:
    """Raise if ``tensor`` holds a NaN."""
    if torch.isnan(tensor.detach()).any():
        raise ValueError(f"{name} must not contain NaN")


def check_finite(tensor: Tensor, name: str) -> None:
    """Raise unless every entry of ``tensor`` is finite (not NaN, not infinite)."""
    values = tensor.detach()
    if torch.isnan(values).any():
        raise ValueError(f"{name} must not contain NaN")
    if torch.isinf(values).any():
        raise ValueError(f"{name} must be finite, got an infinite value")


def check_positive(tensor: Tensor, name: str) -> None:
    """Raise unless every entry of ``tensor`` is finite and strictly positive."""
    values = tensor.detach()
    if torch.isnan(values).any() or not bool((values > 0).all()) or torch.isinf(values).any():
        raise ValueError(f"{name} must be finite and > 0, got {_sample(values)}")


def check_broadcast(shapes: dict[str, torch.Size]) -> torch.Size:
    """Return the broadcast shape of named shapes, or raise naming all of them."""
    try:
        # torch's stubs leave broadcast_shapes untyped; it returns a torch.Size.
        shape: torch.Size = torch.broadcast_shapes(*shapes.values())  # type: ignore[no-untyped-call]
        return shape
    except RuntimeError:
        listing = ", ".join(f"{name} has shape {tuple(shape)}" for name, shape in shapes.items())
        raise ValueError(f"shapes do not broadcast: {listing}") from None


def check_grid(x: Tensor, name: str = "x") -> Tensor:
    """Check that ``x`` is a 1-D, finite, strictly increasing grid of at least two points."""
    x = as_float_tensor(x, name)
    if x.dim() != 1:
        raise ValueError(f"{name} must be a 1-D grid, got shape {tuple(x.shape)}")
    if x.numel() < 2:
        raise ValueError(f"{name} must have at least 2 points, got {x.numel()}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite")
    if not bool((x[1:] > x[:-1]).all()):
        raise ValueError(f"{name} must be strictly increasing")
    return x


def check_outcomes(tensor: Tensor, name: str) -> None:
    """Raise if ``tensor`` has no last dimension to hold the outcomes (a 0-d tensor)."""
    if tensor.dim() == 0:
        raise ValueError(
            f"{name} must have at least one dimension (its last dimension holds the "
            f"outcomes or grid points), got a 0-d tensor (a single number)"
        )


def sum_tolerance(dtype: torch.dtype) -> float:
    """How far probabilities stored in ``dtype`` may sum from one by rounding alone.

    The sum is taken in float64. Each stored probability is within half a unit in the
    last place of its true value, a relative error, so the stored values of a
    distribution sum to one within ``eps / 2`` however many outcomes there are; a
    normalisation done in ``dtype`` (``p / p.sum()``) adds a few ``eps`` more. 32 ``eps``
    covers both and still rejects a distribution that is visibly off (float16's [0.05,
    0.05], float32 values that sum to 0.5).
    """
    return 32 * torch.finfo(dtype).eps


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a bool (Python or NumPy), else raise naming ``name``."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def check_whole_number(value: object, name: str, minimum: int) -> int:
    """Return an integral number (``int``, ``numpy.int64``, ...) as ``int``, or raise."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
        if number >= minimum:
            return number
    raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def check_positive_number(value: object, name: str) -> float:
    """Return a finite real number > 0 as ``float``, or raise naming ``name``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if number > 0 and math.isfinite(number):
            return number
    raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _sample(values: Tensor) -> str:
    """A short description of offending values for an error message."""
    flat = values.flatten()
    bad = flat[~(flat > 0) | torch.isinf(flat)]
    shown = bad[:3].tolist()
    return f"{shown}" + (" ..." if bad.numel() > 3 else "")


def check_log_densities(log_p: Tensor, log_q: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Check two log-densities on a grid: one value per point, no NaN or ``+inf``.

    ``log_p`` must also be finite somewhere: a target that is zero everywhere has no
    distribution to normalise.
    """
    x = check_grid(x)
    log_p = as_float_tensor(log_p, "log_p")
    log_q = as_float_tensor(log_q, "log_q")
    for name, value in (("log_p", log_p), ("log_q", log_q)):
        check_outcomes(value, name)
        check_not_nan(value, name)
        if value.shape[-1] != x.shape[0]:
            raise ValueError(
                f"{name} must have one value per grid point ({x.shape[0]}) in its last "
                f"dimension, got shape {tuple(value.shape)}"
            )
        if bool((value == math.inf).any()):
            raise ValueError(f"{name} must not contain +inf (a log-density is finite or -inf)")
    check_broadcast({"log_p": log_p.shape, "log_q": log_q.shape})
    if bool((log_p == -math.inf).all(dim=-1).any()):
        raise ValueError("log_p must be finite somewhere on the grid (p is zero everywhere)")
    return log_p, log_q, x


def check_distribution(value: Tensor, name: str, log_probs: bool) -> None:
    """Check non-negativity and the sum to one, in linear or log space.

    The sum is taken in float64, so its own rounding does not grow with the number of
    outcomes and the tolerance can stay a few units of ``value``'s precision.
    """
    wide = value.detach().to(torch.float64)
    if log_probs:
        if bool((value == math.inf).any()):
            raise ValueError(f"{name} holds log-probabilities, which must be <= 0, not +inf")
        error = (torch.logsumexp(wide, dim=-1).exp() - 1).abs()
    else:
        if bool((value < 0).any()):
            raise ValueError(f"{name} must be probabilities >= 0, got negative entries")
        if bool(torch.isinf(value).any()):
            raise ValueError(f"{name} must be finite probabilities")
        error = (wide.sum(dim=-1) - 1).abs()
    tolerance = sum_tolerance(value.dtype)
    if bool((error > tolerance).any()):
        worst = float(error.max())
        kind = "log-probabilities whose exp" if log_probs else "probabilities that"
        raise ValueError(
            f"{name} must be {kind} sum to one along the last dimension; "
            f"off by {worst:.3g} (tolerance {tolerance:.1g} for {value.dtype}). Normalise "
            f"it, e.g. {name} / {name}.sum(-1, keepdim=True)"
        )


def check_distribution_pair(p: object, q: object, log_probs: bool = False) -> tuple[Tensor, Tensor]:
    """Check two discrete distributions over the same outcomes (last dimension).

    Both are floating-point tensors of at least one dimension, broadcast against each other,
    hold no NaN, and are non-negative and sum to one (in log space if ``log_probs``).
    """
    p_t = as_float_tensor(p, "p")
    q_t = as_float_tensor(q, "q")
    check_outcomes(p_t, "p")
    check_outcomes(q_t, "q")
    check_broadcast({"p": p_t.shape, "q": q_t.shape})
    if p_t.shape[-1] != q_t.shape[-1]:
        raise ValueError(
            "p and q must have the same number of outcomes in the last dimension, "
            f"got {p_t.shape[-1]} and {q_t.shape[-1]}"
        )
    for name, value in (("p", p_t), ("q", q_t)):
        check_not_nan(value, name)
        check_distribution(value, name, log_probs)
    return p_t, q_t
