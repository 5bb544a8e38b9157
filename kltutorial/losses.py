r"""Five ways to score a Gaussian $Q = \mathcal N(\mu, \sigma^2)$ against a target P.

Every loss has the same signature, ``loss(log_p, log_q, x)``: log-densities of the
target $P$ and of $Q$ on the grid ``x`` (last dimension), batched over any
leading dimensions. All are integrals over the grid (trapezoid rule), so refining the
grid does not change them:

* ``forward_kl``: $D_{\mathrm{KL}}(P\,\|\,Q)$, P normalised on the grid.
* ``reverse_kl``: $D_{\mathrm{KL}}(Q\,\|\,P)$, both normalised on the grid.
* ``mse``: $\int (p - q)^2\,dx$.
* ``l1``: $\int |p - q|\,dx$, including $Q$'s mass outside the grid.
* ``cosine``: $-\int p\,q\,dx \big/ \sqrt{\int p^2\,dx \int q^2\,dx}$, the negative
  cosine similarity of the two density curves.

The KL losses ignore the scale of P (they normalise it); MSE and L1 compare the curves as
given, so a target that integrates to 2 (the original experiment's sum of two densities)
is a different problem for them than the normalised mixture; cosine ignores scale. MSE
and cosine see only the grid: mass of $Q$ pushed past its ends is invisible to
them, which on a short grid can pull a fit towards an edge. L1 counts that mass (outside
the grid it is exactly $\int q\,dx$), so it does not have this artefact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from kltutorial.derivatives import Point, Target, assemble, gradient, outer, symmetric
from kltutorial.distributions import LOG_SQRT_2PI
from kltutorial.divergence import unchecked_grid_kl
from kltutorial.grid import integral, trapezoid_weights
from kltutorial.validation import check_log_densities

Loss = Callable[[Tensor, Tensor, Tensor], Tensor]
"""The signature every loss shares: ``loss(log_p, log_q, x) -> Tensor``."""

GridDerivatives = Callable[[Target, Point, bool], tuple[Tensor, "Tensor | None"]]
"""``(target, point, hessian) -> (gradient, Hessian or None)`` in theta, from the grid."""

ThetaForm = Callable[[Target, Tensor, int], tuple[Tensor, "Tensor | None", "Tensor | None"]]
"""``(target, theta, order) -> (value, gradient, Hessian)`` in closed form in theta, the
gradient computed for ``order >= 1`` and the Hessian for ``order == 2`` (else None)."""

TorchForm = Callable[[Tensor, Tensor], Tensor]
"""``(p, log_q) -> loss per row``: the loss as the original computed it with
``torch.nn.functional`` (densities ``p`` as given, ``log_q`` of shape ``(k, n)``)."""


@dataclass(frozen=True)
class LossDefinition:
    """Everything about one loss, in one place: found by name in [`TABLE`][kltutorial.losses.TABLE].

    Attributes:
        name: The loss's name, as [`fit`][kltutorial.fit] takes it.
        value: The loss on the grid, ``value(log_p, log_q, x)``, without argument checks.
        torch_form: The original's ``torch.nn.functional`` form (for ``faithful=True``).
        derivatives: Its gradient and Hessian in theta, assembled from derivatives in
            ``log q`` on the grid (for Newton and Adam); or None if ``in_theta`` is given.
        in_theta: The value and derivatives in closed form in theta, where the loss has
            one (the forward KL of a Gaussian); used by ``fit`` in place of ``value`` and
            ``derivatives``.
        check: Extra argument checks of the public function, after the common ones.
        nonnegative: Whether the loss is a divergence (>= 0): the public function, and
            [`fit`][kltutorial.fit]'s reported losses, then never show the small negative
            values rounding can produce.
        diagonal_when_indefinite: Where the Hessian is indefinite but its diagonal is
            positive, Newton steps with the diagonal (each coordinate's own Newton step)
            instead of the damped full Hessian. For the forward KL the indefinite region
            (mu more than P's standard deviation from P's mean) is a valley along which
            the damped step shrinks Q towards zero width while mu crawls; the diagonal
            step moves mu towards P's mean and widens Q.
    """

    name: str
    value: Loss
    torch_form: TorchForm
    derivatives: GridDerivatives | None = None
    in_theta: ThetaForm | None = None
    check: Callable[[Tensor, Tensor, Tensor], None] | None = None
    nonnegative: bool = False
    diagonal_when_indefinite: bool = False

    def __post_init__(self) -> None:
        if (self.derivatives is None) == (self.in_theta is None):
            raise ValueError(f"loss {self.name!r} needs derivatives or in_theta, not both")

    def in_theta_terms(
        self, target: Target, theta: Tensor, order: int
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        r"""The loss at each row of ``theta`` ($\mu$, $\log\sigma$), with its derivatives.

        Args:
            target: The target on the grid.
            theta: Shape ``(k, 2)``.
            order: 0 for the value only, 1 with the gradient, 2 with the Hessian too.

        Returns:
            Value ``(k,)``, gradient ``(k, 2)`` and Hessian ``(k, 2, 2)``, None beyond
            ``order``.
        """
        if self.in_theta is not None:
            return self.in_theta(target, theta, order)
        point = Point.of(theta, target.x)
        # The value always comes from the same code, so that a step's value compares
        # exactly with the values of trial steps.
        f = self.value(target.log_p, point.log_q, target.x)
        if order == 0 or self.derivatives is None:
            return f, None, None
        g, h = self.derivatives(target, point, order == 2)
        return f, g, h


TABLE: dict[str, LossDefinition] = {}
"""Every loss's [`LossDefinition`][kltutorial.losses.LossDefinition], by name."""

LOSSES: dict[str, Loss] = {}
"""The five losses by name, in the order the pages show them: ``"forward_kl"``,
``"reverse_kl"``, ``"mse"``, ``"l1"`` and ``"cosine"``.

The dictionary is filled when the module is imported (each loss adds itself where it is
defined), so it always holds all five, although the source starts it empty.
"""


def _define(
    torch_form: TorchForm,
    derivatives: GridDerivatives | None = None,
    in_theta: ThetaForm | None = None,
    check: Callable[[Tensor, Tensor, Tensor], None] | None = None,
    nonnegative: bool = False,
    diagonal_when_indefinite: bool = False,
) -> Callable[[Loss], Loss]:
    """Register the decorated loss (its body computes the value, unchecked) by its name.

    Returns the public function: the same signature and docstring, with the argument
    checks in front.
    """

    def register(value: Loss) -> Loss:
        name = value.__name__
        definition = LossDefinition(
            name,
            value,
            torch_form,
            derivatives,
            in_theta,
            check,
            nonnegative,
            diagonal_when_indefinite,
        )

        @functools.wraps(value)
        def checked(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
            log_p, log_q, x = check_log_densities(log_p, log_q, x)
            if definition.check is not None:
                definition.check(log_p, log_q, x)
            result = definition.value(log_p, log_q, x)
            return result.clamp_min(0) if definition.nonnegative else result

        TABLE[name] = definition
        LOSSES[name] = checked
        return checked

    return register


def get_loss(name: str) -> Loss:
    """Look a loss up by name.

    Args:
        name: One of ``"forward_kl"``, ``"reverse_kl"``, ``"mse"``, ``"l1"``, ``"cosine"``.

    Returns:
        The loss function.

    Raises:
        ValueError: If ``name`` is not one of the five.
    """
    return LOSSES[get_definition(name).name]


def get_definition(name: str) -> LossDefinition:
    """The [`LossDefinition`][kltutorial.losses.LossDefinition] of the loss ``name``.

    Raises:
        ValueError: If ``name`` is not a loss's name.
    """
    if not isinstance(name, str) or name not in TABLE:
        raise ValueError(f"loss must be one of {', '.join(map(repr, TABLE))}; got {name!r}")
    return TABLE[name]


def _q_somewhere(log_p: Tensor, log_q: Tensor, x: Tensor) -> None:
    if bool((log_q == -math.inf).all(dim=-1).any()):
        raise ValueError("log_q must be finite somewhere on the grid (q is zero everywhere)")


# ------------------------------------------------------------------------- forward KL


def _forward_kl_in_theta(
    target: Target, theta: Tensor, order: int
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    # sum_i P_i (log P_i - log w_i - log q(x_i)) = c + D/(2 sigma^2) + s + log sqrt(2 pi)
    # with D = v + (m - mu)^2 and c = sum_i P_i (log P_i - log w_i), so
    # dL/dmu = -(m - mu)/sigma^2, dL/ds = 1 - D/sigma^2, and the Hessian is
    # [[1, 2(m - mu)], [2(m - mu), 2D]] / sigma^2.
    mu, s = theta[:, 0], theta[:, 1]
    if bool(target.p_var > 0):
        # The same value, split as (the divergence at the minimum, a constant) + (the KL
        # from N(m, v) to Q, >= 0): with t = log v - 2s the second part is
        # (e^t - 1 - t)/2 + (m - mu)^2 / (2 sigma^2), whose rounding vanishes at the
        # minimum. The sum of O(1) terms above would hide the last 1e-16 of a loss near 0
        # from the Newton steps' comparisons.
        log_v = target.p_var.log()
        least = target.p_const + 0.5 + 0.5 * log_v + LOG_SQRT_2PI
        t = log_v - 2 * s
        excess = 0.5 * (t.expm1() - t) + (target.p_mean - mu) ** 2 / (2 * (2 * s).exp())
        f = least + excess
    else:  # P is one grid point
        spread = target.p_var + (target.p_mean - mu) ** 2
        f = target.p_const + spread / (2 * (2 * s).exp()) + s + LOG_SQRT_2PI
    if order == 0:
        return f, None, None
    offset, var = target.p_mean - mu, s.exp() ** 2
    spread = target.p_var + offset**2
    g = torch.stack([-offset / var, 1 - spread / var], dim=-1)
    if order == 1:
        return f, g, None
    return f, g, symmetric(1 / var, 2 * offset / var, 2 * spread / var)


def _forward_kl_torch(p: Tensor, log_q: Tensor) -> Tensor:
    # kl_div(input=log Q, target=P), reduction 'mean' over the grid points
    return F.kl_div(log_q, p.expand_as(log_q), reduction="none").mean(dim=-1)


@_define(
    _forward_kl_torch,
    in_theta=_forward_kl_in_theta,
    nonnegative=True,
    diagonal_when_indefinite=True,
)
def forward_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Forward KL, $D_{\mathrm{KL}}(P\,\|\,Q)$: mass-covering.

    This is [`grid_kl`][kltutorial.grid_kl]: $P$ is normalised on the grid and
    $Q$ is taken as normalised on the whole line.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of $Q$ on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: If ``x`` is not an increasing grid, a last dimension does not match it,
            a value is NaN or ``+inf``, or the shapes do not broadcast.
    """
    return unchecked_grid_kl(log_p, log_q, x)


# ------------------------------------------------------------------------- reverse KL


def _reverse_kl_derivatives(
    target: Target, point: Point, hessian: bool
) -> tuple[Tensor, Tensor | None]:
    # L = E[a] - logsumexp(v) with v = l + log w, Q_i = softmax(v)_i the expectation's
    # weights, a = v - log P. Then grad L = Cov(a, J) = E[(a - E a) J] = G and
    # Hess L = E[(1 + a - Ea) J J'] + E[(a - Ea) K] - m m' - G m' - m G', m = E[J].
    z, sigma = point.z, point.sigma
    v = point.log_q + target.weights.log()
    big_q = torch.softmax(v, dim=-1)
    a = v - target.log_big_p
    centred = a - (big_q * a).sum(-1, keepdim=True)
    alpha = big_q * centred
    if not hessian:
        return gradient(point, alpha), None
    g, h = assemble(point, alpha, alpha + big_q)
    qz = big_q * z
    m = torch.stack([qz.sum(-1) / sigma, (qz * z).sum(-1) - 1], dim=-1)
    return g, h - outer(m, m) - outer(g, m) - outer(m, g)


def _reverse_kl_torch(p: Tensor, log_q: Tensor) -> Tensor:
    # the same call as the forward KL's with the roles swapped
    return F.kl_div(p.expand_as(log_q).log(), log_q.exp(), reduction="none").mean(dim=-1)


@_define(_reverse_kl_torch, _reverse_kl_derivatives, check=_q_somewhere, nonnegative=True)
def reverse_kl(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Reverse KL, $D_{\mathrm{KL}}(Q\,\|\,P)$: mode-seeking.

    The expectation is under $Q$, so $Q$ is normalised on the grid (its tails
    outside the grid are cut off: this is the divergence of $Q$ restricted to the
    grid) and $P$ is normalised on the grid too. Where $P$ is zero on the
    grid the divergence of any Gaussian is ``+inf``.

    Args:
        log_p: Log-density of the target on ``x`` (any constant offset).
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The divergence in nats, over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    # grid_kl normalises its first argument (Q here) on the grid; P must be passed as a
    # density whose cells w_i p(x_i) sum to one, i.e. normalised on the grid.
    log_mass = torch.logsumexp(log_p + trapezoid_weights(x).log(), dim=-1, keepdim=True)
    return unchecked_grid_kl(log_q, log_p - log_mass, x)


# ------------------------------------------------------------------------------- MSE


def _mse_derivatives(target: Target, point: Point, hessian: bool) -> tuple[Tensor, Tensor | None]:
    # L = sum_i w_i (p_i - q_i)^2 and dq/dl = q.
    q = point.log_q.exp()
    wq = target.weights * q
    alpha = -2 * (target.p - q) * wq
    if not hessian:
        return gradient(point, alpha), None
    return assemble(point, alpha, alpha + 2 * wq * q)


def _mse_torch(p: Tensor, log_q: Tensor) -> Tensor:
    q = log_q.exp()
    return F.mse_loss(q, p.expand_as(q), reduction="none").mean(dim=-1)


@_define(_mse_torch, _mse_derivatives)
def mse(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Integrated squared error $\int (p - q)^2\,dx$ of the density curves.

    On a uniform grid of spacing $\Delta x$ this is
    ``torch.nn.functional.mse_loss(q, p, reduction="sum") * dx`` less half the two end
    points' terms (the trapezoid rule).

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    return integral((log_p.exp() - log_q.exp()) ** 2, x)


# -------------------------------------------------------------------------------- L1


def _crossings(u: Tensor) -> tuple[tuple[Tensor, ...], Tensor, Tensor, Tensor]:
    """Where ``u`` changes sign between neighbours: batch index, segment, both end values."""
    a, b = u[..., :-1], u[..., 1:]
    where = (a * b < 0).nonzero(as_tuple=True)
    return where[:-1], where[-1], a[where], b[where]


def _l1_derivatives(target: Target, point: Point, hessian: bool) -> tuple[Tensor, Tensor | None]:
    # L = sum w|u| - sum_segments dx c(u_a, u_b) + 1 - sum w q, with u = p - q and, where
    # u changes sign, c = -ab/m, m = |a| + |b|. There c_a = -b|b|/m^2, c_b = -a|a|/m^2,
    # c_aa = -2b^2/m^3, c_bb = -2a^2/m^3, c_ab = 2ab/m^3. du/dl = d2u/dl2 = -q, so
    # dL/dl = -(w sign(u) + w) q plus the crossing terms, which touch only a few points
    # and are added sparsely.
    z, sigma = point.z, point.sigma
    q = point.log_q.exp()
    u = target.p - q
    alpha = -(u.sign() + 1) * target.weights * q
    beta = alpha.clone() if hessian else alpha
    (rows,), seg, a, b = _crossings(u)
    m = a.abs() + b.abs()
    dx = target.spacing[seg]
    nxt = seg + 1
    q_a, q_b = q[rows, seg], q[rows, nxt]
    grad_a, grad_b = -b * b.abs() / m**2 * dx * q_a, -a * a.abs() / m**2 * dx * q_b
    alpha.index_put_((rows, seg), grad_a, accumulate=True)
    alpha.index_put_((rows, nxt), grad_b, accumulate=True)
    if not hessian:
        return gradient(point, alpha), None
    beta.index_put_((rows, seg), grad_a + 2 * b * b / m**3 * dx * q_a**2, accumulate=True)
    beta.index_put_((rows, nxt), grad_b + 2 * a * a / m**3 * dx * q_b**2, accumulate=True)
    g, h = assemble(point, alpha, beta)
    # Neighbours on a crossing segment are coupled: -c_ab q_a q_b (J_a J_b' + J_b J_a').
    c = -2 * a * b / m**3 * dx * q_a * q_b
    s = sigma[rows]
    za, zb = z[rows, seg], z[rows, nxt]
    ma, mb, sa, sb = za / s, zb / s, za * za - 1, zb * zb - 1
    coupling = torch.stack([2 * c * ma * mb, c * (ma * sb + sa * mb), 2 * c * sa * sb], -1)
    extra = torch.zeros(len(sigma), 3, dtype=z.dtype).index_add_(0, rows, coupling)
    return g, h + symmetric(extra[:, 0], extra[:, 1], extra[:, 2])


def _l1_torch(p: Tensor, log_q: Tensor) -> Tensor:
    q = log_q.exp()
    return F.l1_loss(q, p.expand_as(q), reduction="none").mean(dim=-1)


@_define(_l1_torch, _l1_derivatives)
def l1(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Absolute error $\int |p - q|\,dx$ of the density curves, over the whole line.

    The target is known only on the grid and is taken as zero outside it, where
    $|p - q| = q$; so the part outside the grid is $Q$'s mass there,
    $1 - \int_{x_0}^{x_{n-1}} q\,dx$ (``log_q`` must be normalised on the real line, as
    for [`forward_kl`][kltutorial.forward_kl]). Leaving it out would reward a Gaussian for
    pushing its mass past the grid's ends: on ``[-15, 15]`` that pulls a fit off a mode
    towards an edge.

    On the grid, $u = p - q$ is interpolated linearly between grid points and
    $|u|$ integrated exactly: $\Delta x\,(|u_i| + |u_{i+1}|)/2$ on a segment
    where $u$ keeps its sign, $\Delta x\,(u_i^2 + u_{i+1}^2)/(2(|u_i| +
    |u_{i+1}|))$ where it crosses zero. The trapezoid rule applied to $|u|$ would put a
    kink in the loss each time a crossing point passes a grid point; this form has a
    continuous gradient. On a uniform grid the on-grid part is
    ``torch.nn.functional.l1_loss(q, p, reduction="sum") * dx`` up to half the end points'
    terms and the crossing segments.

    Args:
        log_p: Log-density of the target on ``x``, at the scale to compare.
        log_q: Log-density of $Q$ on ``x``, normalised on the real line.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    # Per segment, (|a| + |b|)/2 - relu(-ab)/(|a| + |b|) is both formulas of the docstring
    # in one: the correction is nonzero only on the few segments where u changes sign.
    # Summed over segments the first term is the trapezoid rule for |u|.
    q = log_q.exp()
    u = log_p.exp() - q
    w = trapezoid_weights(x).to(u.dtype)
    total = u.abs() @ w + (1 - q @ w)  # + Q's mass off the grid
    rows, segments, a, b = _crossings(u)
    spacing = (x[1:] - x[:-1]).to(u.dtype)
    correction = -a * b / (a.abs() + b.abs()) * spacing[segments]
    if u.dim() == 1:
        return total - correction.sum()
    batch = torch.zeros(u.shape[:-1], dtype=u.dtype).index_put(rows, correction, accumulate=True)
    return total - batch


# ---------------------------------------------------------------------------- cosine


def _scaled(log_density: Tensor) -> Tensor:
    """``exp(log_density)`` divided by its largest value along the last dimension.

    The cosine ignores the scale of either curve, so dividing by the peak changes
    nothing but keeps the curve in range: a density far below float's smallest number,
    or at ``log_p + 100``, would otherwise underflow or overflow to a NaN.
    """
    return (log_density - log_density.amax(dim=-1, keepdim=True)).exp()


def _cosine_defined(log_p: Tensor, log_q: Tensor, x: Tensor) -> None:
    if bool((log_q == -math.inf).all(dim=-1).any()):
        raise ValueError(
            "log_q is -inf on the whole grid: q is zero there, and the cosine of a curve "
            "that is zero everywhere is undefined (0/0)"
        )


def _cosine_derivatives(
    target: Target, point: Point, hessian: bool
) -> tuple[Tensor, Tensor | None]:
    # L = -A / sqrt(B C), A = sum w p q, B = sum w p^2 (fixed), C = sum w q^2, so
    # grad L = -(B C)^-1/2 (grad A - A/(2C) grad C) and
    # Hess L = -(B C)^-1/2 (Hess A - A/(2C) Hess C - (gA gC' + gC gA')/(2C)
    #                       + 3A/(4C^2) gC gC').
    # Hess A and Hess C enter linearly, so one assembly gives their combination. L does
    # not change when p or q is scaled, so both are scaled to a peak of one.
    p, q = _scaled(target.log_p), _scaled(point.log_q)
    wq = target.weights * q
    alpha_a, alpha_c = wq * p, 2 * wq * q  # dA/dl, dC/dl
    big_a, big_c = alpha_a.sum(-1), alpha_c.sum(-1) / 2
    big_b = target.weights @ (p * p)
    ratio = (big_a / big_c)[:, None]
    ga = gradient(point, alpha_a)
    gc = gradient(point, alpha_c)
    scale = -1 / (big_b * big_c).sqrt()
    g = scale[:, None] * (ga - ratio / 2 * gc)
    if not hessian:
        return g, None
    # The diagonal second derivatives are d2A/dl2 = alpha_a and d2C/dl2 = 2 alpha_c.
    _, h_mix = assemble(point, alpha_a - ratio / 2 * alpha_c, alpha_a - ratio * alpha_c)
    rc = big_c[:, None, None]
    h = scale[:, None, None] * (
        h_mix
        - (outer(ga, gc) + outer(gc, ga)) / (2 * rc)
        + 0.75 * ratio[:, :, None] / rc * outer(gc, gc)
    )
    return g, h


def _cosine_torch(p: Tensor, log_q: Tensor) -> Tensor:
    q = log_q.exp()
    return -F.cosine_similarity(q, p.expand_as(q), dim=-1)  # maximise the similarity


@_define(_cosine_torch, _cosine_derivatives, check=_cosine_defined)
def cosine(log_p: Tensor, log_q: Tensor, x: Tensor) -> Tensor:
    r"""Negative cosine similarity $-\langle p, q\rangle / (\|p\|\,\|q\|)$ of the curves.

    The inner product is $\int p\,q\,dx$. Minimising this maximises the similarity;
    it lies in $[-1, 0]$ for densities and ignores the scale of either curve. On a
    uniform grid it is ``-torch.nn.functional.cosine_similarity(q, p, dim=-1)`` up to the
    half weights of the end points.

    Args:
        log_p: Log-density of the target on ``x`` (any scale).
        log_q: Log-density of $Q$ on ``x``.
        x: The 1-D increasing grid.

    Returns:
        The loss over the batch dimensions.

    Raises:
        TypeError: If an argument is not a floating-point tensor.
        ValueError: As [`forward_kl`][kltutorial.forward_kl].
    """
    p, q = _scaled(log_p), _scaled(log_q)
    w = trapezoid_weights(x).to(q.dtype)
    return -((p * q) @ w) / (((p * p) @ w) * ((q * q) @ w)).sqrt()
