"""Checkpoints: round trips, validation of damaged or mismatched files, atomic writes."""

from __future__ import annotations

import json
import math
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from netopt import nn, optim, train
from netopt.optim import lr_scheduler
from netopt.train import checkpoint

JOBS = Path(__file__).parent / "jobs"


def _trained(mlp, problem, seed=0):
    model = mlp(seed)
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    es = train.EarlyStopping(patience=50)
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=3, val_loader=problem[1],
        scheduler=sched, callbacks=[es],
    )  # fmt: skip
    return model, opt, sched, es, history


def test_round_trip_restores_every_part(tmp_path, mlp, problem):
    model, opt, sched, es, history = _trained(mlp, problem)
    extra = {"note": "x", "table": np.arange(6.0).reshape(2, 3), "bad": math.nan, "pair": (1, 2)}
    path = checkpoint.save(
        tmp_path / "c.safetensors", model, opt, sched, extra,
        train_loader=problem[0], callbacks=[es], history=history, epoch=3,
    )  # fmt: skip
    model2 = mlp(seed=9)
    opt2 = optim.Adam(model2.parameters(), lr=0.5)
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, patience=0)
    es2 = train.EarlyStopping(patience=50)
    loader_state = problem[0].state_dict()
    next(iter(problem[0]))  # move the loader's generator on
    ck = checkpoint.load(path, model2, opt2, sched2, train_loader=problem[0], callbacks=[es2])
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(model2.state_dict()[key], value)
    for i, entry in opt.state_dict()["state"].items():
        for name, value in entry.items():
            np.testing.assert_array_equal(opt2.state_dict()["state"][i][name], value)
    assert opt2.param_groups[0]["betas"] == (0.8, 0.99)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert sched2.state_dict() == sched.state_dict()
    assert problem[0].state_dict() == loader_state
    assert (es2.best_, es2.wait_, es2.best_epoch_) == (es.best_, es.wait_, es.best_epoch_)
    assert ck.epoch == 3 and ck.history.records == history.records
    assert ck.extra["note"] == "x" and ck.extra["pair"] == (1, 2) and math.isnan(ck.extra["bad"])
    np.testing.assert_array_equal(ck.extra["table"], extra["table"])


def test_file_is_safetensors_with_a_strict_json_manifest(tmp_path, mlp):
    from safetensors.numpy import load_file

    model = mlp()
    path = checkpoint.save(tmp_path / "c.safetensors", model, extra={"best": math.inf})
    tensors = load_file(path)
    assert set(tensors) == {f"model/state/{k}" for k in model.state_dict()}
    (n,) = struct.unpack("<Q", path.read_bytes()[:8])
    meta = json.loads(path.read_bytes()[8 : 8 + n])["__metadata__"]
    manifest = json.loads(meta["netopt.manifest"], parse_constant=pytest.fail)
    assert manifest["format"] == "netopt.checkpoint" and manifest["version"] == 1
    assert manifest["extra"] == {"best": {"__float__": "inf"}}


def test_dropout_generators_are_saved_with_the_model(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5, rng=np.random.default_rng(0)))
    path = checkpoint.save(tmp_path / "c.safetensors", model)
    expected = model[1].rng.random(3)
    other = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5, rng=np.random.default_rng(7)))
    checkpoint.load(path, other)
    np.testing.assert_array_equal(other[1].rng.random(3), expected)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage(kind: str, path: Path) -> None:
    if kind == "flipped":
        _flip_last_byte(path)
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:-10])
    elif kind == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    elif kind == "foreign":
        from safetensors.numpy import save_file

        save_file({"w": np.zeros(2)}, str(path))
    elif kind == "missing":
        path.unlink()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("flipped", "is corrupt: its SHA-256 digest differs"),
        ("truncated", "not a readable safetensors file"),
        ("garbage", "not a readable safetensors file"),
        ("foreign", "without a netopt manifest"),
        ("missing", "cannot read checkpoint"),
    ],
)
def test_damaged_files_raise_clear_errors(tmp_path, mlp, kind, message):
    path = checkpoint.save(tmp_path / "c.safetensors", mlp())
    _damage(kind, path)
    with pytest.raises(checkpoint.CheckpointError, match=message):
        checkpoint.load(path, mlp())


def test_mismatches_raise_and_roll_back(tmp_path, mlp, problem):
    model, opt, _, es, _ = _trained(mlp, problem)
    path = checkpoint.save(tmp_path / "c.safetensors", model, opt, callbacks=[es])
    target = mlp(seed=5)
    before = target.state_dict()
    sgd = optim.SGD(target.parameters(), lr=0.1)
    with pytest.raises(checkpoint.CheckpointError, match="holds a Adam optimizer state"):
        checkpoint.load(path, target, sgd)
    adam = optim.Adam(target.parameters(), lr=0.1)
    with pytest.raises(checkpoint.CheckpointError, match="has no scheduler state"):
        checkpoint.load(path, target, adam, lr_scheduler.StepLR(adam, 1))
    with pytest.raises(checkpoint.CheckpointError, match="EarlyStopping state is for monitor"):
        checkpoint.load(path, target, adam, callbacks=[train.EarlyStopping(monitor="loss")])
    for key, value in before.items():  # every failure left the model as it was
        np.testing.assert_array_equal(target.state_dict()[key], value)
    assert adam.param_groups[0]["lr"] == 0.1 and not adam.state
    wider = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
    with pytest.raises(checkpoint.CheckpointError, match=r"size mismatch for 0\.weight"):
        checkpoint.load(path, wider)
    with pytest.raises(checkpoint.CheckpointError, match="holds a Sequential, not a Linear"):
        checkpoint.load(path, nn.Linear(4, 16))
    with pytest.raises(checkpoint.CheckpointError, match="no state for callback ModelCheckpoint"):
        checkpoint.load(path, callbacks=[train.ModelCheckpoint(tmp_path / "x")])


def test_a_failed_replace_keeps_the_old_file_and_leaves_no_temp(tmp_path, mlp, monkeypatch):
    path = checkpoint.save(tmp_path / "c.safetensors", mlp(0), epoch=1)

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, mlp(1), epoch=2)
    monkeypatch.undo()
    assert checkpoint.load(path, mlp(2)).epoch == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.safetensors"]


def _run_and_kill(path: Path, mode: str, delay: float) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(JOBS / "rewrite_checkpoint.py"), str(path), mode],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(("mode", "delay"), [("stall", 0.0), ("loop", 0.05), ("loop", 0.3)])
def test_a_writer_killed_mid_write_leaves_a_loadable_checkpoint(tmp_path, mode, delay):
    path = tmp_path / "c.safetensors"
    _run_and_kill(path, mode, delay)
    model = nn.Linear(1000, 1000, bias=False, dtype=np.float64)
    ck = checkpoint.load(path, model)
    assert np.all(model.weight.data.numpy() == ck.extra["i"])
    if mode == "stall":  # killed with half of version 1 in the temporary file
        assert ck.extra["i"] == 0
        assert [p.name.endswith(".tmp") for p in tmp_path.iterdir()].count(True) == 1


def test_the_checkpoint_code_never_unpickles():
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (Path(train.__file__).parent).glob("*.py")
    )
    for forbidden in ("import pickle", "allow_pickle=True", "np.load(", "torch.load"):
        assert forbidden not in source


def test_zero_dimensional_buffers_keep_their_shape(tmp_path):
    # BatchNorm's num_batches_tracked is a 0-d array; it used to come back with shape (1,),
    # so no model with batch normalization could be loaded from a checkpoint.
    import netopt

    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    net(netopt.randn(4, 2, rng=np.random.default_rng(0)))  # one training batch tracked
    path = checkpoint.save(tmp_path / "bn.safetensors", net)
    fresh = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    checkpoint.load(path, fresh)
    assert fresh[1].num_batches_tracked.shape == () and int(fresh[1].num_batches_tracked) == 1
    np.testing.assert_array_equal(fresh[1].running_var, net[1].running_var)
