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
for :math:`W_p / W_{out}` times the arithmetic; used when that factor is at most 1.1
(measured: faster than exact windows for a 3x3 convolution on 32x32 maps, slower for
LeNet-5's 28x28 and 14x14 layers, where the factor is 1.14 and 1.4). The *input gradient*
of a stride-1 convolution takes the wide layout whatever the forward's: col2im's
contiguous runs outweigh the extra columns there (LeNet-5's second layer: 1.4 instead of
2.0 ms). col2im adds each element's terms in the same order either way, but the
product :math:`W^\top G` runs on the wider matrix, and OpenBLAS's result for an element
can depend on the matrix's width: against exact windows the input gradient differed in
the last bits in 63 of 180 stride-1 float32 cases of a review (at most 5.7e-6), and a
float64 LeNet-5 backward by 1.6e-16 relative. Step capture calls the same kernel, so the
two paths still agree bit for bit.

The array kernels live in :mod:`netopt.nn.functional._conv_kernels`, which also bounds the
memory: columns are built in chunks of samples of at most 16 MiB (float32) and, for a
batch larger than one chunk, rebuilt in the backward pass instead of kept. The node calls
its ``forward`` (bias included) and ``backward`` (bias gradient included); step capture
(:mod:`netopt.train._capture_conv`) calls the same two on a plan that keeps its arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result, needs_grad
from . import _conv_kernels as _k


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


def _convolution(input, weight, bias, stride, padding, dilation, groups, nd: int, name: str):
    x, w = input._data, weight._data
    b = bias._data if bias is not None else None
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
    y, plan = _k.forward(x4, w4, stride, pads, dilation, groups, b)
    out_shape = y.shape[:2] + y.shape[4 - nd :]
    out = y.reshape(out_shape[unbatched:])

    def backward(g: np.ndarray) -> tuple:
        need = needs_grad(input), needs_grad(weight), needs_grad(bias)
        gx, gw, gb = _k.backward(g.reshape(y.shape), w4, plan, pads, *need)
        return (
            (None if gx is None else gx.reshape(x.shape)),
            (None if gw is None else gw.reshape(w.shape)),
            gb,
        )

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
