"""netopt.save / netopt.load on binary file objects, torch's signature (weights_only,
map_location), and the refusal of torch's pickled files."""

from __future__ import annotations

import io

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt._io.container import CheckpointError

pytest.importorskip("safetensors")


def _state():
    net = nn.Linear(3, 2)
    return {"model": net.state_dict(), "epoch": 4, "lrs": [0.1, 0.01], "note": "ok"}


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_round_trip_through_a_bytes_buffer(weights_only):
    state = _state()
    buf = io.BytesIO()
    assert netopt.save(state, buf) is None
    buf.seek(0)
    loaded = netopt.load(buf, weights_only=weights_only, map_location="cpu")
    assert loaded["epoch"] == 4 and loaded["lrs"] == [0.1, 0.01] and loaded["note"] == "ok"
    for name, value in state["model"].items():
        np.testing.assert_array_equal(np.asarray(loaded["model"][name]), np.asarray(value))


def test_a_file_written_through_a_file_object_loads_from_its_path(tmp_path):
    state = _state()
    with open(tmp_path / "b.safetensors", "wb") as f:
        netopt.save(state, f)
    from_path = netopt.load(tmp_path / "b.safetensors")
    with open(tmp_path / "b.safetensors", "rb") as f:
        from_file = netopt.load(f)
    for loaded in (from_path, from_file):
        assert loaded["epoch"] == 4
        np.testing.assert_array_equal(
            np.asarray(loaded["model"]["weight"]), np.asarray(state["model"]["weight"])
        )


def test_signed_file_object_needs_its_key():
    buf = io.BytesIO()
    netopt.save(_state(), buf, key=b"secret")
    buf.seek(0)
    assert netopt.load(buf, key=b"secret")["epoch"] == 4
    buf.seek(0)
    with pytest.raises(CheckpointError, match="wrong HMAC-SHA256 signature"):
        netopt.load(buf, key=b"other")


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_torch_files_are_refused_with_the_reason(tmp_path, weights_only):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match=r"looks like a torch\.save file .* never unpickles"):
        netopt.load(path, weights_only=weights_only)
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    with pytest.raises(CheckpointError, match="never unpickles"):
        netopt.load(buf, weights_only=weights_only)


def test_garbage_in_a_file_object_is_a_checkpoint_error():
    with pytest.raises(CheckpointError):
        netopt.load(io.BytesIO(b"not a checkpoint at all"))


def test_bad_arguments():
    buf = io.BytesIO()
    netopt.save(_state(), buf)
    buf.seek(0)
    with pytest.raises(TypeError, match="weights_only must be a bool or None"):
        netopt.load(buf, weights_only="yes")
    with pytest.raises(RuntimeError, match="CPU only"):
        netopt.load(buf, map_location="cuda")
