"""PyTorch's learning-rate sequences for netopt's scheduler tests (the golden file).

Run ``.venv/bin/python tests/golden/make_schedulers.py`` to rewrite
``tests/golden/schedulers.json`` from ``torch.optim.lr_scheduler``. The tests import this
file (without torch) for :data:`CASES`, :func:`build` and :func:`run_case`, so the live
comparison and the golden file use one definition of every case.

Every case runs on two parameter groups with base lr 0.05 and 0.5 for 64 steps (65 rates
per group, the constructor's included). A step program entry is ``None`` for ``step()``,
a number for ``step(epoch)``; plateau cases pass ``metrics[k]`` at call ``k``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

BASE_LRS = (0.05, 0.5)
N_STEPS = 64
GOLDEN = Path(__file__).with_name("schedulers.json")

LAMBDAS = {
    "pow": lambda t: 0.97**t,
    "inv_sqrt": lambda t: 1 / math.sqrt(1 + t),
}


def loss_curve(n: int = N_STEPS) -> list[float]:
    """A validation loss that falls in stairs with small wiggles, rounded to 6 decimals."""
    return [
        round(0.2 + 0.8 * 0.8 ** (2 * (t // 7)) + 0.004 * (((t * 37) % 11) - 5) / 5, 6)
        for t in range(n)
    ]


def accuracy_curve(n: int = N_STEPS) -> list[float]:
    """An accuracy that rises in stairs with wiggles (for ``mode="max"``)."""
    return [round(1.0 - v, 6) for v in loss_curve(n)]


def _fractional(n: int, scale: float, every: int) -> list[float | None]:
    return [None if k % every == 0 else round(k * scale, 4) for k in range(1, n + 1)]


def _plateau(name: str, metrics: list[float], **kwargs: Any) -> dict[str, Any]:
    return {
        "name": name,
        "spec": {"type": "ReduceLROnPlateau", "kwargs": kwargs},
        "metrics": metrics,
    }


def _one(name: str, type_: str, **kwargs: Any) -> dict[str, Any]:
    return {"name": name, "spec": {"type": type_, "kwargs": kwargs}}


CASES: list[dict[str, Any]] = [
    _one("StepLR", "StepLR", step_size=7, gamma=0.5),
    _one("MultiStepLR", "MultiStepLR", milestones=[5, 12, 12, 30, 45], gamma=0.3),
    _one("ExponentialLR", "ExponentialLR", gamma=0.93),
    _one("CosineAnnealingLR", "CosineAnnealingLR", T_max=10, eta_min=0.001),
    _one("CosineAnnealingLR_eta0", "CosineAnnealingLR", T_max=17),
    _one(
        "CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts", T_0=5, T_mult=2, eta_min=0.002
    ),
    {
        **_one(
            "CAWR_fractional_mult2", "CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.01
        ),
        "epochs": _fractional(N_STEPS, 0.37, 5),
    },
    {
        **_one("CAWR_fractional_mult1", "CosineAnnealingWarmRestarts", T_0=4),
        "epochs": _fractional(N_STEPS, 0.26, 6),
    },
    _one("LinearLR_warmup", "LinearLR", start_factor=0.1, total_iters=8),
    _one("LinearLR_decay", "LinearLR", start_factor=1.0, end_factor=0.2, total_iters=30),
    _one("ConstantLR", "ConstantLR", factor=0.25, total_iters=9),
    {**_one("LambdaLR", "LambdaLR"), "lambdas": ["pow", "inv_sqrt"]},
    _one("OneCycleLR_cos", "OneCycleLR", max_lr=[0.1, 1.0], total_steps=N_STEPS),
    _one(
        "OneCycleLR_linear_3phase",
        "OneCycleLR",
        max_lr=0.8,
        total_steps=N_STEPS + 6,
        anneal_strategy="linear",
        three_phase=True,
        pct_start=0.25,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=[0.8, 0.85],
        max_momentum=0.9,
    ),
    {
        "name": "SequentialLR_warmup_cosine",
        "spec": {
            "type": "SequentialLR",
            "schedulers": [
                {"type": "LinearLR", "kwargs": {"start_factor": 0.1, "total_iters": 5}},
                {"type": "CosineAnnealingLR", "kwargs": {"T_max": 20, "eta_min": 0.001}},
            ],
            "milestones": [5],
        },
    },
    {
        "name": "SequentialLR_three_stages",
        "spec": {
            "type": "SequentialLR",
            "schedulers": [
                {"type": "ConstantLR", "kwargs": {"factor": 0.5, "total_iters": 4}},
                {"type": "ExponentialLR", "kwargs": {"gamma": 0.9}},
                {"type": "StepLR", "kwargs": {"step_size": 6, "gamma": 0.5}},
            ],
            "milestones": [10, 30],
        },
    },
    {
        "name": "ChainedScheduler",
        "spec": {
            "type": "ChainedScheduler",
            "schedulers": [
                {"type": "ConstantLR", "kwargs": {"factor": 0.1, "total_iters": 20}},
                {"type": "ExponentialLR", "kwargs": {"gamma": 0.95}},
            ],
        },
    },
    _plateau(
        "Plateau_min_rel",
        loss_curve(),
        mode="min",
        factor=0.5,
        patience=2,
        threshold=0.01,
        threshold_mode="rel",
        cooldown=2,
        min_lr=[0.002, 0.05],
    ),
    _plateau(
        "Plateau_min_abs",
        loss_curve(),
        mode="min",
        factor=0.5,
        patience=2,
        threshold=0.01,
        threshold_mode="abs",
        cooldown=2,
        min_lr=[0.002, 0.05],
    ),
    _plateau(
        "Plateau_max_rel",
        accuracy_curve(),
        mode="max",
        factor=0.3,
        patience=1,
        threshold=0.005,
        threshold_mode="rel",
        min_lr=0.001,
        eps=1e-3,
    ),
    _plateau(
        "Plateau_max_abs",
        accuracy_curve(),
        mode="max",
        factor=0.7,
        patience=3,
        threshold=0.003,
        threshold_mode="abs",
        cooldown=1,
        min_lr=[0.0, 0.1],
    ),
    _plateau("Plateau_defaults", loss_curve(), patience=4),
]

# Beyond PyTorch: ReduceLROnPlateau after a warm-up inside SequentialLR. PyTorch refuses
# this; its reference is PyTorch's LinearLR for the warm-up, then (from the milestone, where
# the rate returns to the base lr) PyTorch's ReduceLROnPlateau fed the later metrics.
SEQUENTIAL_PLATEAU: dict[str, Any] = {
    "name": "SequentialLR_warmup_plateau",
    "spec": {
        "type": "SequentialLR",
        "schedulers": [
            {"type": "LinearLR", "kwargs": {"start_factor": 0.2, "total_iters": 6}},
            {
                "type": "ReduceLROnPlateau",
                "kwargs": {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": [0.001, 0.01]},
            },
        ],
        "milestones": [6],
    },
    "metrics": loss_curve(),
}


def build(module: Any, optimizer: Any, spec: dict[str, Any], case: dict[str, Any]) -> Any:
    """Build the scheduler ``spec`` on ``optimizer`` from ``module`` (torch's or netopt's)."""
    cls = getattr(module, spec["type"])
    if spec["type"] == "SequentialLR":
        members = [build(module, optimizer, s, case) for s in spec["schedulers"]]
        return cls(optimizer, members, milestones=spec["milestones"])
    if spec["type"] == "ChainedScheduler":
        return cls([build(module, optimizer, s, case) for s in spec["schedulers"]], optimizer)
    kwargs = dict(spec["kwargs"])
    if spec["type"] == "LambdaLR":
        kwargs["lr_lambda"] = [LAMBDAS[name] for name in case["lambdas"]]
    return cls(optimizer, **kwargs)


def _momenta(optimizer: Any) -> list[float]:
    return [float(g["momentum"]) for g in optimizer.param_groups]


def run_case(module: Any, make_optimizer: Any, case: dict[str, Any]) -> dict[str, list]:
    """Step ``case`` and return ``{"lrs": [[lr per group] per step], "momentum": ...}``."""
    opt = make_optimizer(BASE_LRS)
    sched = build(module, opt, case["spec"], case)
    lrs, moms = [list(sched.get_last_lr())], [_momenta(opt)]
    program = case.get("epochs", [None] * N_STEPS)
    for k, epoch in enumerate(program):
        if "metrics" in case:
            sched.step(case["metrics"][k])
        elif epoch is None:
            sched.step()
        else:
            sched.step(epoch)
        lrs.append(list(sched.get_last_lr()))
        moms.append(_momenta(opt))
    return {"lrs": lrs, "momentum": moms}


def torch_optimizer(base_lrs: tuple[float, ...]) -> Any:
    """``torch.optim.SGD`` with one parameter group per base lr, momentum 0.9."""
    import torch

    groups = [{"params": [torch.zeros(3, requires_grad=True)], "lr": lr} for lr in base_lrs]
    return torch.optim.SGD(groups, lr=base_lrs[0], momentum=0.9)


def torch_sequential_plateau(case: dict[str, Any] = SEQUENTIAL_PLATEAU) -> list[list[float]]:
    """PyTorch's pieces of :data:`SEQUENTIAL_PLATEAU`: LinearLR, then ReduceLROnPlateau."""
    from torch.optim import lr_scheduler

    warm_spec, plateau_spec = case["spec"]["schedulers"]
    (milestone,) = case["spec"]["milestones"]
    opt = torch_optimizer(BASE_LRS)
    warm = lr_scheduler.LinearLR(opt, **warm_spec["kwargs"])
    lrs = [list(warm.get_last_lr())]
    for _ in range(1, milestone):
        warm.step()
        lrs.append(list(warm.get_last_lr()))
    opt = torch_optimizer(BASE_LRS)  # at the milestone the rate returns to the base lr
    plateau = lr_scheduler.ReduceLROnPlateau(opt, **plateau_spec["kwargs"])
    lrs.append(list(plateau.get_last_lr()))
    for k in range(milestone + 1, N_STEPS + 1):  # call k passes metrics[k - 1]
        plateau.step(case["metrics"][k - 1])
        lrs.append(list(plateau.get_last_lr()))
    return lrs


def main() -> None:
    """Write :data:`GOLDEN` from the installed PyTorch."""
    import torch
    from torch.optim import lr_scheduler

    # these schedules are stepped without an optimizer step; PyTorch warns about the order
    warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
    warnings.filterwarnings("ignore", message="The epoch parameter in `scheduler.step")
    out: dict[str, Any] = {"torch_version": torch.__version__, "base_lrs": list(BASE_LRS)}
    out["cases"] = {c["name"]: run_case(lr_scheduler, torch_optimizer, c) for c in CASES}
    out["cases"][SEQUENTIAL_PLATEAU["name"]] = {"lrs": torch_sequential_plateau()}
    GOLDEN.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
