"""netopt's optimizers against torch's, step by step on a small MLP, over the whole grid.

The grid, data and torch's trajectories come from ``tests/golden/optim.npz`` (made by
``tests/golden/make_optim.py``), so the default run needs no torch. When torch is
installed the same grid is also run live. Two parameter groups, a learning-rate change
mid-run, float32 and float64.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import netopt
import netopt.optim
from netopt.nn import Parameter

GOLDEN = Path(__file__).parents[1] / "golden" / "optim.npz"
SCRIPT = GOLDEN.with_name("make_optim.py")
# (rtol, atol) per dtype: float64 agrees to rounding; float32 to a few ulps per step,
# amplified over 35 steps by the adaptive denominators.
TOL = {"float64": (1e-12, 1e-13), "float32": (1e-5, 2e-6)}


def _load() -> dict[str, np.ndarray]:
    with np.load(GOLDEN, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


GOLD = _load()
GRID = json.loads(str(GOLD["grid"]))
CASES = [(i, dtype) for i in range(len(GRID)) for dtype in ("float32", "float64")]
IDS = [f"{i}-{GRID[i][0]}-{'-'.join(GRID[i][1])}-{dtype}" for i, dtype in CASES]


def _tanh(h: netopt.Tensor) -> netopt.Tensor:
    return 1.0 - 2.0 / ((2.0 * h).exp() + 1.0)


def run_netopt(name: str, config: dict, dtype: str, gold: dict) -> np.ndarray:
    """The make_optim.py protocol with netopt: the parameters after every step."""
    cast = np.dtype(dtype).type
    x, y = (netopt.tensor(gold[k].astype(cast)) for k in ("x", "y"))
    params = [Parameter(gold[k].astype(cast)) for k in ("W1", "b1", "W2", "b2")]
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    overrides = {
        "lr": config["lr"] * float(gold["group1_lr_scale"]),
        "weight_decay": float(gold["group1_weight_decay"]),
    }
    groups = [{"params": params[:2]}, dict(overrides, params=params[2:])]
    opt = getattr(netopt.optim, name)(groups, **config)
    out = []
    for step in range(int(gold["steps"])):
        if step == int(gold["lr_change_at"]):
            for group, factor in zip(opt.param_groups, gold["lr_factors"], strict=True):
                group["lr"] = group["lr"] * float(factor)
        opt.zero_grad()
        w1, b1, w2, b2 = params
        loss = ((_tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()
        loss.backward()
        opt.step()
        out.append(np.concatenate([p.data.ravel() for p in params]))
    return np.stack(out)


def _compare(ours: np.ndarray, ref: np.ndarray, dtype: str, what: str) -> None:
    assert ours.dtype == np.dtype(dtype)
    rtol, atol = TOL[dtype]
    for step, (a, b) in enumerate(zip(ours, ref, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what}, step {step + 1}")


@pytest.mark.parametrize(("row", "dtype"), CASES, ids=IDS)
def test_matches_golden_torch_trajectory(row, dtype):
    name, config = GRID[row]
    ours = run_netopt(name, config, dtype, GOLD)
    _compare(ours, GOLD[f"run{row}_{dtype}"], dtype, f"{name}{config} vs golden torch")


def test_golden_grid_covers_the_issue():
    rows = [(name, set(config)) for name, config in GRID]
    assert {name for name, _ in rows} == {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}
    for key in ("momentum", "dampening", "nesterov", "weight_decay", "amsgrad", "centered",
                "maximize", "lr_decay", "initial_accumulator_value", "betas", "eps"):  # fmt: skip
        assert any(key in keys for _, keys in rows), key
    assert int(GOLD["steps"]) >= 30 and 0 < int(GOLD["lr_change_at"]) < int(GOLD["steps"])


def _script():
    spec = importlib.util.spec_from_file_location("make_optim", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("row", "dtype"), CASES, ids=IDS)
def test_matches_live_torch(row, dtype):
    pytest.importorskip("torch")
    script = _script()
    name, config = GRID[row]
    live = script.run_torch(name, config, dtype)
    _compare(run_netopt(name, config, dtype, GOLD), live, dtype, f"{name}{config} vs torch")


def test_golden_file_is_current():
    pytest.importorskip("torch")
    script = _script()
    assert json.loads(json.dumps(script.GRID)) == GRID
    assert int(GOLD["steps"]) == script.STEPS
    data = script.make_data()
    for key, value in data.items():
        np.testing.assert_array_equal(GOLD[key], value)
    name, config = GRID[-1]
    for dtype in ("float32", "float64"):
        live = script.run_torch(name, config, dtype)
        _compare(live, GOLD[f"run{len(GRID) - 1}_{dtype}"], dtype, "golden vs live torch")


def test_resumes_from_a_torch_state_dict():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    theta, grads = rng.standard_normal(5), rng.standard_normal((20, 5))
    t = torch.tensor(theta, requires_grad=True)
    t_opt = torch.optim.Adam([t], lr=0.05, amsgrad=True, foreach=False)
    for g in grads[:10]:
        t.grad = torch.from_numpy(g.copy())
        t_opt.step()
    p = Parameter(t.detach().numpy().copy())
    opt = netopt.optim.Adam([p], lr=0.5)
    opt.load_state_dict(t_opt.state_dict())
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["amsgrad"] is True
    for g in grads[10:]:
        t.grad, p.grad = torch.from_numpy(g.copy()), g.copy()
        t_opt.step()
        opt.step()
        np.testing.assert_allclose(p.data, t.detach().numpy(), *TOL["float64"])
