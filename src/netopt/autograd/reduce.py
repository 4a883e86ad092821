"""Reductions: sum, mean, max, min, logsumexp, var.

``dim`` may be an int, a tuple of ints or None (all dimensions); ``keepdim`` keeps
reduced dimensions with length 1, as in PyTorch. Each also takes NumPy's spellings
``axis=`` and ``keepdims=``, as torch does (:mod:`netopt.autograd.aliases`).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ._dims import wrap_dims
from .aliases import NOT_GIVEN, dim_keepdim, dim_of, shown_defaults
from .ops import maximum, minimum, sqrt
from .tensor import Tensor, make_result

MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _axes(dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = wrap_dims(dims, ndim)  # IndexError out of range, as torch
    return axes if ndim else ()


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdim: bool, shape: tuple) -> np.ndarray:
    if not keepdim and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def sum(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
    dtype: Any = None,
) -> Tensor:
    r""":math:`\sum_i a_i` over ``dim``; each input receives the output's gradient;
    ``dtype`` (torch's) casts the input to it first."""
    dim, keepdim = dim_keepdim("sum", dim, axis, keepdim, keepdims, dtype is not None)
    if dtype is not None:
        a = a.to(dtype)
    axes = _axes(dim, a._data.ndim)
    out = np.sum(a._data, axis=axes, keepdims=keepdim)
    if a._data.dtype == np.bool_:
        out = out.astype(np.int64)
    return make_result(np.asarray(out), (a,), lambda g: (_expand(g, axes, keepdim, a._data.shape),))


def mean(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
    dtype: Any = None,
) -> Tensor:
    r""":math:`\frac1n\sum_i a_i` over ``dim``; each input receives :math:`g/n`;
    ``dtype`` (torch's) casts the input to it first."""
    dim, keepdim = dim_keepdim("mean", dim, axis, keepdim, keepdims, dtype is not None)
    if dtype is not None:
        a = a.to(dtype)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): input dtype should be floating point, got {a._data.dtype}")
    axes = _axes(dim, a._data.ndim)
    n = int(np.prod([a._data.shape[i] for i in axes])) if axes else 1
    out = np.asarray(np.mean(a._data, axis=axes, keepdims=keepdim))
    return make_result(out, (a,), lambda g: (_expand(g / n, axes, keepdim, a._data.shape),))


def var(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    correction: int = 1,
    keepdim: Any = NOT_GIVEN,
    *,
    unbiased: bool | None = None,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
) -> Tensor:
    r"""Variance :math:`\frac{1}{n - c}\sum_i (a_i - \bar a)^2` (``correction`` c, default 1).

    ``unbiased`` is PyTorch's older spelling: True is ``correction=1``, False is 0 (the
    biased variance that batch normalization divides by). A positional bool in the
    ``correction`` place means the same, as in ``torch.var(x, 0, False)``.
    """
    dim, keepdim = dim_keepdim("var", dim, axis, keepdim, keepdims)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    axes = _axes(dim, a._data.ndim)
    n = int(np.prod([a._data.shape[i] for i in axes])) if axes else 1
    centered = a._data - np.mean(a._data, axis=axes, keepdims=True)
    out = np.asarray(np.sum(centered**2, axis=axes, keepdims=keepdim) / (n - correction))

    def backward(g: np.ndarray) -> tuple:
        return (_expand(g, axes, keepdim, a._data.shape) * (2 / (n - correction)) * centered,)

    return make_result(out, (a,), backward)


def std(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    correction: int = 1,
    keepdim: Any = NOT_GIVEN,
    *,
    unbiased: bool | None = None,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
) -> Tensor:
    r"""Standard deviation :math:`\sqrt{\operatorname{var}}`, arguments as :func:`var`.

    Its gradient :math:`(a_i - \bar a) / ((n - c)\,\sigma)` is infinite or NaN where
    :math:`\sigma = 0` (all values equal), as in PyTorch.
    """
    dim, keepdim = dim_keepdim("std", dim, axis, keepdim, keepdims)
    return sqrt(var(a, dim, correction, keepdim, unbiased=unbiased))


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    r"""The :math:`L_2` norm :math:`\sqrt{\sum_i a_i^2}` (``p`` = 2 or ``"fro"``) or the
    :math:`L_1` norm :math:`\sum_i |a_i|` (``p`` = 1) over ``dim`` (all when None).

    Gradients as PyTorch: :math:`a_i / \|a\|_2`, and 0 where the norm is 0 (a
    subgradient); :math:`\operatorname{sign}(a_i)` for :math:`L_1`, 0 at :math:`a_i = 0`.
    The weight penalties of eq. 6-11/6-12 are :math:`\tfrac12\|w\|_2^2` and
    :math:`\|w\|_1`.

    Raises
    ------
    ValueError
        For any other ``p``.
    """
    if p not in ("fro", 1, 2):
        raise ValueError(f"norm(): p must be 1, 2 or 'fro', got {p!r}")
    axes = _axes(dim, a._data.ndim)
    x = a._data
    if p == 1:
        out = np.sum(np.abs(x), axis=axes, keepdims=keepdim)
    else:
        out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
    out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        if p == 1:
            return (_expand(g, axes, keepdim, x.shape) * np.sign(x),)
        size = _expand(out, axes, keepdim, x.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(size > 0, x / size, 0)
        return ((_expand(g, axes, keepdim, x.shape) * unit).astype(x.dtype, copy=False),)

    return make_result(out, (a,), backward)


def _full_extremum(a: Tensor, fn: Any) -> Tensor:
    value = fn(a._data)
    out = np.asarray(value)

    def backward(g: np.ndarray) -> tuple:
        # PyTorch's full reduction spreads the gradient evenly over tied extremes.
        mask = a._data == value
        return (mask * (g / int(np.count_nonzero(mask))),)  # int: an np.intp would upcast

    return make_result(out, (a,), backward)


def _dim_extremum(a: Tensor, dim: int, keepdim: bool, arg: Any) -> MaxMin:
    idx = np.expand_dims(arg(a._data, axis=dim), dim)
    values = np.take_along_axis(a._data, idx, axis=dim)
    if not keepdim:
        values = np.squeeze(values, axis=dim)
        idx_out = np.squeeze(idx, axis=dim)
    else:
        idx_out = idx

    def backward(g: np.ndarray) -> tuple:
        full = np.zeros_like(a._data)
        np.put_along_axis(full, idx, g if keepdim else np.expand_dims(g, dim), axis=dim)
        return (full,)

    return MaxMin(make_result(values, (a,), backward), Tensor(idx_out.astype(np.int64)))


def _elementwise(
    name: str, fn: Any, a: Tensor, dim: Any, keepdim: Any, axis: Any, keepdims: Any, other: Any
) -> Tensor:
    """torch's ``max(input, other)`` overload: ``fn(a, other)``, ``other`` given alone (by
    position or keyword); anything more is the TypeError torch's parser gives there."""
    named = (("dim", dim), ("keepdim", keepdim), ("axis", axis), ("keepdims", keepdims))
    given = [k for k, v in (*named, ("other", other)) if v is not NOT_GIVEN]
    if len(given) == 1:
        return fn(a, dim if other is NOT_GIVEN else other)
    if len(given) > 2:  # no overload of torch's takes three
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got {', '.join(given)}"
        )
    if isinstance(dim, Tensor):  # only (dim, keepdim) takes two
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not Tensor")
    if "dim" in given or "axis" in given:
        raise TypeError(f"{name}() got an unexpected keyword argument 'other'")
    raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')


def max(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
    other: Any = NOT_GIVEN,
) -> Any:
    """Largest value; with ``dim``, a ``(values, indices)`` pair as in PyTorch; with a
    tensor ``other`` (by position or keyword), :func:`~netopt.autograd.ops.maximum`."""
    if other is not NOT_GIVEN or isinstance(dim, Tensor):
        return _elementwise("max", maximum, a, dim, keepdim, axis, keepdims, other)
    dim, keepdim = dim_keepdim("max", dim, axis, keepdim, keepdims)
    if dim is None:
        return _full_extremum(a, np.max)
    return _dim_extremum(a, dim, keepdim, np.argmax)


def min(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
    other: Any = NOT_GIVEN,
) -> Any:
    """Smallest value; with ``dim``, a ``(values, indices)`` pair as in PyTorch; with a
    tensor ``other`` (by position or keyword), :func:`~netopt.autograd.ops.minimum`."""
    if other is not NOT_GIVEN or isinstance(dim, Tensor):
        return _elementwise("min", minimum, a, dim, keepdim, axis, keepdims, other)
    dim, keepdim = dim_keepdim("min", dim, axis, keepdim, keepdims)
    if dim is None:
        return _full_extremum(a, np.min)
    return _dim_extremum(a, dim, keepdim, np.argmin)


def logsumexp(
    a: Tensor,
    dim: Any = NOT_GIVEN,
    keepdim: Any = NOT_GIVEN,
    *,
    axis: Any = NOT_GIVEN,
    keepdims: Any = NOT_GIVEN,
) -> Tensor:
    r""":math:`\ln\sum_i e^{a_i}`, computed as :math:`m + \ln\sum_i e^{a_i - m}` with
    :math:`m = \max_i a_i` (replaced by 0 where it is infinite), so it never overflows.

    The gradient is the softmax of ``a`` along ``dim``. ``dim`` (or ``axis``) is required,
    as in torch.

    Raises
    ------
    TypeError
        Neither ``dim`` nor ``axis`` given (torch's message).
    """
    dim, keepdim = dim_keepdim("logsumexp", dim, axis, keepdim, keepdims)
    dim = dim_of("logsumexp", dim, NOT_GIVEN, required=True)
    axes = _axes(dim, a._data.ndim)
    m = np.max(a._data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        lse = np.log(np.sum(np.exp(a._data - m), axis=axes, keepdims=True)) + m
    out = lse if keepdim else np.squeeze(lse, axis=axes)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(invalid="ignore"):
            p = np.exp(a._data - lse)
        return (_expand(g, axes, keepdim, a._data.shape) * np.nan_to_num(p),)

    return make_result(np.asarray(out), (a,), backward)


for _fn in (sum, mean, var, std, max, min, logsumexp):
    shown_defaults(_fn, dim=None, keepdim=False, axis=None, keepdims=None, other=None)
