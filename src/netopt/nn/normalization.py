"""``BatchNorm1d`` and ``Dropout``: layers that behave differently in train and eval."""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from . import functional as F
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
