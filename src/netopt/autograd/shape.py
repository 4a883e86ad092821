"""Shape operations: reshape, transpose, indexing, gather, concatenation.

Each moves values without changing them, so each backward moves the gradient back:
reshape it, apply the inverse permutation, or scatter-add it into the source
positions (``np.add.at``, so repeated indices receive every contribution).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._dims import wrap_dim, wrap_dims
from .aliases import NOT_GIVEN, dim_of, shown_defaults
from .ops import add
from .tensor import Tensor, as_array, make_result, needs_grad
from .version import share_counter


def _view(out: Tensor, a: Tensor) -> Tensor:
    """``out``, sharing ``a``'s version counter when it shares ``a``'s storage."""
    return share_counter(out, a) if np.may_share_memory(out._data, a._data) else out


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """Return the values with a new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = a._data.reshape(shape)
    return _view(make_result(out, (a,), lambda g: (g.reshape(a._data.shape),)), a)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (``torch.flatten``); a dim out of
    range is torch's IndexError, ``start_dim`` after ``end_dim`` its RuntimeError."""
    shape = a._data.shape
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not shape:
        return reshape(a, (1,))
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, (*shape[:start], merged, *shape[end + 1 :]))


def unsqueeze(a: Tensor, dim: Any = NOT_GIVEN, *, axis: Any = NOT_GIVEN) -> Tensor:
    """Insert a dimension of length 1 at ``dim`` (or ``axis``: :mod:`~netopt.autograd.aliases`)."""
    dim = dim_of("unsqueeze", dim, axis, required=True)
    return reshape(a, np.expand_dims(a._data, dim).shape)


def squeeze(a: Tensor, dim: Any = NOT_GIVEN, *, axis: Any = NOT_GIVEN) -> Tensor:
    """Remove dimensions of length 1: all of them, or only those of ``dim`` (or ``axis``:
    :mod:`~netopt.autograd.aliases`; an int, or a tuple or list of ints as torch) that
    have length 1."""
    dim = dim_of("squeeze", dim, axis)
    shape = a._data.shape
    if dim is None:
        dims = range(len(shape))
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        dims = wrap_dims(dims, len(shape))  # IndexError out of range, as torch
    return reshape(a, tuple(n for i, n in enumerate(shape) if n != 1 or i not in dims))


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder dimensions; the backward applies the inverse permutation. As torch: a dim
    out of range is an IndexError; a wrong count or a repeated dim a RuntimeError."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    ndim = a._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match "
            "the length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = np.transpose(a._data, dims)
    inverse = np.argsort(dims)
    return _view(make_result(out, (a,), lambda g: (np.transpose(g, inverse),)), a)


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    out = np.swapaxes(a._data, dim0, dim1)
    return _view(make_result(out, (a,), lambda g: (np.swapaxes(g, dim0, dim1),)), a)


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) for i in items)


def as_index(index: Any) -> Any:
    """An index with every tensor in it replaced by its array, for NumPy indexing."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def getitem(a: Tensor, index: Any) -> Tensor:
    """NumPy indexing (basic and advanced); the gradient is scattered back with ``+=``."""
    index = as_index(index)
    out = a._data[index]
    basic = _is_basic_index(index)

    def backward(g: np.ndarray) -> tuple:
        full = np.zeros_like(a._data)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    result = make_result(out, (a,), backward)
    return _view(result, a) if basic else result


def gather(a: Tensor, dim: Any = NOT_GIVEN, index: Any = None, *, axis: Any = NOT_GIVEN) -> Tensor:
    """``out[i][j] = a[i][index[i][j]]`` along ``dim`` (``torch.gather``; ``axis=`` as torch's
    alias, :mod:`~netopt.autograd.aliases`)."""
    dim = dim_of("gather", dim, axis, required=True)
    if index is None:
        raise TypeError('gather() missing 1 required positional arguments: "index"')
    idx = np.asarray(as_array(index))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather(): index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim != a._data.ndim:
        raise ValueError(f"gather(): index has {idx.ndim} dimensions but input has {a._data.ndim}")
    # out[i][j] = a[i][idx[i][j]] with i, j running over idx's shape, as torch (which
    # allows idx to be smaller than a in the other dimensions; np.take_along_axis does not).
    grid = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    grid[dim] = idx
    grid = tuple(grid)
    out = a._data[grid]

    def backward(g: np.ndarray) -> tuple:
        full = np.zeros_like(a._data)
        np.add.at(full, grid, g)
        return (full,)

    return make_result(out, (a,), backward)


def cat(tensors: Sequence[Tensor], dim: Any = NOT_GIVEN, *, axis: Any = NOT_GIVEN) -> Tensor:
    """Concatenate along an existing dimension (``dim`` or ``axis``); the gradient is split
    back."""
    dim = dim_of("cat", dim, axis, default=0)
    if dim is None:
        raise TypeError("cat(): argument 'dim' must be int, not NoneType")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty sequence of tensors")
    arrays = [as_array(t) for t in tensors]
    out = np.concatenate(arrays, axis=dim)
    bounds = np.cumsum([np.shape(x)[dim] for x in arrays])[:-1]

    def backward(g: np.ndarray) -> tuple:
        parts = np.split(g, bounds, axis=dim)
        return tuple(p if needs_grad(t) else None for p, t in zip(parts, tensors))

    return make_result(out, tuple(tensors), backward)


def stack(tensors: Sequence[Tensor], dim: Any = NOT_GIVEN, *, axis: Any = NOT_GIVEN) -> Tensor:
    """Join along a new dimension (``dim`` or ``axis``); the gradient is split back."""
    dim = dim_of("stack", dim, axis, default=0)
    if dim is None:
        raise TypeError("stack(): argument 'dim' must be int, not NoneType")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack(): expected a non-empty sequence of tensors")
    out = np.stack([as_array(t) for t in tensors], axis=dim)

    def backward(g: np.ndarray) -> tuple:
        return tuple(
            np.take(g, i, axis=dim) if needs_grad(t) else None for i, t in enumerate(tensors)
        )

    return make_result(out, tuple(tensors), backward)


def expand(a: Tensor, *shape: Any) -> Tensor:
    """Broadcast to ``shape`` (-1 keeps a dimension), as ``torch.Tensor.expand``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    lead = len(shape) - a._data.ndim
    target = tuple(a._data.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return add(a, np.zeros(target, dtype=a._data.dtype))


for _fn in (unsqueeze, squeeze, gather):
    shown_defaults(_fn, dim=None, axis=None)
for _fn in (cat, stack):
    shown_defaults(_fn, dim=0, axis=None)
