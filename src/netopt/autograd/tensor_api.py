"""More of ``torch.Tensor``'s surface: device, legacy casts, printing and formatting.

Attached to :class:`Tensor` on import (as :mod:`netopt.autograd._methods` does for the
operators): ``device``/``is_cuda``, ``to(device)`` with a :class:`~netopt.device`,
``type(dtype)``, ``format(t, "+.2f")``, torch's ``repr``, ``argmax(axis=)``, and the
methods of :mod:`netopt.autograd.more_ops` (``square``, ``sign``, ``mm``, ``bmm``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _methods, more_ops
from .aliases import NOT_GIVEN, dim_keepdim, shown_defaults
from .device import CPU, TYPE_NAMES, check_device
from .device import device as Device
from .grad_fn import grad_fn
from .printing import tensor_repr
from .tensor import Tensor, bool_, float32, int64

_plain_to = Tensor.to
_plain_argmax = Tensor.argmax
_plain_argmin = Tensor.argmin


def _device(self: Tensor) -> Device:
    """``device(type='cpu')``: where every netopt tensor lives."""
    return CPU


def _to(self: Tensor, *args: Any, dtype: Any = None, device: Any = None, **flags: Any) -> Tensor:
    """As ``torch.Tensor.to``: a dtype, a device (``"cpu"`` or a cpu :class:`device`), both,
    or another tensor (its dtype); ``non_blocking``/``copy`` are accepted."""
    unknown = set(flags) - {"non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    check_device(device)
    rest = []
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, (str, Device)) or arg is None:
            check_device(arg)
        else:
            rest.append(arg)
    out = _plain_to(self, *rest, dtype=dtype)
    return out.clone() if flags.get("copy") and out is self else out


def _type(self: Tensor, dtype: Any = None, non_blocking: bool = False) -> Any:
    """Without ``dtype`` the legacy type name (``'torch.FloatTensor'``); with it, a cast."""
    if dtype is None:
        return TYPE_NAMES.get(self._data.dtype, f"netopt.{self._data.dtype}")
    if isinstance(dtype, str):
        names = {v: k for k, v in TYPE_NAMES.items()}
        if dtype not in names:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = names[dtype]
    return self.to(dtype)


def _cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Raise: netopt computes on the CPU only."""
    check_device("cuda")
    return self  # pragma: no cover (check_device raised)


def _format(self: Tensor, spec: str) -> str:
    """``format(t, spec)``: a 0-d tensor formats as its number; otherwise only an empty
    spec is allowed (torch's rule)."""
    if self._data.ndim == 0:
        return format(self._data.item(), spec)
    if spec:
        raise TypeError("unsupported format string passed to Tensor.__format__")
    return repr(self)


def _repr(self: Tensor) -> str:
    """torch's layout (:func:`netopt.autograd.printing.tensor_repr`)."""
    extra = ""
    if self._data.dtype not in (float32, int64, bool_):
        extra += f", dtype={self._data.dtype}"
    if self._backward is not None:
        extra += f", grad_fn=<{grad_fn(self).name()}>"
    elif self.requires_grad:
        extra += ", requires_grad=True"
    return tensor_repr(self._data, extra)


def _axis_alias(method: Any, name: str) -> Any:
    def wrapped(
        self: Tensor,
        dim: Any = NOT_GIVEN,
        keepdim: Any = NOT_GIVEN,
        *,
        axis: Any = NOT_GIVEN,
        keepdims: Any = NOT_GIVEN,
    ):
        dim, keepdim = dim_keepdim(name, dim, axis, keepdim, keepdims)
        return method(self, dim, keepdim)

    wrapped.__doc__ = method.__doc__ + (
        " ``axis=`` and ``keepdims=`` are aliases of ``dim`` and ``keepdim`` (torch's;"
        " :mod:`netopt.autograd.aliases`)."
    )
    return shown_defaults(wrapped, dim=None, keepdim=False, axis=None, keepdims=None)


def _new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False):
    """A new tensor from ``data``, with this tensor's dtype unless ``dtype`` is given."""
    arr = np.array(data._data if isinstance(data, Tensor) else data, dtype=dtype or self.dtype)
    return Tensor(arr, requires_grad=bool(requires_grad))


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` reshaped to ``other``'s shape (``view_as``/``reshape_as``)."""
    return self.reshape(other.shape)


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` broadcast to ``other``'s shape."""
    return self.expand(*other.shape)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` cast to ``other``'s dtype."""
    return self.to(other.dtype)


def _method(fn: Any) -> Any:
    def method(self: Tensor, *args: Any) -> Tensor:
        return fn(self, *args)

    method.__doc__ = fn.__doc__
    return method


Tensor.device = property(_device)
Tensor.grad_fn = property(grad_fn)
Tensor.is_cuda = property(lambda self: False)
Tensor.to = _to
Tensor.type = _type
Tensor.cuda = _cuda
Tensor.__format__ = _format
Tensor.__repr__ = _repr
Tensor.__str__ = _repr
Tensor.argmax = _axis_alias(_plain_argmax, "argmax")
Tensor.argmin = _axis_alias(_plain_argmin, "argmin")
Tensor.new_tensor = _new_tensor
Tensor.view_as = Tensor.reshape_as = _view_as
Tensor.expand_as = _expand_as
Tensor.type_as = _type_as
Tensor.int = _methods._cast(np.int32, "int")
Tensor.half = _methods._cast(np.float16, "half")
for _name in ("square", "sign", "tan", "sinh", "cosh", "mm", "bmm", "dot"):
    setattr(Tensor, _name, _method(getattr(more_ops, _name)))
