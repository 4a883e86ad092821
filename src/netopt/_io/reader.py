r"""A bounded safetensors reader: regular files only, nothing read beyond what the header says.

The safetensors layout: an 8-byte little-endian header length ``n``, ``n`` bytes of JSON
(``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}``),
then the tensors' bytes, ``begin``/``end`` counted from the end of the header. This reader
checks every promise the header makes before trusting it (types, dtypes, shapes, offsets
inside the file, sizes equal to ``prod(shape) * itemsize``, tensors tiling the data without
overlap), refuses anything that is not a regular file (a FIFO, ``/dev/zero``, a folder:
opened without blocking and checked with ``fstat``), and reads the file once, in one
buffer of its size: each array is a view of that buffer (copied only when unaligned), so
loading peaks at the file's size plus at most one tensor.
"""

from __future__ import annotations

import json
import math
import os
import stat
import struct
from pathlib import Path
from typing import Any

import numpy as np

#: safetensors dtype names -> little-endian NumPy dtypes (BF16 and F8 have no NumPy dtype).
DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}

#: The largest header accepted (safetensors' own limit is 100 MB).
MAX_HEADER = 100_000_000


class FormatError(ValueError):
    """The file breaks the safetensors format; the message says where."""


def read_regular_file(path: str | os.PathLike[str], what: str = "file") -> bytearray:
    """All bytes of ``path``, refusing anything but a regular file; at most its ``st_size``.

    Raises
    ------
    OSError
        If it cannot be opened or read.
    FormatError
        If it is not a regular file (a FIFO, a device, a folder...).
    """
    p = Path(path)
    # O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb", buffering=0) as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FormatError(f"{what} {str(p)!r} is not a regular file")
        size = info.st_size
        buf = bytearray(size)
        view = memoryview(buf)
        got = 0
        while got < size:
            n = f.readinto(view[got:])
            if not n:
                break
            got += n
        view.release()
    if got < size:
        raise FormatError(f"{what} {str(p)!r} shrank while being read")
    return buf


def _header(buf: bytearray) -> tuple[dict[str, Any], int]:
    if len(buf) < 8:
        raise FormatError(f"the file has {len(buf)} bytes, fewer than the 8 of a header length")
    (n,) = struct.unpack_from("<Q", buf, 0)
    if n > len(buf) - 8 or n > MAX_HEADER:
        raise FormatError(f"the header claims {n} bytes, the file holds {len(buf) - 8} after it")
    try:
        header = json.loads(bytes(buf[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise FormatError(f"the header is not JSON: {err}") from None
    if not isinstance(header, dict):
        raise FormatError(f"the header is a JSON {type(header).__name__}, not an object")
    return header, 8 + n


def _entry(name: str, entry: Any, data_len: int) -> tuple[np.dtype, tuple[int, ...], int, int]:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise FormatError(f"tensor {name!r}: expected dtype, shape and data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise FormatError(f"tensor {name!r}: unsupported dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise FormatError(f"tensor {name!r}: shape {shape!r} is not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise FormatError(f"tensor {name!r}: data_offsets {offsets!r} is not [begin, end]")
    begin, end = offsets
    dt = np.dtype(DTYPES[dtype])
    if not begin <= end <= data_len:
        raise FormatError(
            f"tensor {name!r}: bytes {begin}..{end} lie outside the {data_len} bytes of data"
        )
    if math.prod(shape) * dt.itemsize != end - begin:
        raise FormatError(
            f"tensor {name!r}: shape {shape} of {dtype} needs "
            f"{math.prod(shape) * dt.itemsize} bytes, its offsets give {end - begin}"
        )
    return dt, tuple(shape), begin, end


def _is_count(x: Any) -> bool:
    return type(x) is int and x >= 0


def parse(buf: bytearray) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata and arrays of a safetensors file held in ``buf`` (arrays view ``buf``).

    Raises
    ------
    FormatError
        Naming the first broken promise.
    """
    header, start = _header(buf)
    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise FormatError("__metadata__ is not a mapping of strings to strings")
    data_len = len(buf) - start
    spans = []
    arrays: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        dt, shape, begin, end = _entry(name, entry, data_len)
        spans.append((begin, end, name))
        a = np.frombuffer(buf, dtype=dt, count=math.prod(shape), offset=start + begin)
        if (start + begin) % dt.alignment:
            a = a.copy()  # unaligned: one tensor's copy
        arrays[name] = a.reshape(shape).astype(dt.newbyteorder("="), copy=False)
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise FormatError(f"tensor {name!r} starts at byte {begin}, expected {at}")
        at = end
    if at != data_len:
        raise FormatError(f"the tensors cover {at} of the {data_len} bytes of data")
    return metadata, arrays
