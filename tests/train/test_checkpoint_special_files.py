"""The checkpoint reader refuses special files, reads no more than the header promises, and
loads in about one file's worth of memory."""

from __future__ import annotations

import json
import os
import struct
import threading
import tracemalloc

import numpy as np
import pytest

import netopt
from netopt._io.container import CheckpointError
from netopt.train import checkpoint

pytest.importorskip("safetensors")


def _load_within(path, seconds=60):
    """``netopt.load(path)`` in a thread; fail (instead of hanging) if it blocks."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = netopt.load(path)
        except BaseException as err:
            box["error"] = err

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"loading {path} blocked for {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    with pytest.raises(CheckpointError, match="is not a regular file"):
        _load_within(link)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match="is not a regular file"):
        _load_within(fifo)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint"):
        checkpoint.load(tmp_path, None)


@pytest.mark.parametrize("claimed", [2**63, 2**40, 10_000])
def test_a_header_length_beyond_the_file_is_refused(tmp_path, claimed):
    path = netopt.save({"w": np.zeros(3)}, tmp_path / "c.safetensors")
    data = bytearray(path.read_bytes())
    data[:8] = struct.pack("<Q", claimed)
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=f"the header claims {claimed} bytes"):
        netopt.load(path)


def _rewrite_header(path, change):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])

    header = json.loads(data[8 : 8 + n])
    change(header)
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + data[8 + n :])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: h["object/w"].update(data_offsets=[0, 10**12]), "lie outside"),
        (lambda h: h["object/w"].update(shape=[10**6]), "needs 8000000 bytes"),
        (lambda h: h["object/w"].update(shape=[-3]), "is not a list of sizes"),
        (lambda h: h["object/w"].update(dtype="BF16"), "unsupported dtype"),
        (lambda h: h.update(__metadata__=[1]), "__metadata__ is not a mapping"),
        (lambda h: h.update(x=5), "tensor 'x': expected dtype, shape and data_offsets"),
    ],
    ids=["offsets", "shape", "negative", "dtype", "metadata", "entry"],
)
def test_header_promises_are_checked(tmp_path, change, message):
    path = netopt.save({"w": np.zeros(3)}, tmp_path / "c.safetensors")
    _rewrite_header(path, change)
    with pytest.raises(CheckpointError, match=message):
        netopt.load(path)


def test_loading_peaks_near_one_file_size(tmp_path):
    arrays = {f"a{i}": np.full(500_000, i, dtype=np.float32) for i in range(8)}  # 2 MB each
    path = netopt.save(arrays, tmp_path / "big.safetensors")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        loaded = netopt.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    for name, a in arrays.items():
        np.testing.assert_array_equal(loaded[name], a)
    # the file's bytes once, plus at most one tensor (2 MB of 16 MB) and small change
    assert peak < size * 1.25, (peak, size)
