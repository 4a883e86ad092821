"""netopt: neural-network optimization from first principles on NumPy.

The top level mirrors ``torch``: :func:`tensor`, :class:`Tensor`, :func:`no_grad`,
:func:`manual_seed` and the tensor factories, plus the subpackages ``nn``, ``optim``,
``info``, ``data``, ``train`` and ``lab``. Only NumPy is imported eagerly; subpackages
that need more (scikit-learn, matplotlib) are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .autograd import (
    Tensor,
    abs,
    accelerator,
    add,
    addmm,
    amax,
    amin,
    arange,
    as_tensor,
    backends,
    bmm,
    cat,
    clamp,
    cos,
    cosh,
    cuda,
    device,
    div,
    dot,
    einsum,
    enable_grad,
    exp,
    eye,
    flatten,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    gather,
    get_default_device,
    inference_mode,
    int64,
    is_grad_enabled,
    is_inference_mode_enabled,
    linspace,
    log,
    log1p,
    logsumexp,
    matmul,
    maximum,
    minimum,
    mm,
    mps,
    mul,
    nansum,
    no_grad,
    normal,
    ones,
    ones_like,
    permute,
    prod,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    reshape,
    set_default_device,
    set_grad_enabled,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    tan,
    tensor,
    transpose,
    unsqueeze,
    var,
    where,
    xlogy,
    zeros,
    zeros_like,
)
from .autograd.activation import log_softmax_method as log_softmax
from .autograd.activation import relu, sigmoid, tanh
from .autograd.activation import softmax_method as softmax
from .autograd.aliases import NOT_GIVEN as _NOT_GIVEN
from .autograd.aliases import shown_defaults as _shown_defaults
from .autograd.device import DTYPES as _DTYPES
from .autograd.device import check_device as _check_device
from .autograd.factories import empty, randperm
from .autograd.ops import pow
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

_LAZY = (
    "nn",
    "utils",
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


def sum(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
    dtype: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dimensions when None), as ``torch.sum``; ``dtype`` casts the
    input first. ``axis``/``keepdims`` are torch's NumPy-style aliases, here and below: a
    name and its alias both written raise torch's TypeError
    (:mod:`netopt.autograd.aliases`)."""
    return input.sum(dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)


def mean(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
    dtype: Any = None,
) -> Tensor:
    """Mean over ``dim`` (all dimensions when None), as ``torch.mean``; ``dtype`` casts
    the input first (so an integer tensor's mean needs a floating ``dtype``)."""
    return input.mean(dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)


def max(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
    other: Any = _NOT_GIVEN,
) -> Any:
    """Largest value, or with ``dim`` a ``(values, indices)`` pair, or with a tensor
    ``other`` (second argument or keyword) the element-wise maximum, as ``torch.max``.

    >>> values, indices = max(tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
    >>> values, indices
    (tensor([5., 7.]), tensor([1, 0]))
    """
    return input.max(dim, keepdim, axis=axis, keepdims=keepdims, other=other)


def min(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
    other: Any = _NOT_GIVEN,
) -> Any:
    """Smallest value, or with ``dim`` a ``(values, indices)`` pair, or with a tensor
    ``other`` the element-wise minimum, as ``torch.min``."""
    return input.min(dim, keepdim, axis=axis, keepdims=keepdims, other=other)


def argmax(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
) -> Tensor:
    """Index of the largest value (of the flattened tensor when ``dim`` is None), int64."""
    return input.argmax(dim, keepdim, axis=axis, keepdims=keepdims)


def argmin(
    input: Tensor,
    dim: Any = _NOT_GIVEN,
    keepdim: Any = _NOT_GIVEN,
    *,
    axis: Any = _NOT_GIVEN,
    keepdims: Any = _NOT_GIVEN,
) -> Tensor:
    """Index of the smallest value (of the flattened tensor when ``dim`` is None), int64."""
    return input.argmin(dim, keepdim, axis=axis, keepdims=keepdims)


for _fn in (sum, mean, max, min, argmax, argmin):
    _shown_defaults(_fn, dim=None, keepdim=False, axis=None, keepdims=None, other=None)
del _fn


def save(obj: Any, f: Any, *, key: bytes | None = None) -> Any:
    """Save a state dict (or a nest of dicts, lists, arrays, tensors, numbers, strings) to
    the file ``f`` (a path or a binary file object), as ``torch.save`` is used, without
    pickle; ``key`` signs it (HMAC-SHA256); see :func:`netopt._io.objects.save_object`.
    Returns the path (None for a file object)."""
    from ._io.objects import save_object

    return save_object(obj, f, key=key)


def load(
    f: Any, map_location: Any = None, *, weights_only: Any = None, key: bytes | None = None
) -> Any:
    """Load what :func:`save` wrote from a path or a binary file object (``torch.load``'s
    counterpart; nothing is unpickled, whatever ``weights_only`` says: any other file is
    refused with the reason); ``map_location`` may name the CPU; with ``key``, only a file
    signed with it; see :func:`netopt._io.objects.load_object`."""
    from ._io.objects import load_object

    if map_location is not None and not callable(map_location):
        _check_device(map_location)
    return load_object(f, key=key, weights_only=weights_only)


__all__ = [
    "Generator",
    "Tensor",
    "__version__",
    "abs",
    "accelerator",
    "add",
    "addmm",
    "amax",
    "amin",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "backends",
    "bmm",
    "bool",
    "cat",
    "clamp",
    "cos",
    "cosh",
    "cuda",
    "device",
    "div",
    "dot",
    "double",
    "einsum",
    "empty",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "get_default_device",
    "get_rng_state",
    "half",
    "inference_mode",
    "initial_seed",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "linspace",
    "load",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "mps",
    "mul",
    "nansum",
    "no_grad",
    "normal",
    "ones",
    "ones_like",
    "permute",
    "pow",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "reshape",
    "save",
    "seed",
    "set_default_device",
    "set_grad_enabled",
    "set_rng_state",
    "short",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tan",
    "tanh",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "xlogy",
    "zeros",
    "zeros_like",
]

# torch's dtype names (``netopt.float`` is float32, ``netopt.long`` int64, ...), bound last
# so that no function above sees ``int``, ``float`` or ``bool`` shadowed.
half = float16 = _DTYPES["half"]
double = _DTYPES["double"]
long = _DTYPES["long"]
int32 = _DTYPES["int32"]
short = int16 = _DTYPES["int16"]
int8 = _DTYPES["int8"]
uint8 = _DTYPES["uint8"]
float = _DTYPES["float"]
int = _DTYPES["int"]
bool = _DTYPES["bool"]
