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


def batch_norm_stats_array(
    x: np.ndarray,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    momentum: float | None,
    num_batches_tracked: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The batch statistics of :func:`batch_norm` (training): per-channel mean and *biased*
    variance of ``(N, C, *)`` over the batch and spatial axes (:math:`n` values each).

    When ``running_mean`` is given, the running statistics are updated in place,
    :math:`r_{mean} \leftarrow (1-m)\, r_{mean} + m\,\mu`,
    :math:`r_{var} \leftarrow (1-m)\, r_{var} + m\,\sigma^2 \frac{n}{n-1}` (the
    *unbiased* variance), with :math:`m` = ``momentum``, or :math:`1/t` for
    ``momentum=None`` where :math:`t` is ``num_batches_tracked`` after its in-place
    increment. Returns ``(mean, var)``, shape ``(C,)``.
    """
    axes = (0, *range(2, x.ndim))
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)
    if running_mean is not None:
        n = x.size // x.shape[1]
        if num_batches_tracked is not None:
            num_batches_tracked += 1
        m = (1.0 / float(num_batches_tracked)) if momentum is None else momentum
        running_mean *= 1 - m
        running_mean += m * mean
        running_var *= 1 - m
        running_var += m * var * (n / (n - 1))
    return mean, var


def batch_norm_array(
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float,
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
    xhat: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The normalization of :func:`batch_norm` on arrays: :math:`\hat x = (x - \mu)\,
    s` with :math:`s = 1/\sqrt{\sigma^2 + \epsilon}` (in ``x``'s dtype), then
    :math:`y = \gamma \hat x + \beta` (either term left out when None).

    ``mean``, ``var``, ``gamma``, ``beta`` have shape ``(C,)`` and broadcast over channel
    axis 1 of ``x``, ``(N, C, *)``. ``out`` and ``xhat``, when given, receive :math:`y`
    and :math:`\hat x`; the results are the same bits either way. Returns
    ``(y, xhat, s)``.
    """
    shape = (1, -1) + (1,) * (x.ndim - 2)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat = np.subtract(x, mean.reshape(shape), out=xhat)
    np.multiply(xhat, inv_std.reshape(shape), out=xhat)
    if gamma is not None:
        out = np.multiply(xhat, gamma.reshape(shape), out=out)
    elif out is None:
        out = xhat.copy()
    else:
        np.copyto(out, xhat)
    if beta is not None:
        np.add(out, beta.reshape(shape), out=out)
    return out, xhat, inv_std


def batch_norm_backward_array(
    g: np.ndarray,
    xhat: np.ndarray,
    inv_std: np.ndarray,
    gamma: np.ndarray | None,
    use_batch: bool,
    need_gx: bool = True,
    need_gw: bool = True,
    need_gb: bool = True,
    *,
    gx: np.ndarray | None = None,
    gw: np.ndarray | None = None,
    gb: np.ndarray | None = None,
    gg: np.ndarray | None = None,
    tmp: np.ndarray | None = None,
    s1: np.ndarray | None = None,
    s2: np.ndarray | None = None,
) -> tuple:
    r"""The backward of :func:`batch_norm` on arrays: with :math:`\hat g = \gamma g`
    (``g`` when ``gamma`` is None), :math:`S_1 = \sum_A \hat g`,
    :math:`S_2 = \sum_A \hat g \hat x` over the batch and spatial axes :math:`A`
    (:math:`n` values per channel),

    .. math::
        \frac{\partial L}{\partial x} = \big((\hat g - S_1/n) - \hat x\,(S_2/n)\big)\, s

    with batch statistics (``use_batch``), :math:`\hat g\, s` with the running ones;
    :math:`\partial L/\partial\gamma = \sum_A g \hat x`,
    :math:`\partial L/\partial\beta = \sum_A g`. ``g`` is never written. ``gx``, ``gw``,
    ``gb`` (outputs) and ``gg``, ``tmp`` (shape of ``g``), ``s1``, ``s2`` (shape
    ``(1, C, 1, ...)``) are optional buffers. Returns ``(gx, gw, gb)``, each None when its
    ``need_*`` is False.
    """
    shape = (1, -1) + (1,) * (g.ndim - 2)
    axes = (0, *range(2, g.ndim))
    gg = np.multiply(g, gamma.reshape(shape), out=gg) if gamma is not None else g
    if need_gx:
        if use_batch:
            n = g.size // g.shape[1]
            s1 = np.add.reduce(gg, axis=axes, keepdims=True, out=s1)
            s2 = np.add.reduce(np.multiply(gg, xhat, out=tmp), axis=axes, keepdims=True, out=s2)
            np.divide(s1, n, out=s1)
            np.divide(s2, n, out=s2)
            gx = np.subtract(gg, s1, out=gx)
            np.subtract(gx, np.multiply(xhat, s2, out=tmp), out=gx)
            np.multiply(gx, inv_std.reshape(shape), out=gx)
        else:
            gx = np.multiply(gg, inv_std.reshape(shape), out=gx)
    else:
        gx = None
    gw = np.add.reduce(np.multiply(g, xhat, out=tmp), axis=axes, out=gw) if need_gw else None
    gb = np.add.reduce(g, axis=axes, out=gb) if need_gb else None
    return gx, gw, gb


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

    The math is in the module docstring and, operation by operation, on the array kernels
    it calls (:func:`batch_norm_stats_array`, :func:`batch_norm_array`,
    :func:`batch_norm_backward_array`; step capture replays the same kernels). In
    training, the running statistics are updated in place with the *unbiased* variance;
    in evaluation they normalize and the input gradient is
    :math:`\gamma g / \sqrt{r_{var} + \epsilon}`. ``BatchNorm1d`` and ``BatchNorm2d`` call
    it.

    Raises
    ------
    ValueError
        For an input of rank below 2; in training with a single value per channel (torch).
    """
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"expected at least 2D input (got {x.ndim}D input)")
    n = x.size // x.shape[1]
    use_batch = training or running_mean is None
    if use_batch:
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {x.shape}"
            )
        mean, var = batch_norm_stats_array(
            x, running_mean if training else None, running_var, momentum, num_batches_tracked
        )
    else:
        mean, var = running_mean, running_var
    gamma = weight._data if weight is not None else None
    beta = bias._data if bias is not None else None
    out, xhat, inv_std = batch_norm_array(x, mean, var, eps, gamma, beta)

    def backward(g: np.ndarray) -> tuple:
        return batch_norm_backward_array(
            g, xhat, inv_std, gamma, use_batch, needs_grad(input), needs_grad(weight),
            needs_grad(bias),
        )  # fmt: skip

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
