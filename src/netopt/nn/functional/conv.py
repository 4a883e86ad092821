r"""Convolution ``conv1d`` and ``conv2d`` (``torch.nn.functional``), one graph node each.

The kernel is the 2-D case; a 1-D convolution is the 2-D one with height 1. With the
input zero-padded to :math:`x_p` of shape :math:`(N, C, H_p, W_p)`, ``groups`` :math:`G`,
weight :math:`w` of shape :math:`(O, C/G, k_h, k_w)`, stride :math:`s` and dilation
:math:`d`, PyTorch's convolution (a cross-correlation) is

.. math::
    y_{n,o,i,j} = b_o + \sum_{c \in g(o)} \sum_{p<k_h} \sum_{q<k_w}
        w_{o,c,p,q}\; x_{p;\,n,c,\,i s_h + p d_h,\; j s_w + q d_w},
    \qquad H_{out} = \Big\lfloor \frac{H_p - d_h (k_h - 1) - 1}{s_h} \Big\rfloor + 1 .

**im2col.** The windows of :math:`x_p` are a strided view
(``sliding_window_view``) copied once into columns
:math:`X \in \mathbb{R}^{N \times G \times K \times P}`, :math:`K = (C/G) k_h k_w`,
:math:`P = H_{out} W_{out}`; then :math:`Y = W X` is one batched matrix product with
:math:`W \in \mathbb{R}^{G \times O/G \times K}`. The backward pass is two more:

.. math::
    \frac{\partial L}{\partial W} = \sum_n G_n X_n^\top, \qquad
    \frac{\partial L}{\partial X} = W^\top G, \qquad
    \frac{\partial L}{\partial b_o} = \sum_{n,i,j} G_{n,o,i,j},

and **col2im** adds :math:`\partial L/\partial X` back into the padded input with one
strided slice-add per kernel offset :math:`(p, q)` (:math:`k_h k_w` NumPy operations,
no loop over output positions); the padding is then cut off.

**Wide rows (stride 1).** Flattening the padded input's rows, offset :math:`(p, q)` reads
the contiguous run :math:`[p d_h W_p + q d_w,\ \ldots + H_{out} W_p)` for the whole output
computed :math:`W_p` wide (its last :math:`W_p - W_{out}` columns are junk, dropped after
the product, and get a zero gradient). im2col and col2im then move contiguous runs only,
for :math:`W_p / W_{out}` times the arithmetic; used when that factor is at most 1.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result, needs_grad


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``value`` as an ``n``-tuple of ints (an int is repeated, as torch's ``_pair``)."""
    if is_int(value):
        return (int(value),) * n
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) == 1:
        values = values * n
    if len(values) != n or not all(is_int(v) for v in values):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """``padding="same"``: total :math:`d(k-1)` per dimension, the odd one at the end (torch)."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in totals]


def _conv_padding(padding: Any, kernel, dilation, stride, nd: int) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            return same_padding(kernel, dilation)
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    pads = ntuple(padding, nd, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return [(p, p) for p in pads]


def _check(x: np.ndarray, w: np.ndarray, b, groups: int, nd: int, name: str) -> None:
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, "
            f"but got input of size: {list(x.shape)}"
        )
    if w.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 2}-dimensional weight for {name}, got weight of size {list(w.shape)}"
        )
    if not is_int(groups) or groups < 1:
        raise RuntimeError(f"non-positive groups is not supported, got groups={groups!r}")
    channels = x.shape[-nd - 1]
    if channels != w.shape[1] * groups or w.shape[0] % groups:
        batched = x if x.ndim == nd + 2 else x[None]
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected "
            f"input{list(batched.shape)} to have {w.shape[1] * groups} channels, but got "
            f"{channels} channels instead"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise RuntimeError(
            f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
            f"{w.shape[0]} elements, but got bias of size {list(b.shape)} instead"
        )


class _Columns:
    """The im2col matrix of one convolution and how it was laid out (for the backward).

    ``wide`` (stride 1): rows of the flattened padded input, each column a contiguous run of
    ``oh * wp`` values (the output computed ``wp`` wide, its last ``wp - ow`` columns junk);
    otherwise the exact ``(N, G, K, oh * ow)`` windows.
    """

    def __init__(self, cols, padded, out, wide, offsets=None, extra=0):
        self.cols, self.padded, self.out, self.wide = cols, padded, out, wide
        self.offsets, self.extra = offsets, extra


def conv_forward(x, w, stride, padding, dilation, groups):
    """im2col forward of the 2-D kernel on arrays; returns ``(y, columns)``.

    ``x`` is ``(N, C, H, W)``, ``w`` is ``(O, C/G, kh, kw)``, ``padding`` is
    ``((top, bottom), (left, right))``.
    """
    if any(p for pair in padding for p in pair):
        x = np.pad(x, ((0, 0), (0, 0), *padding))
    n, c, hp, wp = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if hp < eh or wp < ew:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({hp} x {wp}). Kernel size: "
            f"({eh} x {ew}). Kernel size can't be greater than actual input size"
        )
    k = cg * kh * kw
    wm = w.reshape(groups, o // groups, k)
    if stride == (1, 1) and 2 * wp <= 3 * (wp - ew + 1):
        oh, ow = hp - eh + 1, wp - ew + 1
        length, extra = oh * wp, ew - 1
        flat = x.reshape(n, c, hp * wp)
        if extra:
            flat = np.pad(flat, ((0, 0), (0, 0), (0, extra)))
        offsets = [p * dh * wp + q * dw for p in range(kh) for q in range(kw)]
        # (N, C, kh*kw, oh*wp): kh*kw contiguous runs per channel
        cols = np.empty((n, c, kh * kw, length), dtype=x.dtype)
        for j, off in enumerate(offsets):
            cols[:, :, j] = flat[:, :, off : off + length]
        cols = cols.reshape(n, groups, k, length)
        y = np.matmul(wm[0], cols[:, 0]) if groups == 1 else np.matmul(wm, cols)
        y = np.ascontiguousarray(y.reshape(n, o, oh, wp)[..., :ow])
        return y, _Columns(cols, (hp, wp), (oh, ow), True, offsets, extra)
    win = sliding_window_view(x, (eh, ew), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    oh, ow = win.shape[2], win.shape[3]
    # (N, C, oh, ow, kh, kw) -> (N, G, Cg*kh*kw, oh*ow): the one copy of the input
    cols = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3))
    cols = cols.reshape(n, groups, k, oh * ow)
    y = np.matmul(wm[0], cols[:, 0]) if groups == 1 else np.matmul(wm, cols)
    return y.reshape(n, o, oh, ow), _Columns(cols, (hp, wp), (oh, ow), False)


def _grad_matrix(g: np.ndarray, cols: _Columns, groups: int) -> np.ndarray:
    """``g`` as ``(N, G, O/G, P)`` in the layout of the columns (zero junk columns if wide)."""
    n, o = g.shape[:2]
    if cols.wide:
        wide = np.zeros((n, o, cols.out[0], cols.padded[1]), dtype=g.dtype)
        wide[..., : cols.out[1]] = g
        g = wide
    return g.reshape(n, groups, o // groups, -1)


def conv_backward_input(gm, w, cols, stride, padding, dilation, groups):
    r"""col2im: the gradient of the (unpadded) input from ``gm`` (:func:`_grad_matrix`).

    :math:`\partial L/\partial X = W^\top G` is one batched product; its column for
    kernel offset :math:`(p, q)` is added back where that offset read the input: one
    (strided, or in the wide layout contiguous) slice-add per offset.
    """
    n = gm.shape[0]
    o, cg, kh, kw = w.shape
    c = cg * groups
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    if groups == 1:
        gcols = np.matmul(wm[0].T, gm[:, 0])
    else:
        gcols = np.matmul(wm.transpose(0, 2, 1), gm)
    hp, wp = cols.padded
    if cols.wide:
        gcols = gcols.reshape(n, c, kh * kw, -1)
        length = gcols.shape[-1]
        flat = np.zeros((n, c, hp * wp + cols.extra), dtype=gm.dtype)
        for k, off in enumerate(cols.offsets):
            flat[:, :, off : off + length] += gcols[:, :, k]
        gx = flat[:, :, : hp * wp].reshape(n, c, hp, wp)
    else:
        (oh, ow), (sh, sw), (dh, dw) = cols.out, stride, dilation
        gcols = gcols.reshape(n, c, kh, kw, oh, ow)
        gx = np.zeros((n, c, hp, wp), dtype=gm.dtype)
        for p in range(kh):
            rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
            for q in range(kw):
                gx[:, :, rows, q * dw : q * dw + sw * (ow - 1) + 1 : sw] += gcols[:, :, p, q]
    (top, bottom), (left, right) = padding
    return gx[:, :, top : hp - bottom, left : wp - right]


def conv_backward_weight(gm, cols: _Columns, wshape, groups):
    r"""The weight gradient :math:`\sum_n G_n X_n^\top` as batched products, summed over n."""
    x = cols.cols
    if groups == 1:
        gw = np.matmul(gm[:, 0], x[:, 0].transpose(0, 2, 1)).sum(axis=0)
    else:
        gw = np.matmul(gm, x.transpose(0, 1, 3, 2)).sum(axis=0)
    return gw.reshape(wshape)


def _convolution(input, weight, bias, stride, padding, dilation, groups, nd: int, name: str):
    x, w = input.data, weight.data
    b = bias.data if bias is not None else None
    _check(x, w, b, groups, nd, name)
    kernel = w.shape[2:]
    stride = ntuple(stride, nd, "stride")
    dilation = ntuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    pads = _conv_padding(padding, kernel, dilation, stride, nd)
    unbatched = x.ndim == nd + 1
    # the 1-D case is the 2-D one on height 1; an unbatched input gets a batch of one
    x4 = x[None] if unbatched else x
    x4 = x4[:, :, None, :] if nd == 1 else x4
    w4 = w[:, :, None, :] if nd == 1 else w
    if nd == 1:
        stride, dilation, pads = (1, *stride), (1, *dilation), [(0, 0), *pads]
    y, cols = conv_forward(x4, w4, stride, pads, dilation, groups)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    out_shape = y.shape[:2] + y.shape[4 - nd :]
    out = y.reshape(out_shape[unbatched:])

    def backward(g: np.ndarray) -> tuple:
        g4 = g.reshape(y.shape)
        gx = gw = gb = None
        if needs_grad(input) or needs_grad(weight):
            gm = _grad_matrix(g4, cols, groups)
        if needs_grad(input):
            gx = conv_backward_input(gm, w4, cols, stride, pads, dilation, groups)
            gx = gx.reshape(x.shape)
        if needs_grad(weight):
            gw = conv_backward_weight(gm, cols, w.shape, groups)
        if needs_grad(bias):
            gb = g4.sum(axis=(0, 2, 3))
        return gx, gw, gb

    return make_result(out, (input, weight, bias), backward)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""1-D convolution (cross-correlation) over ``(N, C_in, L)`` or ``(C_in, L)``.

    ``weight`` is ``(C_out, C_in / groups, k)``; ``padding`` is an int, a 1-tuple,
    ``"valid"`` (none) or ``"same"`` (output length = input length, stride 1 only).
    The math is in the module docstring (:mod:`netopt.nn.functional.conv`), with height 1.

    Examples
    --------
    >>> import netopt
    >>> x, w = netopt.ones(1, 2, 5), netopt.ones(3, 2, 3)
    >>> conv1d(x, w, padding=1).tolist()[0][0]
    [4.0, 6.0, 6.0, 6.0, 4.0]
    """
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""2-D convolution (cross-correlation) over ``(N, C_in, H, W)`` or ``(C_in, H, W)``.

    ``weight`` is ``(C_out, C_in / groups, kH, kW)``; ``stride``, ``padding`` and
    ``dilation`` are ints or pairs; ``padding`` may also be ``"valid"`` or ``"same"``
    (stride 1 only; an odd total puts the extra row/column at the end, as torch).
    ``groups=C_in`` with ``C_out = m C_in`` is a depthwise convolution. The math and the
    im2col/col2im scheme are in the module docstring.

    Raises
    ------
    RuntimeError
        With PyTorch's messages: wrong input rank, channels not matching
        ``weight.shape[1] * groups``, a kernel larger than the padded input, a
        non-positive stride, negative padding, ``"same"`` with a stride.

    Examples
    --------
    >>> import netopt
    >>> conv2d(netopt.ones(1, 1, 4, 4), netopt.ones(1, 1, 3, 3), stride=1).shape
    (1, 1, 2, 2)
    """
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")
