"""``Tensor(...)`` called the way torch's legacy constructor ``torch.Tensor(...)`` is.

``netopt.Tensor(ndarray)`` wraps the array as is (no copy, no dtype change): that is how
every op builds its result, and it stays a single type check. Any other argument is
read as torch reads ``torch.Tensor(...)``:

- ``Tensor()``: an empty float32 tensor;
- ``Tensor(2, 3)``: a float32 tensor of that shape (zeros: torch leaves it uninitialized);
- ``Tensor([-4.0])``, ``Tensor((1, 2))``: the values as float32 (the default dtype),
  whatever Python types they hold, bools included;
- ``Tensor(t)`` for a tensor ``t``: an alias of ``t`` (same storage and dtype).

This module computes the array; :class:`netopt.autograd.tensor.Tensor` handles the alias.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int

#: The dtype of ``Tensor(list)`` and ``Tensor(*size)``: torch's default dtype.
DEFAULT_DTYPE = np.dtype(np.float32)


class _NoData:
    """The default of ``Tensor(data)``: ``Tensor()`` is an empty tensor."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no data>"


#: ``Tensor()``'s ``data``: no argument given.
NO_DATA = _NoData()


def legacy_array(data: Any, size: tuple[Any, ...]) -> np.ndarray:
    """The array of ``Tensor(data, *size)`` when ``data`` is not an ndarray (see above).

    A NumPy scalar (``np.float64(2.0)``) becomes a 0-d array of its own dtype, as
    netopt's internal wrapping always treated it.

    Raises
    ------
    TypeError
        For a lone number that is not an int (``Tensor(3.5)``: torch wants a sequence),
        or a shape with a non-integer entry.
    RuntimeError
        For a negative dimension (torch's wording).
    """
    if isinstance(data, np.generic) and not size:
        return np.asarray(data)
    if data is NO_DATA:
        return np.empty(0, dtype=DEFAULT_DTYPE)
    if is_int(data):
        dims = (data, *size)
        for d in dims:
            if not is_int(d):
                raise TypeError(
                    f"new(): argument 'size' must be tuple of ints, but found element of type "
                    f"{type(d).__name__}"
                )
        if any(d < 0 for d in dims):
            bad = next(d for d in dims if d < 0)
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {bad}: {[int(d) for d in dims]}"
            )
        return np.zeros(tuple(int(d) for d in dims), dtype=DEFAULT_DTYPE)
    if size:
        raise TypeError(
            f"new(): expected a sequence of ints as the size, got a {type(data).__name__} "
            f"followed by {len(size)} more argument(s)"
        )
    if isinstance(data, (str, bytes)) or not hasattr(data, "__len__"):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    arr = np.array(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"can't convert data of dtype {arr.dtype} to a tensor")
    return arr.astype(DEFAULT_DTYPE)
