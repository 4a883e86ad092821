"""Activation modules (chapter section 6.5), thin wrappers of ``nn.functional``.

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
    r"""Element-wise :math:`\sigma(x) = 1/(1+e^{-x})` (eq. 6-31); saturates on both sides."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    r"""Element-wise :math:`\tanh x` (eq. 6-33); saturates on both sides, zero-centred."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Module):
    r"""Element-wise :math:`\max(0, x)` (eq. 6-34); saturates on the left only.

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
    r"""Element-wise :math:`\max(0,x) + \gamma\min(0,x)` (eq. 6-35); never saturates.

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
    r"""Element-wise ELU (eq. 6-36); saturates on the left at :math:`-\alpha`.

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
    r"""Element-wise :math:`\frac1\beta\ln(1+e^{\beta x})`, a smooth ReLU (not in the chapter)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    r"""Element-wise :math:`x\,\Phi(x)`."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SELU(Module):
    """Element-wise scaled ELU with PyTorch's constants."""

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)


class SiLU(Module):
    r"""Element-wise :math:`x\,\sigma(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Softmax(Module):
    """Softmax along ``dim``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along ``dim`` (log-sum-exp)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
