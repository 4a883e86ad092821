"""``Parameter``: a tensor that a :class:`~netopt.nn.Module` registers as learnable."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor import Tensor, to_array


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that modules collect in ``parameters()``.

    Parameters
    ----------
    data : array_like or Tensor, optional
        Initial values. A tensor's or ndarray's storage is shared, as in
        ``torch.nn.Parameter``; other data is converted with :func:`netopt.tensor`'s
        rules (Python floats become float32).
    requires_grad : bool, default True

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter(np.zeros(3, dtype=np.float32))
    >>> p.requires_grad, p.shape
    (True, (3,))
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = to_array(data)
        if requires_grad and arr.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        super().__init__(arr, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
