r"""The convolution-net operations a captured training step replays (see
:mod:`netopt.train.capture`): ``Conv1d``/``Conv2d``, ``MaxPool1d/2d``, ``AvgPool1d/2d``
and batch norm on ``(N, C, L)`` (``BatchNorm1d``) and ``(N, C, H, W)`` (``BatchNorm2d``).

Each op has the protocol of :mod:`netopt.train._capture_ops` (``forward(x)`` into buffers
allocated once per plan, ``backward(g)`` writing the parameter gradients into their
targets and returning the input's gradient) and calls the array kernels the eager node
calls, so every result is bit-identical by construction: the convolution
:func:`netopt.nn.functional._conv_kernels.forward` and ``backward`` on an *owned*
:class:`~netopt.nn.functional._conv_kernels.Plan` (one per op: padded input, columns and
work arrays kept from call to call), pooling
:func:`~netopt.nn.functional.pooling.max_pool_array`,
:func:`~netopt.nn.functional.pooling.max_pool_backward_array`,
:func:`~netopt.nn.functional.pooling.avg_pool_array` and
:func:`~netopt.nn.functional.pooling.avg_pool_backward_array` on the same window
geometry, batch norm the kernels of :class:`~netopt.train._capture_ops.BatchNormOp`.

Layouts are kept too, since the order of NumPy's pairwise sums may depend on the strides
it reduces over: a convolution's input gradient is a view of a padded array, handed on
as the eager node hands it on; where the eager layer before it (an activation or
dropout) would make a fresh contiguous array of it but the replayed one works in place,
the op copies it into a contiguous buffer first, so every later sum reads the eager
layout.
``tests/train/test_capture_conv.py`` checks bit-identity with ``np.array_equal``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn import (
    AvgPool1d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    MaxPool1d,
    MaxPool2d,
)
from ..nn.functional import _conv_kernels as _k
from ..nn.functional import pooling as _pool
from ..nn.functional.conv import _conv_padding, ntuple
from . import _capture_ops as ops

#: The module classes (exactly these) this module replays.
LAYERS = (Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, BatchNorm2d)
#: Modules with a weight and a bias parameter (walk's check for extra parameters).
AFFINE = (Conv1d, Conv2d, BatchNorm2d)
#: Replayed layers whose backward works in place on the gradient it is given.
_IN_PLACE = (ops.ReluOp, ops.TanhOp, ops.SigmoidOp, ops.DropoutOp)


def _frozen(value: Any) -> Any:
    """``value`` with lists turned into tuples (hashable for the guard)."""
    if type(value) is tuple and all(type(v) is int for v in value):
        return value  # the usual case, quickly
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def config(m: Any, param_key) -> tuple:
    """What a plan assumed of a convolution or pooling layer of :data:`LAYERS` (for the
    guard; batch norm's is with BatchNorm1d's in ``_capture_plan``); ``param_key`` is the
    plan's key of a parameter."""
    t = type(m)
    if t is Conv1d or t is Conv2d:
        return (
            param_key(m._parameters.get("weight")), param_key(m._parameters.get("bias")),
            _frozen(m.stride), _frozen(m.padding), _frozen(m.dilation), m.groups,
            m.padding_mode, _frozen(m.kernel_size),
        )  # fmt: skip
    pool = (_frozen(m.kernel_size), _frozen(m.stride), _frozen(m.padding), m.ceil_mode)
    if t is MaxPool1d or t is MaxPool2d:
        return (*pool, _frozen(m.dilation), m.return_indices)
    return (*pool, m.count_include_pad, _divisor_override(m))


def _divisor_override(m: Any) -> Any:
    """``AvgPool2d``'s ``divisor_override``; None for ``AvgPool1d``, whose forward passes
    none (as torch's), whatever attribute the instance carries."""
    return m.divisor_override if type(m) is AvgPool2d else None


class ConvOp:
    r"""``Conv1d``/``Conv2d`` with zero padding on a batch: the kernels of
    :func:`netopt.nn.functional.conv2d` (a 1-D convolution is the 2-D one on height 1)
    on an owned plan; the weight and bias gradients written into their targets."""

    def __init__(self, m: Any, shape, dtype, gw, gb, need_gx: bool, copy_gx: bool) -> None:
        nd = m._nd
        w = m.weight._data
        b = None if m.bias is None else m.bias._data
        if len(shape) != nd + 2:
            raise ops.Unsupported(f"{type(m).__name__} on input of shape {shape}")
        groups = m.groups
        if type(groups) is not int or groups < 1 or w.ndim != nd + 2:
            raise ops.Unsupported(f"{type(m).__name__} with groups={groups!r}")
        if shape[1] != w.shape[1] * groups or w.shape[0] % groups:
            raise ops.Unsupported(f"{type(m).__name__} of weight {w.shape} on input {shape}")
        if b is not None and b.shape != (w.shape[0],):
            raise ops.Unsupported(f"{type(m).__name__} with a bias of shape {b.shape}")
        if m.padding_mode != "zeros":
            raise ops.Unsupported(
                f"{type(m).__name__} with padding_mode={m.padding_mode!r} (padded eagerly)"
            )
        for name, t in (("weight", gw), ("bias", gb)):
            if t is not None and not t.flags.c_contiguous:
                raise ops.Unsupported(f"the {name} gradient target is not contiguous")
        try:
            stride, dilation = ntuple(m.stride, nd, "stride"), ntuple(m.dilation, nd, "dilation")
            if min(stride) <= 0 or min(dilation) <= 0:
                raise RuntimeError("non-positive stride or dilation")
            pads = _conv_padding(m.padding, w.shape[2:], dilation, stride, nd)
            if nd == 1:
                stride, dilation, pads = (1, *stride), (1, *dilation), [(0, 0), *pads]
            shape4 = tuple(shape) if nd == 2 else (shape[0], shape[1], 1, shape[2])
            self.w4 = w if nd == 2 else w[:, :, None, :]
            self.plan = _k.Plan(shape4, dtype, pads, self.w4.shape, stride, dilation, groups,
                                owned=True)  # fmt: skip
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ops.Unsupported(f"{type(m).__name__}: {exc}") from None
        self.nd, self.b, self.gw, self.gb = nd, b, gw, gb
        self.geometry = (stride, pads, dilation, groups)
        self.in_shape = tuple(shape)
        self.y_shape = (shape[0], w.shape[0], *self.plan.out)
        self.out_shape = self.y_shape if nd == 2 else self.y_shape[:2] + self.y_shape[3:]
        self.need_gx = need_gx
        self.gx = np.empty(shape, dtype) if need_gx and copy_gx else None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The convolution of ``x`` into the op's output buffer."""
        x4 = x if self.nd == 2 else x[:, :, None, :]
        stride, pads, dilation, groups = self.geometry
        y, _ = _k.forward(x4, self.w4, stride, pads, dilation, groups, self.b, plan=self.plan)
        return y if self.nd == 2 else y.reshape(self.out_shape)

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        """The weight and bias gradients into their targets; the input's gradient (or None)."""
        gx, _, _ = _k.backward(
            g.reshape(self.y_shape), self.w4, self.plan, self.geometry[1], self.need_gx,
            self.gw is not None, self.gb is not None, gw=self.gw, gb=self.gb,
        )  # fmt: skip
        if gx is None:
            return None
        gx = gx.reshape(self.in_shape)  # a view, as the eager node hands it on
        if self.gx is None:
            return gx
        np.copyto(self.gx, gx)
        return self.gx


class _PoolOp:
    """Shared part of the pooling ops: the window geometry and the padded input."""

    def __init__(self, m: Any, nd: int, shape, dtype, fill: float, dilation) -> None:
        name = type(m).__name__
        if len(shape) != nd + 2:
            raise ops.Unsupported(f"{name} on input of shape {shape}")
        try:
            self.geo = _pool._Geometry(
                shape, nd, name.lower(), m.kernel_size, m.stride, m.padding, dilation,
                m.ceil_mode,
            )  # fmt: skip
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ops.Unsupported(f"{name}: {exc}") from None
        geo = self.geo
        self.in_shape, self.shape4 = tuple(shape), (shape[0], shape[1], *geo.size)
        widths = geo.widths()
        self.xp = self.interior = None
        if any(w for pair in widths for w in pair):
            padded = tuple(n + a + b for n, (a, b) in zip(self.shape4, widths))
            self.xp = np.full(padded, fill, dtype)
            self.interior = self.xp[tuple(slice(a, a + n) for n, (a, _) in
                                          zip(self.shape4, widths))]  # fmt: skip
        self.y = np.empty((shape[0], shape[1], *geo.out), dtype)
        self.out_shape = geo.result_shape(self.y)
        self.gp = np.empty(self.shape4 if self.xp is None else self.xp.shape, dtype)
        self.crop = np.empty(self.shape4, dtype)

    def padded(self, x: np.ndarray) -> np.ndarray:
        """The padded 4-D view of this call's input (``x`` itself when nothing pads it)."""
        x4 = self.geo.lift(x)
        if self.interior is None:
            return x4
        self.interior[...] = x4
        return self.xp


class MaxPoolOp(_PoolOp):
    r"""``MaxPool1d``/``MaxPool2d`` (no indices) on a batch: the kernels of
    :func:`netopt.nn.functional.max_pool2d` into buffers."""

    def __init__(self, m: Any, nd: int, shape, dtype) -> None:
        if m.return_indices:
            raise ops.Unsupported(f"{type(m).__name__} with return_indices=True")
        super().__init__(m, nd, shape, dtype, -np.inf, m.dilation)
        self.open, self.hit, self.nan = (np.empty(self.y.shape, bool) for _ in range(3))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The window maxima of ``x`` into the op's output buffer."""
        self.xpv = self.padded(x)
        _pool.max_pool_array(self.xpv, self.geo, out=self.y)
        return self.y.reshape(self.out_shape)

    def backward(self, g: np.ndarray) -> np.ndarray:
        """The gradient of the input: ``g`` routed to each window's maximum."""
        gp = _pool.max_pool_backward_array(
            g.reshape(self.y.shape), self.xpv, self.y, self.geo, gp=self.gp, open_=self.open,
            hit=self.hit, nan=self.nan,
        )  # fmt: skip
        return self.geo.crop(gp, self.in_shape, out=self.crop)


class AvgPoolOp(_PoolOp):
    r"""``AvgPool1d``/``AvgPool2d`` on a batch: the kernels of
    :func:`netopt.nn.functional.avg_pool2d` into buffers, the divisor computed once."""

    def __init__(self, m: Any, nd: int, shape, dtype) -> None:
        super().__init__(m, nd, shape, dtype, 0.0, 1)
        override = _divisor_override(m)
        if override is not None and (type(override) is not int or override == 0):
            raise ops.Unsupported(f"{type(m).__name__} with divisor_override={override!r}")
        self.divisor = _pool.avg_pool_divisor(self.geo, m.count_include_pad, override, dtype)
        self.gd = np.empty(self.y.shape, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The window means of ``x`` into the op's output buffer."""
        _pool.avg_pool_array(self.padded(x), self.geo, self.divisor, out=self.y)
        return self.y.reshape(self.out_shape)

    def backward(self, g: np.ndarray) -> np.ndarray:
        """The gradient of the input: ``g`` spread evenly over each window."""
        gp = _pool.avg_pool_backward_array(
            g.reshape(self.y.shape), self.geo, self.divisor, self.gp.shape, gp=self.gp,
            gd=self.gd,
        )  # fmt: skip
        return self.geo.crop(gp, self.in_shape, out=self.crop)


class BatchNormNdOp(ops.BatchNormOp):
    r"""Batch norm on ``(N, C, *)`` (``BatchNorm1d`` on ``(N, C, L)``, ``BatchNorm2d``):
    :class:`~netopt.train._capture_ops.BatchNormOp` with its per-channel sums shaped
    ``(1, C, 1, ...)``."""

    def __init__(self, module: Any, shape, dtype, training: bool, gw, gb, need_gx: bool):
        super().__init__(module, shape, dtype, training, gw, gb, need_gx)
        sums = (1, shape[1]) + (1,) * (len(shape) - 2)
        self.s1, self.s2 = np.empty(sums, dtype), np.empty(sums, dtype)
        self.out_shape = tuple(shape)


def _batch_norm(m: Any, shape, dtype, need_gx: bool, target) -> BatchNormNdOp:
    rank = 4 if type(m) is BatchNorm2d else 3
    if len(shape) != rank or shape[1] != m.num_features:
        raise ops.Unsupported(f"{type(m).__name__} on input of shape {shape}")
    training = m.training or not m.track_running_stats
    b = m._buffers
    stats = (b["running_mean"], b["running_var"], b["num_batches_tracked"])
    if any(s is not None and type(s) is not np.ndarray for s in stats):
        raise ops.Unsupported(f"{type(m).__name__} whose running statistics are not arrays")
    if training and int(np.prod(shape)) // shape[1] <= 1:
        raise ops.Unsupported(f"{type(m).__name__} on one value per channel (eager raises)")
    w, bias = m._parameters.get("weight"), m._parameters.get("bias")
    return BatchNormNdOp(m, shape, dtype, training, target(w), target(bias), need_gx)


def build_op(m: Any, shape, dtype, need_gx: bool, target, previous: Any) -> tuple[Any, list]:
    """``(operation, (parameter, gradient target) pairs)`` replaying layer ``m`` (of
    :data:`LAYERS`, or a ``BatchNorm1d`` on ``(N, C, L)``) on input ``shape``;
    ``previous`` is the operation before it (None for the first), ``target(p)`` a
    parameter's gradient target (None without one). Raises Unsupported."""
    t = type(m)
    w, b = m._parameters.get("weight"), m._parameters.get("bias")
    if t is Conv1d or t is Conv2d:
        copy = type(previous) in _IN_PLACE
        op: Any = ConvOp(m, shape, dtype, target(w), target(b), need_gx, copy)
    elif t is BatchNorm1d or t is BatchNorm2d:
        op = _batch_norm(m, shape, dtype, need_gx, target)
    elif t is MaxPool1d or t is MaxPool2d:
        return MaxPoolOp(m, 1 if t is MaxPool1d else 2, shape, dtype), []
    else:
        return AvgPoolOp(m, 1 if t is AvgPool1d else 2, shape, dtype), []
    return op, [(p, g) for p, g in ((w, op.gw), (b, op.gb)) if g is not None]
