r"""Weight initializers (``torch.nn.init``), each drawing from an injected generator.

Fan-in/fan-out of a weight of shape ``(out, in, *kernel)`` are
:math:`\text{in}\cdot k` and :math:`\text{out}\cdot k`. The schemes:

- Xavier/Glorot (keeps activation variance for tanh/sigmoid): uniform on
  :math:`\pm g\sqrt{6/(\text{fan\_in}+\text{fan\_out})}`, or normal with
  :math:`\sigma = g\sqrt{2/(\text{fan\_in}+\text{fan\_out})}`.
- Kaiming/He (for ReLU, the chapter's remedy for vanishing gradients): uniform on
  :math:`\pm g\sqrt{3/\text{fan}}`, or normal with :math:`\sigma = g/\sqrt{\text{fan}}`.

Values are drawn in float64 from ``rng`` (netopt's default generator when None) and
cast to the tensor's dtype; they do not reproduce PyTorch's random stream. They are drawn
in chunks of :data:`CHUNK` values written straight into the tensor, in C order, so memory
peaks at the tensor plus one chunk (``nn.Linear(10_000, 10_000)``: 1x its weight, not 4x),
and the values equal one draw of the whole shape. Each initializer counts as one in-place
write of the tensor (its version, :mod:`netopt.autograd.version`), as torch's.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_number
from ..autograd.tensor import Tensor
from ..autograd.version import mark_modified

#: Values drawn at a time (float64: 512 KiB).
CHUNK = 1 << 16

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain :math:`g` for a nonlinearity (PyTorch's table).

    linear/sigmoid 1, tanh 5/3, relu :math:`\sqrt2`, leaky_relu
    :math:`\sqrt{2/(1+a^2)}` (a = ``param``, default 0.01), selu 3/4.

    Examples
    --------
    >>> calculate_gain("relu") == math.sqrt(2)
    True
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if not is_number(slope):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, draw: Any) -> Tensor:
    """Write ``draw(n)`` (n float64 values) into ``tensor`` chunk by chunk, in C order."""
    data = tensor._data
    if data.flags.c_contiguous:
        flat = data.reshape(-1)  # a view: the writes land in the tensor
        for start in range(0, flat.size, CHUNK):
            stop = min(start + CHUNK, flat.size)
            flat[start:stop] = draw(stop - start)
    else:  # a strided view (rare): one draw of the whole shape
        data[...] = draw(data.size).reshape(data.shape)
    mark_modified(tensor)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, rng=None, *, generator=None) -> Tensor:
    """Fill with draws from :math:`U(a, b)`; ``generator`` is torch's name for ``rng``."""
    gen = _random.resolve(rng, generator)
    return _fill(tensor, lambda n: gen.uniform(a, b, n))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, rng=None, *, generator=None
) -> Tensor:
    r"""Fill with draws from :math:`\mathcal N(\text{mean}, \text{std}^2)`; ``generator`` is
    torch's name for ``rng``."""
    gen = _random.resolve(rng, generator)
    return _fill(tensor, lambda n: gen.normal(mean, std, n))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    tensor._data[...] = val
    mark_modified(tensor)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, rng=None, *, generator=None) -> Tensor:
    r"""Glorot uniform: :math:`U(-a, a)`, :math:`a = g\sqrt{6/(\text{fan\_in}+\text{fan\_out})}`."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, rng=None, *, generator=None) -> Tensor:
    r"""Glorot normal: :math:`\sigma = g\sqrt{2/(\text{fan\_in}+\text{fan\_out})}`."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, rng, generator=generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _zero_element(tensor: Tensor) -> bool:
    # As PyTorch: nothing to draw (and fan 0 would divide by zero), so warn and return.
    if tensor._data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng=None,
    *,
    generator=None,
) -> Tensor:
    r"""He uniform: :math:`U(-b, b)`, :math:`b = g\sqrt{3/\text{fan}}`.

    ``a`` is the negative slope used by the leaky_relu gain; ``nn.Linear``'s default
    init is ``kaiming_uniform_(w, a=sqrt(5))``, i.e. :math:`b = 1/\sqrt{\text{fan\_in}}`.
    A zero-element tensor is left as is, with a warning (PyTorch).
    """
    if _zero_element(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng, generator=generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng=None,
    *,
    generator=None,
) -> Tensor:
    r"""He normal: :math:`\mathcal N(0, \sigma^2)`, :math:`\sigma = g/\sqrt{\text{fan}}`."""
    if _zero_element(tensor):
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, rng, generator=generator)
