r"""Write ``tests/golden/optim.npz``: torch's parameter trajectories for the optimizer grid.

Run from the repository root (needs torch)::

    .venv/bin/python tests/golden/make_optim.py

The problem: a 4-8-3 tanh MLP, mean squared error on 16 fixed samples. Every row of
:data:`GRID` trains it for :data:`STEPS` full-batch steps with the row's hyperparameters
as constructor keywords and two parameter groups (layer 1 takes the defaults; layer 2 sets
half the learning rate and its own weight decay), and at step :data:`LR_CHANGE_AT`
multiplies the groups' learning rates by :data:`LR_FACTORS` (where momentum conventions
part ways). Each run is done in float32 and in float64. The file holds the data, the
initial parameters, the grid as JSON and, per row and dtype, the flattened parameters
after every step, shape ``(STEPS, n_params)``.

``tests/optim/test_torch_reference.py`` replays the grid with netopt against this file (no
torch needed) and, when torch is installed, against a live run of :func:`run_torch`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

STEPS = 35
LR_CHANGE_AT = 15
LR_FACTORS = (0.3, 2.0)
GROUP1_LR_SCALE = 0.5
GROUP1_WEIGHT_DECAY = 0.02
DTYPES = ("float32", "float64")
PARAM_NAMES = ("W1", "b1", "W2", "b2")

GRID: list[tuple[str, dict]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01, "initial_accumulator_value": 0.1},
    ),
    ("Adagrad", {"lr": 0.05, "eps": 1e-6, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    (
        "RMSprop",
        {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.01},
    ),
    ("RMSprop", {"lr": 0.005, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": [0.5, 0.9], "eps": 1e-6, "maximize": True}),
    ("Adam", {"lr": 0.01, "betas": [0.8, 0.99], "amsgrad": True, "weight_decay": 0.05}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
]


def make_data() -> dict[str, np.ndarray]:
    """The samples, targets and initial parameters (float64; cast for float32 runs)."""
    rng = np.random.default_rng(20240601)
    return {
        "x": rng.standard_normal((16, 4)),
        "y": rng.standard_normal((16, 3)),
        "W1": rng.standard_normal((8, 4)) * 0.5,
        "b1": rng.standard_normal(8) * 0.1,
        "W2": rng.standard_normal((3, 8)) * 0.5,
        "b2": rng.standard_normal(3) * 0.1,
    }


def constructor_args(config: dict) -> dict:
    """The row's hyperparameters as constructor keywords (JSON lists back to tuples)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}


def group1_overrides(config: dict) -> dict:
    """What layer 2's group sets itself; everything else comes from the constructor."""
    return {"lr": config["lr"] * GROUP1_LR_SCALE, "weight_decay": GROUP1_WEIGHT_DECAY}


def run_torch(name: str, config: dict, dtype: str, data: dict | None = None) -> np.ndarray:
    """Train with ``torch.optim.<name>``; return the flattened parameters after every step."""
    import torch

    data = make_data() if data is None else data
    tdtype = getattr(torch, dtype)

    def t(key: str, grad: bool = False):
        return torch.tensor(data[key], dtype=tdtype, requires_grad=grad)

    x, y = t("x"), t("y")
    params = [t(k, grad=True) for k in PARAM_NAMES]
    groups = [{"params": params[:2]}, dict(group1_overrides(config), params=params[2:])]
    opt = getattr(torch.optim, name)(groups, **constructor_args(config), foreach=False)
    out = []
    for step in range(STEPS):
        if step == LR_CHANGE_AT:
            for group, factor in zip(opt.param_groups, LR_FACTORS, strict=True):
                group["lr"] = group["lr"] * factor
        opt.zero_grad()
        w1, b1, w2, b2 = params
        loss = ((torch.tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()
        loss.backward()
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.stack(out)


def main(path: Path) -> None:
    data = make_data()
    arrays: dict[str, np.ndarray] = {k: v for k, v in data.items()}
    arrays["grid"] = np.array(json.dumps(GRID))
    arrays["steps"] = np.array(STEPS)
    arrays["lr_change_at"] = np.array(LR_CHANGE_AT)
    arrays["lr_factors"] = np.array(LR_FACTORS)
    arrays["group1_lr_scale"] = np.array(GROUP1_LR_SCALE)
    arrays["group1_weight_decay"] = np.array(GROUP1_WEIGHT_DECAY)
    for i, (name, config) in enumerate(GRID):
        for dtype in DTYPES:
            arrays[f"run{i}_{dtype}"] = run_torch(name, config, dtype, data)
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("optim.npz"))
