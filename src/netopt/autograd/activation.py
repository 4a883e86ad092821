r"""Activation functions (chapter section 6.5, eq. 6-31..6-35) and softmax, each forward
beside its local derivative; ``Tensor.relu`` and friends, ``netopt.relu`` and friends and
:mod:`netopt.nn.functional` all call these.

- sigmoid (eq. 6-31): :math:`\sigma(x) = 1/(1+e^{-x})`, derivative :math:`\sigma(1-\sigma) \le 1/4`;
- tanh (eq. 6-33): :math:`2\sigma(2x) - 1`, derivative :math:`1 - \tanh^2 x \le 1`;
- relu (eq. 6-34): :math:`\max(0, x)`, derivative :math:`[x > 0]` (1 at a NaN, as torch);
- leaky_relu (eq. 6-35): :math:`x` if :math:`x > 0` else :math:`\gamma x`; derivative 1 or
  :math:`\gamma`;
- elu (eq. 6-36): :math:`x` if :math:`x > 0` else :math:`\alpha(e^x - 1)`; derivative 1 or
  :math:`\alpha e^x`.

Saturation: sigmoid and tanh saturate on both sides (derivative -> 0 as
:math:`|x|\to\infty`); ReLU and ELU saturate on the left only; Leaky ReLU saturates on
neither side. At a kink (0 for ReLU-type functions) the derivative is the left one for
``elu`` and 0 for ``relu``, as in PyTorch.

:func:`sigmoid_array` and :func:`log_softmax_array` are the stable NumPy kernels, for
callers that work on arrays (softplus, silu, the losses). The forward and backward array
kernels (``relu_grad``, ``tanh_grad``, ``sigmoid_grad``, ``leaky_relu_array``/``_grad``,
``elu_array``/``_grad``) take optional ``out=`` buffers: the graph closures here call them
without, the step capture (:mod:`netopt.train.capture`) with preallocated ones, so both
compute the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .aliases import NOT_GIVEN, dim_of, shown_defaults
from .tensor import Tensor, make_result


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(x)` of an array, piecewise: ``exp`` only of non-positive numbers, so
    nothing overflows at :math:`|x| = 1000`; the dtype of ``x`` is kept."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid(input: Tensor) -> Tensor:
    r"""Logistic sigmoid :math:`\sigma(x) = 1/(1+e^{-x})` (eq. 6-31), computed piecewise.

    Examples
    --------
    >>> import netopt
    >>> sigmoid(netopt.tensor([-1000.0, 0.0, 1000.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    out = sigmoid_array(input._data)
    return make_result(out, (input,), lambda g: (sigmoid_grad(g, out),))


def _array(a: Any) -> np.ndarray:
    """``a`` as an array: a ufunc on 0-d arrays returns a NumPy scalar, which ``out=`` and
    ``np.copyto`` cannot write into."""
    return a if isinstance(a, np.ndarray) else np.asarray(a)


def sigmoid_grad(g: np.ndarray, y: np.ndarray, out=None, tmp=None) -> np.ndarray:
    r"""Sigmoid's backward from its output :math:`y = \sigma(x)`: ``(g * y) * (1 - y)``.

    ``out`` and ``tmp`` (arrays of the result's shape and dtype) receive the result and
    :math:`1 - y` when given (the step capture's buffers); otherwise both are new.
    """
    gy = _array(np.multiply(g, y, out=out))
    return np.multiply(gy, np.subtract(1, y, out=tmp), out=gy)


def tanh(input: Tensor) -> Tensor:
    r"""Hyperbolic tangent (eq. 6-33); derivative :math:`1 - \tanh^2 x`."""
    out = np.tanh(input._data)
    return make_result(out, (input,), lambda g: (tanh_grad(g, out),))


def tanh_grad(g: np.ndarray, y: np.ndarray, out=None, tmp=None) -> np.ndarray:
    r"""Tanh's backward from its output :math:`y`: ``g * (1 - y * y)`` (into ``out``, with
    ``tmp`` for :math:`1 - y^2`, when given)."""
    t = _array(np.multiply(y, y, out=tmp))
    return np.multiply(g, np.subtract(1, t, out=t), out=out)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Rectified linear unit :math:`\max(0, x)` (eq. 6-34); derivative :math:`[x > 0]`, and
    1 at a NaN (torch's rule, :func:`relu_grad`).

    ``inplace`` is torch's; the result is computed out of place all the same (the input
    keeps its values), as :class:`netopt.nn.ReLU` does."""
    x = input._data
    out = np.maximum(x, 0)
    return make_result(out, (input,), lambda g: (relu_grad(g, out),))


def relu_grad(g: np.ndarray, y: np.ndarray, out=None, mask=None) -> np.ndarray:
    r"""ReLU's backward by torch's rule: ``g`` where not :math:`y \le 0`, else +0, so a NaN
    input passes ``g`` and an infinite ``g`` where :math:`y \le 0` gives 0.

    ``y`` is ReLU's output (:math:`\ge 0` or NaN), so "not :math:`y \le 0`" is
    :math:`y \ne 0`; the gradient's bits are multiplied by that mask as integers of the
    same width (exactly ``g`` or +0, where a float product would give -0 or NaN). Two
    NumPy calls; ``mask`` (bool) receives :math:`[y \ne 0]` and ``out`` the result when
    given (``out`` may be ``g``, as in the step capture).
    """
    keep = np.not_equal(y, 0) if mask is None else np.not_equal(y, 0, out=mask)
    if out is None:
        return _pass_where(g, keep)
    bits = _BITS[g.dtype.itemsize]
    np.multiply(g.view(bits), keep, out=out.view(bits))
    return out


#: The signed integer of each float width, for masking a gradient's bits.
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


def _pass_where(g: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``g`` where ``keep``, else +0: the bits times the mask as integers, in a new array."""
    return np.multiply(g.view(_BITS[g.dtype.itemsize]), keep).view(g.dtype)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    r"""Leaky ReLU (eq. 6-35): :math:`x` for :math:`x > 0`, else :math:`\gamma x` with
    :math:`\gamma` = ``negative_slope``; ``inplace`` as :func:`relu`."""
    out, pos = leaky_relu_array(input._data, negative_slope)
    return make_result(out, (input,), lambda g: (leaky_relu_grad(g, pos, negative_slope),))


def leaky_relu_array(x: np.ndarray, negative_slope: float, out=None, pos=None) -> tuple:
    r"""``(y, [x > 0])``: :math:`y` = ``x`` where positive, else ``x * negative_slope``, in
    the dtype of ``x`` (into ``out`` and ``pos`` when given)."""
    pos = np.greater(x, 0, out=pos)
    y = _array(np.multiply(x, negative_slope, out=out))
    np.copyto(y, x, where=pos)
    return y.astype(x.dtype, copy=False), pos


def leaky_relu_grad(g: np.ndarray, pos: np.ndarray, negative_slope: float, out=None):
    r"""Leaky ReLU's backward: ``g`` where ``pos``, else ``g * negative_slope``."""
    t = _array(np.multiply(g, negative_slope, out=out))
    np.copyto(t, g, where=pos)
    return t


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Exponential linear unit (eq. 6-36): :math:`x` for :math:`x > 0`, else
    :math:`\alpha(e^x - 1)`; derivative 1 or :math:`\alpha e^x`; ``inplace`` as
    :func:`relu`."""
    out, pos, ex = elu_array(input._data, alpha)
    return make_result(out, (input,), lambda g: (elu_grad(g, pos, ex, alpha),))


def elu_array(x: np.ndarray, alpha: float, out=None, pos=None, ex=None) -> tuple:
    r"""``(y, [x > 0], exp(min(x, 0)))``: :math:`y` = ``x`` where positive, else
    ``alpha * (exp(min(x, 0)) - 1)``, in the dtype of ``x`` (into ``out``, ``pos`` and
    ``ex`` when given)."""
    pos = np.greater(x, 0, out=pos)
    ex = np.exp(np.minimum(x, 0, out=ex), out=ex)
    t = np.subtract(ex, 1, out=out)
    y = _array(np.multiply(alpha, t, out=t if out is not None else None))
    np.copyto(y, x, where=pos)
    return y.astype(x.dtype, copy=False), pos, ex


def elu_grad(g: np.ndarray, pos: np.ndarray, ex: np.ndarray, alpha: float, out=None):
    r"""ELU's backward: ``g`` where ``pos``, else ``(g * alpha) * ex``."""
    t = _array(np.multiply(g, alpha, out=out))
    np.multiply(t, ex, out=t)
    np.copyto(t, g, where=pos)
    return t


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    r"""``input`` clipped into ``[min_val, max_val]``; derivative 1 strictly inside, +0 at
    and beyond the bounds and at a NaN (torch's, where :func:`~netopt.autograd.ops.clamp` passes the
    gradient at the bounds); the dtype is kept; ``inplace`` as :func:`relu`.

    Raises
    ------
    ValueError
        ``min_val`` above ``max_val`` (torch's message).
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = input._data
    out = np.clip(x, min_val, max_val).astype(x.dtype, copy=False)
    # g strictly inside, else +0 (not g * 0: -0 or NaN); a NaN input gets 0, as torch's
    # vectorized kernel gives (its scalar tail loop passes g there: torch is not consistent)
    return make_result(out, (input,), lambda g: (_pass_where(g, (x > min_val) & (x < max_val)),))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    r""":math:`\min(\max(0, x), 6)`: :func:`hardtanh` on ``[0, 6]``, as torch computes it."""
    return hardtanh(input, 0.0, 6.0)


def log_softmax_array(x: np.ndarray, dim: int) -> np.ndarray:
    r"""Log-softmax of an array along ``dim`` by log-sum-exp (see :func:`log_softmax`).

    Two passes when every maximum is finite; otherwise a ``-inf`` entry gives ``-inf``,
    also in a row that is all ``-inf`` (not NaN).
    """
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
    return np.where(x == -np.inf, -np.inf, out).astype(x.dtype, copy=False)


def softmax_array(x: np.ndarray, dim: int) -> np.ndarray:
    r"""Softmax of an array along ``dim``, no graph: :math:`e^{x - m} / \sum e^{x - m}`.

    :math:`m` is the maximum along ``dim``, so no exponential overflows. This is
    scikit-learn's arithmetic (shift, exponentiate, divide by the sum), used where outputs
    must equal its ``predict_proba`` and for soft voting; the differentiable
    :func:`softmax` exponentiates :func:`log_softmax_array` instead (the two differ in the
    last bits).

    >>> softmax_array(np.array([[0.0, np.log(3.0)]]), 1).round(6).tolist()
    [[0.25, 0.75]]
    """
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    r"""Logarithm of the softmax along ``dim`` via log-sum-exp.

    .. math::
        \log\mathrm{softmax}(x)_i = (x_i - m) - \ln\sum_j e^{x_j - m}, \quad m = \max_j x_j,
        \qquad \frac{\partial L}{\partial x} = g - \mathrm{softmax}(x) \textstyle\sum_j g_j

    Exact at the extremes: ``log_softmax([1000, 1]) == [0, -999]``; a ``-inf`` entry
    gives ``-inf``, also in a row that is all ``-inf``. ``dtype`` (torch's): the input is
    cast to it first (the gradient flows back through the cast).

    Examples
    --------
    >>> import netopt
    >>> log_softmax(netopt.tensor([1000.0, 1.0]), dim=0)
    tensor([   0., -999.])
    """
    if dtype is not None:
        input = input.to(dtype)
    out = log_softmax_array(input._data, dim)

    def backward(g: np.ndarray) -> tuple:
        p = np.exp(out)
        return (g - p * np.sum(g, axis=dim, keepdims=True),)

    return make_result(out, (input,), backward)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    r"""Softmax :math:`y_i = e^{x_i}/\sum_j e^{x_j}` along ``dim``, as the exponential of
    :func:`log_softmax_array`; the Jacobian-vector product is
    :math:`y \odot (g - \langle g, y\rangle)`; ``dtype`` as :func:`log_softmax`."""
    if dtype is not None:
        input = input.to(dtype)
    out = np.exp(log_softmax_array(input._data, dim))

    def backward(g: np.ndarray) -> tuple:
        return (out * (g - np.sum(g * out, axis=dim, keepdims=True)),)

    return make_result(out, (input,), backward)


def softmax_method(
    input: Tensor, dim: Any = NOT_GIVEN, dtype: Any = None, *, axis: Any = NOT_GIVEN
) -> Tensor:
    """``Tensor.softmax`` and ``netopt.softmax``: :func:`softmax` with torch's ``axis=``
    alias (:mod:`netopt.autograd.aliases`); ``nn.functional.softmax`` takes no alias, as
    torch's does not."""
    return softmax(input, dim_of("softmax", dim, axis, required=True), dtype=dtype)


def log_softmax_method(
    input: Tensor, dim: Any = NOT_GIVEN, dtype: Any = None, *, axis: Any = NOT_GIVEN
) -> Tensor:
    """``Tensor.log_softmax`` and ``netopt.log_softmax``: :func:`log_softmax` with torch's
    ``axis=`` alias, as :func:`softmax_method`."""
    return log_softmax(input, dim_of("log_softmax", dim, axis, required=True), dtype=dtype)


shown_defaults(softmax_method, dim=None, axis=None)
shown_defaults(log_softmax_method, dim=None, axis=None)
