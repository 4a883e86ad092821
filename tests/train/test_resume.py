"""Exact resume: N epochs straight == N/2 epochs, save, load in a new process, N/2 more."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

from netopt.train import checkpoint

JOB = Path(__file__).parent / "jobs" / "resume_run.py"
EPOCHS = 6
ONE_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(JOB), *args, str(EPOCHS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **ONE_THREAD},
    )  # fmt: skip


def _finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


def _raw_manifest(path: Path) -> dict:
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    manifest = json.loads(json.loads(data[8 : 8 + n])["__metadata__"]["netopt.manifest"])
    for record in manifest["history"]["records"]:
        del record["time"]  # wall time is the one thing allowed to differ
    return manifest


def test_resumed_run_is_bit_identical_to_the_straight_run(tmp_path):
    straight, half, resumed = (tmp_path / f"{name}.safetensors" for name in "abc")
    jobs = [_start("straight", str(straight)), _start("first", str(half))]
    for job in jobs:
        _finish(job)
    _finish(_start("second", str(half), str(resumed)))

    manifest_a, arrays_a = checkpoint.read(straight)
    manifest_b, arrays_b = checkpoint.read(resumed)
    assert manifest_a["epoch"] == manifest_b["epoch"] == EPOCHS
    assert checkpoint.read(half)[0]["epoch"] == EPOCHS // 2
    assert sorted(arrays_a) == sorted(arrays_b)
    for name, a in arrays_a.items():
        b = arrays_b[name]
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    plain_a, plain_b = _raw_manifest(straight), _raw_manifest(resumed)
    for part in ("model", "optimizer", "scheduler", "train_loader", "val_loader", "callbacks"):
        assert plain_a[part] == plain_b[part], part
    assert plain_a["history"] == plain_b["history"]
    # the parts that must move did move, so equality above is not vacuous
    es = next(c["state"] for c in manifest_a["callbacks"] if c["type"] == "EarlyStopping")
    assert (
        es["best_epoch"] <= EPOCHS // 2 < EPOCHS - 1 <= es["wait"]
        and es["best_weights"] is not None
    )
    lrs = [r["lr"] for r in manifest_a["history"]["records"]]
    assert min(lrs) < lrs[0], lrs
    assert any(k.startswith("optimizer/") for k in arrays_a)
    assert np.isfinite(manifest_a["history"]["records"][-1]["val_loss"])
