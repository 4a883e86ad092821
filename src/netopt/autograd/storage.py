"""``Tensor.data``, ``Tensor.grad`` and NumPy interop: torch's views of the storage.

A tensor keeps its values in the ndarray ``_data`` and its gradient in the ndarray
``_grad`` (or None); the engine, the ops and the optimizers use those arrays directly.
What a user reads is what torch gives:

``t.data``
    A new tensor on the same memory each time (``requires_grad`` False, no graph, its own
    version counter): writing into it (``p.data.add_(u)``, ``p.data[0] = 1``) writes the
    parameter without autograd noticing, the escape hatch torch's ``.data`` is.
    ``t.data = other`` rebinds the storage to ``other``'s (a tensor, or, as netopt's
    extension, an ndarray; anything else is refused with torch's TypeError); views taken
    earlier keep the old storage, as in torch.
``t.grad``
    None, or a tensor on the gradient's memory: ``p.grad.zero_()`` zeroes the gradient the
    optimizer reads. While the caller holds it, ``t.grad`` returns the same tensor
    (``t.grad is t.grad``); once the gradient array is replaced (``zero_grad`` setting it
    to None, a new ``backward``), the next read makes a new one. ``t.grad = g`` takes a
    tensor (or an ndarray) of ``t``'s shape and dtype, with torch's messages, or None.
Pickling and ``copy.deepcopy``
    leave the weak reference to the grad view out.
``np.asarray(t)``
    ``t``'s values (shared, not copied), refused for a tensor that requires grad as
    ``numpy()`` is.

NumPy on tensors: the decision, and why
---------------------------------------
torch 2.13 has ``__array__``, ``__array_wrap__`` and ``__array_priority__``; netopt defines
``__array__`` and ``__array_ufunc__`` (:func:`_array_ufunc`), which lets it give torch's
results where they help and refuse what would silently go wrong:

- ufuncs on tensors (``np.exp(t)``, ``np.maximum(t, 2)``, ``np.modf(t)``) compute on the
  values with NumPy's dtype rules and return Tensors (0-d where NumPy gives a scalar),
  outside any graph, as torch's. Bool results stay bool (torch gives uint8). With ``out=``
  an ndarray, NumPy's result (that ndarray) is returned, as torch's.
- A tensor that requires grad is refused by ``__array__`` with torch's RuntimeError
  ("Can't call numpy() on Tensor that requires grad..."): NumPy cannot record a gradient;
  use netopt's function (``netopt.exp``) or ``t.detach()``.
- *netopt*: the ufuncs behind Python's operators (``np.add``, ``np.subtract``,
  ``np.multiply``, ``np.divide``, ``np.power``, ``np.matmul``, comparisons) called with
  a Tensor and no keywords run the Tensor's operator, so ``arr <op> t`` (which NumPy
  turns into that call) and ``np.add(arr, t)`` are Tensors with their graph, with
  netopt's (torch's) promotion rules. torch's reflected operators refuse an ndarray, so
  there ``arr * t`` raises TypeError. A NumPy scalar on the left (``np.float64(2) * t``)
  gives a graph in both.
- *netopt*: ``arr += t`` is ``np.add(arr, t, out=(arr,))``: the ndarray is written (a
  tensor that requires grad is refused, as above); torch raises TypeError. A Tensor as a
  ufunc's ``out=``, and ``ufunc.at`` on a Tensor, are refused with a TypeError (NumPy
  would write its memory behind autograd's back).
- *netopt*: NumPy's other functions (``np.argmax(t, axis=1)``, ``np.clip``,
  ``np.nonzero``) call the tensor's method of that name with NumPy's keywords where one
  exists (``np.squeeze(t)`` is ``t.squeeze()``, a Tensor, as in torch) and otherwise, or
  when the method refuses NumPy's ``out=``, fall back to the array: their result is
  NumPy's (an ndarray, a tuple for ``np.nonzero``, a NumPy scalar), and so is that of a
  ufunc's methods (``np.add.reduce(t)``). torch wraps those into tensors, so
  ``np.mean(np.argmax(logits, axis=1) == y)`` raises TypeError there; netopt keeps that
  NumPy idiom working.
- ``np.sum(t)``, ``np.mean(t)`` call ``t.sum(axis=None, out=None)``; neither library's
  method takes ``out=``: a TypeError in both.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .tensor import Tensor


def _get_data(self: Tensor) -> Tensor:
    """The values as a tensor sharing memory, outside autograd (``torch.Tensor.data``)."""
    return Tensor(self._data)


def _set_data(self: Tensor, value: Any) -> None:
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
    if self.requires_grad and arr.dtype.kind != "f":
        raise RuntimeError(
            "data set to a tensor that requires gradients must be floating point or complex dtype"
        )
    self._data = arr


def _get_grad(self: Tensor) -> Tensor | None:
    """The accumulated gradient as a tensor sharing memory, or None (``torch.Tensor.grad``)."""
    g = self._grad
    if g is None:
        return None
    ref = self._gref
    view = ref() if ref is not None else None
    if view is None or view._data is not g:
        view = Tensor(g)
        self._gref = weakref.ref(view)
    return view


def _set_grad(self: Tensor, value: Any) -> None:
    if value is None:
        self._grad = None
        self._gref = None
        return
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(value).__name__}"
        )
    if arr.shape != self._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(arr.shape)}' to a tensor of "
            f"size '{list(self._data.shape)}'. Please ensure that the gradient and the tensor "
            "are the same size"
        )
    if arr.dtype != self._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{arr.dtype}' to a tensor with "
            f"grad_dtype '{self._data.dtype}'. The gradient must match the tensor's grad_dtype "
            "(defaults to the tensor's dtype)."
        )
    self._grad = arr
    self._gref = weakref.ref(value) if isinstance(value, Tensor) else None


def _array(self: Tensor, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """The values for NumPy (``np.asarray(t)``), shared unless ``dtype`` or ``copy`` ask.

    Raises
    ------
    RuntimeError
        If the tensor requires grad (as :meth:`Tensor.numpy`).
    """
    if self.requires_grad:
        raise RuntimeError(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        )
    arr = self._data
    if dtype is not None and np.dtype(dtype) != arr.dtype:
        return arr.astype(dtype)
    return arr.copy() if copy else arr


#: The ufuncs behind Python's binary operators: (the Tensor's operator, its reflection).
_OPERATORS = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.less: ("__lt__", "__gt__"),
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
}


def _array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NumPy's ufuncs on tensors (the rules are in the module's docstring): an operator's
    ufunc runs the Tensor's operator; any other call computes on the values, as Tensors
    for ``__call__`` without ``out=``, as NumPy gives it otherwise.

    Raises
    ------
    TypeError
        For a Tensor as ``out=`` or as the target of ``ufunc.at``.
    RuntimeError
        For a tensor that requires grad outside an operator's ufunc (see ``__array__``).
    """
    out = kwargs.get("out")
    outs = out if isinstance(out, tuple) else () if out is None else (out,)
    if any(isinstance(o, Tensor) for o in outs) or (
        method == "at" and isinstance(inputs[0], Tensor)
    ):
        raise TypeError(
            f"np.{ufunc.__name__}: NumPy cannot write into a Tensor (out= or ufunc.at); "
            "use the Tensor's in-place method or write into t.detach().numpy()"
        )
    names = _OPERATORS.get(ufunc)
    if names is not None and method == "__call__" and not kwargs and len(inputs) == 2:
        a, b = inputs
        return getattr(a, names[0])(b) if isinstance(a, Tensor) else getattr(b, names[1])(a)
    arrays = [np.asarray(x) if isinstance(x, Tensor) else x for x in inputs]
    result = getattr(ufunc, method)(*arrays, **kwargs)
    if method != "__call__" or out is not None:
        return result
    if isinstance(result, tuple):
        return tuple(Tensor(np.asarray(r)) for r in result)
    return Tensor(np.asarray(result))


def _getstate(self: Tensor) -> Any:
    """Pickle and deepcopy state: the slots, without the weak reference to a grad view."""
    state = object.__getstate__(self)
    attrs, slots = state if isinstance(state, tuple) else (state, None)
    if slots is not None:
        slots = {k: v for k, v in slots.items() if k != "_gref"}
    return attrs, slots


def _setstate(self: Tensor, state: Any) -> None:
    attrs, slots = state
    for name, value in {**(attrs or {}), **(slots or {})}.items():
        if name == "_data" and _pickle_view(value):
            value = value.copy(order="K")  # an array of its own, as before it was pickled
        object.__setattr__(self, name, value)
    self._gref = None


def _pickle_view(a: Any) -> bool:
    """Whether ``a`` is an array unpickled as a view of the pickle's bytes (protocols 2-4)
    or buffer (protocol 5): owning its memory, it can move into an optimizer's flat
    buffers again (:mod:`netopt.optim._flat` refuses views, which other arrays may share)."""
    if not isinstance(a, np.ndarray) or a.base is None:
        return False
    base = a.base
    return isinstance(base, bytes) or (
        isinstance(base, np.ndarray) and isinstance(base.base, memoryview)
    )


Tensor.data = property(_get_data, _set_data)
Tensor.grad = property(_get_grad, _set_grad)
Tensor.__array__ = _array
Tensor.__array_ufunc__ = _array_ufunc
Tensor.__getstate__ = _getstate
Tensor.__setstate__ = _setstate
