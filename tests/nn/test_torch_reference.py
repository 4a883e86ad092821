"""netopt against PyTorch: forward values and gradients of every op, activation, loss, layer.

The cases live in ``tests/golden/make_engine.py``, each written once against the API the two
libraries share. ``engine.npz`` (written by that script with torch) holds torch's outputs and
gradients, so the default run is checked against torch without torch installed; when torch
is installed every case is also run live on the same inputs.

Tolerances (stated once):

- float64: rtol 1e-12, atol 1e-12. The math is the same; only the order of floating-point
  operations and libm's last bit differ (an error of a few ulp, ~1e-15).
- float32: rtol 1e-5, atol 1e-6. Each float32 op rounds at ~6e-8 relative; a case chains up
  to ~20 of them and torch's vectorized exp/log/erf differ from NumPy's by an ulp or two.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
TOL = {
    np.dtype(np.float64): {"rtol": 1e-12, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-6},
}


def _load_engine():
    spec = importlib.util.spec_from_file_location(
        "netopt_golden_make_engine", GOLDEN_DIR / "make_engine.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ENGINE = _load_engine()
CASE_NAMES = list(ENGINE.CASES)


@pytest.fixture(scope="module")
def golden():
    with np.load(ENGINE.GOLDEN, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _case_arrays(golden: dict, name: str, part: str) -> dict[str, np.ndarray]:
    prefix = f"{name}/{part}/"
    return {k[len(prefix) :]: v for k, v in golden.items() if k.startswith(prefix)}


def _assert_same(ours: dict, ref: dict, name: str, who: str) -> None:
    assert sorted(ours) == sorted(ref), f"{name}: keys {sorted(ours)} vs {who} {sorted(ref)}"
    for key, want in ref.items():
        got = ours[key]
        assert got.shape == want.shape, f"{name} {key}: shape {got.shape} vs {who} {want.shape}"
        assert got.dtype == want.dtype, f"{name} {key}: dtype {got.dtype} vs {who} {want.dtype}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(
                got, want, **TOL[want.dtype], err_msg=f"{name} {key}: netopt vs {who}"
            )
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {key}: netopt vs {who}")


def _run_netopt(name: str, golden: dict) -> dict[str, np.ndarray]:
    inputs = _case_arrays(golden, name, "in")
    cot = golden[f"{name}/cot"]
    return ENGINE.run_case(ENGINE.Lib("netopt"), ENGINE.CASES[name], inputs, cot)


def test_golden_file_has_every_case_and_nothing_else(golden):
    in_file = {k.split("/")[0] for k in golden if "/cot" in k}
    assert in_file == set(CASE_NAMES), (
        "engine.npz is stale; rerun tests/golden/make_engine.py: "
        f"missing {sorted(set(CASE_NAMES) - in_file)}, extra {sorted(in_file - set(CASE_NAMES))}"
    )


@pytest.mark.parametrize("name", CASE_NAMES)
def test_matches_torch_golden(name, golden):
    ref = {k: v for k, v in golden.items() if k.startswith(f"{name}/out/")}
    ref.update({k: v for k, v in golden.items() if k.startswith(f"{name}/grad/")})
    ref = {k[len(name) + 1 :]: v for k, v in ref.items()}
    _assert_same(_run_netopt(name, golden), ref, name, "torch (golden)")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_matches_torch_live(name, golden):
    pytest.importorskip("torch")
    inputs = _case_arrays(golden, name, "in")
    cot = golden[f"{name}/cot"]
    ref = ENGINE.run_case(ENGINE.Lib("torch"), ENGINE.CASES[name], inputs, cot)
    _assert_same(_run_netopt(name, golden), ref, name, "torch (live)")


def test_float32_cases_are_float32_in_the_golden_file(golden):
    f32 = [n for n in CASE_NAMES if n.endswith("@f32")]
    assert len(f32) >= 60, "every activation, loss and layer family has a float32 case"
    for name in f32:
        for key in (f"{name}/out/out", f"{name}/cot"):
            assert golden[key].dtype == np.float32, key


def _our_gains() -> dict[str, float]:
    return ENGINE.calculate_gains(ENGINE.Lib("netopt"))


def test_calculate_gain_matches_torch_golden(golden):
    for name, ours in _our_gains().items():
        want = float(golden[f"calculate_gain/{name}"])
        assert math.isclose(ours, want, rel_tol=1e-15), f"{name}: {ours} vs torch {want}"


def test_calculate_gain_matches_torch_live():
    torch = pytest.importorskip("torch")
    ref = ENGINE.calculate_gains(ENGINE.Lib("torch"))
    assert ref.keys() == _our_gains().keys()
    for name, ours in _our_gains().items():
        assert math.isclose(ours, ref[name], rel_tol=1e-15), f"{name} (torch {torch.__version__})"
