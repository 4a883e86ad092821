r"""Activation functions (chapter section 6.5, eq. 6-31..6-36) and softmax.

Each is computed in a numerically stable way and carries its own derivative:

- sigmoid (eq. 6-31): :math:`\sigma(x) = 1/(1+e^{-x})`, derivative :math:`\sigma(1-\sigma) \le 1/4`;
- tanh (eq. 6-33): :math:`2\sigma(2x) - 1`, derivative :math:`1 - \tanh^2 x \le 1`;
- relu (eq. 6-34): :math:`\max(0, x)`, derivative :math:`[x > 0]`;
- leaky_relu (eq. 6-35): :math:`x` if :math:`x > 0` else :math:`\gamma x`; derivative 1 or
  :math:`\gamma`;
- elu (eq. 6-36): :math:`x` if :math:`x > 0` else :math:`\alpha(e^x - 1)`; derivative 1 or
  :math:`\alpha e^x`;
- softplus (not in the chapter): :math:`\frac1\beta\ln(1 + e^{\beta x})`, derivative
  :math:`\sigma(\beta x)`.

Saturation: sigmoid and tanh saturate on both sides (derivative -> 0 as
:math:`|x|\to\infty`); ReLU, ELU and softplus saturate on the left only; Leaky ReLU
saturates on neither side. At a kink (0 for ReLU-type functions) the derivative is
the left one for ``elu`` and 0 for ``relu``, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd.tensor import Tensor, make_result


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Piecewise: exp only of non-positive numbers, so nothing overflows at |x| = 1000.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid(input: Tensor) -> Tensor:
    r"""Logistic sigmoid :math:`\sigma(x) = 1/(1+e^{-x})` (eq. 6-31), computed piecewise.

    Examples
    --------
    >>> import netopt
    >>> sigmoid(netopt.tensor([-1000.0, 0.0, 1000.0]))
    tensor([0. , 0.5, 1. ])
    """
    out = _sigmoid(input.data)
    return make_result(out, (input,), lambda g: (g * out * (1 - out),))


def tanh(input: Tensor) -> Tensor:
    r"""Hyperbolic tangent (eq. 6-33); derivative :math:`1 - \tanh^2 x`."""
    out = np.tanh(input.data)
    return make_result(out, (input,), lambda g: (g * (1 - out * out),))


def relu(input: Tensor) -> Tensor:
    r"""Rectified linear unit :math:`\max(0, x)` (eq. 6-34); derivative :math:`[x > 0]`."""
    x = input.data
    out = np.maximum(x, 0)
    return make_result(out, (input,), lambda g: (g * (x > 0),))


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""Leaky ReLU (eq. 6-35): :math:`x` for :math:`x > 0`, else :math:`\gamma x` with
    :math:`\gamma` = ``negative_slope``."""
    x = input.data
    pos = x > 0
    out = np.where(pos, x, x * negative_slope).astype(x.dtype, copy=False)
    return make_result(out, (input,), lambda g: (np.where(pos, g, g * negative_slope),))


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    r"""Exponential linear unit (eq. 6-36): :math:`x` for :math:`x > 0`, else
    :math:`\alpha(e^x - 1)`; derivative 1 or :math:`\alpha e^x`."""
    x = input.data
    pos = x > 0
    ex = np.exp(np.minimum(x, 0))
    out = np.where(pos, x, alpha * (ex - 1)).astype(x.dtype, copy=False)
    return make_result(out, (input,), lambda g: (np.where(pos, g, g * alpha * ex),))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""Softplus :math:`\frac1\beta\ln(1 + e^{\beta x})`, a smooth ReLU (not in the chapter).

    Linear where :math:`\beta x >` ``threshold`` (as PyTorch); derivative :math:`\sigma(\beta x)`.
    """
    x = input.data
    bx = beta * x
    linear = bx > threshold
    out = np.where(linear, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)
    return make_result(out, (input,), lambda g: (np.where(linear, g, g * _sigmoid(bx)),))


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
    x = input.data
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


def selu(input: Tensor) -> Tensor:
    r"""Scaled ELU: :math:`\lambda\,\mathrm{elu}(x, \alpha)` with PyTorch's constants
    :math:`\alpha \approx 1.6733`, :math:`\lambda \approx 1.0507`."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def silu(input: Tensor) -> Tensor:
    r"""Sigmoid-weighted linear unit (swish) :math:`x\,\sigma(x)`."""
    x = input.data
    s = _sigmoid(x)
    return make_result(x * s, (input,), lambda g: (g * s * (1 + x * (1 - s)),))


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    m = np.max(x, axis=dim, keepdims=True)
    if np.isfinite(m).all():  # the common case: two passes, no masking
        shifted = x - m
        shifted -= np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        return shifted
    m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    # An all -inf row gives lse = -inf and -inf - (-inf) = NaN, replaced just below:
    # ignore the divide (log 0) and invalid warnings that are part of that path.
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        out = shifted - lse
    # A -inf logit has log-probability -inf, also in an all -inf row (not NaN).
    return np.where(x == -np.inf, -np.inf, out).astype(x.dtype, copy=False)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    r"""Logarithm of the softmax along ``dim`` via log-sum-exp.

    .. math:: \log\mathrm{softmax}(x)_i = (x_i - m) - \ln\sum_j e^{x_j - m}, \quad m = \max_j x_j

    Exact at the extremes: ``log_softmax([1000, 1]) == [0, -999]``; a ``-inf`` entry
    gives ``-inf``, also in a row that is all ``-inf``.

    Examples
    --------
    >>> import netopt
    >>> log_softmax(netopt.tensor([1000.0, 1.0]), dim=0)
    tensor([   0., -999.])
    """
    out = _log_softmax(input.data, dim)

    def backward(g: np.ndarray) -> tuple:
        p = np.exp(out)
        return (g - p * np.sum(g, axis=dim, keepdims=True),)

    return make_result(out, (input,), backward)


def softmax(input: Tensor, dim: int) -> Tensor:
    r"""Softmax :math:`e^{x_i}/\sum_j e^{x_j}` along ``dim``, shifted by the maximum.

    The Jacobian-vector product is :math:`y \odot (g - \langle g, y\rangle)`.
    """
    out = np.exp(_log_softmax(input.data, dim))

    def backward(g: np.ndarray) -> tuple:
        return (out * (g - np.sum(g * out, axis=dim, keepdims=True)),)

    return make_result(out, (input,), backward)
