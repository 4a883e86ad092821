r"""Classification losses (chapter section 6.2, eq. 6-13..6-16): ``cross_entropy`` and
``nll_loss``, with PyTorch's signatures; the element-wise losses (MSE, L1, binary
cross-entropy, KL) are in :mod:`.loss_elementwise`.

Unlike PyTorch, a prediction/target shape mismatch raises ``ValueError`` naming both
shapes instead of silently broadcasting ((256, 1) against (256,) would otherwise
become a 256x256 loss), and a class index out of range raises naming the index.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.activation import log_softmax_array
from ...autograd.tensor import Tensor, as_array, make_result, needs_grad
from ._reduction import check_reduction, reduce


def _to_rows(input: Tensor) -> tuple[np.ndarray, tuple[int, ...]]:
    """Logits as (rows, C) with the class axis (1, or 0 when unbatched) moved last."""
    z = input._data
    if z.ndim == 0:
        raise ValueError("cross_entropy(): input must have at least one dimension (classes)")
    if z.ndim == 1:
        return z[None, :], ()
    if z.ndim == 2:
        return z, (z.shape[0],)
    batch = (z.shape[0], *z.shape[2:])
    return np.moveaxis(z, 1, -1).reshape(-1, z.shape[1]), batch


def _from_rows(grad_rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if len(shape) == 1:
        return grad_rows[0]
    if len(shape) == 2:
        return grad_rows
    moved = grad_rows.reshape(shape[0], *shape[2:], shape[1])
    return np.moveaxis(moved, -1, 1)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Cross-entropy between softmax(``input``) and ``target`` (eq. 6-13..6-16), fused.

    For logits :math:`z` and target distribution :math:`t` over :math:`C` classes,

    .. math::
        \ell_n = -\sum_c w_c\, t'_{nc} \log\mathrm{softmax}(z_n)_c, \qquad
        t' = (1-\varepsilon)\, t + \varepsilon / C ,

    where :math:`t` is one-hot for class-index targets (:math:`\varepsilon` =
    ``label_smoothing``). Loss and gradient are one graph node; the gradient is
    :func:`softmax_cross_entropy_grad`.

    Parameters
    ----------
    input : Tensor
        Logits of shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
    target : Tensor or array_like
        Class indices (integer, shape ``()``/``(N)``/``(N, d1, ...)``) or class
        probabilities (float, same shape as ``input``). A probability tensor that
        requires grad gets :math:`\partial\ell_n/\partial t_{nc} = -(1-\varepsilon)\,
        w_c \log\mathrm{softmax}(z_n)_c`, as in PyTorch.
    weight : array_like, optional
        Per-class weights, shape ``(C,)``.
    ignore_index : int, default -100
        Class-index targets equal to it contribute nothing (index targets only).
    reduction : {"mean", "sum", "none"}
        As PyTorch: with index targets "mean" divides by the summed weight of the
        non-ignored targets; with probability targets by the number of samples.
    label_smoothing : float in [0, 1]

    Raises
    ------
    ValueError
        Bad reduction or smoothing, a target shape that fits neither form, or a class
        index outside ``[0, C)``.

    Examples
    --------
    >>> import netopt
    >>> z = netopt.tensor([[0.0, 0.0]], requires_grad=True)
    >>> loss = cross_entropy(z, netopt.tensor([1]))
    >>> round(loss.item(), 6)  # ln 2
    0.693147
    >>> loss.backward(); z.grad.numpy()
    array([[ 0.5, -0.5]], dtype=float32)
    """
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    rows, batch = _to_rows(input)
    n_rows, n_classes = rows.shape
    t = np.asarray(as_array(target))
    plain = _cross_entropy_plain(input, t, batch, weight, ignore_index, reduction, label_smoothing)
    if plain is not None:
        return plain
    w = None if weight is None else np.asarray(as_array(weight), dtype=rows.dtype)
    if w is not None and w.shape != (n_classes,):
        raise ValueError(f"weight should have shape ({n_classes},), got {w.shape}")
    logp = log_softmax_array(rows, 1)

    if t.dtype.kind in "iu":
        if t.shape != batch:
            raise ValueError(
                f"cross_entropy(): input shape {input.shape} needs class-index target of "
                f"shape {batch}, got {t.shape}"
            )
        y = t.reshape(-1).astype(np.int64)
        keep = y != ignore_index
        bad = keep & ((y < 0) | (y >= n_classes))
        if bad.any():
            raise ValueError(
                f"Target {int(y[bad][0])} is out of bounds: class indices must be in "
                f"[0, {n_classes})"
            )
        y_safe = np.where(keep, y, 0)
        coef = None
        if w is not None or label_smoothing > 0 or not keep.all():
            wy = w[y_safe] if w is not None else np.ones(n_rows, rows.dtype)
            coef = np.zeros_like(rows)
            coef[np.arange(n_rows), y_safe] = (1 - label_smoothing) * wy
            if label_smoothing > 0:
                coef += (label_smoothing / n_classes) * (w if w is not None else 1.0)
            coef[~keep] = 0
            denom = float(np.sum(wy[keep])) if w is not None else float(np.sum(keep))
            losses = -np.sum(coef * np.where(coef == 0, 0, logp), axis=1)
        else:
            denom = float(n_rows)
            losses = -logp[np.arange(n_rows), y]
    elif t.dtype.kind == "f":
        if t.shape != input.shape:
            raise ValueError(
                f"cross_entropy(): probability target shape {t.shape} must equal input "
                f"shape {input.shape}"
            )
        y = None
        probs, _ = _to_rows(Tensor(t))
        coef = probs * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            coef = coef * w
        coef = coef.astype(rows.dtype, copy=False)
        denom = float(n_rows)
        losses = -np.sum(coef * np.where(coef == 0, 0, logp), axis=1)
    else:
        raise TypeError(f"cross_entropy(): target dtype {t.dtype} is neither integer nor float")

    losses = losses.astype(rows.dtype, copy=False)
    if reduction == "none":
        out = losses.reshape(batch)
    elif reduction == "sum":
        out = np.asarray(losses.sum(), dtype=rows.dtype)
    else:
        out = np.asarray(losses.sum() / denom, dtype=rows.dtype)

    # A probability target that requires grad gets one too (PyTorch):
    # d l_n / d t_nc = -(1 - eps) w_c log softmax(z_n)_c.
    soft = target if isinstance(target, Tensor) and t.dtype.kind == "f" else None

    def backward(g: np.ndarray) -> tuple:
        scale = g.reshape(-1, 1) if reduction == "none" else g / denom if reduction == "mean" else g
        at = None if coef is not None else (np.arange(n_rows), y)
        grad = softmax_cross_entropy_grad(np.exp(logp), scale, at, coef)
        grad_t = None
        if needs_grad(soft):
            grad_t = logp * (-(1 - label_smoothing) * (w if w is not None else 1.0))
            grad_t = _from_rows(grad_t * scale, input.shape).astype(t.dtype, copy=False)
        return _from_rows(grad, input.shape), grad_t

    return make_result(out, (input, soft), backward)


def softmax_cross_entropy_grad(
    p: np.ndarray, scale: Any, target_at: tuple | None, coef: np.ndarray | None
) -> np.ndarray:
    r"""The backward of softmax cross-entropy: the gradient with respect to the logit rows.

    .. math::
        \frac{\partial \ell_n}{\partial z_n}
        = s_n \Big(\mathrm{softmax}(z_n) \textstyle\sum_c a_{nc} - a_n\Big),
        \qquad a_{nc} = w_c\, t'_{nc}

    ``p`` holds the rows :math:`\mathrm{softmax}(z_n)`, shape ``(N, C)``; it is overwritten
    and returned. ``coef`` is :math:`a` (weights, smoothing, ignored rows, probability
    targets); or it is None for plain class indices, where :math:`a_n = e_{y_n}` and the
    gradient is :math:`s_n(\mathrm{softmax}(z_n) - e_{y_n})`, and ``target_at`` is the index
    ``(rows, y)`` of the target entries. ``scale`` is :math:`s`: the incoming gradient,
    divided by the mean's denominator, broadcastable to ``(N, 1)``.
    """
    if coef is None:
        grad = p
        grad[target_at] -= 1
    else:
        grad = p * coef.sum(axis=1, keepdims=True) - coef
    grad *= scale
    return grad


def cross_entropy_plain_array(
    z: np.ndarray,
    y: np.ndarray,
    mean: bool,
    *,
    rows: np.ndarray | None = None,
    m: np.ndarray | None = None,
    e: np.ndarray | None = None,
    total: np.ndarray | None = None,
    log: np.ndarray | None = None,
) -> tuple | None:
    r"""The forward of the plain fused softmax cross-entropy on arrays: logits ``z`` of shape
    (N, C), class indices ``y`` of shape (N,), the mean (``mean``) or the sum of

    .. math::
        \ell_n = \ln\sum_c e^{z_{nc} - m_n} - (z_{n y_n} - m_n),

    :math:`m_n` the row maximum, summed in row order and cast to ``z``'s dtype. Returns
    ``(loss, e, total, at)``: the 0-d loss, the exponentials :math:`e^{z - m}`, their row
    sums (N, 1), and the index ``(rows, y)`` of the targets, which
    :func:`cross_entropy_plain_grad_array` turns into the gradient without a second
    ``exp``; or None when an index is negative or :math:`\ge C` or a row's maximum is
    infinite or NaN. ``rows`` (``arange(N)``), ``m``, ``total`` (N, 1), ``e`` (N, C) and
    ``log`` (N,) are optional buffers; the results are the same bits either way.
    """
    if not np.minimum.reduce(y, axis=None) >= 0:
        return None
    m = np.maximum.reduce(z, axis=1, keepdims=True, out=m)
    if not np.logical_and.reduce(np.isfinite(m), axis=None):  # an infinite or NaN maximum
        return None
    at = (np.arange(len(y)) if rows is None else rows, y)
    e = np.subtract(z, m, out=e)
    try:
        picked = e[at]  # z_y - m
    except IndexError:
        return None
    np.exp(e, out=e)
    total = np.add.reduce(e, axis=1, keepdims=True, out=total)
    log = np.log(total[:, 0], out=log)
    np.subtract(log, picked, out=log)
    loss = np.add.reduce(log, axis=None)
    return np.asarray(loss / float(len(y)) if mean else loss, dtype=z.dtype), e, total, at


def cross_entropy_plain_grad_array(
    e: np.ndarray, total: np.ndarray, scale: Any, at: tuple, out: np.ndarray | None = None
) -> np.ndarray:
    r"""The gradient of the logits for :func:`cross_entropy_plain_array`'s loss:
    :math:`s\,(\mathrm{softmax}(z_n) - e_{y_n})` with :math:`\mathrm{softmax}(z_n)` = ``e /
    total`` (written into ``out`` when given), by :func:`softmax_cross_entropy_grad`;
    ``scale`` is :math:`s`, the incoming gradient divided by :math:`N` for the mean.
    """
    return softmax_cross_entropy_grad(np.divide(e, total, out=out), scale, at, None)


def _cross_entropy_plain(
    input: Tensor,
    y: np.ndarray,
    batch: tuple[int, ...],
    weight: Any,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor | None:
    r""":func:`cross_entropy` specialized to the plain case, fused: (N, C) logits,
    non-negative class indices of shape (N,), no weights, smoothing or ignorable index, a
    "mean" or "sum" reduction; the math is on :func:`cross_entropy_plain_array` and
    :func:`cross_entropy_plain_grad_array` (step capture replays the same kernels).
    Returns None (the general path, which handles or reports them) outside the plain case,
    when an index is :math:`\ge C` or when a row's maximum is infinite or NaN.
    """
    z = input._data
    if not (
        weight is None
        and label_smoothing == 0
        and reduction != "none"
        and z.ndim == 2
        and y.dtype.kind in "iu"
        and y.shape == batch
        and z.shape[0] > 0
        and (ignore_index < 0 or ignore_index >= z.shape[1])
    ):
        return None
    plain = cross_entropy_plain_array(z, y, reduction == "mean")
    if plain is None:
        return None
    out, e, total, at = plain
    denom = float(len(y)) if reduction == "mean" else 1.0

    def backward(g: np.ndarray) -> tuple:
        return (cross_entropy_plain_grad_array(e, total, g / denom, at),)

    return make_result(out, (input,), backward)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    r"""Negative log-likelihood :math:`\ell_n = -w_{y_n} x_{n, y_n}` of log-probabilities.

    ``cross_entropy(z, y)`` equals ``nll_loss(log_softmax(z, 1), y)``; "mean" divides by
    the summed weight of the non-ignored targets.
    """
    check_reduction(reduction)
    x = input._data
    if x.ndim != 2:
        raise ValueError(f"nll_loss(): expected input of shape (N, C), got {x.shape}")
    n_rows, n_classes = x.shape
    y = np.asarray(as_array(target))
    if y.dtype.kind not in "iu" or y.shape != (n_rows,):
        raise ValueError(f"nll_loss(): target must be {n_rows} class indices, got {y.shape}")
    keep = y != ignore_index
    bad = keep & ((y < 0) | (y >= n_classes))
    if bad.any():
        raise ValueError(f"Target {int(y[bad][0])} is out of bounds: [0, {n_classes})")
    y_safe = np.where(keep, y, 0)
    w = np.ones(n_classes, x.dtype) if weight is None else np.asarray(as_array(weight), x.dtype)
    wy = np.where(keep, w[y_safe], 0).astype(x.dtype)
    picked = Tensor(np.zeros_like(x))
    picked._data[np.arange(n_rows), y_safe] = -wy
    losses = (input * picked).sum(1)
    if reduction == "mean":
        return losses.sum() / float(wy.sum())
    return reduce(losses, reduction)
