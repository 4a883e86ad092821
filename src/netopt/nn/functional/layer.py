r"""Fused layer functions: ``linear``, ``linear_relu`` and ``dropout``.

Each is a single graph node with a hand-derived backward: a layer costs one node instead
of several, and its gradient is the textbook formula, written out once. ``linear``'s
backward writes the weight and bias gradients straight into their gradient slots when
they have one (:func:`netopt.autograd.grad_slots.gradient_out`). ``batch_norm`` (any rank)
lives in :mod:`netopt.nn.functional.normalization`.
"""

from __future__ import annotations

import numpy as np

from ... import random as _random
from ...autograd.activation import relu_grad
from ...autograd.grad_slots import gradient_out
from ...autograd.tensor import Tensor, make_result, needs_grad


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Affine map :math:`y = x W^\top + b` with PyTorch's weight layout ``(out, in)``.

    .. math::
        \frac{\partial L}{\partial x} = G W, \qquad
        \frac{\partial L}{\partial W} = G^\top x, \qquad
        \frac{\partial L}{\partial b} = \textstyle\sum_n G_n

    Leading dimensions of ``input`` beyond the last are batch dimensions.
    """
    return _affine(input, weight, bias, relu=False)


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""``relu(linear(input, weight, bias))`` as one graph node (not in PyTorch).

    .. math::
        y = \max(0,\; x W^\top + b), \qquad
        G' = G \odot [y \ne 0], \qquad
        \frac{\partial L}{\partial x} = G' W, \quad
        \frac{\partial L}{\partial W} = G'^\top x, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_n G'_n

    The same numbers as the two functions applied in turn (ReLU's backward
    :func:`~netopt.autograd.activation.relu_grad`: +0 where :math:`y = 0`, ``G``
    elsewhere, at a NaN too), with one node and one output array instead of two.
    :class:`netopt.nn.Sequential` uses it for every ``Linear`` directly followed by a
    ``ReLU``.
    """
    return _affine(input, weight, bias, relu=True)


def _affine(input: Tensor, weight: Tensor, bias: Tensor | None, relu: bool) -> Tensor:
    x, w = input._data, weight._data
    if x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear(): input has {x.shape[-1]} features but weight expects {w.shape[1]} "
            f"(input shape {x.shape}, weight shape {w.shape})"
        )
    out = x @ w.T
    if bias is not None:
        out += bias._data
    if relu:
        np.maximum(out, 0, out=out)  # ``out`` is new: rectified where it lies

    def backward(g: np.ndarray) -> tuple:
        if relu:
            g = relu_grad(g, out)  # torch's rule: g where not out <= 0 (a NaN passes), else +0
        g2 = g.reshape(-1, g.shape[-1])
        gx = (g @ w) if needs_grad(input) else None
        gw = gb = None
        if needs_grad(weight):
            gw = np.matmul(g2.T, x.reshape(-1, x.shape[-1]), out=gradient_out(weight))
        if needs_grad(bias):
            gb = np.add.reduce(g2, axis=0, out=gradient_out(bias))
        return gx, gw, gb

    return make_result(out, (input, weight, bias), backward)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | None = None,
    *,
    inplace: bool = False,
) -> Tensor:
    r"""Inverted dropout: zero each element with probability ``p``, scale the rest by
    :math:`1/(1-p)` so the expectation is unchanged (chapter section 6.7, fig. 6.17).

    .. math:: y = \frac{m \odot x}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p)

    Identity when ``training`` is False or ``p == 0``; all zeros when ``p == 1``.
    The mask is drawn from ``rng`` (netopt's default generator when None). ``inplace`` is
    torch's (a bool in ``rng``'s place is torch's positional ``inplace``); the result is
    computed out of place all the same, as :func:`netopt.nn.functional.relu`.
    """
    if isinstance(rng, bool):  # dropout(x, p, training, inplace), torch's order
        rng = None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    x = input._data
    if p == 1.0:
        mask = np.zeros_like(x)
    else:
        keep = _random.resolve(rng).random(x.shape, dtype=np.float32) >= p
        mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return make_result(x * mask, (input,), lambda g: (g * mask,))
