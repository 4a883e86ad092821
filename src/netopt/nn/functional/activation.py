r"""Activation functions beyond the chapter's: softplus, gelu, selu and silu.

sigmoid, tanh, relu, relu6, hardtanh, leaky_relu, elu, softmax and log_softmax live in
:mod:`netopt.autograd.activation` (they are also ``Tensor`` methods) and are re-exported
here. All four saturate on the left only (derivative -> 0 as x -> -inf), as ReLU and ELU do.
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd.activation import (
    elu,
    hardtanh,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    sigmoid,
    sigmoid_array,
    softmax,
    tanh,
)
from ...autograd.tensor import Tensor, make_result

__all__ = [
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""Softplus :math:`\frac1\beta\ln(1 + e^{\beta x})`, a smooth ReLU (not in the chapter).

    Linear where :math:`\beta x >` ``threshold`` (as PyTorch); derivative :math:`\sigma(\beta x)`.
    """
    x = input._data
    bx = beta * x
    linear = bx > threshold
    out = np.where(linear, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)
    return make_result(out, (input,), lambda g: (np.where(linear, g, g * sigmoid_array(bx)),))


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf
    except ImportError:  # NumPy has no erf; fall back to the exact scalar one
        return np.vectorize(math.erf, otypes=[x.dtype])(x)
    return erf(x)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit :math:`x\,\Phi(x)`.

    ``approximate="none"`` uses :math:`\Phi(x) = \frac12(1 + \operatorname{erf}(x/\sqrt2))`
    (SciPy's erf when installed, else ``math.erf`` element-wise); ``"tanh"`` uses
    :math:`\frac12(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3)))`, as PyTorch.
    """
    x = input._data
    if approximate == "none":
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        out = x * cdf
        local = cdf + x * pdf
    elif approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        inner = k * (x + 0.044715 * x**3)
        t = np.tanh(inner)
        out = 0.5 * x * (1 + t)
        local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
    else:
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    out = out.astype(x.dtype, copy=False)
    return make_result(out, (input,), lambda g: (g * local,))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Scaled ELU: :math:`\lambda\,\mathrm{elu}(x, \alpha)` with PyTorch's constants
    :math:`\alpha \approx 1.6733`, :math:`\lambda \approx 1.0507`; ``inplace`` is torch's,
    computed out of place (as :func:`relu`)."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Sigmoid-weighted linear unit (swish) :math:`x\,\sigma(x)`; ``inplace`` as
    :func:`selu`."""
    x = input._data
    s = sigmoid_array(x)
    return make_result(x * s, (input,), lambda g: (g * s * (1 + x * (1 - s)),))
