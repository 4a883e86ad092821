r"""Losses that grow linearly for large errors: ``smooth_l1_loss`` and ``huber_loss``
(PyTorch's signatures and numbers). Shapes must match exactly, as for the other losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_real
from ...autograd.tensor import Tensor
from ._reduction import check_reduction, check_same_shape
from .loss_elementwise import _fused_pointwise, l1_loss


def _piecewise(
    input: Tensor, target: Any, reduction: str, delta: float, scale: float, op: str
) -> Tensor:
    """``scale`` times Huber's loss with threshold ``delta``, reduced; see the callers.

    ``op`` (the caller's name) names the node's ``grad_fn`` (huber's and smooth L1's nodes
    are the same at ``delta = beta = 1``; torch names them apart)."""

    def value(d: np.ndarray) -> np.ndarray:
        return piecewise_array(d, delta, scale)

    def slope(d: np.ndarray) -> np.ndarray:
        return piecewise_grad_array(d, delta, scale)

    slope.__qualname__ = f"{op}.slope"
    return _fused_pointwise(input, target, reduction, value, slope)


def piecewise_array(d: np.ndarray, delta: float, scale: float) -> np.ndarray:
    r"""``scale`` times Huber's element-wise loss of the differences ``d``:
    :math:`\tfrac12 d^2` where :math:`|d| < \delta`, else :math:`\delta(|d| -
    \tfrac12\delta)` (the ``value`` of :func:`huber_loss` and :func:`smooth_l1_loss`; step
    capture replays it)."""
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)) * scale


def piecewise_grad_array(d: np.ndarray, delta: float, scale: float) -> np.ndarray:
    r"""The derivative of :func:`piecewise_array` in ``d``: ``scale`` times :math:`d`
    where :math:`|d| < \delta`, else :math:`\delta \operatorname{sign}(d)`."""
    return np.where(np.abs(d) < delta, d, delta * np.sign(d)) * scale


def huber_loss(
    input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None
) -> Tensor:
    r"""Huber's loss: quadratic within ``delta`` of the target, linear beyond.

    .. math::
        \ell_i = \begin{cases} \tfrac12 d_i^2 & |d_i| < \delta \\
        \delta\,(|d_i| - \tfrac12\delta) & \text{otherwise} \end{cases},
        \qquad d_i = x_i - y_i

    Gradient :math:`d_i` inside, :math:`\delta\operatorname{sign}(d_i)` outside.

    Raises
    ------
    ValueError
        ``delta`` not positive, an unknown ``reduction``, or different shapes.
    """
    check_reduction(reduction)
    check_same_shape(input, target, "huber_loss")
    if not is_real(delta) or delta <= 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got {delta}")
    if weight is not None:
        raise NotImplementedError("huber_loss(weight=...) is not supported by netopt")
    return _piecewise(input, target, reduction, float(delta), 1.0, "huber_loss")


def smooth_l1_loss(
    input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean", beta: float = 1.0,
) -> Tensor:  # fmt: skip
    r"""Smooth L1: Huber's loss divided by ``beta`` (:func:`huber_loss` with
    :math:`\delta = \beta`, times :math:`1/\beta`); plain L1 when ``beta == 0``.

    .. math::
        \ell_i = \begin{cases} \tfrac{1}{2\beta} d_i^2 & |d_i| < \beta \\
        |d_i| - \tfrac12\beta & \text{otherwise} \end{cases}

    Raises
    ------
    ValueError
        ``beta`` negative, an unknown ``reduction``, or different shapes.
    """
    if size_average is not None or reduce is not None:
        raise ValueError("size_average and reduce are deprecated; use reduction=")
    check_reduction(reduction)
    check_same_shape(input, target, "smooth_l1_loss")
    if not is_real(beta) or beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _piecewise(input, target, reduction, float(beta), 1.0 / float(beta), "smooth_l1_loss")
