"""Devices and dtype names as ``torch`` spells them; netopt computes on the CPU only.

``netopt.device("cpu")``, ``netopt.cuda.is_available()`` (False),
``netopt.accelerator.is_available()`` (False) and ``set_default_device("cpu")`` let code
written for torch choose its device as it always does and land on the CPU. Asking for any
other device raises one error, :func:`check_device`'s, that says so.

The dtype names (``float``, ``double``, ``long``, ``int``, ``bool``, ...) are NumPy dtypes:
``netopt.float`` is ``numpy.dtype("float32")`` as ``torch.float`` is ``torch.float32``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: torch's dtype names -> NumPy dtypes (``torch.int`` is int32, ``torch.long`` int64).
DTYPES = {
    "float": np.dtype(np.float32),
    "float32": np.dtype(np.float32),
    "double": np.dtype(np.float64),
    "float64": np.dtype(np.float64),
    "half": np.dtype(np.float16),
    "float16": np.dtype(np.float16),
    "long": np.dtype(np.int64),
    "int64": np.dtype(np.int64),
    "int": np.dtype(np.int32),
    "int32": np.dtype(np.int32),
    "short": np.dtype(np.int16),
    "int16": np.dtype(np.int16),
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
    "bool": np.dtype(np.bool_),
}

#: torch's legacy type strings (``Tensor.type()``) by NumPy dtype.
TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor",
    np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor",
    np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor",
    np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor",
    np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}

_KNOWN = (
    "cpu cuda ipu xpu mkldnn opengl opencl ideep hip ve fpga maia xla lazy vulkan mps meta "
    "hpu mtia privateuseone"
).split()


def _unavailable(kind: str) -> RuntimeError:
    return RuntimeError(
        f"netopt computes on the CPU only; device {kind!r} is not available "
        "(use 'cpu', or torch itself for accelerators)"
    )


class device(str):
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cpu", 0)``, ``device("cpu:0")``.

    Only ``"cpu"`` exists in netopt; any other known device type raises RuntimeError (netopt
    runs on the CPU), an unknown one RuntimeError with torch's wording. A device is also
    the string it prints as (``"cpu"``), so every ``to(...)`` that takes a device name
    takes a device.

    Examples
    --------
    >>> device("cpu")
    device(type='cpu')
    >>> str(device("cpu", 0))
    'cpu:0'
    """

    def __new__(cls, type: Any, index: int | None = None) -> device:
        kind, where = _parse(type, index)
        self = super().__new__(cls, kind if where is None else f"{kind}:{where}")
        self.type, self.index = kind, where
        return self

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    __hash__ = str.__hash__


def _parse(where: Any, index: int | None) -> tuple[str, int | None]:
    """``(type, index)`` of a device argument; raise for anything but the CPU."""
    if isinstance(where, device):
        return where.type, where.index if index is None else index
    if not isinstance(where, str):
        raise TypeError(f"device() received an invalid type {where!r}: expected a string")
    kind, _, number = where.partition(":")
    if kind not in _KNOWN:
        raise RuntimeError(
            f"Expected one of {', '.join(_KNOWN)} device type at start of device string: {where}"
        )
    if kind != "cpu":
        raise _unavailable(where)
    if number:
        if index is not None:
            raise RuntimeError(f"device string {where!r} and index {index} both give an index")
        if not number.isdigit():
            raise RuntimeError(f"Invalid device string: '{where}'")
        index = int(number)
    return kind, index


CPU = device("cpu")


def check_device(where: Any) -> None:
    """Accept ``None``, ``"cpu"``, ``"cpu:N"`` or a cpu :class:`device`; raise otherwise.

    Raises
    ------
    RuntimeError
        For any other device (netopt computes on the CPU only).
    """
    if where is None or isinstance(where, device):
        return
    if isinstance(where, int) and not isinstance(where, bool):
        raise _unavailable(f"cuda:{where}")
    device(where)


def set_default_device(where: Any) -> None:
    """As ``torch.set_default_device``: only the CPU (or None) is accepted, a no-op."""
    check_device(where)


def get_default_device() -> device:
    """The device new tensors are created on: always ``device(type='cpu')``."""
    return CPU


class _NoAccelerator:
    """A torch backend namespace (``cuda``, ``mps``, ``accelerator``) with nothing behind it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def is_available(self) -> bool:
        """False: netopt has no accelerator."""
        return False

    def device_count(self) -> int:
        """0: no device of this kind."""
        return 0

    def current_accelerator(self) -> None:
        """None, as torch gives on a machine without an accelerator."""
        return None

    def manual_seed(self, seed: int) -> None:
        """A no-op, as torch's on a machine without this device (seed netopt with
        ``netopt.manual_seed``)."""

    manual_seed_all = manual_seed

    def synchronize(self) -> None:
        """A no-op: CPU work is synchronous."""

    def __repr__(self) -> str:
        return f"<netopt.{self._name}: not available>"


cuda = _NoAccelerator("cuda")
mps = _NoAccelerator("mps")
accelerator = _NoAccelerator("accelerator")


class _Backends:
    """``netopt.backends.mps`` / ``netopt.backends.cuda``, as torch's ``backends``."""

    cuda = cuda
    mps = mps


backends = _Backends()
