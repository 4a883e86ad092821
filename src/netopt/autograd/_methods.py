"""Attach operators and PyTorch-style methods to :class:`Tensor`.

Kept apart from ``tensor.py`` so the class stays readable; every method here is a
one-line delegation to the function that defines the math.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops, reduce, shape
from .tensor import Tensor, as_array


def _compare(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return Tensor(fn(self.data, as_array(other)))

    return method


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return method


_METHODS: dict[str, Any] = {
    "__add__": ops.add,
    "__radd__": _reflected(ops.add),
    "__sub__": ops.sub,
    "__rsub__": _reflected(ops.sub),
    "__mul__": ops.mul,
    "__rmul__": _reflected(ops.mul),
    "__truediv__": ops.div,
    "__rtruediv__": _reflected(ops.div),
    "__pow__": ops.pow,
    "__rpow__": _reflected(ops.pow),
    "__matmul__": ops.matmul,
    "__rmatmul__": _reflected(ops.matmul),
    "__neg__": ops.neg,
    "__getitem__": shape.getitem,
    "__lt__": _compare(np.less),
    "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater),
    "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal),
    "__ne__": _compare(np.not_equal),
    "add": ops.add,
    "sub": ops.sub,
    "mul": ops.mul,
    "div": ops.div,
    "pow": ops.pow,
    "matmul": ops.matmul,
    "neg": ops.neg,
    "exp": ops.exp,
    "log": ops.log,
    "log1p": ops.log1p,
    "sqrt": ops.sqrt,
    "abs": ops.abs,
    "sin": ops.sin,
    "cos": ops.cos,
    "clamp": ops.clamp,
    "clip": ops.clamp,
    "maximum": ops.maximum,
    "minimum": ops.minimum,
    "xlogy": ops.xlogy,
    "sum": reduce.sum,
    "mean": reduce.mean,
    "var": reduce.var,
    "max": reduce.max,
    "min": reduce.min,
    "logsumexp": reduce.logsumexp,
    "reshape": shape.reshape,
    "view": shape.reshape,
    "flatten": shape.flatten,
    "unsqueeze": shape.unsqueeze,
    "squeeze": shape.squeeze,
    "permute": shape.permute,
    "transpose": shape.transpose,
    "gather": shape.gather,
    "expand": shape.expand,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)


def _T(self: Tensor) -> Tensor:
    """The tensor with its dimensions reversed (the transpose of a matrix)."""
    return shape.permute(self, tuple(reversed(range(self.data.ndim))))


def _argmax(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (flattened when ``dim`` is None)."""
    if dim is None:
        return Tensor(np.asarray(np.argmax(self.data), dtype=np.int64))
    out = np.argmax(self.data, axis=dim, keepdims=keepdim)
    return Tensor(out.astype(np.int64))


def _argmin(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (flattened when ``dim`` is None)."""
    if dim is None:
        return Tensor(np.asarray(np.argmin(self.data), dtype=np.int64))
    return Tensor(np.argmin(self.data, axis=dim, keepdims=keepdim).astype(np.int64))


def _scalar(convert: Any) -> Any:
    def method(self: Tensor) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars "
                f"(got {self.data.size} elements)"
            )
        return convert(self.data.item())

    return method


def _clone(self: Tensor) -> Tensor:
    """A differentiable copy with its own storage."""
    from .tensor import make_result

    return make_result(self.data.copy(), (self,), lambda g: (g,))


def _zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place (outside any graph)."""
    self.data[...] = 0
    return self


def _fill_(self: Tensor, value: float) -> Tensor:
    """Fill with ``value`` in place (outside any graph)."""
    self.data[...] = value
    return self


def _copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` into this tensor's storage in place (outside any graph)."""
    np.copyto(self.data, as_array(src), casting="same_kind")
    return self


Tensor.T = property(_T)
Tensor.__float__ = _scalar(float)
Tensor.__int__ = _scalar(int)
Tensor.__bool__ = _scalar(bool)
Tensor.argmax = _argmax
Tensor.argmin = _argmin
Tensor.clone = _clone
Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.copy_ = _copy_
