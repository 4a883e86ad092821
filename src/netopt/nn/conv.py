"""``Conv1d`` and ``Conv2d`` layers (PyTorch's arguments, defaults, initialization, repr).

The computation is :func:`netopt.nn.functional.conv2d` (math and im2col scheme there);
a ``padding_mode`` other than ``"zeros"`` pads first with :func:`netopt.nn.functional.pad`
and convolves unpadded, as torch does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.tensor import Tensor
from . import init
from .functional.conv import conv1d, conv2d, ntuple, same_padding
from .functional.padding import pad
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_TORCH_MODE_SET = "{'circular', 'zeros', 'reflect', 'replicate'}"


class _ConvNd(Module):
    _nd = 0
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        nd = self._nd
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not is_int(n) or n < 1:
                raise ValueError(f"{name} must be a positive integer, got {n!r}")
        if not is_int(groups) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size = ntuple(kernel_size, nd, "kernel_size")
        stride = ntuple(stride, nd, "stride")
        dilation = ntuple(dilation, nd, "dilation")
        if any(k < 1 for k in kernel_size):
            raise ValueError(f"kernel_size must be positive, got {kernel_size}")
        if any(s < 1 for s in stride):
            raise ValueError(f"stride must be positive, got {stride}")
        if any(d < 1 for d in dilation):
            raise ValueError(f"dilation must be positive, got {dilation}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pairs = same_padding(kernel_size, dilation) if padding == "same" else [(0, 0)] * nd
        else:
            padding = ntuple(padding, nd, "padding")
            if any(p < 0 for p in padding):
                raise ValueError(f"padding must be non-negative, got {padding}")
            pairs = [(p, p) for p in padding]
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_TORCH_MODE_SET}, but got "
                f"padding_mode={padding_mode!r}"
            )
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups, self.padding_mode = dilation, int(groups), padding_mode
        # F.pad's order: last dimension first, (before, after) each
        self._reversed_padding_repeated_twice = tuple(v for pr in pairs[::-1] for v in pr)
        shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            fan_in = (in_channels // groups) * math.prod(kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return type(self)._fn(
                padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups
            )
        return type(self)._fn(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        nd = self._nd
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    r"""1-D convolution layer over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``).

    Weight ``(out_channels, in_channels / groups, kernel_size)``, bias ``(out_channels,)``,
    both initialized as torch: :math:`U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`
    with :math:`\text{fan\_in} = (C_{in}/G)\,k` (``kaiming_uniform_`` with ``a=sqrt(5)``),
    drawn from ``rng``. :math:`L_{out} = \lfloor (L + 2p - d(k-1) - 1)/s \rfloor + 1`.
    See :func:`netopt.nn.functional.conv1d` for the math.

    Examples
    --------
    >>> import netopt
    >>> conv = Conv1d(1, 25, 5, stride=2, padding=1)
    >>> conv
    Conv1d(1, 25, kernel_size=(5,), stride=(2,), padding=(1,))
    >>> conv(netopt.zeros(8, 1, 40)).shape
    (8, 25, 19)
    """

    _nd = 1
    _fn = staticmethod(conv1d)


class Conv2d(_ConvNd):
    r"""2-D convolution layer over ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``).

    Arguments, defaults and initialization as :class:`Conv1d`, with pairs for the kernel,
    stride, padding and dilation; ``padding`` may be ``"same"`` or ``"valid"``;
    ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
    See :func:`netopt.nn.functional.conv2d` for the math.

    Examples
    --------
    >>> import netopt
    >>> conv = Conv2d(1, 6, 5, padding=2)
    >>> conv
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    >>> conv(netopt.zeros(2, 1, 28, 28)).shape
    (2, 6, 28, 28)
    """

    _nd = 2
    _fn = staticmethod(conv2d)
