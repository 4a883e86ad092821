"""Fuzzing the checkpoint reader: only CheckpointError or an exact round trip is acceptable."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netopt
from netopt._io.container import CheckpointError

pytest.importorskip("safetensors")

ORIGINAL = {
    "w": np.arange(6, dtype=np.float32).reshape(2, 3),
    "b": np.array([1.5, -2.0]),
    "steps": 7,
    "betas": (0.9, 0.999),
    "best": math.inf,
    "groups": [{"lr": 0.1, "params": [0, 1]}],
    3: "int key",
}


def same(a, b) -> bool:
    """Exact equality of nests of dicts, lists, tuples, arrays, floats (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, netopt.Tensor) or isinstance(b, netopt.Tensor):
        return (
            isinstance(a, netopt.Tensor)
            and isinstance(b, netopt.Tensor)
            and a.requires_grad == b.requires_grad
            and same(a.data, b.data)
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "good.safetensors"
    netopt.save(ORIGINAL, path)
    return path.read_bytes()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_byte_mutations_raise_checkpoint_error_or_load_exactly(saved, tmp_path, data):
    buf = bytearray(saved)
    n = data.draw(st.integers(1, 4), label="mutations")
    for _ in range(n):
        kind = data.draw(st.sampled_from(["set", "truncate", "insert", "header-length"]))
        if kind == "set" and buf:
            i = data.draw(st.integers(0, len(buf) - 1))
            buf[i] = data.draw(st.integers(0, 255))
        elif kind == "truncate":
            del buf[data.draw(st.integers(0, len(buf))) :]
        elif kind == "insert":
            i = data.draw(st.integers(0, len(buf)))
            buf[i:i] = data.draw(st.binary(min_size=1, max_size=8))
        elif len(buf) >= 8:
            buf[:8] = data.draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little")
    path = tmp_path / "mutated.safetensors"
    path.write_bytes(bytes(buf))
    try:
        loaded = netopt.load(path)
    except CheckpointError:
        return
    assert same(loaded, ORIGINAL)


_TAGS = ["__float__", "__tuple__", "__dict__", "__array__", "__tensor__"]
_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=6), st.sampled_from(["nan", "inf", "-inf", "a", "b"]),
)  # fmt: skip


def _json(children):
    tagged = st.builds(lambda tag, v: {tag: v}, st.sampled_from(_TAGS), children)
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=4),
        tagged,
    )


_manifest_values = st.recursive(_leaf, _json, max_leaves=25)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    obj=_manifest_values,
    arrays=st.dictionaries(
        st.sampled_from(["a", "b", "value"]),
        st.sampled_from([np.zeros(2, np.float32), np.arange(3), np.ones((2, 2)), np.array(True)]),
        max_size=2,
    ),
    top=st.sampled_from(["object", "list", "no-object", "bad-version"]),
)
def test_random_manifests_raise_checkpoint_error_or_round_trip(forge, tmp_path, obj, arrays, top):
    manifest: object = {"format": "netopt.object", "version": 1, "object": obj}
    if top == "list":
        manifest = [manifest]
    elif top == "no-object":
        del manifest["object"]
    elif top == "bad-version":
        manifest["version"] = 2
    path = forge(tmp_path / "forged.safetensors", json.dumps(manifest), arrays)
    try:
        loaded = netopt.load(path)
    except CheckpointError:
        return
    again = tmp_path / "again.safetensors"
    netopt.save(loaded, again)
    assert same(netopt.load(again), loaded)
