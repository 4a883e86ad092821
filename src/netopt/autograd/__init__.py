"""Reverse-mode automatic differentiation over NumPy arrays."""

from . import _methods, ops, reduce, shape  # _methods attaches operators to Tensor
from .factories import arange, eye, from_numpy, full, ones, ones_like, rand, randn, zeros, zeros_like
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .ops import (
    abs,
    clamp,
    cos,
    exp,
    log,
    log1p,
    matmul,
    maximum,
    minimum,
    sin,
    sqrt,
    where,
    xlogy,
)
from .reduce import logsumexp, max, mean, min, sum, var
from .shape import cat, flatten, gather, permute, reshape, squeeze, stack, transpose, unsqueeze
from .tensor import Tensor, float32, float64, int64, tensor, unbroadcast

__all__ = [
    "GradcheckError", "Tensor", "abs", "arange", "cat", "clamp", "cos", "enable_grad", "exp",
    "eye", "flatten", "float32", "float64", "from_numpy", "full", "gather", "gradcheck",
    "int64", "is_grad_enabled", "log", "log1p", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "no_grad", "ones", "ones_like", "ops", "permute", "rand", "randn",
    "reduce", "reshape", "shape", "sin", "sqrt", "squeeze", "stack", "sum", "tensor",
    "transpose", "unbroadcast", "unsqueeze", "var", "where", "xlogy", "zeros", "zeros_like",
]
