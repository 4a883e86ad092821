"""Element-wise and matrix operations, each with its local gradient beside it.

Every function takes tensors (or Python scalars / ndarrays, which get no gradient),
computes the forward value with NumPy and, when a graph is being recorded, attaches a
``backward(g)`` closure that returns one gradient per operand. Broadcasting in the
forward pass is undone in the backward pass by :func:`unbroadcast`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, as_array, float64, make_result, needs_grad, unbroadcast


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(as_array(x))


def _promote(ad: Any, bd: Any) -> tuple[Any, Any]:
    """torch's rules where NumPy's differ: a float array combined with an integer or bool
    array keeps the float dtype (NumPy would give float64 for float32 with int64), and an
    integer or bool array with a Python float gives float32 (NumPy: float64)."""
    ka, kb = getattr(ad, "dtype", None), getattr(bd, "dtype", None)
    if ka is None or kb is None:
        # an integer or bool tensor with a Python float: torch's default float, float32
        if bd.__class__ is float and ka is not None and ka.kind in "iub":
            return ad.astype(np.float32), bd
        if ad.__class__ is float and kb is not None and kb.kind in "iub":
            return ad, bd.astype(np.float32)
        return ad, bd
    if ka is kb:
        return ad, bd
    if ka.kind == "f" and kb.kind in "iub":
        return ad, bd.astype(ka)
    if kb.kind == "f" and ka.kind in "iub":
        return ad.astype(kb), bd
    return ad, bd


def add(a: Any, b: Any) -> Tensor:
    r"""Element-wise :math:`a + b`; :math:`\partial/\partial a = \partial/\partial b = 1`."""
    ad, bd = _promote(as_array(a), as_array(b))
    out = ad + bd
    if out.__class__ is not np.ndarray:  # 0-d operands give a NumPy scalar; keep an array
        out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        return (
            unbroadcast(g, _shape(a)) if needs_grad(a) else None,
            unbroadcast(g, _shape(b)) if needs_grad(b) else None,
        )

    return make_result(out, (a, b), backward)


def sub(a: Any, b: Any) -> Tensor:
    r"""Element-wise :math:`a - b`."""
    ad, bd = _promote(as_array(a), as_array(b))
    out = ad - bd
    if out.__class__ is not np.ndarray:  # 0-d operands give a NumPy scalar; keep an array
        out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        return (
            unbroadcast(g, _shape(a)) if needs_grad(a) else None,
            unbroadcast(-g, _shape(b)) if needs_grad(b) else None,
        )

    return make_result(out, (a, b), backward)


def mul(a: Any, b: Any) -> Tensor:
    r"""Element-wise :math:`a b`; the derivatives are :math:`b` and :math:`a`."""
    ad, bd = _promote(as_array(a), as_array(b))
    out = ad * bd
    if out.__class__ is not np.ndarray:  # 0-d operands give a NumPy scalar; keep an array
        out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        return (
            unbroadcast(g * bd, _shape(a)) if needs_grad(a) else None,
            unbroadcast(g * ad, _shape(b)) if needs_grad(b) else None,
        )

    return make_result(out, (a, b), backward)


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    r"""Element-wise :math:`a / b`; :math:`\partial/\partial b = -a/b^2`; integers give
    float32 (torch's default float).

    ``rounding_mode`` is torch's: ``"trunc"`` rounds the quotient toward zero, ``"floor"``
    down; both keep an integer dtype (bool with a Python int gives int64), and their
    gradient is 0 (a step function), as torch's. Integer division by zero raises torch's
    RuntimeError, as does any other ``rounding_mode``.
    """
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    ad, bd = _promote(as_array(a), as_array(b))
    out = ad / bd
    if out.dtype is float64 and np.result_type(ad, bd).kind in "iub":
        out = out.astype(np.float32)  # torch's true division of integers: the default float
    if out.__class__ is not np.ndarray:  # 0-d operands give a NumPy scalar; keep an array
        out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        return (
            unbroadcast(g / bd, _shape(a)) if needs_grad(a) else None,
            unbroadcast(-g * out / bd, _shape(b)) if needs_grad(b) else None,
        )

    return make_result(out, (a, b), backward)


def _rounded_div(a: Any, b: Any, rounding_mode: str) -> Tensor:
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    ad, bd = _promote(as_array(a), as_array(b))
    kind = np.result_type(ad, bd).kind  # Python scalars weak: int8 // 2 stays int8
    if kind == "b":
        raise NotImplementedError(f"\"div_{rounding_mode}_cpu\" not implemented for 'Bool'")
    if kind in "iu":
        if np.any(np.equal(bd, 0)):
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(over="ignore"):  # int8 -128 // -1 wraps, as torch's
            out = np.asarray(np.floor_divide(ad, bd))
        if rounding_mode == "trunc":  # toward zero: one up where inexact and negative
            out += (np.remainder(ad, bd) != 0) & (np.less(ad, 0) != np.less(bd, 0))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            if rounding_mode == "floor":  # Python's floor division, as torch's
                out = np.asarray(np.floor_divide(ad, bd))
            else:
                out = np.asarray(np.trunc(ad / bd))

    def backward(g: np.ndarray) -> tuple:
        return (
            np.zeros(_shape(a), g.dtype) if needs_grad(a) else None,
            np.zeros(_shape(b), g.dtype) if needs_grad(b) else None,
        )

    return make_result(out, (a, b), backward)


def neg(a: Tensor) -> Tensor:
    """Element-wise :math:`-a`."""
    return make_result(-a._data, (a,), lambda g: (-g,))


def pow(input: Any, exponent: Any) -> Tensor:
    r"""Element-wise :math:`a^b` of ``input`` :math:`a` and ``exponent`` :math:`b`
    (torch's names, also as keywords).

    .. math:: \partial/\partial a = b\,a^{b-1}, \qquad \partial/\partial b = a^b \ln a

    As in PyTorch, the gradient with respect to ``b`` is 0 where ``a == 0`` and
    ``b >= 0`` (instead of ``0 * -inf``).
    """
    a, b = input, exponent
    ad, bd = _promote(as_array(a), as_array(b))
    out = ad**bd
    if out.__class__ is not np.ndarray:  # 0-d operands give a NumPy scalar; keep an array
        out = np.asarray(out)

    def backward(g: np.ndarray) -> tuple:
        ga = gb = None
        if needs_grad(a):
            ga = unbroadcast(g * bd * ad ** (bd - 1), _shape(a))
        if needs_grad(b):
            with np.errstate(divide="ignore", invalid="ignore"):
                # dtype=out.dtype: a Python-scalar base (``2 ** x``) must not upcast float32.
                local = out * np.log(ad, dtype=out.dtype)
            local = np.where((ad == 0) & (bd >= 0), 0, local)
            gb = unbroadcast(g * local, _shape(b))
        return ga, gb

    return make_result(out, (a, b), backward)


def matmul(input: Any, other: Any) -> Tensor:
    r"""Matrix product :math:`AB` of ``input`` and ``other`` (torch's names, also as
    keywords) with NumPy's batching and 1-d promotion rules.

    .. math:: \partial L/\partial A = G B^\top, \qquad \partial L/\partial B = A^\top G
    """
    a, b = input, other
    ad, bd = as_array(a), as_array(b)
    out = ad @ bd

    def backward(g: np.ndarray) -> tuple:
        a2 = ad if ad.ndim > 1 else ad[None, :]
        b2 = bd if bd.ndim > 1 else bd[:, None]
        g2 = g  # restore the axes that 1-d promotion removed (b's first: g is 0-d for vec @ vec)
        if bd.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if ad.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if needs_grad(a):
            ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(ad.shape)
        if needs_grad(b):
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(bd.shape)
        return ga, gb

    return make_result(out, (a, b), backward)


def exp(input: Tensor) -> Tensor:
    r""":math:`e^a`; derivative :math:`e^a`."""
    out = np.exp(input._data)
    return make_result(out, (input,), lambda g: (g * out,))


def log(a: Tensor) -> Tensor:
    r"""Natural logarithm; derivative :math:`1/a`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(a._data)
    return make_result(out, (a,), lambda g: (g / a._data,))


def log1p(a: Tensor) -> Tensor:
    r""":math:`\ln(1 + a)`, accurate for small ``a``; derivative :math:`1/(1+a)`."""
    out = np.log1p(a._data)
    return make_result(out, (a,), lambda g: (g / (1 + a._data),))


def sqrt(a: Tensor) -> Tensor:
    r""":math:`\sqrt a`; derivative :math:`1/(2\sqrt a)`."""
    out = np.sqrt(a._data)
    return make_result(out, (a,), lambda g: (g / (2 * out),))


def abs(input: Tensor) -> Tensor:
    r""":math:`|a|`; derivative :math:`\operatorname{sign}(a)` (0 at 0, as PyTorch)."""
    x = input._data
    return make_result(np.abs(x), (input,), lambda g: (g * np.sign(x),))


def sin(a: Tensor) -> Tensor:
    r""":math:`\sin a`; derivative :math:`\cos a`."""
    return make_result(np.sin(a._data), (a,), lambda g: (g * np.cos(a._data),))


def cos(a: Tensor) -> Tensor:
    r""":math:`\cos a`; derivative :math:`-\sin a`."""
    return make_result(np.cos(a._data), (a,), lambda g: (-g * np.sin(a._data),))


def clamp(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    r"""Clip values into ``[min, max]``.

    The derivative is 1 where ``min <= a <= max`` (bounds included, as PyTorch) and 0
    outside.
    """
    if min is None and max is None:
        raise ValueError("At least one of 'min' or 'max' must not be None")
    x = a._data
    if x.dtype.kind in "iub" and (min.__class__ is float or max.__class__ is float):
        x = x.astype(np.float32)  # torch's default float, as _promote
    out = np.clip(x, min, max)

    def backward(g: np.ndarray) -> tuple:
        inside = np.ones(x.shape, dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        return (g * inside,)

    return make_result(out, (a,), backward)


def _extremum(a: Any, b: Any, pick: np.ufunc, worse: np.ufunc) -> Tensor:
    """``pick(a, b)`` element-wise (``np.maximum`` or ``np.minimum``); ``worse`` is the
    comparison by which an operand loses (``np.less`` for the maximum)."""
    ad, bd = as_array(a), as_array(b)

    def backward(g: np.ndarray) -> tuple:
        # PyTorch's rule: ties split the gradient half and half; an operand gets none only
        # where it compares strictly worse, so both get all of it where either is NaN.
        share = np.where(ad == bd, g / 2, g)
        return (
            unbroadcast(np.where(worse(ad, bd), 0, share), _shape(a)) if needs_grad(a) else None,
            unbroadcast(np.where(worse(bd, ad), 0, share), _shape(b)) if needs_grad(b) else None,
        )

    return make_result(pick(ad, bd), (a, b), backward)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum; ties share the gradient half and half (PyTorch)."""
    return _extremum(a, b, np.maximum, np.less)


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum; ties share the gradient half and half (PyTorch)."""
    return _extremum(a, b, np.minimum, np.greater)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Pick ``a`` where ``condition`` holds and ``b`` elsewhere; gradients follow the pick."""
    cond = np.asarray(as_array(condition), dtype=bool)
    out = np.where(cond, as_array(a), as_array(b))

    def backward(g: np.ndarray) -> tuple:
        zero = np.zeros((), dtype=g.dtype)
        return (
            None,
            unbroadcast(np.where(cond, g, zero), _shape(a)) if needs_grad(a) else None,
            unbroadcast(np.where(cond, zero, g), _shape(b)) if needs_grad(b) else None,
        )

    return make_result(out, (None, a, b), backward)


def xlogy(x: Any, y: Any) -> Tensor:
    r""":math:`x \ln y` with the convention :math:`0 \ln y = 0` (also for ``y = 0``).

    .. math:: \partial/\partial x = \ln y, \qquad \partial/\partial y = x / y.

    As in PyTorch, :math:`\partial/\partial x` is taken as 0 where ``x == 0`` and
    ``y <= 0`` (where :math:`\ln y` is not finite); :math:`\partial/\partial y` is taken
    as 0 wherever ``x == 0`` (PyTorch gives NaN at ``x == y == 0``), so that
    entropy-type sums have no NaN gradient at zero probabilities.
    """
    xd, yd = as_array(x), as_array(y)
    zero = xd == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        logy = np.log(yd)
        out = np.where(zero, 0, xd * logy).astype(np.result_type(xd, yd), copy=False)

    def backward(g: np.ndarray) -> tuple:
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if needs_grad(x):
                gx = unbroadcast(np.where(zero & (yd <= 0), 0, g * logy), _shape(x))
            if needs_grad(y):
                gy = unbroadcast(np.where(zero, 0, g * xd / yd), _shape(y))
        return gx, gy

    return make_result(out, (x, y), backward)


def cast(a: Tensor, dtype: np.dtype) -> Tensor:
    """Convert to ``dtype``; the gradient is cast back to the source dtype."""
    if a._data.dtype == dtype:
        return a
    out = a._data.astype(dtype)
    if dtype.kind != "f":
        return Tensor(out)
    return make_result(out, (a,), lambda g: (g.astype(a._data.dtype),))
