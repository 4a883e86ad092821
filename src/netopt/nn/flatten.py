"""``Unflatten``: the inverse of :class:`~netopt.nn.Flatten` (which lives in ``linear.py``)."""

from __future__ import annotations

import math
from typing import Any

from .._validate import is_int
from ..autograd._dims import wrap_dim
from ..autograd.shape import reshape
from ..autograd.tensor import Tensor
from .module import Module


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    Examples
    --------
    >>> import netopt
    >>> Unflatten(1, (2, 3))(netopt.zeros(4, 6)).shape
    (4, 2, 3)
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if not is_int(dim):
            raise TypeError(f"invalid argument dim={dim!r}: must be an int")
        sizes = tuple(unflattened_size)
        if not sizes or not all(is_int(s) for s in sizes):
            raise TypeError(f"unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), sizes

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        if not shape:
            raise RuntimeError(
                f"unflatten: Dimension specified as {self.dim} but tensor has no dimensions"
            )
        dim = wrap_dim(self.dim, len(shape))  # IndexError out of range, as torch
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        if (-1 not in sizes and known != shape[dim]) or (
            -1 in sizes and (known == 0 or shape[dim] % known)
        ):
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                f"{dim} ({shape[dim]}) in the input tensor"
            )
        return reshape(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
