"""Tensor factories (``zeros``, ``ones``, ``randn``, ...), float32 by default as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_int
from .device import check_device
from .tensor import Tensor
from .tensor import tensor as _tensor


def _shape(size: tuple, keyword: Any = None, name: str = "zeros") -> tuple[int, ...]:
    """The shape from ``*size`` (ints, or one tuple/list) or from torch's ``size=`` keyword.

    Raises
    ------
    TypeError
        ``size=`` given with positional sizes too, or not a tuple/list of ints (torch's rule).
    """
    if keyword is not None:
        if size:
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got sizes both "
                f"positionally {size} and as size={keyword!r}"
            )
        if not isinstance(keyword, (tuple, list)):
            raise TypeError(
                f"{name}(): argument 'size' must be tuple of ints, not {type(keyword).__name__}"
            )
        return tuple(keyword)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(arr: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and arr.dtype.kind != "f":
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return Tensor(arr, requires_grad=requires_grad)


def zeros(
    *sizes: Any,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
) -> Tensor:
    """A tensor of zeros; the shape as ints, one tuple, or ``size=`` (torch's keyword)."""
    check_device(device)
    return _new(np.zeros(_shape(sizes, size, "zeros"), dtype=dtype), requires_grad)


def ones(
    *sizes: Any,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
) -> Tensor:
    """A tensor of ones; the shape as ints, one tuple, or ``size=`` (torch's keyword)."""
    check_device(device)
    return _new(np.ones(_shape(sizes, size, "ones"), dtype=dtype), requires_grad)


def empty(
    *sizes: Any,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
) -> Tensor:
    """A tensor to be filled (``torch.empty``); netopt gives zeros, never stale memory.
    The shape as :func:`zeros` takes it (ints, one tuple, or ``size=``)."""
    check_device(device)
    return _new(np.zeros(_shape(sizes, size, "empty"), dtype=dtype), requires_grad)


def full(
    size: Any,
    fill_value: float,
    *,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``."""
    check_device(device)
    return _new(np.full(tuple(size), fill_value, dtype=dtype), requires_grad)


def zeros_like(
    t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape and dtype of ``t`` (or ``dtype``)."""
    check_device(device)
    return _new(np.zeros_like(t._data, dtype=dtype), requires_grad)


def ones_like(
    t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones with the shape and dtype of ``t`` (or ``dtype``)."""
    check_device(device)
    return _new(np.ones_like(t._data, dtype=dtype), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Evenly spaced values in ``[start, end)``; integer arguments give int64, floats float32."""
    check_device(device)
    values = np.arange(start, end, step) if end is not None else np.arange(start)
    out = _tensor(values.tolist() if dtype is None else values, dtype=dtype)
    return _new(out._data, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (``n`` by ``m``, square when ``m`` is None)."""
    check_device(device)
    return _new(np.eye(n, m, dtype=dtype), requires_grad)


def randn(
    *sizes: Any,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal samples from ``rng`` or ``generator`` (a :class:`netopt.Generator`;
    netopt's default generator when both are None); the shape as :func:`zeros` takes it."""
    check_device(device)
    gen = _random.resolve(rng, generator)
    arr = gen.standard_normal(_shape(sizes, size, "randn")).astype(dtype)
    return _new(arr, requires_grad)


def rand(
    *sizes: Any,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Uniform samples on ``[0, 1)`` from ``rng`` or ``generator`` (as :func:`randn`);
    the shape as :func:`zeros` takes it.

    Examples
    --------
    >>> from netopt.random import Generator
    >>> rand(size=(2, 3), generator=Generator().manual_seed(0)).shape
    (2, 3)
    """
    check_device(device)
    arr = _random.resolve(rng, generator).random(_shape(sizes, size, "rand")).astype(dtype)
    return _new(arr, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = np.float32,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (torch).

    Examples
    --------
    >>> linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    check_device(device)
    if not is_int(steps) or steps < 0:
        raise ValueError(f"number of steps must be non-negative, got {steps!r}")
    return _new(np.linspace(start, end, int(steps)).astype(dtype), requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    rng: np.random.Generator | None = None,
    dtype: Any = np.int64,
    device: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``, from ``rng`` or ``generator`` (netopt's
    default generator when both are None); ``randint(high, size)`` draws from ``[0, high)``,
    as ``torch``.

    Examples
    --------
    >>> import numpy as np
    >>> randint(3, (4,), rng=np.random.default_rng(0)).shape
    (4,)

    Raises
    ------
    TypeError
        If ``size`` is missing.
    ValueError
        If the range is empty (``low >= high``).
    """
    check_device(device)
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing the required argument 'size' (a tuple of ints)")
    if low >= high:
        raise ValueError(f"randint(): the range [{low}, {high}) is empty")
    shape = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    return Tensor(_random.resolve(rng, generator).integers(low, high, shape).astype(dtype))


def randperm(
    n: int,
    *,
    generator: np.random.Generator | None = None,
    rng: np.random.Generator | None = None,
    dtype: Any = np.int64,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (``torch.randperm``), from ``generator`` or
    ``rng`` (netopt's default generator when both are None).

    Raises
    ------
    TypeError
        ``n`` not an int.
    RuntimeError
        ``n`` negative, or ``requires_grad`` with a non-floating ``dtype`` (torch's messages).

    Examples
    --------
    >>> from netopt.random import Generator
    >>> sorted(randperm(4, generator=Generator().manual_seed(0)).tolist())
    [0, 1, 2, 3]
    """
    check_device(device)
    if not is_int(n):
        raise TypeError(
            f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    order = _random.resolve(rng, generator).permutation(int(n))
    return _new(order.astype(dtype), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap an ndarray without copying (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def tensor(
    data: Any, requires_grad: bool = False, dtype: Any = None, *, device: Any = None
) -> Tensor:
    """:func:`netopt.autograd.tensor.tensor` with torch's ``device=`` (the CPU only).

    Examples
    --------
    >>> tensor([1.0, 2.0], device="cpu")
    tensor([1., 2.])
    """
    check_device(device)
    return _tensor(data, requires_grad=requires_grad, dtype=dtype)
