"""Fixtures for the training tests: a small seeded classification problem and an MLP factory."""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np
import pytest

from netopt import nn
from netopt.data import DataLoader, TensorDataset


def blobs(seed: int, n: int = 96, d: int = 4, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Samples (drawn from ``seed``) of ``k`` fixed Gaussian blobs in ``d`` dimensions."""
    centers = np.random.default_rng(1234).normal(scale=2.0, size=(k, d))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    x = centers[y] + rng.normal(size=(n, d))
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture
def problem():
    """Train and validation loaders over blobs (shuffled with their own generator)."""
    x, y = blobs(0)
    xv, yv = blobs(1, n=40)
    train = DataLoader(
        TensorDataset(x, y), batch_size=16, shuffle=True, rng=np.random.default_rng(2)
    )
    val = DataLoader(TensorDataset(xv, yv), batch_size=16)
    return train, val


@pytest.fixture
def mlp():
    """Factory: a 4-16-3 ReLU MLP initialized from ``seed``."""

    def make(seed: int = 0) -> nn.Module:
        rng = np.random.default_rng(seed)
        return nn.Sequential(nn.Linear(4, 16, rng=rng), nn.ReLU(), nn.Linear(16, 3, rng=rng))

    return make


# ------------------------------------------------------------------ forged checkpoint files
_ST = {"<f4": "F32", "<f8": "F64", "<i8": "I64", "|u1": "U8", "|b1": "BOOL"}


def _forge(path, manifest, arrays=None, *, digest=True, extra_meta=None):
    """Write a safetensors file holding ``manifest`` (text or data) with a valid digest."""
    arrays = arrays or {}
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    h = hashlib.sha256(text.encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        h.update(a.tobytes())
    meta = {"netopt.manifest": text, "netopt.sha256": h.hexdigest() if digest else "0" * 64}
    meta.update(extra_meta or {})
    header, blobs, at = {"__metadata__": meta}, [], 0
    for name, a in arrays.items():
        b = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": _ST[a.dtype.str], "shape": list(a.shape),
                        "data_offsets": [at, at + len(b)]}  # fmt: skip
        blobs.append(b)
        at += len(b)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    return path


@pytest.fixture
def forge():
    """``forge(path, manifest, arrays=None)``: a checkpoint file with a recomputed digest."""
    return _forge
