"""Forged checkpoints (the digest recomputed by the forger): every one raises CheckpointError.

The forger follows the documented recipe (netopt._io.container): SHA-256 over the manifest
text, then per tensor in name order the JSON ``[name, dtype.str, shape]`` and its bytes.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt._io.container import CheckpointError
from netopt.train import checkpoint

pytest.importorskip("safetensors")


def _obj(inner):
    return {"format": "netopt.object", "version": 1, "object": inner}


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (_obj({"__tensor__": 5}), "__tensor__ holds 5, not \\[name, requires_grad\\]"),
        (_obj({"__array__": 7}), "an array tag holds a int"),
        (_obj({"__array__": "nope"}), "refers to array 'nope', which is missing"),
        (_obj({"__float__": 1.5}), "unknown tagged float 1.5"),
        (_obj({"__tuple__": {"a": 1}}), "__tuple__ holds a dict, not a list"),
        (_obj({"__dict__": [[1, 2, 3]]}), "not a list of \\[key, value\\]"),
        (_obj({"__dict__": [[[1], 2]]}), "__dict__ has a key of type list"),
        ([1, 2], "a list, not an object"),
        ("7", "a int, not an object"),
        ({"format": "netopt.object", "version": True, "object": 1}, "version True"),
        ({"format": "netopt.object", "version": 1}, "has no 'object' entry"),
        ('{"format": ', "bad manifest"),
        ('{"format": NaN}', "non-standard JSON token 'NaN'"),
    ],
    ids=[
        "tensor-int",
        "array-int",
        "array-missing",
        "float",
        "tuple",
        "dict-3",
        "dict-key",
        "list",
        "int",
        "version-bool",
        "no-object",
        "truncated-json",
        "nan-token",
    ],
)
def test_forged_object_files_raise_checkpoint_error(forge, tmp_path, manifest, message):
    path = forge(tmp_path / "f.safetensors", manifest)
    with pytest.raises(CheckpointError, match=message):
        netopt.load(path)


@pytest.mark.parametrize("depth", [65, 900, 5000])
def test_deep_nesting_is_bounded(forge, tmp_path, depth):
    text = '{"format": "netopt.object", "version": 1, "object": ' + "[" * depth + "]" * depth + "}"
    path = forge(tmp_path / "deep.safetensors", text)
    with pytest.raises(CheckpointError, match="nested"):
        netopt.load(path)


def test_nesting_within_the_bound_round_trips(forge, tmp_path):
    obj: list = []
    for _ in range(60):
        obj = [obj]
    netopt.save(obj, tmp_path / "ok.safetensors")
    assert netopt.load(tmp_path / "ok.safetensors") == obj


def _train_manifest(**changes):
    m = {"format": "netopt.checkpoint", "version": 1, "epoch": 1,
         "model": {"type": "Linear", "state": {}, "rngs": {}},
         "optimizer": None, "scheduler": None, "train_loader": None, "val_loader": None,
         "callbacks": [], "history": None, "extra": None}  # fmt: skip
    for k, v in changes.items():
        if v is KeyError:
            del m[k]
        else:
            m[k] = v
    return m


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": KeyError}, "has no 'model' entry"),
        ({"callbacks": KeyError}, "has no 'callbacks' entry"),
        ({"model": [1]}, "'model' is a list, not dict"),
        ({"model": {"type": "Linear", "state": {}}}, "has no model/'rngs' entry"),
        ({"model": {"type": 3, "state": {}, "rngs": {}}}, "model/'type' is a int, not str"),
        ({"model": {"type": "Linear", "state": [1, 2], "rngs": {}}}, "model/'state' is a list"),
        ({"callbacks": [{"state": {}}]}, "has no callbacks/0/'type' entry"),
        ({"epoch": "3"}, "'epoch' is a str, not int or NoneType"),
        ({"epoch": True}, "'epoch' is a bool"),
        ({"history": [1]}, "'history' is a list"),
    ],
)
def test_forged_training_checkpoints_raise_checkpoint_error(forge, tmp_path, changes, message):
    path = forge(tmp_path / "c.safetensors", _train_manifest(**changes))
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(path, nn.Linear(2, 1))


def test_a_forged_state_of_the_wrong_type_raises_checkpoint_error(forge, tmp_path):
    manifest = _train_manifest(
        model={"type": "Linear", "state": {"weight": "x", "bias": 1}, "rngs": {}}
    )
    path = forge(tmp_path / "c.safetensors", manifest)
    layer = nn.Linear(2, 1)
    before = np.array(layer.weight.data)
    with pytest.raises(CheckpointError, match="cannot load the model state"):
        checkpoint.load(path, layer)
    np.testing.assert_array_equal(layer.weight.data, before)


# ------------------------------------------------------------------ keyed signatures
def test_a_signed_file_loads_with_its_key_and_not_with_another(forge, tmp_path):
    path = tmp_path / "s.safetensors"
    netopt.save({"w": np.arange(3.0)}, path, key=b"secret")
    np.testing.assert_array_equal(netopt.load(path, key=b"secret")["w"], np.arange(3.0))
    np.testing.assert_array_equal(netopt.load(path)["w"], np.arange(3.0))  # digest only
    with pytest.raises(CheckpointError, match="wrong HMAC-SHA256 signature"):
        netopt.load(path, key=b"other")


def test_a_forged_file_with_a_recomputed_digest_fails_the_signature(forge, tmp_path):
    path = tmp_path / "s.safetensors"
    netopt.save({"lr": 0.1}, path, key=b"secret")
    forged = forge(tmp_path / "f.safetensors", _obj({"lr": 100.0}),
                   extra_meta={"netopt.hmac-sha256": "0" * 64})  # fmt: skip
    assert netopt.load(forged) == {"lr": 100.0}  # the digest alone cannot tell
    with pytest.raises(CheckpointError, match="wrong HMAC-SHA256 signature"):
        netopt.load(forged, key=b"secret")
    unsigned = netopt.save({"lr": 0.1}, tmp_path / "u.safetensors")
    with pytest.raises(CheckpointError, match="is not signed"):
        netopt.load(unsigned, key=b"secret")


def test_training_checkpoints_take_a_key(forge, tmp_path):
    layer = nn.Linear(2, 1, rng=np.random.default_rng(0))
    path = checkpoint.save(tmp_path / "c.safetensors", layer, epoch=2, key=b"k")
    fresh = nn.Linear(2, 1, rng=np.random.default_rng(1))
    assert checkpoint.load(path, fresh, key=b"k").epoch == 2
    np.testing.assert_array_equal(fresh.weight.data, layer.weight.data)
    with pytest.raises(CheckpointError, match="signature"):
        checkpoint.load(path, fresh, key=b"wrong")


@pytest.mark.parametrize("key", ["text", b"", 5])
def test_a_key_must_be_non_empty_bytes(forge, tmp_path, key):
    with pytest.raises(TypeError, match="key must be non-empty bytes"):
        netopt.save({}, tmp_path / "x.safetensors", key=key)
