r"""Normalization over axes: ``batch_norm`` (any rank), ``layer_norm`` and ``group_norm``.

All three standardize :math:`x` over a set of axes :math:`A` (:math:`n` elements per
statistic) with the *biased* variance and apply a per-channel (batch and group norm) or
per-element (layer norm) affine map:

.. math::
    \hat x = \frac{x - \mu_A}{\sqrt{\sigma_A^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta,
    \qquad
    \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma_A^2+\epsilon}}
    \Big(\hat g - \overline{\hat g}^{A} - \hat x\, \overline{\hat g \hat x}^{A}\Big),
    \quad \hat g = \gamma g,

where :math:`\overline{\cdot}^{A}` is the mean over :math:`A`. Batch norm uses the batch
and every spatial axis of ``(N, C, *)`` (per channel), layer norm the trailing
``normalized_shape`` axes (per sample), group norm the channels of a group and their
spatial axes (per sample and group). Each is one graph node.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result, needs_grad


def _standardize(x: np.ndarray, axes: tuple[int, ...], eps: float):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    return (x - mean) * inv_std, inv_std


def _input_grad(gg: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray, axes) -> np.ndarray:
    m1 = gg.mean(axis=axes, keepdims=True)
    m2 = (gg * xhat).mean(axis=axes, keepdims=True)
    return (gg - m1 - xhat * m2) * inv_std


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
    r"""Batch normalization of ``(N, C, *)`` per channel over the batch and spatial axes.

    The math is in the module docstring. In training, the running statistics are updated
    in place with the *unbiased* variance, :math:`r \leftarrow (1-m) r + m\,s`
    (``momentum=None``: :math:`m = 1/t`, :math:`t` = ``num_batches_tracked`` after its
    increment); in evaluation they normalize and the input gradient is
    :math:`\gamma g / \sqrt{r_{var} + \epsilon}`. ``BatchNorm1d`` and ``BatchNorm2d`` call it;
    for ``(N, C)`` and ``(N, C, L)`` it performs the operations of the former 2-D/3D
    ``batch_norm`` of ``layer.py`` in the same order, so ``BatchNorm1d``'s numbers did not
    change bit for bit when it moved here.

    Raises
    ------
    ValueError
        For an input of rank below 2; in training with a single value per channel (torch).
    """
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"expected at least 2D input (got {x.ndim}D input)")
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
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
    gamma = weight._data.reshape(shape) if weight is not None else None
    out = xhat * gamma if gamma is not None else xhat.copy()
    if bias is not None:
        out += bias._data.reshape(shape)

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


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Layer normalization over the trailing ``normalized_shape`` axes (module docstring).

    ``weight`` and ``bias``, when given, have shape ``normalized_shape``.

    Examples
    --------
    >>> import netopt
    >>> y = layer_norm(netopt.tensor([[1.0, 2.0, 3.0]]), (3,))
    >>> [round(v, 4) for v in y.tolist()[0]]
    [-1.2247, 0.0, 1.2247]
    """
    shape = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
    x = input._data
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k :] != shape or x.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in shape)}], but got input of size{list(x.shape)}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, "
                               f"but got {name} of shape {list(p.shape)} and normalized_shape "
                               f"= {list(shape)}")  # fmt: skip
    axes = tuple(range(x.ndim - k, x.ndim))
    xhat, inv_std = _standardize(x, axes, eps)
    out = xhat * weight._data if weight is not None else xhat.copy()
    if bias is not None:
        out += bias._data
    lead = tuple(range(x.ndim - k))

    def backward(g: np.ndarray) -> tuple:
        gx = gw = gb = None
        if needs_grad(input):
            gg = g * weight._data if weight is not None else g
            gx = _input_grad(gg, xhat, inv_std, axes)
        if needs_grad(weight):
            gw = (g * xhat).sum(axis=lead)
        if needs_grad(bias):
            gb = g.sum(axis=lead)
        return gx, gw, gb

    return make_result(out, (input, weight, bias), backward)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Group normalization of ``(N, C, *)``: statistics per sample over each group of
    ``C / num_groups`` channels and their spatial axes; per-channel ``weight``/``bias``
    (module docstring).
    """
    x = input._data
    if x.ndim < 2 or not is_int(num_groups) or num_groups < 1 or x.shape[1] % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(x.shape)} and num_groups={num_groups}"
        )
    n, c = x.shape[0], x.shape[1]
    xg = x.reshape(n, num_groups, -1)
    xhat_g, inv_std = _standardize(xg, (2,), eps)
    xhat = xhat_g.reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    out = xhat * weight._data.reshape(shape) if weight is not None else xhat.copy()
    if bias is not None:
        out += bias._data.reshape(shape)
    other = (0, *range(2, x.ndim))

    def backward(g: np.ndarray) -> tuple:
        gx = gw = gb = None
        if needs_grad(input):
            gg = g * weight._data.reshape(shape) if weight is not None else g
            gx = _input_grad(gg.reshape(xg.shape), xhat_g, inv_std, (2,)).reshape(x.shape)
        if needs_grad(weight):
            gw = (g * xhat).sum(axis=other)
        if needs_grad(bias):
            gb = g.sum(axis=other)
        return gx, gw, gb

    return make_result(out, (input, weight, bias), backward)
