r"""Structural risk: the empirical risk plus a penalty on the weights (eq. 6-9..6-12).

.. math::
    R_{\text{str}}(\theta) = R_{\text{emp}}(\theta) + \lambda J(\theta), \qquad
    J_{L1} = \sum_i |w_i|, \qquad J_{L2} = \tfrac12 \sum_i w_i^2

The :math:`\tfrac12` in :math:`J_{L2}` makes :math:`\lambda J_{L2}` exactly PyTorch's
``weight_decay=lambda`` for plain SGD (its gradient is :math:`\lambda w`). By default
only weights are penalized, not biases or BatchNorm parameters (any parameter with
fewer than two dimensions): shifting a unit's threshold does not make the function
more complex, and penalizing BatchNorm's scale fights the normalization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .autograd.tensor import Tensor
from .nn.module import Module
from .nn.parameter import Parameter


def _weights(params: Module | Iterable[Parameter], include_bias: bool) -> list[Parameter]:
    items = params.parameters() if isinstance(params, Module) else params
    chosen = [p for p in items if include_bias or p.ndim >= 2]
    if not chosen:
        raise ValueError("no parameters to penalize (biases are excluded unless include_bias)")
    return chosen


def l1_penalty(params: Module | Iterable[Parameter], *, include_bias: bool = False) -> Tensor:
    r"""Differentiable :math:`J_{L1} = \sum_i |w_i|` over the weights (eq. 6-12).

    Its subgradient :math:`\operatorname{sign}(w)` pushes small weights to exactly zero,
    which is why L1 gives sparse models.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt import nn
    >>> layer = nn.Linear(2, 1)
    >>> layer.weight.data[...] = [[1.0, -2.0]]
    >>> l1_penalty(layer).item()
    3.0
    """
    total = None
    for w in _weights(params, include_bias):
        term = w.abs().sum()
        total = term if total is None else total + term
    return total


def l2_penalty(params: Module | Iterable[Parameter], *, include_bias: bool = False) -> Tensor:
    r"""Differentiable :math:`J_{L2} = \tfrac12\sum_i w_i^2` over the weights (eq. 6-11).

    ``loss + lam * l2_penalty(model)`` has gradient ``grad + lam * w``: the same step as
    ``SGD(..., weight_decay=lam)``.

    Examples
    --------
    >>> from netopt import nn
    >>> layer = nn.Linear(2, 1)
    >>> layer.weight.data[...] = [[3.0, 4.0]]
    >>> l2_penalty(layer).item()
    12.5
    """
    total = None
    for w in _weights(params, include_bias):
        term = (w * w).sum()
        total = term if total is None else total + term
    return total * 0.5


class StructuralRisk:
    r"""A loss function plus weight penalties: :math:`R_{\text{emp}} + \lambda_1 J_{L1} +
    \lambda_2 J_{L2}`.

    Call it like the wrapped loss, ``risk(prediction, target)``. The last penalty
    value (a float, before the loss is added) is kept in ``last_penalty`` so the
    training loop can record it.

    Parameters
    ----------
    loss_fn : callable
        ``(prediction, target) -> Tensor``, e.g. ``nn.CrossEntropyLoss()``.
    model : Module
        Whose weights are penalized.
    l1, l2 : float
        Non-negative strengths :math:`\lambda_1, \lambda_2`.
    include_bias : bool, default False
        Penalize biases and other 1-d parameters too.
    """

    def __init__(
        self,
        loss_fn: Callable[[Any, Any], Tensor],
        model: Module,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        include_bias: bool = False,
    ) -> None:
        for name, value in (("l1", l1), ("l2", l2)):
            if not value >= 0:
                raise ValueError(f"Invalid {name} strength: {value}")
        self.loss_fn = loss_fn
        self.model = model
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.include_bias = include_bias
        self.last_penalty = 0.0

    def penalty(self) -> Tensor | float:
        """:math:`\\lambda_1 J_{L1} + \\lambda_2 J_{L2}` for the current weights."""
        total: Tensor | float = 0.0
        if self.l1:
            total = total + self.l1 * l1_penalty(self.model, include_bias=self.include_bias)
        if self.l2:
            total = total + self.l2 * l2_penalty(self.model, include_bias=self.include_bias)
        return total

    def __call__(self, prediction: Any, target: Any) -> Tensor:
        loss = self.loss_fn(prediction, target)
        penalty = self.penalty()
        self.last_penalty = float(penalty.item() if isinstance(penalty, Tensor) else penalty)
        return loss + penalty
