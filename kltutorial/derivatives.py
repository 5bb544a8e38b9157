r"""Each loss as a function of $\theta = (\mu, s = \log\sigma)$, with its derivatives.

[`fit`][kltutorial.fit] needs the gradient and the 2x2 Hessian of a loss in
$\theta$ for many starts at once. Autograd can give them (two backward passes
through the whole ``(starts, grid)`` computation); here they are written out, which is
several times cheaper and is checked against autograd in the tests.

With $z_i = (x_i - \mu)/\sigma$ the Gaussian's log-density and its derivatives are

$$
\ell_i = \log q(x_i) = -\tfrac12 z_i^2 - s - \tfrac12\log 2\pi, \qquad
J_i = \frac{\partial \ell_i}{\partial\theta} = \begin{pmatrix} z_i/\sigma \\ z_i^2 - 1
\end{pmatrix}, \qquad
K_i = \frac{\partial^2 \ell_i}{\partial\theta^2} = -\begin{pmatrix} 1/\sigma^2 &
2z_i/\sigma \\ 2z_i/\sigma & 2z_i^2 \end{pmatrix}.
$$

A loss $L(\ell)$ then has gradient $\sum_i \alpha_i J_i$ and Hessian
$\sum_i (\beta_i J_i J_i^\top + \alpha_i K_i)$ plus, for losses that couple grid
points, a few extra terms; $\alpha_i = \partial L/\partial\ell_i$ and
$\beta_i$ is the diagonal of $\partial^2 L/\partial\ell^2$. Both sums only need
the moments $\sum_i \alpha_i z_i^k$ ($k \le 2$) and $\sum_i \beta_i
z_i^k$ ($k \le 4$).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from kltutorial.grid import log_normalise, trapezoid_weights
from kltutorial.losses import KERNELS, _crossings

_HALF_LOG_2PI = math.log(math.sqrt(2 * math.pi))

Derivatives = tuple[Tensor, Tensor, Tensor]
"""Loss ``(k,)``, gradient ``(k, 2)`` and Hessian ``(k, 2, 2)`` for ``k`` parameter pairs."""


def gaussian_log_q(x: Tensor, mu: Tensor, sigma: Tensor) -> Tensor:
    """Log N(x; mu, sigma^2) as a ``(starts, grid)`` array, as torch's Normal writes it."""
    mu, sigma = mu[:, None], sigma[:, None]
    return -((x - mu) ** 2) / (2 * sigma**2) - sigma.log() - _HALF_LOG_2PI


class Objective:
    r"""One loss against one target on one grid, as a function of $\theta$.

    Args:
        loss: The loss's name, a key of :data:`kltutorial.LOSSES`.
        log_p: The target's log-density on ``x``, shape ``(n,)``.
        x: The grid, shape ``(n,)``, same dtype as ``log_p``.
    """

    def __init__(self, loss: str, log_p: Tensor, x: Tensor) -> None:
        self.loss = loss
        self.kernel = KERNELS[loss]
        self.log_p = log_p
        self.x = x
        self.weights = trapezoid_weights(x)
        self.spacing = x[1:] - x[:-1]
        self.p = log_p.exp()
        # The target normalised on the grid, for the two KL divergences.
        self.log_big_p = log_normalise(log_p, x)
        big_p = self.log_big_p.exp()
        # The forward KL of a Gaussian depends on P only through P's mean and variance:
        # sum_i P_i (log P_i - log w_i - log q(x_i)) = c + (v + (m - mu)^2)/(2 sigma^2)
        # + log sigma + log sqrt(2 pi), with c = sum_i P_i (log P_i - log w_i).
        present = big_p > 0
        self.p_mean = big_p @ x
        self.p_var = big_p @ (x - self.p_mean) ** 2
        self.p_const = torch.where(
            present, big_p * (self.log_big_p - self.weights.log()), torch.zeros_like(big_p)
        ).sum()

    def value(self, theta: Tensor) -> Tensor:
        """The loss at each row of ``theta`` (shape ``(k, 2)``)."""
        if self.loss == "forward_kl":
            return self._forward_kl_value(theta[:, 0], theta[:, 1])
        return self.kernel(self.log_p, self._log_q(theta), self.x)

    def value_grad_hessian(self, theta: Tensor) -> Derivatives:
        r"""The loss, its gradient and its Hessian in $\theta$, for each row."""
        mu, s = theta[:, 0], theta[:, 1]
        sigma = s.exp()
        if self.loss == "forward_kl":
            return self._forward_kl(mu, s, sigma)
        log_q = self._log_q(theta)
        # The value comes from the same code as value(), so that it compares exactly with
        # the values of trial steps.
        f = self.kernel(self.log_p, log_q, self.x)
        z = (self.x - mu[:, None]) / sigma[:, None]
        g, h = getattr(self, "_" + self.loss)(z, sigma, log_q, True)
        return f, g, h

    def value_and_gradient(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        """The loss and its gradient only (for Adam, which needs no Hessian)."""
        mu, s = theta[:, 0], theta[:, 1]
        sigma = s.exp()
        if self.loss == "forward_kl":
            f, g, _ = self._forward_kl(mu, s, sigma)
            return f, g
        log_q = self._log_q(theta)
        f = self.kernel(self.log_p, log_q, self.x)
        z = (self.x - mu[:, None]) / sigma[:, None]
        g, _ = getattr(self, "_" + self.loss)(z, sigma, log_q, False)
        return f, g

    def _log_q(self, theta: Tensor) -> Tensor:
        return gaussian_log_q(self.x, theta[:, 0], theta[:, 1].exp())

    def _forward_kl_value(self, mu: Tensor, s: Tensor) -> Tensor:
        spread = self.p_var + (self.p_mean - mu) ** 2
        return self.p_const + spread / (2 * (2 * s).exp()) + s + _HALF_LOG_2PI

    def _forward_kl(self, mu: Tensor, s: Tensor, sigma: Tensor) -> Derivatives:
        # L = c + D/(2 sigma^2) + s + const with D = v + (m - mu)^2, so
        # dL/dmu = -(m - mu)/sigma^2, dL/ds = 1 - D/sigma^2, and the Hessian is
        # [[1, 2(m - mu)], [2(m - mu), 2D]] / sigma^2.
        f = self._forward_kl_value(mu, s)
        offset, var = self.p_mean - mu, sigma**2
        spread = self.p_var + offset**2
        g = torch.stack([-offset / var, 1 - spread / var], dim=-1)
        return f, g, _symmetric(1 / var, 2 * offset / var, 2 * spread / var)

    def _reverse_kl(
        self, z: Tensor, sigma: Tensor, log_q: Tensor, hessian: bool
    ) -> tuple[Tensor, Tensor | None]:
        # L = E[a] - logsumexp(v) with v = l + log w, Q_i = softmax(v)_i the expectation's
        # weights, a = v - log P. Then grad L = Cov(a, J) = E[(a - E a) J] = G and
        # Hess L = E[(1 + a - Ea) J J'] + E[(a - Ea) K] - m m' - G m' - m G', m = E[J].
        v = log_q + self.weights.log()
        big_q = torch.softmax(v, dim=-1)
        a = v - self.log_big_p
        centred = a - (big_q * a).sum(-1, keepdim=True)
        alpha = big_q * centred
        if not hessian:
            return _gradient(z, sigma, alpha), None
        g, h = _assemble(z, sigma, alpha, alpha + big_q)
        qz = big_q * z
        m = torch.stack([qz.sum(-1) / sigma, (qz * z).sum(-1) - 1], dim=-1)
        h = h - _outer(m, m) - _outer(g, m) - _outer(m, g)
        return g, h

    def _mse(
        self, z: Tensor, sigma: Tensor, log_q: Tensor, hessian: bool
    ) -> tuple[Tensor, Tensor | None]:
        # L = sum_i w_i (p_i - q_i)^2 and dq/dl = q.
        q = log_q.exp()
        wq = self.weights * q
        alpha = -2 * (self.p - q) * wq
        if not hessian:
            return _gradient(z, sigma, alpha), None
        return _assemble(z, sigma, alpha, alpha + 2 * wq * q)

    def _l1(
        self, z: Tensor, sigma: Tensor, log_q: Tensor, hessian: bool
    ) -> tuple[Tensor, Tensor | None]:
        # As in losses._l1: L = sum w|u| - sum_segments dx c(u_a, u_b) + 1 - sum w q, with
        # u = p - q and, where u changes sign, c = -ab/m, m = |a| + |b|. There
        # c_a = -b|b|/m^2, c_b = -a|a|/m^2, c_aa = -2b^2/m^3, c_bb = -2a^2/m^3,
        # c_ab = 2ab/m^3. du/dl = d2u/dl2 = -q, so dL/dl = -(w sign(u) + w) q plus the
        # crossing terms, which touch only a few points and are added sparsely.
        q = log_q.exp()
        u = self.p - q
        alpha = -(u.sign() + 1) * self.weights * q
        beta = alpha.clone() if hessian else alpha
        (rows,), seg, a, b = _crossings(u)
        m = a.abs() + b.abs()
        dx = self.spacing[seg]
        nxt = seg + 1
        q_a, q_b = q[rows, seg], q[rows, nxt]
        grad_a, grad_b = -b * b.abs() / m**2 * dx * q_a, -a * a.abs() / m**2 * dx * q_b
        alpha.index_put_((rows, seg), grad_a, accumulate=True)
        alpha.index_put_((rows, nxt), grad_b, accumulate=True)
        if not hessian:
            return _gradient(z, sigma, alpha), None
        beta.index_put_((rows, seg), grad_a + 2 * b * b / m**3 * dx * q_a**2, accumulate=True)
        beta.index_put_((rows, nxt), grad_b + 2 * a * a / m**3 * dx * q_b**2, accumulate=True)
        g, h = _assemble(z, sigma, alpha, beta)
        # Neighbours on a crossing segment are coupled: -c_ab q_a q_b (J_a J_b' + J_b J_a').
        c = -2 * a * b / m**3 * dx * q_a * q_b
        s = sigma[rows]
        za, zb = z[rows, seg], z[rows, nxt]
        ma, mb, sa, sb = za / s, zb / s, za * za - 1, zb * zb - 1
        coupling = torch.stack([2 * c * ma * mb, c * (ma * sb + sa * mb), 2 * c * sa * sb], -1)
        extra = torch.zeros(len(sigma), 3, dtype=z.dtype).index_add_(0, rows, coupling)
        return g, h + _symmetric(extra[:, 0], extra[:, 1], extra[:, 2])

    def _cosine(
        self, z: Tensor, sigma: Tensor, log_q: Tensor, hessian: bool
    ) -> tuple[Tensor, Tensor | None]:
        # L = -A / sqrt(B C), A = sum w p q, B = sum w p^2 (fixed), C = sum w q^2, so
        # grad L = -(B C)^-1/2 (grad A - A/(2C) grad C) and
        # Hess L = -(B C)^-1/2 (Hess A - A/(2C) Hess C - (gA gC' + gC gA')/(2C)
        #                       + 3A/(4C^2) gC gC').
        # Hess A and Hess C enter linearly, so one assembly gives their combination.
        q = log_q.exp()
        wq = self.weights * q
        alpha_a, alpha_c = wq * self.p, 2 * wq * q  # dA/dl, dC/dl
        big_a, big_c = alpha_a.sum(-1), alpha_c.sum(-1) / 2
        big_b = self.weights @ (self.p * self.p)
        ratio = (big_a / big_c)[:, None]
        ga = _gradient(z, sigma, alpha_a)
        gc = _gradient(z, sigma, alpha_c)
        scale = -1 / (big_b * big_c).sqrt()
        g = scale[:, None] * (ga - ratio / 2 * gc)
        if not hessian:
            return g, None
        # The diagonal second derivatives are d2A/dl2 = alpha_a and d2C/dl2 = 2 alpha_c.
        _, h_mix = _assemble(z, sigma, alpha_a - ratio / 2 * alpha_c, alpha_a - ratio * alpha_c)
        rc = big_c[:, None, None]
        h = scale[:, None, None] * (
            h_mix
            - (_outer(ga, gc) + _outer(gc, ga)) / (2 * rc)
            + 0.75 * ratio[:, :, None] / rc * _outer(gc, gc)
        )
        return g, h


def _gradient(z: Tensor, sigma: Tensor, alpha: Tensor) -> Tensor:
    r"""The gradient $\sum_i \alpha_i J_i$."""
    az = alpha * z
    return torch.stack([az.sum(-1) / sigma, (az * z).sum(-1) - alpha.sum(-1)], dim=-1)


def _assemble(z: Tensor, sigma: Tensor, alpha: Tensor, beta: Tensor) -> tuple[Tensor, Tensor]:
    r"""Gradient $\sum \alpha J$ and Hessian $\sum (\beta JJ^\top + \alpha K)$."""
    az = alpha * z
    a0, a1, a2 = alpha.sum(-1), az.sum(-1), (az * z).sum(-1)
    b0 = beta.sum(-1)
    t = beta * z
    b1 = t.sum(-1)
    t = t * z
    b2 = t.sum(-1)
    t = t * z
    b3 = t.sum(-1)
    b4 = (t * z).sum(-1)
    var = sigma * sigma
    g = torch.stack([a1 / sigma, a2 - a0], dim=-1)
    hmm = (b2 - a0) / var
    hms = (b3 - b1 - 2 * a1) / sigma
    hss = b4 - 2 * b2 + b0 - 2 * a2
    return g, _symmetric(hmm, hms, hss)


def _symmetric(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """The 2x2 matrices [[a, b], [b, c]], stacked."""
    return torch.stack([torch.stack([a, b], -1), torch.stack([b, c], -1)], -2)


def _outer(u: Tensor, v: Tensor) -> Tensor:
    return u[:, :, None] * v[:, None, :]
