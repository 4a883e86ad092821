r"""Learning-rate schedule curves from netopt's schedulers, and their closed forms (private).

Each curve is read from a real :mod:`netopt.optim.lr_scheduler` object attached to an SGD
optimizer (the rate in force during each epoch); the closed forms are the textbook
formulas, written out independently here, to compare against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netopt import nn
from netopt.optim import SGD
from netopt.optim.lr_scheduler import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LinearLR,
    SequentialLR,
    StepLR,
)

BASE = 0.1  # base learning rate of every curve
EPOCHS = 100
ETA_MIN = 0.001
WARMUP = 10


def _restart_position(e: int, t0: int, mult: int) -> tuple[int, int]:
    """(epochs since the last restart, length of the current cycle) for warm restarts."""
    length, start = t0, 0
    while e >= start + length:
        start += length
        length *= mult
    return e - start, length


def _cosine(t: float, period: float) -> float:
    return ETA_MIN + (BASE - ETA_MIN) * (1 + np.cos(np.pi * t / period)) / 2


#: name -> (make scheduler from optimizer, closed form of epoch, what it is called)
SCHEDULES: dict[str, tuple[Callable[[Any], Any], Callable[[int], float], str]] = {
    "step": (
        lambda o: StepLR(o, step_size=30, gamma=0.1),
        lambda e: BASE * 0.1 ** (e // 30),
        "StepLR(step_size=30, gamma=0.1): equal intervals",
    ),
    "exponential": (
        lambda o: ExponentialLR(o, gamma=0.96),
        lambda e: BASE * 0.96**e,
        "ExponentialLR(gamma=0.96): exponential decay",
    ),
    "cosine": (
        lambda o: CosineAnnealingLR(o, T_max=EPOCHS, eta_min=ETA_MIN),
        lambda e: _cosine(e, EPOCHS),
        f"CosineAnnealingLR(T_max={EPOCHS}): cosine annealing",
    ),
    "warm_restarts": (
        lambda o: CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=ETA_MIN),
        lambda e: _cosine(*_restart_position(e, 10, 2)),
        "CosineAnnealingWarmRestarts(T_0=10, T_mult=2)",
    ),
    "warmup_cosine": (
        lambda o: SequentialLR(
            o,
            [
                LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=WARMUP),
                CosineAnnealingLR(o, T_max=EPOCHS - WARMUP, eta_min=ETA_MIN),
            ],
            milestones=[WARMUP],
        ),
        lambda e: (
            BASE * (0.1 + 0.9 * e / WARMUP) if e < WARMUP else _cosine(e - WARMUP, EPOCHS - WARMUP)
        ),
        f"LinearLR warm-up ({WARMUP} epochs) then cosine, via SequentialLR",
    ),
}


def curve(make: Callable[[Any], Any], epochs: int = EPOCHS) -> np.ndarray:
    """The learning rate in force during each of ``epochs`` epochs under ``make(optimizer)``."""
    opt = SGD([nn.Parameter(np.zeros(1))], lr=BASE)
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # no gradient: a no-op, keeps the usual optimizer-then-scheduler order
        scheduler.step()
    return np.array(lrs)


def all_curves() -> dict[str, dict[str, Any]]:
    """Every schedule's curve, its closed form and their largest difference."""
    out = {}
    for name, (make, closed, label) in SCHEDULES.items():
        lrs = curve(make)
        ref = np.array([closed(e) for e in range(EPOCHS)])
        out[name] = {
            "lr": lrs,
            "closed": ref,
            "diff": float(np.abs(lrs - ref).max()),
            "label": label,
        }
    return out


def plateau_rule(metrics: list[float], patience: int, threshold: float) -> list[int]:
    r"""Epochs (from 1) at which the relative-threshold plateau rule reduces the rate.

    An epoch improves when its metric is below :math:`best\,(1 - threshold)`; after more
    than ``patience`` epochs in a row without improvement the rate is cut and the count
    restarts (no cooldown).
    """
    best, bad, cuts = np.inf, 0, []
    for epoch, m in enumerate(metrics, start=1):
        if m < best * (1 - threshold):
            best, bad = m, 0
        else:
            bad += 1
        if bad > patience:
            cuts.append(epoch)
            bad = 0
    return cuts
