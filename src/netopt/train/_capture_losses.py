r"""The element-wise losses a captured step replays besides cross-entropy and MSE.

``BCEWithLogitsLoss`` / ``F.binary_cross_entropy_with_logits`` (no ``weight`` or
``pos_weight``), ``L1Loss`` / ``F.l1_loss``, ``SmoothL1Loss`` / ``F.smooth_l1_loss`` and
``HuberLoss`` / ``F.huber_loss``, "mean" or "sum", a target of the prediction's shape
and dtype. Each op calls the array kernels the eager function calls
(:func:`~netopt.nn.functional.loss_elementwise.bce_with_logits_array` and
``bce_with_logits_grad_array``; ``pointwise_loss_array`` and ``pointwise_loss_grad_array``
with ``np.abs``/``np.sign`` or :func:`~netopt.nn.functional.robust_loss.piecewise_array`
and ``piecewise_grad_array``), so the two cannot drift. :func:`config` is what the guard
records of a loss module (:func:`netopt.train._capture_plan._loss_config`), :func:`make_op`
the op for a loss, or None for a loss this module does not know.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

import numpy as np

from .._validate import is_real
from ..nn import BCEWithLogitsLoss, HuberLoss, L1Loss, SmoothL1Loss
from ..nn import functional as F
from ..nn.functional.loss_elementwise import (
    bce_with_logits_array,
    bce_with_logits_grad_array,
    pointwise_loss_array,
    pointwise_loss_grad_array,
)
from ..nn.functional.robust_loss import piecewise_array, piecewise_grad_array
from ._capture_ops import Unsupported

#: Loss modules with a configuration in the guard (:func:`config`).
CLASSES = (BCEWithLogitsLoss, L1Loss, SmoothL1Loss, HuberLoss)
#: The function forms, called with their defaults (reduction "mean", delta = beta = 1).
FUNCTIONS = {
    F.binary_cross_entropy_with_logits: BCEWithLogitsLoss,
    F.l1_loss: L1Loss,
    F.smooth_l1_loss: SmoothL1Loss,
    F.huber_loss: HuberLoss,
}


def _threshold(value: Any) -> float | None:
    """``float(value)`` as the eager loss uses it, None for a value it rejects."""
    return float(value) if is_real(value) else None


def config(loss_fn: Any) -> tuple:
    """What a plan assumes of a loss module of :data:`CLASSES` (compared by value)."""
    t, forward = type(loss_fn), "forward" in loss_fn.__dict__
    if t is BCEWithLogitsLoss:
        return (loss_fn.reduction, loss_fn.weight is None, loss_fn.pos_weight is None, forward)
    if t is SmoothL1Loss:
        return (loss_fn.reduction, _threshold(loss_fn.beta), forward)
    if t is HuberLoss:
        return (loss_fn.reduction, _threshold(loss_fn.delta), forward)
    return (loss_fn.reduction, forward)  # L1Loss


def make_op(loss_fn: Any, shape, dtype, y: np.ndarray) -> Any:
    """The replayed loss for ``loss_fn`` on a prediction of ``shape``/``dtype`` and
    targets ``y``; None for a loss not handled here; Unsupported for a setting that is
    not replayed."""
    if type(loss_fn) in CLASSES:
        kind, module = type(loss_fn), loss_fn
        if "forward" in loss_fn.__dict__:
            raise Unsupported(f"{kind.__name__} has its own forward on the instance")
    elif type(loss_fn) is not FunctionType or loss_fn not in FUNCTIONS:
        return None
    else:
        kind, module = FUNCTIONS[loss_fn], None
    name = kind.__name__
    reduction = "mean" if module is None else module.reduction
    if reduction not in ("mean", "sum"):
        raise Unsupported(f"{name} with reduction {reduction!r}")
    if y.shape != tuple(shape) or y.dtype != dtype or not y.size:
        raise Unsupported(f"{name} of {tuple(shape)} {dtype} against {y.shape} {y.dtype}")
    if kind is BCEWithLogitsLoss:
        if module is not None and (module.weight is not None or module.pos_weight is not None):
            raise Unsupported(f"{name} with weight or pos_weight")
        return BCEWithLogitsOp(shape, dtype, reduction)
    if kind is L1Loss:
        return PointwiseOp(shape, dtype, reduction, np.abs, np.sign)
    huber = kind is HuberLoss
    value = 1.0 if module is None else (module.delta if huber else module.beta)
    threshold = _threshold(value)
    if threshold is None or threshold < 0 or (huber and threshold == 0):
        raise Unsupported(f"{name} with {'delta' if huber else 'beta'}={value!r} (eager raises)")
    if threshold == 0:  # smooth_l1_loss with beta 0 is l1_loss
        return PointwiseOp(shape, dtype, reduction, np.abs, np.sign)
    scale = 1.0 if huber else 1.0 / threshold

    def value_of(d: np.ndarray) -> np.ndarray:
        return piecewise_array(d, threshold, scale)

    def slope_of(d: np.ndarray) -> np.ndarray:
        return piecewise_grad_array(d, threshold, scale)

    return PointwiseOp(shape, dtype, reduction, value_of, slope_of)


def _seed(shape, dtype, reduction: str) -> Any:
    """The gradient the eager backward hands the loss: 1 in ``dtype`` (a 0-d array, the
    seed), divided by the element count for the mean (a NumPy scalar, as ``g / n``)."""
    seed = np.ones((), dtype)
    return seed / int(np.prod(shape)) if reduction == "mean" else seed


class BCEWithLogitsOp:
    r"""Binary cross-entropy from logits, "mean" or "sum", no weights: the element-wise
    loss by :func:`~netopt.nn.functional.loss_elementwise.bce_with_logits_array` into
    buffers, then the eager reduction node's ``np.mean``/``np.sum`` over all axes
    (:func:`netopt.autograd.reduce.mean`/``sum``), and the gradient by
    :func:`~netopt.nn.functional.loss_elementwise.bce_with_logits_grad_array` with the
    reduction's gradient (:math:`1/n` or 1) as the scale."""

    def __init__(self, shape, dtype, reduction: str) -> None:
        self.loss, self.sp, self.tmp, self.g = (np.empty(shape, dtype) for _ in range(4))
        self.axes = tuple(range(len(shape)))
        self.reduce = np.mean if reduction == "mean" else np.sum
        self.scale = _seed(shape, dtype, reduction)

    def forward(self, z: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """The loss (0-d array) and the gradient of the logits (a buffer)."""
        loss = bce_with_logits_array(z, y, out=self.loss, sp=self.sp, tmp=self.tmp)[0]
        total = np.asarray(self.reduce(loss, axis=self.axes, keepdims=False))
        return total, bce_with_logits_grad_array(z, y, self.scale, out=self.g)


class PointwiseOp:
    r"""An element-wise loss of :math:`d = x - y` (L1, smooth L1, Huber), "mean" or
    "sum": :func:`~netopt.nn.functional.loss_elementwise.pointwise_loss_array` with ``d``
    in a buffer and :func:`~netopt.nn.functional.loss_elementwise.pointwise_loss_grad_array`,
    with the eager function's ``value`` and ``slope`` kernels."""

    def __init__(self, shape, dtype, reduction: str, value: Any, slope: Any) -> None:
        self.d = np.empty(shape, dtype)
        self.reduction, self.value, self.slope = reduction, value, slope
        self.scale = _seed(shape, dtype, reduction)

    def forward(self, z: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """The loss (0-d array) and the gradient of the prediction (a new array)."""
        out, d = pointwise_loss_array(z, y, self.reduction, self.value, d=self.d)
        return out, pointwise_loss_grad_array(d, self.slope, self.scale)
