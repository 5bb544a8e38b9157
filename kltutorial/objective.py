r"""One loss against one target on one grid, as a function of $\theta = (\mu, \log\sigma)$.

What the optimisers see of a loss: its value, gradient and Hessian at many $\theta$
at once. The loss is looked up by name in [`TABLE`][kltutorial.losses.TABLE]; the target's
quantities the derivatives need are computed once.
"""

from __future__ import annotations

from torch import Tensor

from kltutorial.derivatives import Derivatives, Target
from kltutorial.losses import get_definition


class Objective:
    r"""One loss against one target on one grid, as a function of $\theta$.

    Args:
        loss: The loss's name, a key of [`LOSSES`][kltutorial.LOSSES].
        log_p: The target's log-density on ``x``, shape ``(n,)``.
        x: The grid, shape ``(n,)``, same dtype as ``log_p``.
    """

    def __init__(self, loss: str, log_p: Tensor, x: Tensor) -> None:
        self.definition = get_definition(loss)
        self.target = Target(log_p, x)

    def value(self, theta: Tensor) -> Tensor:
        """The loss at each row of ``theta`` (shape ``(k, 2)``)."""
        f, _, _ = self.definition.in_theta_terms(self.target, theta, 0)
        return f

    def value_grad_hessian(self, theta: Tensor) -> Derivatives:
        r"""The loss, its gradient and its Hessian in $\theta$, for each row."""
        f, g, h = self.definition.in_theta_terms(self.target, theta, 2)
        assert g is not None
        assert h is not None
        return f, g, h

    def value_and_gradient(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        """The loss and its gradient only (for Adam, which needs no Hessian)."""
        f, g, _ = self.definition.in_theta_terms(self.target, theta, 1)
        assert g is not None
        return f, g
