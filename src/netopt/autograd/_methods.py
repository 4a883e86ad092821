"""Attach operators and PyTorch-style methods to :class:`Tensor`.

Kept apart from ``tensor.py`` so the class stays readable; every method here is a
one-line delegation to the function that defines the math.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activation, grad_mode, ops, reduce, shape
from .aliases import NOT_GIVEN, dim_keepdim, shown_defaults
from .tensor import Tensor, as_array, make_result, needs_grad, target_dtype
from .version import mark_modified


def _compare(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return Tensor(fn(self._data, as_array(other)))

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
    "eq": _compare(np.equal),
    "ne": _compare(np.not_equal),
    "lt": _compare(np.less),
    "le": _compare(np.less_equal),
    "gt": _compare(np.greater),
    "ge": _compare(np.greater_equal),
    "add": ops.add,
    "sub": ops.sub,
    "mul": ops.mul,
    "multiply": ops.mul,  # torch's long names of the same ops
    "div": ops.div,
    "divide": ops.div,
    "true_divide": ops.div,
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
    "std": reduce.std,
    "norm": reduce.norm,
    "max": reduce.max,
    "min": reduce.min,
    "logsumexp": reduce.logsumexp,
    "reshape": shape.reshape,
    "view": shape.reshape,
    "flatten": shape.flatten,
    "ravel": shape.flatten,
    "unsqueeze": shape.unsqueeze,
    "squeeze": shape.squeeze,
    "permute": shape.permute,
    "transpose": shape.transpose,
    "gather": shape.gather,
    "expand": shape.expand,
    "relu": activation.relu,
    "sigmoid": activation.sigmoid,
    "tanh": activation.tanh,
    "softmax": activation.softmax_method,
    "log_softmax": activation.log_softmax_method,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)


def _T(self: Tensor) -> Tensor:
    """The tensor with its dimensions reversed (the transpose of a matrix)."""
    return shape.permute(self, tuple(reversed(range(self._data.ndim))))


def _argmax(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (flattened when ``dim`` is None)."""
    if dim is None:
        return Tensor(np.asarray(np.argmax(self._data), dtype=np.int64))
    out = np.argmax(self._data, axis=dim, keepdims=keepdim)
    return Tensor(out.astype(np.int64))


def _argmin(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (flattened when ``dim`` is None)."""
    if dim is None:
        return Tensor(np.asarray(np.argmin(self._data), dtype=np.int64))
    return Tensor(np.argmin(self._data, axis=dim, keepdims=keepdim).astype(np.int64))


def _scalar(convert: Any) -> Any:
    def method(self: Tensor) -> Any:
        if self._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars "
                f"(got {self._data.size} elements)"
            )
        return convert(self._data.item())

    return method


def _clone(self: Tensor) -> Tensor:
    """A differentiable copy with its own storage."""
    return make_result(self._data.copy(), (self,), lambda g: (g,))


def _zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place (outside any graph)."""
    self._data[...] = 0
    mark_modified(self)
    return self


def _fill_(self: Tensor, value: float) -> Tensor:
    """Fill with ``value`` in place (outside any graph)."""
    self._data[...] = value
    mark_modified(self)
    return self


def _copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` into this tensor's storage in place (outside any graph)."""
    np.copyto(self._data, as_array(src), casting="same_kind")
    mark_modified(self)
    return self


def _in_graph(self: Tensor, other: Any) -> bool:
    """Whether an in-place change of ``self`` by ``other`` would have to be recorded."""
    return grad_mode.state.enabled and (self.requires_grad or needs_grad(other))


def _leaf_check(self: Tensor) -> None:
    if self.requires_grad and self._backward is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def _write(ufunc: Any, self: Tensor, other: Any) -> Tensor:
    try:
        ufunc(self._data, as_array(other), out=self._data, casting="same_kind")
    except TypeError as err:  # e.g. a float result into an integer tensor
        result = np.result_type(self._data, as_array(other))
        raise RuntimeError(
            f"result type {result} can't be cast to the desired output type {self._data.dtype}"
        ) from err
    mark_modified(self)
    return self


def _inplace(ufunc: Any, op: Any) -> Any:
    """``self op= other``: in place on ``data`` when no graph is involved, as in torch.

    Under ``no_grad`` (or when neither operand requires grad) the tensor's storage is
    overwritten and ``self`` returned, so ``p -= lr * p.grad`` updates ``p``. When the
    change would have to be recorded: a leaf that requires grad raises (torch's error); a
    graph result, or a plain tensor combined with one that requires grad, gets the
    ordinary out-of-place op (Python then rebinds the name to the new node, which is what
    the gradient needs; other references keep the old value).
    """

    def method(self: Tensor, other: Any) -> Tensor:
        if _in_graph(self, other):
            _leaf_check(self)
            return op(self, other)
        return _write(ufunc, self, other)

    method.__doc__ = _inplace.__doc__
    return method


def _scaled_inplace(ufunc: Any, op: Any) -> Any:
    def method(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
        """``self = self op alpha * other`` in place (``add_``/``sub_``), as ``torch``."""
        scaled = other if alpha == 1 else other * alpha
        if _in_graph(self, other):
            _leaf_check(self)
            return op(self, scaled)
        return _write(ufunc, self, scaled)

    return method


def _setitem(self: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value`` on the storage, outside any graph (as ``torch`` under no_grad).

    Assignment into a tensor that is part of a graph (it, or ``value``, requires grad
    while grad mode is on) is refused: netopt does not record in-place writes, so the
    gradient would be wrong. Build the result with :func:`netopt.where` or
    :func:`netopt.cat` instead, or assign under :func:`netopt.no_grad`.
    """
    if _in_graph(self, value):
        _leaf_check(self)
        raise RuntimeError(
            "netopt does not record index assignment into a tensor that is part of a graph; "
            "build the result with netopt.where or netopt.cat, or assign under no_grad()"
        )
    self._data[shape.as_index(index)] = as_array(value)
    mark_modified(self)


def _logical(ufunc: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        """Element-wise ``&``, ``|`` or ``^`` of bool or integer tensors; not differentiable."""
        return Tensor(ufunc(self._data, as_array(other)))

    return method


def _invert(self: Tensor) -> Tensor:
    """``~t``: logical NOT of a bool tensor, bitwise NOT of an integer one (torch)."""
    return Tensor(np.invert(self._data))


def _logical_not(self: Tensor) -> Tensor:
    """A bool tensor, True where ``self`` is zero; not differentiable."""
    return Tensor(np.logical_not(self._data))


def _truth_reduction(name: str, reduce: Any, which: str) -> Any:
    """``Tensor.any``/``Tensor.all``: ``reduce`` (``np.any``/``np.all``) over ``dim``."""

    def method(
        self: Tensor,
        dim: Any = NOT_GIVEN,
        keepdim: Any = NOT_GIVEN,
        *,
        axis: Any = NOT_GIVEN,
        keepdims: Any = NOT_GIVEN,
    ) -> Tensor:
        dim, keepdim = dim_keepdim(name, dim, axis, keepdim, keepdims)
        return Tensor(np.asarray(reduce(self._data, axis=dim, keepdims=keepdim)))

    method.__name__ = name
    method.__doc__ = (
        f"True where {which} element (along ``dim``, or of all) is nonzero; not "
        "differentiable. ``axis``/``keepdims`` as torch (:mod:`netopt.autograd.aliases`)."
    )
    return shown_defaults(method, dim=None, keepdim=False, axis=None, keepdims=None)


_any = _truth_reduction("any", np.any, "any")
_all = _truth_reduction("all", np.all, "every")


for _name, _ufunc, _op in (
    ("__iadd__", np.add, ops.add),
    ("__isub__", np.subtract, ops.sub),
    ("__imul__", np.multiply, ops.mul),
    ("__itruediv__", np.true_divide, ops.div),
    ("mul_", np.multiply, ops.mul),
    ("multiply_", np.multiply, ops.mul),
    ("div_", np.true_divide, ops.div),
    ("divide_", np.true_divide, ops.div),
    ("true_divide_", np.true_divide, ops.div),
):
    setattr(Tensor, _name, _inplace(_ufunc, _op))
Tensor.add_ = _scaled_inplace(np.add, ops.add)
Tensor.sub_ = _scaled_inplace(np.subtract, ops.sub)
Tensor.subtract_ = Tensor.sub_
Tensor.__setitem__ = _setitem
for _name, _ufunc in (
    ("__and__", np.bitwise_and),
    ("__rand__", np.bitwise_and),
    ("__or__", np.bitwise_or),
    ("__ror__", np.bitwise_or),
    ("__xor__", np.bitwise_xor),
    ("__rxor__", np.bitwise_xor),
):
    setattr(Tensor, _name, _logical(_ufunc))
Tensor.__invert__ = _invert
Tensor.logical_not = _logical_not
Tensor.any = _any
Tensor.all = _all


def _t(self: Tensor) -> Tensor:
    """The transpose of a matrix (``torch.Tensor.t``); a 0-D or 1-D tensor is returned as is."""
    if self._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D"
        )
    return _T(self) if self._data.ndim == 2 else self


def _cast(dtype: Any, name: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return Tensor(self._data.astype(dtype))

    method.__doc__ = f"A {name} copy, outside any graph (as ``torch.Tensor.{name}()``)."
    return method


def _contiguous(self: Tensor) -> Tensor:
    """``self``: netopt's arrays need no reordering (``torch.Tensor.contiguous``)."""
    return self


def _to(self: Tensor, *args: Any, dtype: Any = None) -> Tensor:
    """Cast to ``dtype`` (differentiable for float targets); a device is accepted.

    As ``torch.Tensor.to``: ``t.to(np.float64)``, ``t.to("cpu")``,
    ``t.to("cpu", np.float64)`` or ``t.to(dtype=...)``. netopt computes on the CPU
    only: ``"cpu"`` changes nothing, any other device raises RuntimeError.
    """
    dtype = target_dtype(args, dtype)
    if dtype is None or np.dtype(dtype) == self._data.dtype:
        return self
    return ops.cast(self, np.dtype(dtype))


Tensor.to = _to
Tensor.t = _t
Tensor.int = _cast(np.int32, "int")
Tensor.bool = _cast(np.bool_, "bool")
Tensor.contiguous = _contiguous
Tensor.T = property(_T)
Tensor.nbytes = property(
    lambda self: self._data.nbytes, doc="Bytes the values take (``torch.Tensor.nbytes``)."
)
Tensor.__float__ = _scalar(float)
Tensor.__int__ = _scalar(int)
Tensor.__bool__ = _scalar(bool)
Tensor.argmax = _argmax
Tensor.argmin = _argmin
Tensor.clone = _clone
Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.copy_ = _copy_
