"""The rest of torch's top-level math that tutorials use, each with its local gradient.

``square``, ``sign``, ``mm``, ``bmm``, ``dot``, ``einsum``, ``tan``, ``sinh``/``cosh``,
and the sampling and conversion helpers ``normal``, ``as_tensor``, ``randn_like``,
``rand_like``, ``full_like``. Element-wise ops follow :mod:`netopt.autograd.ops`: a
forward value from NumPy and a ``backward(g)`` closure beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from .device import check_device
from .ops import add, matmul
from .tensor import Tensor, as_array, make_result, needs_grad, tensor


def square(a: Tensor) -> Tensor:
    r""":math:`a^2`; derivative :math:`2a`."""
    return make_result(a._data * a._data, (a,), lambda g: (2 * g * a._data,))


def sign(a: Tensor) -> Tensor:
    r""":math:`\operatorname{sign}(a)` in {-1, 0, 1}; derivative 0 (as torch)."""
    return make_result(np.sign(a._data), (a,), lambda g: (np.zeros_like(g),))


def tan(a: Tensor) -> Tensor:
    r""":math:`\tan a`; derivative :math:`1 + \tan^2 a`."""
    out = np.tan(a._data)
    return make_result(out, (a,), lambda g: (g * (1 + out * out),))


def sinh(a: Tensor) -> Tensor:
    r""":math:`\sinh a`; derivative :math:`\cosh a`."""
    return make_result(np.sinh(a._data), (a,), lambda g: (g * np.cosh(a._data),))


def cosh(a: Tensor) -> Tensor:
    r""":math:`\cosh a`; derivative :math:`\sinh a`."""
    return make_result(np.cosh(a._data), (a,), lambda g: (g * np.sinh(a._data),))


def _require_dims(x: Tensor, ndim: int, label: str) -> None:
    if as_array(x).ndim != ndim:
        kind = "a matrix" if ndim == 2 else f"a {ndim}D tensor"
        raise RuntimeError(f"{label} must be {kind}")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    r"""Matrix product of two 2-D tensors, as ``torch.mm`` (gradients as :func:`matmul`)."""
    _require_dims(input, 2, "self")
    _require_dims(mat2, 2, "mat2")
    a, b = as_array(input), as_array(mat2)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    r"""Batched matrix product of two 3-D tensors ``(b, n, m) @ (b, m, p)``, as ``torch.bmm``."""
    _require_dims(input, 3, "batch1")
    _require_dims(mat2, 3, "batch2")
    a, b = as_array(input), as_array(mat2)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    return matmul(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    r"""Inner product of two 1-D tensors, as ``torch.dot``."""
    if as_array(input).ndim != 1 or as_array(other).ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {as_array(input).ndim}D and "
            f"{as_array(other).ndim}D tensors"
        )
    return matmul(input, other)


def einsum(equation: str, *operands: Any) -> Tensor:
    r"""Einstein summation, as ``torch.einsum`` (explicit or implicit output, no ellipsis).

    .. math:: \partial L/\partial X_k = \operatorname{einsum}(\text{others}, G
       \rightarrow \text{subscripts of } X_k)

    The gradient of operand :math:`k` contracts the output gradient with the other
    operands onto :math:`k`'s subscripts (a repeated subscript, a diagonal, is refused).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "..." in equation:
        raise NotImplementedError("einsum: ellipsis ('...') is not supported by netopt")
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(subs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    if not arrow:
        letters = "".join(subs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    arrays = [as_array(x) for x in operands]
    out = np.einsum(f"{','.join(subs)}->{output}", *arrays)

    def backward(g: np.ndarray) -> tuple:
        grads = []
        for k, (x, sub) in enumerate(zip(operands, subs, strict=True)):
            if not needs_grad(x):
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise NotImplementedError(f"einsum backward with a repeated subscript {sub!r}")
            others = [s for j, s in enumerate(subs) if j != k]
            rest = [a for j, a in enumerate(arrays) if j != k]
            spec = (
                ",".join([output, *others])
                + "->"
                + "".join(c for c in sub if c in output or any(c in s for s in others))
            )
            part = np.einsum(spec, g, *rest)
            # subscripts summed away in the forward (only in this operand) broadcast back
            full = np.zeros(arrays[k].shape, dtype=out.dtype)
            kept = [c for c in sub if c in output or any(c in s for s in others)]
            shape = [arrays[k].shape[i] if c in kept else 1 for i, c in enumerate(sub)]
            grads.append(full + part.reshape(shape))
        return tuple(grads)

    return make_result(np.asarray(out), tuple(operands), backward)


def _float_dtype(dtype: Any) -> np.dtype:
    return np.dtype(np.float32 if dtype is None else dtype)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    rng: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""Samples :math:`\mathcal{N}(\text{mean}, \text{std}^2)`, as ``torch.normal``.

    ``mean``/``std`` are numbers (then ``size`` is required) or tensors, broadcast
    together; the draw comes from ``rng`` or ``generator`` (netopt's default generator
    when both are None).
    """
    m, s = as_array(mean), as_array(std)
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0, got {s}")
    if size is None:
        if np.ndim(m) == 0 and np.ndim(s) == 0:
            raise TypeError("normal() received an invalid combination of arguments: size missing")
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    shape = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    if dtype is None:
        dtype = next((a.dtype for a in (m, s) if isinstance(a, np.ndarray)), np.float32)
    draw = _random.resolve(rng, generator).standard_normal(shape)
    return Tensor((m + s * draw).astype(dtype), requires_grad=bool(requires_grad))


def randn_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape (and dtype) of ``t``."""
    arr = _random.resolve(None).standard_normal(t.shape)
    return Tensor(arr.astype(dtype or t.dtype), requires_grad=bool(requires_grad))


def rand_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on ``[0, 1)`` with the shape (and dtype) of ``t``."""
    arr = _random.resolve(None).random(t.shape)
    return Tensor(arr.astype(dtype or t.dtype), requires_grad=bool(requires_grad))


def full_like(t: Tensor, fill_value: float, *, dtype: Any = None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and dtype) of ``t``."""
    return Tensor(np.full(t.shape, fill_value, dtype=dtype or t.dtype))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``torch.as_tensor``: a tensor is returned as is (cast when ``dtype`` differs), an
    ndarray is wrapped without a copy, other data copied with :func:`tensor`'s rules."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return Tensor(data)
    return tensor(data, dtype=dtype)


def addmm(input: Any, mat1: Tensor, mat2: Tensor) -> Tensor:
    """``input + mat1 @ mat2``, as ``torch.addmm`` with ``beta = alpha = 1``."""
    return add(input, mm(mat1, mat2))
