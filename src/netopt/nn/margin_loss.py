"""``MultiMarginLoss``: the module over :func:`netopt.nn.functional.multi_margin_loss`."""

from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .functional.margin_loss import multi_margin_loss
from .loss import _Loss


class MultiMarginLoss(_Loss):
    """Multi-class hinge loss; see :func:`netopt.nn.functional.multi_margin_loss`.

    Raises
    ------
    ValueError
        ``p`` not 1 or 2, or ``weight`` not one-dimensional (PyTorch checks both here);
        ``size_average`` or ``reduce`` given (torch's deprecated arguments).
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        if size_average is not None or reduce is not None:
            raise ValueError("size_average and reduce are deprecated; use reduction=")
        super().__init__(reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and getattr(weight, "ndim", 1) != 1:
            raise ValueError("weight must be one-dimensional")
        self.p = p
        self.margin = margin
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multi_margin_loss(
            input, target, self.p, self.margin, self.weight, reduction=self.reduction
        )
