"""``SmoothL1Loss`` and ``HuberLoss``: the modules over :mod:`netopt.nn.functional.robust_loss`."""

from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .functional import robust_loss as F
from .loss import _Loss


class SmoothL1Loss(_Loss):
    """Smooth L1 loss; see :func:`netopt.nn.functional.smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss; see :func:`netopt.nn.functional.huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
