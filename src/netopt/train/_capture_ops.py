r"""The operations a captured training step replays (see :mod:`netopt.train.capture`).

Each layer becomes one object whose ``forward(x)`` writes into a buffer allocated once for
the batch shape and whose ``backward(g)`` writes the parameter gradients into their
targets (the optimizer's gradient slots, or buffers of the plan) and returns the gradient
of its input, usually written over ``g`` (every ``g`` handed to a backward is a buffer of
the plan, never an array the caller can see).

Bit-identity with the eager step: the ops call the array kernels the eager functions
call, with ``out=`` buffers: the activations those of :mod:`netopt.autograd.activation`
(``tanh_grad``, ``sigmoid_array``, ``sigmoid_grad``,
``leaky_relu_array``/``_grad``, ``elu_array``/``_grad``), batch norm those of
:mod:`netopt.nn.functional.normalization` (``batch_norm_stats_array``,
``batch_norm_array``, ``batch_norm_backward_array``), MSE those of
:mod:`netopt.nn.functional.loss_elementwise` (``mse_loss_array``,
``mse_loss_grad_array``). Where the eager math sits inside a graph closure
(:func:`netopt.nn.functional.linear`, :func:`netopt.nn.functional.dropout`, the
structural risk's penalty), for ReLU (``relu_grad``'s two operations with a zero made
once) and for the plain cross-entropy (whose kernels in
:mod:`netopt.nn.functional.loss` check and index the targets in ways that cost more per
call, see :class:`CrossEntropyOp`), the op performs the same NumPy arithmetic in the
same order and dtypes, with ``out=`` instead of fresh arrays.
``tests/train/test_capture.py`` checks bit-identity with ``np.array_equal``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from ..autograd.activation import (
    elu_array,
    elu_grad,
    leaky_relu_array,
    leaky_relu_grad,
    sigmoid_array,
    sigmoid_grad,
    tanh_grad,
)
from ..autograd.tensor import Tensor
from ..nn.functional.loss_elementwise import mse_loss_array, mse_loss_grad_array
from ..nn.functional.normalization import (
    batch_norm_array,
    batch_norm_backward_array,
    batch_norm_stats_array,
)


class Unsupported(Exception):
    """The step cannot be captured; the message says why (the step runs eagerly)."""


class LinearOp:
    r"""``y = x W^T + b`` into a buffer; backward as :func:`netopt.nn.functional.linear`."""

    def __init__(self, w: np.ndarray, b, out_shape, gw, gb, need_gx: bool) -> None:
        self.w, self.wt, self.b = w, w.T, b
        self.out = np.empty(out_shape, w.dtype)
        self.gw, self.gb = gw, gb  # gradient targets, or None (requires_grad False)
        self.gx = np.empty((out_shape[0], w.shape[1]), w.dtype) if need_gx else None
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        np.matmul(x, self.wt, out=self.out)
        if self.b is not None:
            np.add(self.out, self.b, out=self.out)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        if self.gw is not None:
            np.matmul(g.T, self.x, out=self.gw)
        if self.gb is not None:
            np.add.reduce(g, axis=0, out=self.gb)
        if self.gx is not None:
            np.matmul(g, self.w, out=self.gx)
        return self.gx


class ReluOp:
    r"""ReLU (:func:`netopt.autograd.activation.relu`): in place on a Linear's output;
    backward ``g`` where :math:`y \ne 0`, else +0 (torch's "not :math:`y \le 0`": a NaN
    passes ``g``), by :func:`~netopt.autograd.activation.relu_grad`'s integer mask."""

    def __init__(self, shape, dtype, inplace: bool) -> None:
        self.out = None if inplace else np.empty(shape, dtype)
        self.mask = np.empty(shape, bool)
        self.zero = np.zeros((), dtype)  # eager's 0 in x's dtype, not converted per call
        self.bits = np.dtype(f"i{self.zero.itemsize}")  # relu_grad's integer view of g

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = x if self.out is None else self.out
        np.maximum(x, self.zero, out=out)
        self.y = out
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        # relu_grad's two operations (out=g), with the zero made once
        np.not_equal(self.y, self.zero, out=self.mask)
        bits = g.view(self.bits)
        np.multiply(bits, self.mask, out=bits)
        return g


class TanhOp:
    r"""tanh; backward ``g * (1 - y*y)`` (:func:`netopt.autograd.activation.tanh`)."""

    def __init__(self, shape, dtype) -> None:
        self.out, self.tmp = np.empty(shape, dtype), np.empty(shape, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x, out=self.out)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return tanh_grad(g, self.out, out=g, tmp=self.tmp)


class SigmoidOp:
    r"""Sigmoid by :func:`~netopt.autograd.activation.sigmoid_array`; backward
    ``g * y * (1 - y)`` (:func:`netopt.autograd.activation.sigmoid`)."""

    def __init__(self, shape, dtype) -> None:
        self.tmp = np.empty(shape, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid_array(x)
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return sigmoid_grad(g, self.out, out=g, tmp=self.tmp)


class LeakyReluOp:
    r"""Leaky ReLU (:func:`netopt.autograd.activation.leaky_relu`): ``x`` where
    :math:`x > 0`, else ``x * slope``; backward ``g`` or ``g * slope``."""

    def __init__(self, shape, dtype, slope: float) -> None:
        self.slope = slope
        self.pos = np.empty(shape, bool)
        self.out, self.tmp = np.empty(shape, dtype), np.empty(shape, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return leaky_relu_array(x, self.slope, out=self.out, pos=self.pos)[0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        return leaky_relu_grad(g, self.pos, self.slope, out=self.tmp)


class EluOp:
    r"""ELU (:func:`netopt.autograd.activation.elu`): ``x`` where :math:`x > 0`, else
    ``alpha * (exp(min(x, 0)) - 1)``; backward ``g`` or ``g * alpha * exp(min(x, 0))``."""

    def __init__(self, shape, dtype, alpha: float) -> None:
        self.alpha = alpha
        self.pos = np.empty(shape, bool)
        self.ex, self.out, self.tmp = (np.empty(shape, dtype) for _ in range(3))

    def forward(self, x: np.ndarray) -> np.ndarray:
        return elu_array(x, self.alpha, out=self.out, pos=self.pos, ex=self.ex)[0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        return elu_grad(g, self.pos, self.ex, self.alpha, out=self.tmp)


class DropoutOp:
    r"""Inverted dropout (:func:`netopt.nn.functional.dropout`, training, ``0 < p < 1``):
    the uniforms drawn from the module's generator (netopt's default one when None) in
    the eager order, so the masks are the eager masks; backward ``g * mask``."""

    def __init__(self, module: Any, shape, dtype) -> None:
        self.module, self.p = module, module.p
        self.scale = np.asarray(1.0 / (1.0 - module.p), dtype=dtype)
        self.uniform = np.empty(shape, np.float32)
        self.keep = np.empty(shape, bool)
        self.mask, self.out = np.empty(shape, dtype), np.empty(shape, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        rng = _random.resolve(self.module.rng)
        rng.random(dtype=np.float32, out=self.uniform)
        np.greater_equal(self.uniform, self.p, out=self.keep)
        np.multiply(self.keep, self.scale, out=self.mask)
        return np.multiply(x, self.mask, out=self.out)

    def backward(self, g: np.ndarray) -> np.ndarray:
        np.multiply(g, self.mask, out=g)
        return g


class FlattenOp:
    """``Flatten(1, -1)``: a reshape forward, the inverse reshape backward."""

    def __init__(self, in_shape) -> None:
        self.in_shape = tuple(in_shape)
        self.out_shape = (in_shape[0], int(np.prod(in_shape[1:])))

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.out_shape)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g.reshape(self.in_shape)


class CrossEntropyOp:
    r"""Softmax cross-entropy with class indices, "mean" or "sum": the plain fused path
    of :func:`netopt.nn.functional.cross_entropy` into buffers, the NumPy operations of
    its kernels :func:`~netopt.nn.functional.loss.cross_entropy_plain_array` and
    :func:`~netopt.nn.functional.loss.cross_entropy_plain_grad_array` in the same order
    and dtypes (the same bits), with cheaper ways to the same results: the index check
    is one reduction, the largest index read as unsigned (a negative one is then above
    every class count), the finiteness of the row maxima a count, and the targets are
    reached through flat indices ``n C + y_n`` (``take`` for the loss, one flat
    subtraction for the gradient) instead of ``(rows, y)`` fancy indexing twice. When a
    batch leaves the plain case (an index outside ``[0, C)``, an infinite or NaN row
    maximum) the eager function itself computes the loss and the gradient of the logits,
    raising what it raises."""

    def __init__(self, shape, dtype, reduction: str, call, target_dtype) -> None:
        n, classes = shape
        self.rows, self.classes = n, classes
        self.call = call  # the eager loss on (logits Tensor, target): the general path
        target_dtype = np.dtype(target_dtype)
        # a narrow signed type whose negative values read as unsigned could fall below C
        # (int8 -100 is 156): widened to int64 first
        self.widen = target_dtype.kind == "i" and classes > 2 ** (8 * target_dtype.itemsize - 1)
        if self.widen:
            target_dtype = np.dtype(np.int64)
        order = target_dtype.byteorder.replace("|", "=")  # the targets read as unsigned
        self.unsigned = np.dtype(f"{order}u{target_dtype.itemsize}")
        self.offsets = np.arange(n, dtype=np.uintp) * classes
        self.flat = np.empty(n, np.intp)  # written as unsigned: the same values, < n C
        self.flat_unsigned = self.flat.view(np.uintp)
        self.m, self.total = np.empty((n, 1), dtype), np.empty((n, 1), dtype)
        self.e, self.p = np.empty(shape, dtype), np.empty(shape, dtype)
        self.log = np.empty(n, dtype)
        self.column, self.p_flat = self.total[:, 0], self.p.reshape(-1)
        self.mean, self.n = reduction == "mean", float(n)
        self.scale = np.ones((), dtype) / (self.n if self.mean else 1.0)

    def forward(self, z: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """The loss (a NumPy scalar or 0-d array) and the gradient of the logits (a
        buffer)."""
        yu = (y.astype(np.int64) if self.widen else y).view(self.unsigned)
        if not np.maximum.reduce(yu, axis=None) < self.classes:
            return self._general(z, y)  # an index < 0 or >= C
        m = np.maximum.reduce(z, axis=1, keepdims=True, out=self.m)
        if np.count_nonzero(np.isfinite(m)) != self.rows:  # an infinite or NaN maximum
            return self._general(z, y)
        e = np.subtract(z, m, out=self.e)
        np.add(self.offsets, yu, out=self.flat_unsigned)
        flat = self.flat
        picked = e.take(flat)  # z_y - m
        np.exp(e, out=e)
        total = np.add.reduce(e, axis=1, keepdims=True, out=self.total)
        log = np.log(self.column, out=self.log)
        np.subtract(log, picked, out=log)
        loss = np.add.reduce(log, axis=None)  # a scalar of z's dtype, as the quotient
        p = np.divide(e, total, out=self.p)
        self.p_flat[flat] -= 1
        p *= self.scale
        return loss / self.n if self.mean else loss, p

    def _general(self, z: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
        logits = Tensor(z.copy(), requires_grad=True)
        loss = self.call(logits, y)
        loss.backward()
        np.copyto(self.p, logits._grad)
        return loss._data, self.p


class MSEOp:
    r"""Mean (or summed) squared error, :func:`netopt.nn.functional.mse_loss` into buffers
    by its kernels :func:`~netopt.nn.functional.loss_elementwise.mse_loss_array` and
    :func:`~netopt.nn.functional.loss_elementwise.mse_loss_grad_array`."""

    def __init__(self, shape, dtype, reduction: str) -> None:
        self.d, self.sq, self.g = (np.empty(shape, dtype) for _ in range(3))
        self.reduction = reduction
        seed = np.ones((), dtype)
        self.scale = seed / int(np.prod(shape)) if reduction == "mean" else seed

    def forward(self, z: np.ndarray, t: np.ndarray) -> tuple[Any, np.ndarray]:
        """The loss (0-d array) and the gradient of the prediction (a buffer)."""
        out, d = mse_loss_array(z, t, self.reduction, d=self.d, sq=self.sq)
        return out, mse_loss_grad_array(d, self.scale, out=self.g)


class BatchNormOp:
    r"""``BatchNorm1d`` on ``(N, C)``: the array kernels of
    :func:`netopt.nn.functional.batch_norm` into buffers
    (:func:`~netopt.nn.functional.normalization.batch_norm_stats_array` in training, with
    its in-place running-statistics update; the running statistics in evaluation;
    :func:`~netopt.nn.functional.normalization.batch_norm_array` and
    :func:`~netopt.nn.functional.normalization.batch_norm_backward_array`); the gradients
    of :math:`\gamma`, :math:`\beta` into their targets."""

    def __init__(self, module: Any, shape, dtype, training: bool, gw, gb, need_gx: bool):
        self.training, self.momentum, self.eps = training, module.momentum, module.eps
        buffers = module._buffers
        self.rm, self.rv = buffers["running_mean"], buffers["running_var"]
        self.nbt = buffers["num_batches_tracked"]
        w, b = module._parameters.get("weight"), module._parameters.get("bias")
        self.gamma = None if w is None else w._data
        self.beta = None if b is None else b._data
        self.xhat, self.out, self.tmp = (np.empty(shape, dtype) for _ in range(3))
        self.gg = np.empty(shape, dtype) if self.gamma is not None else None
        self.gx = np.empty(shape, dtype) if need_gx else None
        self.s1, self.s2 = np.empty((1, shape[1]), dtype), np.empty((1, shape[1]), dtype)
        self.gw, self.gb = gw, gb

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.training:
            mean, var = batch_norm_stats_array(x, self.rm, self.rv, self.momentum, self.nbt)
        else:
            mean, var = self.rm, self.rv
        _, _, self.inv_std = batch_norm_array(
            x, mean, var, self.eps, self.gamma, self.beta, out=self.out, xhat=self.xhat
        )
        return self.out

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        return batch_norm_backward_array(
            g, self.xhat, self.inv_std, self.gamma, self.training, self.gx is not None,
            self.gw is not None, self.gb is not None, gx=self.gx, gw=self.gw, gb=self.gb,
            gg=self.gg, tmp=self.tmp, s1=self.s1, s2=self.s2,
        )[0]  # fmt: skip


class RiskOp:
    r"""A :class:`~netopt.regularization.StructuralRisk` around a replayed loss: the
    penalty's value as its eager graph computes it (terms summed in order, then
    :math:`\lambda_1 J_{L1}` and :math:`\lambda_2 J_{L2}` added to 0.0, then to the loss),
    and, after the layers' backward, its gradient added to each weight's: for a weight,
    the eager pass sums :math:`(c_2 w + c_2 w) + c_1 \operatorname{sign}(w)` first, with
    :math:`c_2 = (1 \cdot \lambda_2) \cdot 0.5` and :math:`c_1 = 1 \cdot \lambda_1` in the
    weight's dtype, and the layer's gradient last."""

    def __init__(self, risk: Any, inner: Any, weights, targets, dtype) -> None:
        self.risk, self.inner, self.weights, self.targets = risk, inner, weights, targets
        self.l1, self.l2 = risk.l1, risk.l2
        one = np.ones((), dtype)
        self.c1, self.c2 = one * self.l1, (one * self.l2) * 0.5
        self.tmp = [np.empty(w.shape, dtype) for w in weights]
        self.sign = [np.empty(w.shape, dtype) for w in weights]

    @staticmethod
    def _sum(arrays) -> np.ndarray:
        total = None
        for a in arrays:
            term = np.asarray(np.sum(a, axis=tuple(range(a.ndim))))
            total = term if total is None else np.asarray(total + term)
        return total

    def forward(self, z: np.ndarray, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """The structural risk (0-d array) and the gradient of the prediction."""
        loss, g = self.inner.forward(z, y)
        penalty: Any = 0.0
        if self.l1:
            j1 = self._sum(np.abs(w) for w in self.weights)
            penalty = np.asarray(penalty + np.asarray(self.l1 * j1))
        if self.l2:
            j2 = np.asarray(self._sum(w * w for w in self.weights) * 0.5)
            penalty = np.asarray(penalty + np.asarray(self.l2 * j2))
        self.risk.last_penalty = float(penalty)
        return np.asarray(loss + penalty), g

    def backward(self) -> None:
        """Add the penalty's gradient to the weights' gradients (after the layers')."""
        for w, target, tmp, sign in zip(self.weights, self.targets, self.tmp, self.sign):
            if target is None:
                continue
            if self.l2:
                np.multiply(w, self.c2, out=tmp)
                np.add(tmp, tmp, out=tmp)
            if self.l1:
                np.sign(w, out=sign)
                np.multiply(sign, self.c1, out=sign)
                if self.l2:
                    np.add(tmp, sign, out=tmp)
                else:
                    tmp = sign
            if self.l1 or self.l2:
                np.add(tmp, target, out=target)
