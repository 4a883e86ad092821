r"""The safety policy of :mod:`netopt.info`, in one place.

Every measure passes its inputs through :func:`as_distribution` and its result
through :func:`finish`, so the rules below hold for all of them, on plain arrays and
on netopt Tensors alike:

- ``0 log 0 = 0``, computed by masking (:func:`xlogy`), never by ``log(p + 1e-12)``;
- negative entries, NaN or infinite entries raise :class:`ValueError` naming the
  argument;
- a distribution whose sum is off 1 by more than :data:`SUM_TOLERANCE` raises, unless
  the caller passes ``normalize=True``, which rescales non-negative values (counts,
  unnormalized weights) to sum to 1; an all-zero distribution cannot be rescaled and
  raises;
- arguments whose shapes differ raise (no silent broadcasting);
- ``base`` must be a positive real number other than 1 (None means ``e``, nats).

The sum is checked in float64 whatever the input dtype, so float32 probabilities
that are normalized up to float32 rounding pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import is_number
from ..autograd import ops
from ..autograd.tensor import Tensor

SUM_TOLERANCE = 1e-6
"""Largest accepted ``|sum(p) - 1|`` for a distribution when ``normalize=False``."""


def is_tensor(x: Any) -> bool:
    """True for a netopt :class:`~netopt.Tensor` (the differentiable path)."""
    return isinstance(x, Tensor)


def log_of_base(base: Any) -> float | None:
    """Return :math:`\\ln(\\text{base})`, or None for natural units; validate ``base``."""
    if base is None:
        return None
    if not is_number(base):
        raise TypeError(f"base must be a real number or None, got {type(base).__name__}")
    b = float(base)
    if not math.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(f"base must be a finite positive number other than 1, got {base!r}")
    return math.log(b)


def _values(p: Any, name: str) -> np.ndarray:
    """The numbers of ``p`` as an ndarray, rejecting non-real dtypes."""
    arr = p._data if is_tensor(p) else np.asarray(p)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def as_distribution(
    p: Any, *, name: str, normalize: bool, event_dims: int = 1, dtype: Any = None
) -> Any:
    """Validate ``p`` as a (batch of) distribution(s) over its last ``event_dims`` axes.

    Returns a float64 ndarray for array-like input and a floating Tensor for Tensor
    input (integer Tensors are cast to float64; ``dtype`` casts array-like input to a
    Tensor of that dtype, used when another argument is a Tensor).
    """
    if not isinstance(normalize, bool):
        raise TypeError(f"normalize must be True or False, got {normalize!r}")
    arr = _values(p, name)
    if arr.ndim < event_dims:
        axes = "axis" if event_dims == 1 else f"{event_dims} axes"
        raise ValueError(
            f"{name} must have at least {event_dims} dimension(s) (the distribution "
            f"{axes}), got shape {arr.shape}"
        )
    if arr.size == 0 or any(n == 0 for n in arr.shape[-event_dims:]):
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    if (arr < 0).any():
        raise ValueError(f"{name} has negative entries (smallest {float(arr.min())!r})")
    axes = tuple(range(-event_dims, 0))
    sums = np.sum(arr, axis=axes, dtype=np.float64)
    if normalize:
        if (sums == 0).any():
            raise ValueError(f"{name} has a distribution that sums to 0; cannot normalize it")
    else:
        worst = float(np.max(np.abs(sums - 1.0)))
        if worst > SUM_TOLERANCE:
            bad = float(sums.flat[np.argmax(np.abs(sums - 1.0))])
            raise ValueError(
                f"{name} must sum to 1 over its last {'axis' if event_dims == 1 else 'two axes'}"
                f" (within {SUM_TOLERANCE:g}), got a sum of {bad!r}; "
                "pass normalize=True to rescale"
            )
    if is_tensor(p):
        out = p if p._data.dtype.kind == "f" else p.double()
        return out / out.sum(dim=axes, keepdim=True) if normalize else out
    if dtype is not None:
        out = Tensor(np.asarray(arr, dtype=dtype))
        return out / out.sum(dim=axes, keepdim=True) if normalize else out
    out = np.asarray(arr, dtype=np.float64)
    return out / np.sum(out, axis=axes, keepdims=True) if normalize else out


def as_distributions(named: dict[str, Any], *, normalize: bool, event_dims: int = 1) -> list[Any]:
    """Validate several same-shaped distributions; a Tensor among them makes all Tensors."""
    shapes = {name: _values(p, name).shape for name, p in named.items()}
    if len(set(shapes.values())) > 1:
        desc = " and ".join(f"{name} has shape {shape}" for name, shape in shapes.items())
        raise ValueError(f"shapes must match: {desc}")
    tensors = [p for p in named.values() if is_tensor(p)]
    dtype = None
    if tensors:
        kinds = [t._data.dtype for t in tensors if t._data.dtype.kind == "f"]
        dtype = np.result_type(*kinds) if kinds else np.float64
    return [
        as_distribution(p, name=name, normalize=normalize, event_dims=event_dims, dtype=dtype)
        for name, p in named.items()
    ]


def xlogy(x: Any, y: Any) -> Any:
    r""":math:`x \ln y` with :math:`0 \ln y = 0`; Tensors go through the engine's op."""
    if is_tensor(x) or is_tensor(y):
        return ops.xlogy(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


def total(a: Any, axes: int | tuple[int, ...], keepdim: bool = False) -> Any:
    """Sum over ``axes`` for an ndarray or a Tensor."""
    if is_tensor(a):
        return a.sum(dim=axes, keepdim=keepdim)
    return np.sum(a, axis=axes, keepdims=keepdim)


def finish(value: Any, log_base: float | None) -> Any:
    """Convert nats to the requested base; a 0-d ndarray becomes a Python float."""
    if log_base is not None:
        value = value * (1.0 / log_base)
    if is_tensor(value):
        return value
    value = np.asarray(value, dtype=np.float64)
    return float(value) if value.ndim == 0 else value
