"""``Linear``, ``Identity`` and ``Flatten`` layers."""

from __future__ import annotations

import math

import numpy as np

from .._validate import is_int
from ..autograd.shape import flatten
from ..autograd.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    r"""Affine layer :math:`y = x W^\top + b`, weight of shape ``(out_features, in_features)``.

    Initialized as PyTorch: :math:`W, b \sim U(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})`
    (``kaiming_uniform_`` with ``a = sqrt(5)``), drawn from ``rng``.

    Examples
    --------
    >>> import netopt
    >>> layer = Linear(3, 2)
    >>> layer.weight.shape, layer(netopt.zeros(4, 3)).shape
    ((2, 3), (4, 2))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not is_int(n) or n < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound, rng)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Return the input unchanged."""

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flatten dimensions ``start_dim..end_dim`` (default: all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
