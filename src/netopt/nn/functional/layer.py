r"""Fused layer functions: ``linear``, ``linear_relu``, ``dropout`` and ``batch_norm``.

Each is a single graph node with a hand-derived backward: a layer costs one node instead
of several, and its gradient is the textbook formula, written out once. ``linear``'s
backward writes the weight and bias gradients straight into their gradient slots when
they have one (:func:`netopt.autograd.grad_slots.gradient_out`).
"""

from __future__ import annotations

import numpy as np

from ... import random as _random
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
        G' = G \odot [y > 0], \qquad
        \frac{\partial L}{\partial x} = G' W, \quad
        \frac{\partial L}{\partial W} = G'^\top x, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_n G'_n

    The same numbers as the two functions applied in turn (:math:`y > 0` exactly where
    the affine output is, and ReLU's derivative at 0 is 0 in both), with one node and
    one output array instead of two. :class:`netopt.nn.Sequential` uses it for every
    ``Linear`` directly followed by a ``ReLU``.
    """
    return _affine(input, weight, bias, relu=True)


def _affine(input: Tensor, weight: Tensor, bias: Tensor | None, relu: bool) -> Tensor:
    x, w = input.data, weight.data
    if x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear(): input has {x.shape[-1]} features but weight expects {w.shape[1]} "
            f"(input shape {x.shape}, weight shape {w.shape})"
        )
    out = x @ w.T
    if bias is not None:
        out += bias.data
    if relu:
        np.maximum(out, 0, out=out)  # ``out`` is new: rectified where it lies

    def backward(g: np.ndarray) -> tuple:
        if relu:
            g = g * (out > 0)
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
) -> Tensor:
    r"""Inverted dropout: zero each element with probability ``p``, scale the rest by
    :math:`1/(1-p)` so the expectation is unchanged (chapter section 6.7, fig. 6.17).

    .. math:: y = \frac{m \odot x}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p)

    Identity when ``training`` is False or ``p == 0``; all zeros when ``p == 1``.
    The mask is drawn from ``rng`` (netopt's default generator when None).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    x = input.data
    if p == 1.0:
        mask = np.zeros_like(x)
    else:
        keep = _random.resolve(rng).random(x.shape, dtype=np.float32) >= p
        mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return make_result(x * mask, (input,), lambda g: (g * mask,))


def batch_norm(
    input: Tensor,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    num_batches_tracked: np.ndarray | None = None,
) -> Tensor:
    r"""Batch normalization over the batch (and length) dimensions of ``(N, C[, L])``.

    .. math::
        \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta

    In training, :math:`\mu_B, \sigma_B^2` are the batch mean and *biased* variance;
    the running statistics are updated in place with the *unbiased* variance
    (PyTorch): :math:`r \leftarrow (1-m) r + m\,s`. ``momentum=None`` uses the
    cumulative average :math:`m = 1/t` with ``num_batches_tracked`` as :math:`t`.
    In evaluation the running statistics normalize. The training backward is

    .. math::
        \frac{\partial L}{\partial x} = \frac{1}{n\sqrt{\sigma_B^2+\epsilon}}
        \Big(n\,\hat g - \textstyle\sum \hat g - \hat x \sum \hat g \hat x\Big),
        \qquad \hat g = \gamma\, g.

    Raises
    ------
    ValueError
        In training with a single value per channel (as PyTorch).
    """
    x = input.data
    if x.ndim not in (2, 3):
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
    n = x.size // x.shape[1]
    use_batch = training or running_mean is None
    if use_batch:
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {x.shape}"
            )
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if training and running_mean is not None:
            if num_batches_tracked is not None:
                num_batches_tracked += 1
            m = (1.0 / float(num_batches_tracked)) if momentum is None else momentum
            running_mean *= 1 - m
            running_mean += m * mean
            running_var *= 1 - m
            running_var += m * var * (n / (n - 1))
    else:
        mean, var = running_mean, running_var
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    gamma = weight.data.reshape(shape) if weight is not None else None
    out = xhat * gamma if gamma is not None else xhat.copy()
    if bias is not None:
        out += bias.data.reshape(shape)

    def backward(g: np.ndarray) -> tuple:
        gg = g * gamma if gamma is not None else g
        gx = None
        if needs_grad(input):
            if use_batch:
                s1 = gg.sum(axis=axes, keepdims=True)
                s2 = (gg * xhat).sum(axis=axes, keepdims=True)
                gx = (gg - s1 / n - xhat * (s2 / n)) * inv_std.reshape(shape)
            else:
                gx = gg * inv_std.reshape(shape)
        gw = (g * xhat).sum(axis=axes) if needs_grad(weight) else None
        gb = g.sum(axis=axes) if needs_grad(bias) else None
        return gx, gw, gb

    return make_result(out, (input, weight, bias), backward)
