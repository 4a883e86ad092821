r"""Max and average pooling (``max_pool1d/2d``, ``avg_pool1d/2d``), one graph node each.

For kernel :math:`k`, stride :math:`s`, padding :math:`p` and dilation :math:`d` (max
only), the output length of a dimension of length :math:`n` is PyTorch's

.. math::
    n_{out} = \Big\lfloor \frac{n + 2p - d(k-1) - 1 + [\text{ceil}](s-1)}{s} \Big\rfloor + 1,

less one in ceil mode when the last window would start in the right padding
(:math:`(n_{out}-1)s \ge n + p`). Windows are read as :math:`k_h k_w` strided slices of
the padded input, one per kernel offset (no loop over output positions):

.. math::
    \text{max: } y = \max_{(a,b)} x_{p;\, i s_h + a d_h,\; j s_w + b d_w}, \qquad
    \text{avg: } y = \frac{1}{D_{ij}} \sum_{(a,b)} x_{p;\, i s_h + a,\; j s_w + b}.

Max pooling pads with :math:`-\infty` and sends the whole gradient to the *first*
maximal offset in scan order, as torch's CPU kernel (found in the backward pass, so the
forward is only :math:`k_h k_w - 1` element-wise maxima). A NaN propagates to the output
and takes the gradient (the first NaN of the window; torch's kernel picks the last).

Average pooling pads with zeros; its divisor :math:`D_{ij}` counts the window's positions
inside the padded input (``count_include_pad=True``, the ceil-mode overhang excluded) or
inside the input only, unless ``divisor_override`` fixes it; its gradient spreads
:math:`g/D` over the window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result
from .conv import ntuple


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


class _Geometry:
    """Checked window geometry of a pooling call on an input of ``shape``, seen as 4-D
    ``(N, C, H, W)`` (:meth:`lift`)."""

    def __init__(self, shape, nd, name, kernel_size, stride, padding, dilation, ceil_mode):
        if len(shape) not in (nd + 1, nd + 2):
            raise RuntimeError(
                f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for input, "
                f"but got: {list(shape)}"
            )
        k = ntuple(kernel_size, nd, "kernel_size")
        s = k if stride is None or stride == () or stride == [] else ntuple(stride, nd, "stride")
        p, d = ntuple(padding, nd, "padding"), ntuple(dilation, nd, "dilation")
        if any(v <= 0 for v in k):
            raise RuntimeError(f"kernel size should be greater than zero, but got {k}")
        if any(v <= 0 for v in s):
            raise RuntimeError("stride should not be zero")
        if any(v <= 0 for v in d):
            raise RuntimeError(f"dilation should be greater than zero, but got {d}")
        for kk, pp, dd in zip(k, p, d):
            if pp < 0 or pp > ((kk - 1) * dd + 1) // 2:
                raise RuntimeError(
                    f"pad should be at most half of effective kernel size, but got pad={pp}, "
                    f"kernel_size={kk} and dilation={dd}"
                )
        self.unbatched = len(shape) == nd + 1
        self.shape = tuple(shape)
        lift = (lambda t, one: (one, *t)) if nd == 1 else (lambda t, one: t)
        self.k, self.s, self.p, self.d = lift(k, 1), lift(s, 1), lift(p, 0), lift(d, 1)
        self.size = tuple(shape[-2:]) if nd == 2 else (1, shape[-1])
        self.out = tuple(
            _out_size(n, *a, ceil_mode)
            for n, a in zip(self.size, zip(self.k, self.s, self.p, self.d))
        )
        if min(self.out) < 1:
            shape_s = "x".join(str(v) for v in shape[-nd - 1 :])
            out = "x".join(str(v) for v in (shape[-nd - 1], *self.out[2 - nd :]))
            raise RuntimeError(
                f"Given input size: ({shape_s}). Calculated output size: ({out}). "
                "Output size is too small"
            )
        self.nd = nd
        self.offsets = [(a, b) for a in range(self.k[0]) for b in range(self.k[1])]
        # each input position lies in at most one window
        self.disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(self.k, self.s, self.d))

    def lift(self, x: np.ndarray) -> np.ndarray:
        """``x`` as a 4-D view ``(N, C, H, W)``."""
        x4 = x[None] if self.unbatched else x
        return x4[:, :, None, :] if self.nd == 1 else x4

    def widths(self) -> list[tuple[int, int]]:
        """Padding of the 4-D input: ``p`` before, enough after to hold every window."""
        widths = [(0, 0), (0, 0)]
        for n, o, k, s, p, d in zip(self.size, self.out, self.k, self.s, self.p, self.d):
            need = (o - 1) * s + d * (k - 1) + 1
            widths.append((p, max(p, need - n - p)))
        return widths

    def padded(self, x4: np.ndarray, fill: float) -> np.ndarray:
        """The 4-D input padded by :meth:`widths` with ``fill`` (``x4`` itself if none)."""
        widths = self.widths()
        if not any(w for pair in widths for w in pair):
            return x4  # read only: the windows are views
        return np.pad(x4, widths, constant_values=fill)

    def window(self, a: int, b: int) -> tuple[slice, slice, slice, slice]:
        """The strided slice that kernel offset ``(a, b)`` reads for every output."""
        (oh, ow), (sh, sw), (dh, dw) = self.out, self.s, self.d
        rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
        return (slice(None), slice(None), rows, slice(b * dw, b * dw + sw * (ow - 1) + 1, sw))

    def crop(self, gp: np.ndarray, shape: tuple[int, ...], out=None) -> np.ndarray:
        """The unpadded part of a padded-input gradient, C-contiguous, in ``shape``
        (copied into ``out``, of the 4-D input's shape, when it is not contiguous)."""
        (ph, pw), (h, w) = self.p, self.size
        part = gp[:, :, ph : ph + h, pw : pw + w]
        if out is None or part.flags.c_contiguous:
            return np.ascontiguousarray(part).reshape(shape)
        np.copyto(out, part)
        return out.reshape(shape)

    def result_shape(self, y4: np.ndarray) -> tuple[int, ...]:
        shape = y4.shape[:2] + y4.shape[4 - self.nd :]
        return shape[self.unbatched :]


def max_pool_array(xp: np.ndarray, geo: _Geometry, out: np.ndarray | None = None):
    r"""Max pooling of the padded 4-D input ``xp``: :math:`y = \max_{(a,b)}` of the
    offsets' strided slices (``geo.window``), in scan order; NaN propagates. Into ``out``
    when given."""
    first = xp[geo.window(0, 0)]
    y = first.copy() if out is None else out
    if out is not None:
        np.copyto(y, first)
    for a, b in geo.offsets[1:]:
        np.maximum(y, xp[geo.window(a, b)], out=y)  # NaN propagates, as in torch
    return y


def max_pool_backward_array(g4, xp, y, geo: _Geometry, *, gp=None, open_=None, hit=None,
                            nan=None):  # fmt: skip
    r"""The gradient of the padded input of :func:`max_pool_array`: walking the offsets in
    scan order, each window's first maximum (a NaN, when the window's maximum is NaN)
    takes the window's gradient. ``gp`` (``xp``'s shape) and ``open_``, ``hit``, ``nan``
    (bool, ``y``'s shape) are optional buffers."""
    if gp is None:
        gp = np.zeros(xp.shape, dtype=g4.dtype)
    else:
        gp.fill(0)
    if open_ is None:
        open_ = np.ones(y.shape, dtype=bool)
    else:
        open_.fill(True)
    any_nan = np.isnan(y).any()
    for a, b in geo.offsets:
        window = geo.window(a, b)
        v = xp[window]
        hit = np.equal(v, y, out=hit)
        if any_nan:
            np.logical_or(hit, np.isnan(v, out=nan), out=hit)
        np.logical_and(hit, open_, out=hit)
        np.logical_xor(open_, hit, out=open_)
        if geo.disjoint:  # each input position lies in one window: write, don't add
            gp[window] = np.where(hit, g4, 0)  # (2.4x faster than copyto with where=)
        else:
            np.add(gp[window], g4, out=gp[window], where=hit)
    return gp


def _max_argmax(xp, y, geo: _Geometry) -> np.ndarray:
    """Per output, the number (scan order) of the offset whose gradient it takes."""
    arg = np.zeros(y.shape, dtype=np.int64)
    open_ = np.ones(y.shape, dtype=bool)
    any_nan = np.isnan(y).any()
    for k, (a, b) in enumerate(geo.offsets):
        v = xp[geo.window(a, b)]
        hit = v == y
        if any_nan:
            hit |= np.isnan(v)
        hit &= open_
        open_ ^= hit
        arg += hit * k
    return arg


def _max_pool(input, nd, name, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x = input._data
    geo = _Geometry(x.shape, nd, name, kernel_size, stride, padding, dilation, ceil_mode)
    xp = geo.padded(geo.lift(x), -np.inf)
    y = max_pool_array(xp, geo)
    out = y.reshape(geo.result_shape(y))

    def backward(g: np.ndarray) -> tuple:
        return (geo.crop(max_pool_backward_array(g.reshape(y.shape), xp, y, geo), x.shape),)

    result = make_result(out, (input,), backward)
    if not return_indices:
        return result
    arg = _max_argmax(xp, y, geo)
    kw = geo.k[1]
    (oh, ow), (sh, sw), (ph, pw), (dh, dw) = geo.out, geo.s, geo.p, geo.d
    rows = np.arange(oh)[:, None] * sh - ph + (arg // kw) * dh
    cols = np.arange(ow)[None, :] * sw - pw + (arg % kw) * dw
    index = (rows * geo.size[1] + cols).astype(np.int64)
    return result, Tensor(index.reshape(out.shape))


def avg_pool_divisor(geo: _Geometry, include_pad: bool, override, dtype) -> np.ndarray:
    r"""The divisor :math:`D_{ij}` of average pooling (module docstring), ``(H_out,
    W_out)`` or 0-d with ``override``."""
    if override is not None:
        return np.asarray(override, dtype=dtype)
    counts = []
    for n, o, k, s, p in zip(geo.size, geo.out, geo.k, geo.s, geo.p):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        counts.append(end - start if include_pad else np.minimum(end, n) - np.maximum(start, 0))
    return np.multiply.outer(*counts).astype(dtype)


def avg_pool_array(xp: np.ndarray, geo: _Geometry, divisor, out: np.ndarray | None = None):
    r"""Average pooling of the zero-padded 4-D input ``xp``: the offsets' strided slices
    summed in scan order, then divided by ``divisor`` (into ``out`` when given)."""
    first = xp[geo.window(0, 0)]
    y = first.copy() if out is None else out
    if out is not None:
        np.copyto(y, first)
    for a, b in geo.offsets[1:]:
        np.add(y, xp[geo.window(a, b)], out=y)
    return np.divide(y, divisor, out=y)


def avg_pool_backward_array(g4, geo: _Geometry, divisor, padded_shape, *, gp=None, gd=None):
    r"""The gradient of the padded input of :func:`avg_pool_array`: :math:`g / D` added
    to every offset's slice. ``gp`` (``padded_shape``) and ``gd`` (``g4``'s shape) are
    optional buffers."""
    gd = np.divide(g4, divisor, out=gd)
    if gp is None:
        gp = np.zeros(padded_shape, dtype=g4.dtype)
    else:
        gp.fill(0)
    for a, b in geo.offsets:
        window = geo.window(a, b)
        np.add(gp[window], gd, out=gp[window])
    return gp


def _avg_pool(input, nd, name, kernel_size, stride, padding, ceil_mode, include_pad, override):
    x = input._data
    geo = _Geometry(x.shape, nd, name, kernel_size, stride, padding, 1, ceil_mode)
    if override is not None and (not is_int(override) or override == 0):
        raise RuntimeError("divisor must be not zero")
    xp = geo.padded(geo.lift(x), 0.0)
    divisor = avg_pool_divisor(geo, include_pad, override, x.dtype)
    y = avg_pool_array(xp, geo, divisor)
    out = y.reshape(geo.result_shape(y))

    def backward(g: np.ndarray) -> tuple:
        gp = avg_pool_backward_array(g.reshape(y.shape), geo, divisor, xp.shape)
        return (geo.crop(gp, x.shape),)

    return make_result(out, (input,), backward)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""1-D max pooling over ``(N, C, L)`` or ``(C, L)``; ``stride`` defaults to the kernel.

    See the module docstring for the math; with ``return_indices`` also the argmax
    positions (int64, indices into ``L``).
    """
    args = (kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _max_pool(input, 1, "max_pool1d", *args)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    r"""2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)`` (math in the module docstring).

    The gradient goes to the first maximum of each window in row-major scan order, as
    torch's CPU kernel; ``return_indices`` adds the argmax as flat indices into ``H*W``.

    Examples
    --------
    >>> import netopt
    >>> x = netopt.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> max_pool2d(x, 2).tolist()
    [[[[4.0]]]]
    """
    args = (kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _max_pool(input, 2, "max_pool2d", *args)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)`` (math in the module docstring)."""
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, None)
    return _avg_pool(input, 1, "avg_pool1d", *args)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    r"""2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)`` (math in the module docstring).

    Examples
    --------
    >>> import netopt
    >>> x = netopt.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> avg_pool2d(x, 2, padding=1, count_include_pad=False).tolist()
    [[[[1.0, 2.0], [4.0, 3.0]]]]
    """
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _avg_pool(input, 2, "avg_pool2d", *args)
