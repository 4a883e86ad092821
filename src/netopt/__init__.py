"""netopt: neural-network optimization from first principles on NumPy.

The top level mirrors ``torch``: :func:`tensor`, :class:`Tensor`, :func:`no_grad`,
:func:`manual_seed` and the tensor factories, plus the subpackages ``nn``, ``optim``,
``info``, ``data``, ``train`` and ``lab``. Only NumPy is imported eagerly; subpackages
that need more (scikit-learn, matplotlib) are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .autograd import (
    Tensor,
    abs,
    arange,
    cat,
    clamp,
    enable_grad,
    exp,
    eye,
    flatten,
    float32,
    float64,
    from_numpy,
    full,
    gather,
    int64,
    is_grad_enabled,
    log,
    log1p,
    logsumexp,
    matmul,
    maximum,
    minimum,
    no_grad,
    ones,
    ones_like,
    permute,
    rand,
    randn,
    reshape,
    sqrt,
    squeeze,
    stack,
    tensor,
    transpose,
    unsqueeze,
    where,
    xlogy,
    zeros,
    zeros_like,
)
from .random import manual_seed

__version__ = "0.1.0"

_LAZY = (
    "nn",
    "optim",
    "info",
    "data",
    "train",
    "lab",
    "estimators",
    "ensemble",
    "diagnose",
    "regularization",
    "cli",
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sum(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (all dimensions when None), as ``torch.sum``."""
    return input.sum(dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (all dimensions when None), as ``torch.mean``."""
    return input.mean(dim, keepdim)


__all__ = [
    "Tensor",
    "__version__",
    "abs",
    "arange",
    "cat",
    "clamp",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "gather",
    "int64",
    "is_grad_enabled",
    "log",
    "log1p",
    "logsumexp",
    "manual_seed",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "permute",
    "rand",
    "randn",
    "reshape",
    "sqrt",
    "squeeze",
    "stack",
    "sum",
    "tensor",
    "transpose",
    "unsqueeze",
    "where",
    "xlogy",
    "zeros",
    "zeros_like",
]
