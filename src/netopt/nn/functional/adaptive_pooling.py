r"""Adaptive pooling: ``adaptive_avg_pool1d/2d`` and ``adaptive_max_pool1d/2d``.

Output cell :math:`i` of a dimension of length :math:`n` pooled to :math:`m` cells covers
the input positions :math:`[\lfloor i n / m \rfloor, \lceil (i+1) n / m \rceil)` (PyTorch's
rule; windows may overlap or differ in length by one).

Average pooling is separable: with :math:`A \in \mathbb{R}^{m \times n}`,
:math:`A_{ij} = 1/|\text{window}_i|` on the window and 0 elsewhere,

.. math::
    Y = A_h\, X\, A_w^\top, \qquad \frac{\partial L}{\partial X} = A_h^\top\, G\, A_w,

two matrix products for any input and output size. Max pooling takes each cell's first
maximum (one NumPy reduction per output cell: adaptive outputs are small) and routes the
gradient there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result


def _bounds(n: int, m: int) -> list[tuple[int, int]]:
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _prepare(input: Tensor, output_size: Any, nd: int, name: str):
    x = input._data
    if x.ndim not in (nd + 1, nd + 2) or 0 in x.shape[-nd:]:
        raise ValueError(
            f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor with non-zero spatial "
            f"dimensions, but input has sizes {list(x.shape)}"
        )
    sizes = (output_size,) * nd if is_int(output_size) or output_size is None else output_size
    sizes = tuple(sizes)
    if len(sizes) != nd:
        raise ValueError(f"{name}: output_size must have {nd} elements, got {output_size!r}")
    spatial = x.shape[-nd:]
    sizes = tuple(n if m is None else m for m, n in zip(sizes, spatial))
    if not all(is_int(m) and m >= 1 for m in sizes):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 1")
    x4 = x.reshape(-1, 1, *([1] * (2 - nd)), *spatial)  # (N*C, 1, H, W)
    lead = x.shape[:-nd]
    return x, x4, (1,) * (2 - nd) + sizes, lead


def _adaptive_avg(input: Tensor, output_size: Any, nd: int, name: str) -> Tensor:
    x, x4, (mh, mw), lead = _prepare(input, output_size, nd, name)
    h, w = x4.shape[2:]
    mats = []
    for n, m in ((h, mh), (w, mw)):
        a = np.zeros((m, n), dtype=x.dtype)
        for i, (lo, hi) in enumerate(_bounds(n, m)):
            a[i, lo:hi] = 1.0 / (hi - lo)
        mats.append(a)
    ah, aw = mats
    y = ah @ (x4 @ aw.T)
    out = y.reshape(*lead, *y.shape[4 - nd :])
    return make_result(
        out, (input,), lambda g: ((ah.T @ (g.reshape(y.shape) @ aw)).reshape(x.shape),)
    )


def _adaptive_max(input: Tensor, output_size: Any, nd: int, name: str, return_indices: bool):
    x, x4, (mh, mw), lead = _prepare(input, output_size, nd, name)
    h, w = x4.shape[2:]
    flat = x4.reshape(x4.shape[0], h, w)
    y = np.empty((flat.shape[0], mh, mw), dtype=x.dtype)
    index = np.empty((flat.shape[0], mh, mw), dtype=np.int64)
    rows = np.arange(flat.shape[0])
    for i, (h0, h1) in enumerate(_bounds(h, mh)):
        for j, (w0, w1) in enumerate(_bounds(w, mw)):
            block = flat[:, h0:h1, w0:w1].reshape(flat.shape[0], -1)
            a = np.argmax(block, axis=1)
            y[:, i, j] = block[rows, a]
            index[:, i, j] = (h0 + a // (w1 - w0)) * w + w0 + a % (w1 - w0)
    spatial_out = (mh, mw)[2 - nd :]
    out = y.reshape(*lead, *spatial_out)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros((flat.shape[0], h * w), dtype=g.dtype)
        g3 = g.reshape(flat.shape[0], -1)
        idx = index.reshape(flat.shape[0], -1)
        for c in range(idx.shape[1]):
            gx[rows, idx[:, c]] += g3[:, c]
        return (gx.reshape(x.shape),)

    result = make_result(out, (input,), backward)
    if return_indices:
        return result, Tensor(index.reshape(out.shape))
    return result


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over ``output_size`` adaptive windows of the last dimension (module docstring)."""
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    r"""Average ``(N, C, H, W)`` over adaptive windows to ``output_size`` (int, pair, None keeps).

    Examples
    --------
    >>> import netopt
    >>> adaptive_avg_pool2d(netopt.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
    [[[[7.5]]]]
    """
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over adaptive windows of the last dimension (module docstring)."""
    return _adaptive_max(input, output_size, 1, "adaptive_max_pool1d", return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over adaptive windows of ``(N, C, H, W)``; indices are flat into ``H*W``."""
    return _adaptive_max(input, output_size, 2, "adaptive_max_pool2d", return_indices)
