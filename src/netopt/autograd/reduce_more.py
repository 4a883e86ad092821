r"""More of torch's reductions: amax, amin, prod, nansum (after :mod:`.reduce`'s).

Each takes ``dim``/``keepdim`` and torch's aliases ``axis``/``keepdims``
(:mod:`netopt.autograd.aliases`). Gradients as torch's:

- ``amax``/``amin``: the gradient of each reduced slice is shared evenly by the elements
  equal to its extreme (where ``max(dim)`` gives it all to one index);
- ``prod``: each element receives the product of the others in its slice, computed from
  exclusive running products, so zeros need no special case (one zero: only it receives
  a nonzero gradient; two: none does);
- ``nansum``: NaNs count as 0 and receive gradient 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dims import wrap_dim
from .aliases import NOT_GIVEN, dim_keepdim, shown_defaults
from .reduce import _axes, _expand
from .tensor import Tensor, make_result


def _extreme(name: str, fn: Any) -> Any:
    def reduction(
        input: Tensor,
        dim: Any = NOT_GIVEN,
        keepdim: Any = NOT_GIVEN,
        *,
        axis: Any = NOT_GIVEN,
        keepdims: Any = NOT_GIVEN,
    ) -> Tensor:
        dim, keepdim = dim_keepdim(name, dim, axis, keepdim, keepdims)
        x = input._data
        axes = _axes(None if dim == () else dim, x.ndim)
        kept = fn(x, axis=axes, keepdims=True)
        out = kept if keepdim else np.squeeze(kept, axis=axes)

        def backward(g: np.ndarray) -> tuple:
            tied = x == kept
            count = np.sum(tied, axis=axes, keepdims=True)
            return (_expand(g, axes, keepdim, x.shape) * tied / count.astype(g.dtype),)

        return make_result(np.asarray(out), (input,), backward)

    reduction.__name__ = name
    reduction.__doc__ = (
        f"The {'largest' if name == 'amax' else 'smallest'} value over ``dim`` (an int, a "
        "tuple, or None/``()`` for all dimensions), as ``torch."
        f"{name}``: values only; ties share the gradient evenly (module notes)."
    )
    return reduction


amax = _extreme("amax", np.max)
amin = _extreme("amin", np.min)


def _others_product(x: np.ndarray, axis: int) -> np.ndarray:
    """For every element, the product of the other elements along ``axis`` (exact with
    zeros: the exclusive running products from the left and from the right); 1 for a
    0-d ``x`` (nothing else in its slice), empty for an empty one."""
    if x.ndim == 0:
        return np.ones_like(x)
    ones = np.ones((*x.shape[:axis], 1, *x.shape[axis + 1 :]), x.dtype)
    left = np.cumprod(np.concatenate([ones, x], axis=axis), axis=axis)
    flipped = np.flip(x, axis=axis)
    right = np.flip(np.cumprod(np.concatenate([ones, flipped], axis=axis), axis=axis), axis)
    n = x.shape[axis]
    return np.take(left, range(n), axis=axis) * np.take(right, range(1, n + 1), axis=axis)


def prod(
    input: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    dtype: Any = None,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
) -> Tensor:
    r""":math:`\prod_i a_i` of all elements, or along one ``dim`` (an int, as torch);
    ``dtype`` casts first; integer and bool inputs give int64. Each element receives the
    product of the others (module notes).

    Raises
    ------
    TypeError
        ``dim`` None or a tuple (torch's prod takes one dimension).
    """
    for value in (dim, axis):
        if value is None or isinstance(value, (tuple, list)):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(value).__name__}")
    dim, keepdim = dim_keepdim("prod", dim, axis, keepdim, keepdims, dtype is not None)
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    if x.dtype.kind in "biu":
        x = x.astype(np.int64)
    if dim is None:
        out = np.asarray(np.prod(x))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        dim = wrap_dim(dim, x.ndim)  # IndexError out of range, as torch
        out = np.asarray(np.prod(x, axis=dim if x.ndim else None, keepdims=keepdim))

    def backward(g: np.ndarray) -> tuple:
        if dim is None:
            flat = _others_product(x.reshape(-1), 0).reshape(x.shape)
            return (np.reshape(g, ()) * flat,)
        axes = (dim,) if x.ndim else ()
        return (_expand(g, axes, keepdim, x.shape) * _others_product(x, dim),)

    return make_result(out, (input,), backward)


def nansum(
    input: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    dtype: Any = None,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
) -> Tensor:
    r""":math:`\sum_i a_i` over ``dim`` with NaNs taken as 0 (``torch.nansum``); ``dtype``
    casts first; a NaN receives gradient 0."""
    dim, keepdim = dim_keepdim("nansum", dim, axis, keepdim, keepdims, dtype is not None)
    if dtype is not None:
        input = input.to(dtype)
    x = input._data
    axes = _axes(dim, x.ndim)
    out = np.asarray(np.nansum(x, axis=axes, keepdims=keepdim))

    def backward(g: np.ndarray) -> tuple:
        return (np.where(np.isnan(x), 0, _expand(g, axes, keepdim, x.shape)).astype(g.dtype),)

    return make_result(out, (input,), backward)


for _fn in (amax, amin, prod, nansum):
    shown_defaults(_fn, dim=None, keepdim=False, axis=None, keepdims=None)
