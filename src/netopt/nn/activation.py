"""Activation modules (chapter section 6.5), thin wrappers of ``nn.functional``: the math
and the saturation behaviour are documented once, on the functions.

``ReLU``, ``LeakyReLU`` and ``ELU`` accept PyTorch's ``inplace`` argument and show it in
the repr as torch does (only when True). netopt never overwrites a module's input: with
``inplace=True`` the result is still a new tensor (the input keeps its values),
numerically the same as with ``inplace=False``.
"""

from __future__ import annotations

from ..autograd.tensor import Tensor
from . import functional as F
from .module import Module


class Sigmoid(Module):
    """Module form of :func:`netopt.nn.functional.sigmoid`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """Module form of :func:`netopt.nn.functional.tanh`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Module):
    """Module form of :func:`netopt.nn.functional.relu`.

    ``inplace`` is accepted as in PyTorch and computed out of place (see the module notes).

    Examples
    --------
    >>> from netopt import nn
    >>> nn.ReLU(inplace=True)
    ReLU(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """Module form of :func:`netopt.nn.functional.leaky_relu`.

    ``inplace`` is accepted as in PyTorch and computed out of place (see the module notes).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class ELU(Module):
    """Module form of :func:`netopt.nn.functional.elu`.

    ``inplace`` is accepted as in PyTorch and computed out of place (see the module notes).
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace}"


class Softplus(Module):
    """Module form of :func:`netopt.nn.functional.softplus`."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """Module form of :func:`netopt.nn.functional.gelu`."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SELU(Module):
    """Module form of :func:`netopt.nn.functional.selu`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)


class SiLU(Module):
    """Module form of :func:`netopt.nn.functional.silu`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Softmax(Module):
    """Module form of :func:`netopt.nn.functional.softmax` along ``dim``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Module form of :func:`netopt.nn.functional.log_softmax` along ``dim``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardtanh(Module):
    """Module form of :func:`netopt.nn.functional.hardtanh`; ``inplace`` as :class:`ReLU`.

    Raises
    ------
    ValueError
        ``max_val`` not above ``min_val`` (at construction; torch's message, where
        torch raises AssertionError).
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    """Module form of :func:`netopt.nn.functional.relu6` (a :class:`Hardtanh` on
    ``[0, 6]``, as torch's); ``inplace`` as :class:`ReLU`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
