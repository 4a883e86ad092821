"""Normalization and dropout layers: ``BatchNorm1d/2d``, ``LayerNorm``, ``GroupNorm``,
``Dropout`` and channel-wise ``Dropout1d/2d``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.tensor import Tensor
from . import functional as F
from .functional import channel_dropout as _cd
from .functional import normalization as _norm
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    r"""Batch normalization over ``(N, C)`` or ``(N, C, L)`` inputs (a remedy for
    vanishing/exploding gradients in the chapter).

    .. math:: y = \gamma\,\frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} + \beta

    Training normalizes with the batch's biased variance and updates
    ``running_mean``/``running_var`` (unbiased) with ``momentum``; evaluation uses the
    running statistics. See :func:`netopt.nn.functional.batch_norm`. As in PyTorch 2.13,
    ``affine`` makes :math:`\gamma` (``weight``) learnable and, unless ``bias=False``,
    :math:`\beta` (``bias``) too; without them :math:`\gamma = 1`, :math:`\beta = 0`.

    Examples
    --------
    >>> import netopt
    >>> bn = BatchNorm1d(3)
    >>> y = bn(netopt.randn(8, 3, rng=np.random.default_rng(0)))
    >>> bool(abs(float(y.data.mean())) < 1e-6)
    True
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}) expects input of shape (N, "
                f"{self.num_features}) or (N, {self.num_features}, L), got {input.shape}"
            )
        return F.batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=self.training or not self.track_running_stats,
            momentum=self.momentum,
            eps=self.eps,
            num_batches_tracked=self.num_batches_tracked,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class Dropout(Module):
    r"""Inverted dropout with probability ``p`` (chapter fig. 6.17); identity in eval mode.

    The mask comes from ``rng`` (netopt's default generator when None), so a seeded
    generator makes training reproducible.

    ``inplace`` is accepted for PyTorch compatibility and shown in the repr as torch
    shows it (always, ``inplace=False`` included). netopt never overwrites its input:
    with ``inplace=True`` the result is still computed out of place (the input keeps its
    values) and is numerically the same as with ``inplace=False`` for the same mask.

    Examples
    --------
    >>> Dropout(0.25, inplace=True)
    Dropout(p=0.25, inplace=True)
    """

    def __init__(
        self, p: float = 0.5, inplace: bool = False, *, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__()
        if isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.rng = rng

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class BatchNorm2d(BatchNorm1d):
    r"""Batch normalization of ``(N, C, H, W)`` per channel over the batch and both spatial
    axes (arguments and statistics as :class:`BatchNorm1d`; math in
    :mod:`netopt.nn.functional.normalization`).

    Examples
    --------
    >>> import netopt
    >>> BatchNorm2d(3)(netopt.ones(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d({self.num_features}) expects {self.num_features} channels, "
                f"got input of shape {input.shape}"
            )
        return _norm.batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=self.training or not self.track_running_stats,
            momentum=self.momentum,
            eps=self.eps,
            num_batches_tracked=self.num_batches_tracked,
        )


class LayerNorm(Module):
    r"""Layer normalization over the trailing ``normalized_shape`` axes of each sample.

    ``elementwise_affine`` adds a learnable ``weight`` (ones) and, unless ``bias=False``,
    ``bias`` (zeros), both of shape ``normalized_shape``. See
    :func:`netopt.nn.functional.layer_norm`.

    Examples
    --------
    >>> LayerNorm(5)
    LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
        if not all(is_int(s) and s >= 0 for s in shape):
            raise TypeError(f"normalized_shape must be ints, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return _norm.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    r"""Group normalization: ``num_channels`` split into ``num_groups`` groups, each
    standardized per sample; ``affine`` adds per-channel ``weight`` and ``bias``.
    See :func:`netopt.nn.functional.group_norm`.

    Examples
    --------
    >>> GroupNorm(2, 4)
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        bias: bool = True,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        if not is_int(num_groups) or not is_int(num_channels) or num_groups < 1:
            raise ValueError(
                f"num_groups and num_channels must be ints, got {num_groups!r}, {num_channels!r}"
            )
        if num_channels % num_groups:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return _norm.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class Dropout1d(Dropout):
    """Channel-wise dropout of ``(N, C, L)`` (whole channels zeroed); identity in eval mode.

    See :func:`netopt.nn.functional.dropout1d`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return _cd.dropout1d(input, self.p, self.training, self.rng)


class Dropout2d(Dropout):
    """Channel-wise dropout of ``(N, C, H, W)`` (whole feature maps zeroed); identity in eval.

    See :func:`netopt.nn.functional.dropout2d`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return _cd.dropout2d(input, self.p, self.training, self.rng)
