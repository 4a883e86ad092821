r"""Array kernels of the 2-D convolution: im2col forward, weight and input gradients.

The math, the im2col/col2im scheme and the wide-row layout are in
:mod:`netopt.nn.functional.conv`. Memory: the columns of a batch are built in chunks of
samples holding at most :data:`BLOCK` elements. When the whole batch fits in one chunk the
columns are kept for the backward pass; otherwise only the padded input is kept and the
backward pass rebuilds each chunk's columns (one extra copy of the input per chunk, a few
percent of the step), so the peak memory stays near the activations' own size.

Column buffers are recycled: a per-thread pool keeps up to two freed buffers per
(shape, dtype), at most :data:`POOL_BYTES` in all. A kept buffer returns to the pool when
its :class:`Plan` is garbage (after the backward pass has released the graph), a chunk's
buffer right after its last use. Fresh multi-megabyte arrays every step otherwise cost the
kernel a page fault per 4 KiB (LeNet-5 at batch 64: ~3,000 faults and ~40% of the step
in system time).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Most im2col elements materialized at once (16 MiB of float32).
BLOCK = 1 << 22
#: Most bytes of freed column buffers kept for reuse, per thread.
POOL_BYTES = 1 << 27
_pool = threading.local()


def _free_lists() -> dict:
    free = getattr(_pool, "free", None)
    if free is None:
        free = _pool.free = {}
        _pool.bytes = 0
    return free


def _take(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A C-contiguous buffer of ``shape`` and ``dtype``: a recycled one, or new."""
    stack = _free_lists().get((shape, dtype.str))
    if stack:
        buf = stack.pop()
        _pool.bytes -= buf.nbytes
        return buf
    return np.empty(shape, dtype=dtype)


def _give(buf: np.ndarray) -> None:
    """Return ``buf`` (no longer referenced by any computation) to this thread's pool."""
    stack = _free_lists().setdefault((buf.shape, buf.dtype.str), [])
    if len(stack) < 2 and _pool.bytes + buf.nbytes <= POOL_BYTES:
        stack.append(buf)
        _pool.bytes += buf.nbytes


class Plan:
    """Geometry and columns of one convolution of ``x`` (N, C, H, W) zero-padded by
    ``padding`` = ``((top, bottom), (left, right))``."""

    def __init__(self, x: np.ndarray, padding, wshape, stride, dilation, groups: int) -> None:
        n, c, h, wd = x.shape
        (top, bottom), (left, right) = padding
        hp, wp = h + top + bottom, wd + left + right
        _, cg, kh, kw = wshape
        (sh, sw), (dh, dw) = stride, dilation
        eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        if hp < eh or wp < ew:
            raise RuntimeError(
                f"Calculated padded input size per channel: ({hp} x {wp}). Kernel size: "
                f"({eh} x {ew}). Kernel size can't be greater than actual input size"
            )
        self.n, self.c, self.padded, self.kernel = n, c, (hp, wp), (kh, kw)
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.out = ((hp - eh) // sh + 1, (wp - ew) // sw + 1)
        self.wide = stride == (1, 1) and 10 * wp <= 11 * self.out[1]
        if self.wide:
            # the padded input's rows flattened, with ew - 1 zeros after the last one so
            # that every offset's run of oh * wp values stays inside: one copy of x
            self.length = self.out[0] * wp
            self.source = np.zeros((n, c, hp * wp + ew - 1), dtype=x.dtype)
            grid = self.source[:, :, : hp * wp].reshape(n, c, hp, wp)
            grid[:, :, top : top + h, left : left + wd] = x
            self.offsets = [p * dh * wp + q * dw for p in range(kh) for q in range(kw)]
        else:
            self.length = self.out[0] * self.out[1]
            self.source = x
            if top or bottom or left or right:  # (np.pad costs ~80 us of Python per call)
                self.source = np.zeros((n, c, hp, wp), dtype=x.dtype)
                self.source[:, :, top : top + h, left : left + wd] = x
        self.k = cg * kh * kw
        self.chunk = max(1, BLOCK // (c * kh * kw * self.length))
        self.kept: np.ndarray | None = None

    def slices(self) -> list[slice]:
        """Batch chunks, in order."""
        return [slice(s, min(s + self.chunk, self.n)) for s in range(0, self.n, self.chunk)]

    def columns(self, rows: slice) -> np.ndarray:
        """im2col of the samples ``rows``: ``(m, G, K, length)`` (the kept copy if any)."""
        if self.kept is not None:
            return self.kept
        src = self.source[rows]
        m = src.shape[0]
        kh, kw = self.kernel
        if self.wide:
            cols = _take((m, self.c, kh * kw, self.length), src.dtype)
            for j, off in enumerate(self.offsets):
                cols[:, :, j] = src[:, :, off : off + self.length]
        else:
            (sh, sw), (dh, dw) = self.stride, self.dilation
            eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
            win = sliding_window_view(src, (eh, ew), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
            cols = _take((m, self.c, kh, kw, *self.out), src.dtype)
            cols[...] = win.transpose(0, 1, 4, 5, 2, 3)
        return cols.reshape(m, self.groups, self.k, self.length)

    def keep(self, cols: np.ndarray) -> None:
        """Keep ``cols`` for the backward pass; its buffer is recycled with this plan."""
        self.kept = cols
        weakref.finalize(self, _give, cols.base)

    def release(self, cols: np.ndarray) -> None:
        """Recycle the buffer of a chunk's ``cols`` that is used no more (not a kept one)."""
        if self.kept is None:
            _give(cols.base)


def _product(wm: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return np.matmul(wm[0], cols[:, 0]) if wm.shape[0] == 1 else np.matmul(wm, cols)


def forward(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups: int):
    """Convolve ``x`` (N, C, H, W) with ``w`` (O, C/G, kh, kw); returns ``(y, plan)``.

    ``padding`` is ``((top, bottom), (left, right))`` of zeros.
    """
    plan = Plan(x, padding, w.shape, stride, dilation, groups)
    o = w.shape[0]
    wm = w.reshape(groups, o // groups, plan.k)
    chunks = plan.slices()
    y = np.empty((plan.n, o, plan.length), dtype=np.result_type(x, w))
    for rows in chunks:
        cols = plan.columns(rows)
        y[rows] = _product(wm, cols).reshape(-1, o, plan.length)
        if len(chunks) == 1:
            plan.keep(cols)
        else:
            plan.release(cols)
    oh, ow = plan.out
    if plan.wide:
        return np.ascontiguousarray(y.reshape(plan.n, o, oh, -1)[..., :ow]), plan
    return y.reshape(plan.n, o, oh, ow), plan


def backward(g: np.ndarray, w: np.ndarray, plan: Plan, padding, need_x: bool, need_w: bool):
    r"""Gradients ``(dx, dw)`` (None where not needed) from the output gradient ``g``.

    Per chunk: :math:`\partial L/\partial W \mathrel{+}= \sum_n G_n X_n^\top` and
    :math:`W^\top G` scattered back by col2im, one slice-add per kernel offset.
    """
    n, o = g.shape[:2]
    groups, (hp, wp), (kh, kw) = plan.groups, plan.padded, plan.kernel
    if plan.wide:  # the junk columns of the wide output get a zero gradient
        wide = np.zeros((n, o, plan.out[0], wp), dtype=g.dtype)
        wide[..., : plan.out[1]] = g
        g = wide
    gm = g.reshape(n, groups, o // groups, plan.length)
    wm = w.reshape(groups, o // groups, plan.k)
    wt = np.ascontiguousarray(wm.transpose(0, 2, 1))  # a transposed view is 4x slower
    gw = np.zeros(wm.shape, dtype=g.dtype) if need_w else None
    gx = None
    if need_x:
        gx = np.zeros(
            (n, plan.c, hp * wp + (plan.source.shape[-1] - hp * wp if plan.wide else 0)),
            dtype=g.dtype,
        )
    for rows in plan.slices():
        if need_w:
            cols = plan.columns(rows)
            if groups == 1:
                gw[0] += np.matmul(gm[rows, 0], cols[:, 0].transpose(0, 2, 1)).sum(axis=0)
            else:
                gw += np.matmul(gm[rows], cols.transpose(0, 1, 3, 2)).sum(axis=0)
            plan.release(cols)
        if need_x:
            gcols = _product(wt, gm[rows]).reshape(-1, plan.c, kh * kw, plan.length)
            _col2im(gx[rows], gcols, plan)
    if need_x:
        gx = gx[:, :, : hp * wp].reshape(n, plan.c, hp, wp)
        (top, bottom), (left, right) = padding
        gx = gx[:, :, top : hp - bottom, left : wp - right]
    return gx, (gw.reshape(w.shape) if need_w else None)


def _col2im(gx: np.ndarray, gcols: np.ndarray, plan: Plan) -> None:
    """Add each kernel offset's column gradient where that offset read (``gx`` flat rows)."""
    if plan.wide:
        for j, off in enumerate(plan.offsets):
            gx[:, :, off : off + plan.length] += gcols[:, :, j]
        return
    (hp, wp), (kh, kw), (oh, ow) = plan.padded, plan.kernel, plan.out
    (sh, sw), (dh, dw) = plan.stride, plan.dilation
    grid = gx.reshape(gx.shape[0], gx.shape[1], hp, wp)
    gcols = gcols.reshape(gcols.shape[0], gcols.shape[1], kh, kw, oh, ow)
    for p in range(kh):
        r = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
        for q in range(kw):
            grid[:, :, r, q * dw : q * dw + sw * (ow - 1) + 1 : sw] += gcols[:, :, p, q]
