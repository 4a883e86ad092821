"""``netopt.save`` / ``netopt.load`` (netopt._io.objects): state dicts in a file, no pickle."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from netopt import nn, optim
from netopt.optim import lr_scheduler
from netopt.train import checkpoint


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def test_save_load_round_trip_of_model_optimizer_and_scheduler_states(tmp_path):
    import netopt

    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(net.parameters(), lr=1e-2)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    x = netopt.randn(8, 3, rng=np.random.default_rng(0))
    for _ in range(3):
        opt.zero_grad()
        net(x).square().mean().backward() if hasattr(net(x), "square") else (
            net(x) ** 2
        ).mean().backward()
        opt.step()
        sched.step()
    blob = {
        "model": net.state_dict(),
        "optimizer": opt.state_dict(),
        "sched": sched.state_dict(),
        "epoch": 3,
        "best": math.inf,
        "note": "run 1",
        "t": netopt.tensor([1.5], requires_grad=True),
    }
    path = netopt.save(blob, tmp_path / "all.safetensors")
    back = netopt.load(path)
    assert back["epoch"] == 3 and back["best"] == math.inf and back["note"] == "run 1"
    assert back["t"].requires_grad and back["t"].data.tolist() == [1.5]
    assert back["sched"] == sched.state_dict()
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(back["model"][key], value)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    fresh_opt = optim.Adam(fresh.parameters(), lr=1e-2)
    fresh.load_state_dict(back["model"])
    fresh_opt.load_state_dict(back["optimizer"])
    for a, b in zip(net.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    # one more identical step on both: the optimizer state came back whole
    for model, o in ((net, opt), (fresh, fresh_opt)):
        o.zero_grad()
        (model(x) ** 2).mean().backward()
        o.step()
    for a, b in zip(net.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_save_refuses_objects_and_load_refuses_other_files(tmp_path):
    import netopt

    with pytest.raises(TypeError, match="model is a Linear"):
        netopt.save({"model": nn.Linear(2, 1)}, tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()
    ckpt = checkpoint.save(tmp_path / "ckpt.safetensors", nn.Linear(2, 1))
    with pytest.raises(checkpoint.CheckpointError, match=r"expected 'netopt\.object'"):
        netopt.load(ckpt)
    saved = netopt.save({"w": np.arange(4.0)}, tmp_path / "w.safetensors")
    _flip_last_byte(saved)
    with pytest.raises(checkpoint.CheckpointError, match="corrupt"):
        netopt.load(saved)
