"""``Tensor.data``, ``Tensor.grad`` and ``Tensor.__array__``: torch's views of the storage.

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
torch 2.13 defines no ``__array_ufunc__``; it has ``__array__``, ``__array_wrap__`` and
``__array_priority__ = 1000``. netopt does the same, so users meet what they meet in
torch, with two differences kept on purpose (marked *netopt*):

- ufuncs called on tensors (``np.exp(t)``, ``np.add(arr, t)``, ``np.maximum(t, 2)``,
  ``np.modf(t)``): NumPy reads the values through ``__array__``, computes with its own
  dtype rules (``float64 array + float32 tensor`` is float64) and hands the result to
  ``__array_wrap__``, which returns a Tensor (0-d where NumPy would give a scalar),
  outside any graph. With ``out=`` an ndarray, NumPy returns that ndarray. Bool results
  stay bool tensors (torch turns them into uint8, an old workaround).
- A tensor that requires grad is refused by ``__array__`` with torch's RuntimeError
  ("Can't call numpy() on Tensor that requires grad..."): NumPy cannot record a gradient;
  use netopt's function (``netopt.exp``) or ``t.detach()``.
- *netopt*: NumPy's other functions (``np.argmax(t, axis=1)``, ``np.clip``,
  ``np.round``) call the tensor's method of that name with NumPy's keywords (``out=``),
  which netopt's methods refuse, and fall back to the array; their result, and that of a
  ufunc's methods (``np.add.reduce(t)``), stays an ndarray or a NumPy scalar. torch wraps
  it into a tensor, so ``np.mean(np.argmax(logits, axis=1) == y)`` raises TypeError
  there; netopt keeps that NumPy idiom working, as it always has.
- *netopt*: ``arr <op> t`` (``+ - * / ** @``, comparisons): the higher priority makes
  the ndarray's operator step aside, so the Tensor's reflected operator runs and the
  result is a Tensor with its graph. torch's reflected operators return NotImplemented
  for an ndarray, so there ``arr * t`` raises TypeError. A NumPy scalar on the left
  (``np.float64(2) * t``) gives a graph in both. ``arr += t`` becomes ``arr + t`` and
  rebinds the name to the Tensor (the ndarray is not written).
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


def _array_wrap(
    self: Tensor, array: np.ndarray, context: Any = None, return_scalar: bool = False
) -> Any:
    """A ufunc's result on tensors as a Tensor, outside any graph (as torch's, without its
    bool-to-uint8 conversion); any other NumPy function's result as NumPy gives it (see
    the module's notes)."""
    if context is None:  # np.argmax, np.clip, ufunc.reduce: as NumPy gives it for an array
        return array[()] if return_scalar or np.ndim(array) == 0 else array
    return Tensor(np.asarray(array))


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
        object.__setattr__(self, name, value)
    self._gref = None


Tensor.data = property(_get_data, _set_data)
Tensor.grad = property(_get_grad, _set_grad)
Tensor.__array__ = _array
Tensor.__array_wrap__ = _array_wrap
Tensor.__getstate__ = _getstate
Tensor.__setstate__ = _setstate
