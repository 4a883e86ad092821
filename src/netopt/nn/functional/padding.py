r"""``pad`` (``torch.nn.functional.pad``): constant, reflect, replicate and circular.

``pad`` lists (before, after) amounts from the last dimension backwards, as torch:
``(left, right)`` pads the last dimension, ``(left, right, top, bottom)`` the last two.
For a dimension of length :math:`n`, padded position :math:`p \in [-l, n + r)` reads
source index

.. math::
    \text{reflect: } |p| \text{ folded at } n-1 \;(2(n-1) - p \text{ for } p \ge n), \qquad
    \text{replicate: } \min(\max(p, 0), n-1), \qquad
    \text{circular: } p \bmod n,

and the backward pass adds the gradient of every padded position to the source index it
read (a loop over the padded positions only; the interior is one slice).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_int, is_number
from ...autograd.tensor import Tensor, make_result

_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _source(p: int, n: int, mode: str) -> int:
    if mode == "reflect":
        p = -p if p < 0 else p
        return 2 * (n - 1) - p if p >= n else p
    if mode == "replicate":
        return min(max(p, 0), n - 1)
    return p % n


def _check(shape: tuple[int, ...], pads: list[tuple[int, int]], mode: str) -> None:
    ndim = len(shape)
    for k, (lo, hi) in enumerate(pads):
        dim = ndim - 1 - k
        n = shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {dim} of input "
                f"{list(shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0:
            raise RuntimeError(f"input tensor has a zero-length dimension {dim} to replicate")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    r"""Pad the last ``len(pad) // 2`` dimensions of ``input`` (math in the module docstring).

    Parameters
    ----------
    input : Tensor
    pad : tuple of int
        Even length; ``(before, after)`` pairs from the last dimension backwards.
        Non-negative (torch's cropping by negative pads is not supported).
    mode : {"constant", "reflect", "replicate", "circular"}
    value : float, optional
        Fill value of ``"constant"`` (default 0).

    Examples
    --------
    >>> import netopt
    >>> pad(netopt.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    if mode not in ("constant", *_NUMPY_MODE):
        raise NotImplementedError(f"Unsupported padding mode: {mode}")
    pad = tuple(pad)
    if len(pad) % 2 or not all(is_int(p) for p in pad):
        raise ValueError(f"Padding length must be divisible by 2, got pad={pad!r}")
    x = input._data
    if len(pad) // 2 > x.ndim:
        raise ValueError(f"Padding length too large: pad={pad!r} for a {x.ndim}D input")
    if any(p < 0 for p in pad):
        raise ValueError(f"netopt's pad takes non-negative amounts only, got pad={pad!r}")
    if value is not None and mode != "constant":
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if value is not None and not is_number(value):
        raise TypeError(f"value must be a number, got {value!r}")
    pads = [(pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)]
    _check(x.shape, pads, mode)
    widths = [(0, 0)] * (x.ndim - len(pads)) + pads[::-1]
    if mode == "constant":
        out = np.pad(x, widths, constant_values=0 if value is None else value)
    else:
        out = np.pad(x, widths, mode=_NUMPY_MODE[mode])
    interior = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))

    def backward(g: np.ndarray) -> tuple:
        if mode == "constant":
            return (g[interior],)
        # undo one dimension at a time, innermost (last padded) first
        for dim in range(x.ndim - 1, x.ndim - 1 - len(pads), -1):
            lo, hi = widths[dim]
            n = x.shape[dim]
            gd = np.moveaxis(g, dim, 0)
            src = gd[lo : lo + n].copy()
            for p in [*range(-lo, 0), *range(n, n + hi)]:
                src[_source(p, n, mode)] += gd[p + lo]
            g = np.moveaxis(src, 0, dim)
        return (np.ascontiguousarray(g),)

    return make_result(out, (input,), backward)
