"""Convolution, pooling, padding, normalization and embedding against PyTorch.

The cases live in ``tests/golden/make_conv.py``; ``conv.npz`` holds torch's outputs and
gradients, so the default run checks against torch without torch installed; with torch
installed each case also runs live on the same inputs.

Tolerances (stated once):

- float64: rtol 1e-10, atol 1e-12. Same math; convolutions and pooled sums add up to a
  few hundred products in a different order than torch's kernels (~1e-15 per term).
- float32: rtol 1e-4, atol 1e-5. A float32 convolution sums up to 400 products rounded at
  ~6e-8 each, in another order than oneDNN; cancellation in the gradients of the chained
  nets lifts the relative error of small entries to ~1e-5.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
TOL = {
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-4, "atol": 1e-5},
}


def _load():
    spec = importlib.util.spec_from_file_location(
        "netopt_golden_make_conv", GOLDEN_DIR / "make_conv.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MAKE = _load()
NAMES = list(MAKE.CASES)


@pytest.fixture(scope="module")
def golden():
    with np.load(MAKE.GOLDEN, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _part(golden: dict, name: str, part: str) -> dict[str, np.ndarray]:
    prefix = f"{name}/{part}/"
    return {k[len(prefix) :]: v for k, v in golden.items() if k.startswith(prefix)}


def _run(lib_name: str, name: str, golden: dict) -> dict[str, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's note on 'same' with even kernels
        return MAKE.run_case(
            MAKE.Lib(lib_name), MAKE.CASES[name], _part(golden, name, "in"), golden[f"{name}/cot"]
        )


def _assert_same(ours: dict, ref: dict, name: str, who: str) -> None:
    assert sorted(ours) == sorted(ref), f"{name}: keys {sorted(ours)} vs {who} {sorted(ref)}"
    for key, want in ref.items():
        got = ours[key]
        assert got.shape == want.shape, f"{name} {key}: shape {got.shape} vs {who} {want.shape}"
        assert got.dtype == want.dtype, f"{name} {key}: dtype {got.dtype} vs {who} {want.dtype}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(
                got, want, **TOL[want.dtype], err_msg=f"{name} {key} vs {who}"
            )
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {key} vs {who}")


def test_golden_file_has_every_case(golden):
    in_file = {k.split("/")[0] for k in golden if k.endswith("/cot")}
    assert in_file == set(NAMES), "conv.npz is stale; rerun tests/golden/make_conv.py"
    assert sum(n.endswith("@f32") for n in NAMES) >= 45


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_golden(name, golden):
    ref = {k[len(name) + 1 :]: v for k, v in golden.items()
           if k.startswith((f"{name}/out/", f"{name}/grad/"))}  # fmt: skip
    _assert_same(_run("netopt", name, golden), ref, name, "torch (golden)")


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_live(name, golden):
    pytest.importorskip("torch")
    _assert_same(_run("netopt", name, golden), _run("torch", name, golden), name, "torch (live)")
