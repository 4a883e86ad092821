r"""Element-wise losses (eq. 6-17 and the binary and KL forms), PyTorch's signatures:
``mse_loss``, ``l1_loss``, ``binary_cross_entropy``, ``binary_cross_entropy_with_logits``
and ``kl_div``. Shapes must match exactly (no broadcasting); ``reduction`` is ``"mean"``
(default), ``"sum"`` or ``"none"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import ops
from ...autograd.activation import sigmoid_array
from ...autograd.tensor import Tensor, as_array, make_result, needs_grad
from ._reduction import REDUCTIONS, check_reduction, check_same_shape, reduce


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    r"""Mean squared error (eq. 6-17) :math:`\ell = \frac1n\sum_i (x_i - y_i)^2`, one
    graph node; the math is on :func:`mse_loss_array` and :func:`mse_loss_grad_array`
    (step capture replays the same kernels). The target, when it requires grad, gets
    the negated gradient.
    """
    check_reduction(reduction)
    check_same_shape(input, target, "mse_loss")
    out, d = mse_loss_array(input._data, as_array(target), reduction)
    n = d.size

    def backward(g: np.ndarray) -> tuple:
        local = mse_loss_grad_array(d, g / n if reduction == "mean" else g)
        return (
            local if needs_grad(input) else None,
            -local if needs_grad(target) else None,
        )

    return make_result(out, (input, target), backward)


def mse_loss_array(
    input: np.ndarray,
    target: Any,
    reduction: str = "mean",
    *,
    d: np.ndarray | None = None,
    sq: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The forward of :func:`mse_loss` on arrays: :math:`d = x - y`, the squares
    :math:`d_i^2` (``"none"``), their sum, or the sum divided by :math:`n` = ``d.size``
    (``"mean"``), as a 0-d array in ``d``'s dtype. Returns ``(loss, d)``; ``d`` and ``sq``
    (shape of ``input``) are optional buffers, the results the same bits either way.
    """
    d = np.subtract(input, target, out=d)
    sq = np.square(d, out=sq)
    if reduction == "none":
        return sq.astype(d.dtype, copy=False), d
    total = sq.sum()
    return np.asarray(total / d.size if reduction == "mean" else total, dtype=d.dtype), d


def mse_loss_grad_array(d: np.ndarray, scale: Any, out: np.ndarray | None = None) -> np.ndarray:
    r"""The gradient of :func:`mse_loss_array`'s loss with respect to the input,
    :math:`(2 d)\, s` in ``d``'s dtype, where ``scale`` :math:`s` is the incoming
    gradient, divided by :math:`n` for the mean; into ``out`` when given.
    """
    out = np.multiply(2, d, out=out)
    return np.multiply(out, scale, out=out)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error :math:`\frac1n\sum_i |x_i - y_i|`; gradient
    :math:`\operatorname{sign}(x - y)/n` (0 at a tie, as PyTorch)."""
    check_reduction(reduction)
    check_same_shape(input, target, "l1_loss")
    return _fused_pointwise(input, target, reduction, np.abs, np.sign)


def _fused_pointwise(input, target, reduction, value, slope) -> Tensor:
    """The loss ``value(d)`` of ``d = input - target``, reduced, as one node whose local
    gradient is ``slope(d)`` (``-slope(d)`` for the target); results in ``d``'s dtype.
    The math is on :func:`pointwise_loss_array` and :func:`pointwise_loss_grad_array`
    (step capture replays the same kernels)."""
    out, d = pointwise_loss_array(input._data, as_array(target), reduction, value)
    n = d.size

    def backward(g: np.ndarray) -> tuple:
        local = pointwise_loss_grad_array(d, slope, g / n if reduction == "mean" else g)
        return (
            local if needs_grad(input) else None,
            -local if needs_grad(target) else None,
        )

    return make_result(out, (input, target), backward)


def pointwise_loss_array(
    input: np.ndarray, target: Any, reduction: str, value: Any, *, d: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""The forward of an element-wise loss of :math:`d = x - y` (``l1_loss``,
    ``huber_loss``, ``smooth_l1_loss``): ``value(d)`` (``"none"``), its sum, or the sum
    divided by :math:`n` = ``d.size`` (``"mean"``), in ``d``'s dtype. Returns ``(loss,
    d)``; ``d`` is an optional buffer (shape of ``input``), the results the same bits.
    """
    d = np.subtract(input, target, out=d)
    pointwise = value(d)
    if reduction == "none":
        return pointwise.astype(d.dtype, copy=False), d
    total = pointwise.sum()
    return np.asarray(total / d.size if reduction == "mean" else total, dtype=d.dtype), d


def pointwise_loss_grad_array(d: np.ndarray, slope: Any, scale: Any) -> np.ndarray:
    r"""The gradient of :func:`pointwise_loss_array`'s loss with respect to the input:
    ``slope(d)`` times ``scale`` (the incoming gradient, divided by :math:`n` for the
    mean), in ``d``'s dtype."""
    return (slope(d) * scale).astype(d.dtype, copy=False)


#: PyTorch's floor under :math:`x(1-x)` in the gradient of ``binary_cross_entropy``: 1e-12,
#: which it stores in single precision (9.99999996e-13), so the value here is the same.
_BCE_EPSILON = float(np.float32(1e-12))


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Binary cross-entropy of probabilities :math:`x \in [0, 1]` against :math:`y \in [0, 1]`.

    .. math::
        \ell = -w\,\big(y \max(\ln x, -100) + (1 - y) \max(\ln(1 - x), -100)\big)

    The logarithms are clamped at -100 as in PyTorch, so :math:`x = 0` or 1 gives a
    finite loss. Gradients (PyTorch's): :math:`\partial\ell/\partial x = w (x - y) /
    \max(x(1 - x), \epsilon)` with :math:`\epsilon` = float32(1e-12), and
    :math:`\partial\ell/\partial y = w(\ln(1-x) - \ln x)`.
    Prefer :func:`binary_cross_entropy_with_logits` on logits: it is exact where
    :math:`\sigma(z)` rounds to 0 or 1.

    Raises
    ------
    ValueError
        If an element of ``input`` lies outside :math:`[0, 1]`, or the shapes differ.
    """
    check_reduction(reduction)
    check_same_shape(input, target, "binary_cross_entropy")
    x, y = input._data, as_array(target)
    outside = (x < 0) | (x > 1)
    if outside.any():
        raise ValueError(
            "binary_cross_entropy(): all elements of input should be between 0 and 1 "
            f"(probabilities, e.g. after sigmoid); got {x[outside].flat[0]}"
        )
    with np.errstate(divide="ignore"):  # log 0 = -inf, clamped next
        log_x, log_1mx = np.log(x), np.log1p(-x)
    loss = -(y * np.maximum(log_x, -100) + (1 - y) * np.maximum(log_1mx, -100))
    if weight is not None:
        loss = loss * as_array(weight)
    loss = np.asarray(loss, dtype=x.dtype)

    def backward(g: np.ndarray) -> tuple:
        scale = g if weight is None else g * as_array(weight)
        gx = gy = None
        if needs_grad(input):
            gx = scale * (x - y) / np.maximum(x * (1 - x), _BCE_EPSILON)
        if needs_grad(target):
            gy = scale * (log_1mx - log_x)
        return gx, gy

    return reduce(make_result(loss, (input, target), backward), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    r"""Binary cross-entropy of :math:`\sigma(z)` against :math:`y \in [0, 1]`, stable form.

    .. math::
        \ell = (1 - y)\,z + (1 + (p_w - 1) y)\,\big(\ln(1 + e^{-|z|}) + \max(-z, 0)\big)

    which is :math:`\max(z, 0) - z y + \ln(1 + e^{-|z|})` without ``pos_weight``
    :math:`p_w`: no overflow at :math:`|z| = 1000`. Gradient in :math:`z`:
    :math:`(1-y) + (1 + (p_w-1)y)(\sigma(z) - 1)`, i.e. :math:`\sigma(z) - y`.
    """
    check_reduction(reduction)
    check_same_shape(input, target, "binary_cross_entropy_with_logits")
    z, y = input._data, as_array(target)
    pw = None if pos_weight is None else as_array(pos_weight)
    lw = None if pw is None else 1 + (pw - 1) * y
    loss, softplus_neg = bce_with_logits_array(z, y, lw)
    if weight is not None:
        loss = loss * as_array(weight)
    loss = np.asarray(loss, dtype=z.dtype)

    def backward(g: np.ndarray) -> tuple:
        scale = g if weight is None else g * as_array(weight)
        gz = gy = None
        if needs_grad(input):
            gz = bce_with_logits_grad_array(z, y, scale, lw)
        if needs_grad(target):
            gy = scale * (-z + (0 if pw is None else (pw - 1) * softplus_neg))
        return gz, gy

    node = make_result(loss, (input, target), backward)
    return reduce(node, reduction)


def bce_with_logits_array(
    z: np.ndarray,
    y: Any,
    lw: Any = None,
    *,
    out: np.ndarray | None = None,
    sp: np.ndarray | None = None,
    tmp: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The element-wise loss of :func:`binary_cross_entropy_with_logits` before its
    ``weight``: :math:`(1 - y) z + l_w s` with :math:`s = \ln(1 + e^{-|z|}) + \max(-z, 0)`
    and ``lw`` :math:`l_w = 1 + (p_w - 1) y` (None: no ``pos_weight``, the factor
    1 left out). Returns ``(loss, s)``; ``out``, ``sp`` (for :math:`s`) and ``tmp``
    (shape and dtype of the result) are optional buffers, the results the same bits.
    """
    log = np.log1p(np.exp(np.negative(np.abs(z, out=sp), out=sp), out=sp), out=sp)
    sp = np.add(log, np.maximum(np.negative(z, out=tmp), 0, out=tmp), out=sp)
    loss = np.multiply(np.subtract(1, y, out=out), z, out=out)
    return np.add(loss, sp if lw is None else lw * sp, out=out), sp


def bce_with_logits_grad_array(
    z: np.ndarray, y: Any, scale: Any, lw: Any = None, *, out: np.ndarray | None = None
) -> np.ndarray:
    r"""The gradient of :func:`bce_with_logits_array`'s loss with respect to the logits,
    ``scale`` :math:`\cdot ((1 - y) + l_w (\sigma(z) - 1))` (``scale`` the incoming
    gradient, times the ``weight`` if any); into ``out`` when given.
    """
    s = sigmoid_array(z)
    s = np.subtract(s, 1, out=s)  # sigmoid_array returns a new array
    if lw is not None:
        s = lw * s
    g = np.add(np.subtract(1, y, out=out), s, out=out)
    return np.multiply(scale, g, out=out)


def kl_div(
    input: Tensor,
    target: Any,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    r"""KL divergence with PyTorch's argument order: ``input`` is :math:`\log q`.

    .. math:: \ell_i = t_i(\log t_i - x_i) \quad(\text{with } 0 \log 0 = 0)

    or :math:`e^{t_i}(t_i - x_i)` when ``log_target``. ``reduction="batchmean"`` sums
    and divides by the batch size ``input.shape[0]``, which is the true mean KL per
    sample; ``"mean"`` averages over all elements, as PyTorch does.
    """
    check_reduction(reduction, (*REDUCTIONS, "batchmean"))
    check_same_shape(input, target, "kl_div")
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if log_target:
        pointwise = ops.exp(t) * (t - input)
    else:
        pointwise = ops.xlogy(t, t) - t * input
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return pointwise.sum() / float(batch)
    return reduce(pointwise, reduction)
