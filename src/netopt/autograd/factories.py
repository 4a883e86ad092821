"""Tensor factories (``zeros``, ``ones``, ``randn``, ...), float32 by default as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from .tensor import Tensor, tensor


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(arr: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and arr.dtype.kind != "f":
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _new(np.zeros(_shape(size), dtype=dtype), requires_grad)


def ones(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _new(np.ones(_shape(size), dtype=dtype), requires_grad)


def full(size: Any, fill_value: float, *, dtype: Any = np.float32, requires_grad: bool = False):
    """A tensor filled with ``fill_value``."""
    return _new(np.full(tuple(size), fill_value, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, *, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape and dtype of ``t``."""
    return _new(np.zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, *, requires_grad: bool = False) -> Tensor:
    """Ones with the shape and dtype of ``t``."""
    return _new(np.ones_like(t.data), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, *, dtype: Any = None):
    """Evenly spaced values in ``[start, end)``; integer arguments give int64, floats float32."""
    values = np.arange(start, end, step) if end is not None else np.arange(start)
    return tensor(values.tolist() if dtype is None else values, dtype=dtype)


def eye(n: int, m: int | None = None, *, dtype: Any = np.float32) -> Tensor:
    """The identity matrix."""
    return Tensor(np.eye(n, m, dtype=dtype))


def randn(
    *size: Any,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples from ``rng`` (netopt's default generator when None)."""
    arr = _random.resolve(rng).standard_normal(_shape(size)).astype(dtype)
    return _new(arr, requires_grad)


def rand(
    *size: Any,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples on ``[0, 1)`` from ``rng`` (netopt's default generator when None)."""
    arr = _random.resolve(rng).random(_shape(size)).astype(dtype)
    return _new(arr, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap an ndarray without copying (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)
