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
in system time). A plan made for step capture (``owned=True``) uses no pool: it keeps its
own columns and work arrays, allocated once and reused by every replayed step.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Most im2col elements materialized at once (16 MiB of float32).
BLOCK = 1 << 22
#: Most column-gradient elements (input gradient) materialized at once (1 MiB of float32).
GX_BLOCK = 1 << 18
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
    """Geometry, columns and work arrays of one convolution of an input of ``shape``
    ``(N, C, H, W)`` zero-padded by ``padding`` = ``((top, bottom), (left, right))``.

    Eagerly a plan serves one call: :func:`forward` makes it, :meth:`load` reads the
    input, every work array is fresh and the columns come from the per-thread pool. A plan
    made with ``owned=True`` (step capture) is loaded again call after call and keeps its
    own arrays: the padded input (whose zero border is written once), the columns, the
    output and the gradient work arrays, allocated on first use.
    """

    def __init__(
        self, shape, dtype, padding, wshape, stride, dilation, groups: int, *, owned=False
    ) -> None:
        n, c, h, wd = shape
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
        self.source: np.ndarray | None = None
        self._interior: np.ndarray | None = None  # where load() writes x into source
        if self.wide:
            # the padded input's rows flattened, with ew - 1 zeros after the last one so
            # that every offset's run of oh * wp values stays inside: one copy of x
            self.length = self.out[0] * wp
            self.source = np.zeros((n, c, hp * wp + ew - 1), dtype=dtype)
            grid = self.source[:, :, : hp * wp].reshape(n, c, hp, wp)
            self._interior = grid[:, :, top : top + h, left : left + wd]
        else:
            self.length = self.out[0] * self.out[1]
            if top or bottom or left or right:  # (np.pad costs ~80 us of Python per call)
                self.source = np.zeros((n, c, hp, wp), dtype=dtype)
                self._interior = self.source[:, :, top : top + h, left : left + wd]
        # where each kernel offset's run starts in the flattened padded rows (wide layout)
        self.offsets = [p * dh * wp + q * dw for p in range(kh) for q in range(kw)]
        self.k = cg * kh * kw
        self.chunk = max(1, BLOCK // (c * kh * kw * self.length))
        self.kept: np.ndarray | None = None
        self._owned: dict | None = {} if owned else None

    def load(self, x: np.ndarray) -> None:
        """Read the input ``x`` (the plan's shape): copied into the padded source, or
        used as it is when nothing pads it. Forgets the columns kept by a previous call."""
        self.kept = None
        if self._interior is None:
            self.source = x
        else:
            self._interior[...] = x

    def buffer(self, key: object, shape: tuple[int, ...], dtype, zero: bool = False):
        """A work array of ``shape``: fresh (zeros when ``zero``), or the owned plan's
        array under ``key`` (zeroed again when ``zero``)."""
        if self._owned is None:
            return np.zeros(shape, dtype=dtype) if zero else np.empty(shape, dtype=dtype)
        buf = self._owned.get(key)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._owned[key] = np.empty(shape, dtype=dtype)
        if zero:
            buf.fill(0)
        return buf

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
            shape = (m, self.c, kh * kw, self.length)
        else:
            shape = (m, self.c, kh, kw, *self.out)
        if self._owned is None:
            cols = _take(shape, src.dtype)
        else:
            cols = self.buffer(("cols", shape), shape, src.dtype)
        if self.wide:
            for j, off in enumerate(self.offsets):
                cols[:, :, j] = src[:, :, off : off + self.length]
        else:
            np.copyto(cols, self._windows(src, rows))
        return cols.reshape(m, self.groups, self.k, self.length)

    def _windows(self, src: np.ndarray, rows: slice) -> np.ndarray:
        """The windows of ``src`` (the samples ``rows``) as a strided view in the column
        layout; an owned plan keeps the view of its own padded input (~10 us of Python)."""
        key = ("windows", rows.start, rows.stop)
        cache = self._owned if self._interior is not None else None
        view = None if cache is None else cache.get(key)
        if view is None:
            (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
            eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
            win = sliding_window_view(src, (eh, ew), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
            view = win.transpose(0, 1, 4, 5, 2, 3)
            if cache is not None:
                cache[key] = view
        return view

    def keep(self, cols: np.ndarray) -> None:
        """Keep ``cols`` for the backward pass; a pooled buffer is recycled with this plan."""
        self.kept = cols
        if self._owned is None:
            weakref.finalize(self, _give, cols.base)

    def release(self, cols: np.ndarray) -> None:
        """Recycle the pooled buffer of a chunk's ``cols`` used no more (not a kept one)."""
        if self.kept is None and self._owned is None:
            _give(cols.base)


def _product(wm: np.ndarray, cols: np.ndarray, out: np.ndarray) -> None:
    """``wm @ cols`` per group into ``out`` (``(m, G, rows of wm, length)``)."""
    if wm.shape[0] == 1:
        np.matmul(wm[0], cols[:, 0], out=out[:, 0])
    else:
        np.matmul(wm, cols, out=out)


def forward(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups: int, bias=None,
            plan: Plan | None = None):  # fmt: skip
    r"""Convolve ``x`` (N, C, H, W) with ``w`` (O, C/G, kh, kw), plus ``bias`` (O,) when
    given; returns ``(y, plan)``, ``y`` of shape ``(N, O, H_out, W_out)``.

    ``padding`` is ``((top, bottom), (left, right))`` of zeros. Per chunk of samples,
    :math:`Y = W X` on the columns; then :math:`y \mathrel{+}= b`. ``plan``, when given,
    is an owned :class:`Plan` of this geometry (step capture): ``y`` is then its array.
    """
    if plan is None:
        plan = Plan(x.shape, x.dtype, padding, w.shape, stride, dilation, groups)
    plan.load(x)
    n, o, length = plan.n, w.shape[0], plan.length
    wm = w.reshape(groups, o // groups, plan.k)
    chunks = plan.slices()
    dtype = np.result_type(x, w)
    y = plan.buffer("y", (n, o, length), dtype)
    for rows in chunks:
        cols = plan.columns(rows)
        _product(wm, cols, y[rows].reshape(-1, groups, o // groups, length))
        if len(chunks) == 1:
            plan.keep(cols)
        else:
            plan.release(cols)
    oh, ow = plan.out
    if plan.wide:
        y4 = plan.buffer("y4", (n, o, oh, ow), dtype)
        np.copyto(y4, y.reshape(n, o, oh, -1)[..., :ow])
    else:
        y4 = y.reshape(n, o, oh, ow)
    if bias is not None:
        np.add(y4, bias.reshape(1, -1, 1, 1), out=y4)
    return y4, plan


def backward(g: np.ndarray, w: np.ndarray, plan: Plan, padding, need_x: bool, need_w: bool,
             need_b: bool = False, *, gw: np.ndarray | None = None,
             gb: np.ndarray | None = None):  # fmt: skip
    r"""Gradients ``(dx, dw, db)`` (None where not needed) from the output gradient ``g``.

    Per chunk: :math:`\partial L/\partial W \mathrel{+}= \sum_n G_n X_n^\top` and
    :math:`W^\top G` scattered back by col2im, one slice-add per kernel offset;
    :math:`\partial L/\partial b_o = \sum_{n,i,j} G_{n,o,i,j}`. With stride 1 the input
    gradient always takes the wide-row layout (``G`` widened to :math:`W_p` columns, zeros
    in the junk ones): col2im then adds contiguous runs (LeNet-5's second convolution: 1.4
    instead of 2.0 ms); the wider product can change the last bits against exact windows
    (:mod:`netopt.nn.functional.conv`, "Wide rows"). ``gw`` (C-contiguous, of
    ``w``'s size) and ``gb`` (O,), when given, receive the weight and bias gradients.
    ``dx`` is a view of the padded input's gradient (not contiguous when padded).
    """
    n, o = g.shape[:2]
    groups, (hp, wp), (kh, kw) = plan.groups, plan.padded, plan.kernel
    db = np.add.reduce(g, axis=(0, 2, 3), out=gb) if need_b else None
    og = o // groups
    wide = None
    if plan.wide or (need_x and plan.stride == (1, 1)):
        # the junk columns of the wide output get a zero gradient
        wide = plan.buffer("g wide", (n, o, plan.out[0], wp), g.dtype, zero=True)
        wide[..., : plan.out[1]] = g
        gxm = wide.reshape(n, groups, og, -1)  # for the input gradient
    gm = (wide if plan.wide else g).reshape(n, groups, og, plan.length)
    if wide is None:
        gxm = gm
    length = gxm.shape[-1]
    wm = w.reshape(groups, og, plan.k)
    wt = plan.buffer("wt", (groups, plan.k, og), w.dtype)
    np.copyto(wt, wm.transpose(0, 2, 1))  # a transposed view is 4x slower
    dw = None
    if need_w:
        dw = plan.buffer("dw", wm.shape, g.dtype) if gw is None else gw.reshape(wm.shape)
        dw.fill(0)
    dx = None
    if need_x:
        extra = (plan.dilation[1] * (kw - 1)) if wide is not None else 0  # the last run's end
        dx = plan.buffer("dx", (n, plan.c, hp * wp + extra), g.dtype, zero=True)
    for rows in plan.slices():
        m = rows.stop - rows.start
        if need_w:
            cols = plan.columns(rows)
            part = plan.buffer("dw sum", wm.shape, g.dtype)
            if groups == 1:
                prod = plan.buffer(("dw prod", m), (m, og, plan.k), g.dtype)
                np.matmul(gm[rows, 0], cols[:, 0].transpose(0, 2, 1), out=prod)
                np.add(dw[0], np.add.reduce(prod, axis=0, out=part[0]), out=dw[0])
            else:
                prod = plan.buffer(("dw prod", m), (m, *wm.shape), g.dtype)
                np.matmul(gm[rows], cols.transpose(0, 1, 3, 2), out=prod)
                np.add(dw, np.add.reduce(prod, axis=0, out=part), out=dw)
            plan.release(cols)
        if need_x:  # in sub-chunks of at most GX_BLOCK column elements (cache-sized)
            step = max(1, GX_BLOCK // (plan.c * kh * kw * length))
            for start in range(rows.start, rows.stop, step):
                sub = slice(start, min(start + step, rows.stop))
                ms = sub.stop - sub.start
                gcols = plan.buffer(("dx cols", ms), (ms, groups, plan.k, length), g.dtype)
                _product(wt, gxm[sub], gcols)
                _col2im(dx[sub], gcols.reshape(ms, plan.c, kh * kw, length), plan, wide is not None)
    if need_x:
        dx = dx[:, :, : hp * wp].reshape(n, plan.c, hp, wp)
        (top, bottom), (left, right) = padding
        dx = dx[:, :, top : hp - bottom, left : wp - right]
    return dx, (dw.reshape(w.shape) if need_w else None), db


def _col2im(gx: np.ndarray, gcols: np.ndarray, plan: Plan, wide: bool) -> None:
    """Add each kernel offset's column gradient where that offset read (``gx`` flat rows;
    ``gcols`` in the wide-row layout when ``wide``)."""
    if wide:
        length = gcols.shape[-1]
        for j, off in enumerate(plan.offsets):
            gx[:, :, off : off + length] += gcols[:, :, j]
        return
    (hp, wp), (kh, kw), (oh, ow) = plan.padded, plan.kernel, plan.out
    (sh, sw), (dh, dw) = plan.stride, plan.dilation
    grid = gx.reshape(gx.shape[0], gx.shape[1], hp, wp)
    gcols = gcols.reshape(gcols.shape[0], gcols.shape[1], kh, kw, oh, ow)
    for p in range(kh):
        r = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
        for q in range(kw):
            grid[:, :, r, q * dw : q * dw + sw * (ow - 1) + 1 : sw] += gcols[:, :, p, q]
