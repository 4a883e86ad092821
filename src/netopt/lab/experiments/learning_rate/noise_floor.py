r"""Constant against decaying learning rates on noisy mini-batch SGD (private; slides 34-35).

Linear least squares with noisy targets, :math:`y = x^\top w^* + 0.5\,\varepsilon`, trained
by netopt's ``SGD`` on mini-batches of 4. With a constant rate the mini-batch gradient's
noise keeps the iterate jittering around the optimum: the excess loss
:math:`L(w) - L(\hat w)` (:math:`\hat w` the least-squares solution) stalls at a floor that
grows with the rate. A schedule that lowers the rate lowers the floor. All schedules
start from the same weights and rate and see the same batches (one shared index sequence).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.optim import SGD
from netopt.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    ReduceLROnPlateau,
    StepLR,
)

N, DIM, NOISE, BATCH = 400, 10, 0.5, 4
LR = 0.05
EPOCHS, STEPS_PER_EPOCH = 20, 25


def schedules(decay: bool = True) -> dict[str, Any]:
    r"""name -> ``make(optimizer)`` for the constant rate and the four decaying rules.

    ``decay=False`` builds the same rules with their decay removed (``gamma=1``, a cosine
    whose floor is the starting rate, a plateau rule that never runs out of patience):
    the cause of the finding taken away.
    """
    return {
        "constant": None,
        "step": lambda o: StepLR(o, step_size=5, gamma=0.5 if decay else 1.0),
        "exponential": lambda o: ExponentialLR(o, gamma=0.85 if decay else 1.0),
        "cosine": lambda o: CosineAnnealingLR(o, T_max=EPOCHS, eta_min=0.0 if decay else LR),
        "plateau": lambda o: ReduceLROnPlateau(
            o, factor=0.5, patience=1 if decay else 10**6, threshold=0.01
        ),
    }


def run(rng: np.random.Generator, decay: bool = True) -> dict[str, Any]:
    """Every schedule of :func:`schedules` on one draw of the data.

    Returns
    -------
    dict
        name -> ``{"excess": excess loss after each epoch, "lr": rate in each epoch}``.
    """
    x = rng.normal(size=(N, DIM))
    y = x @ rng.normal(size=DIM) + NOISE * rng.normal(size=N)
    best = np.linalg.lstsq(x, y, rcond=None)[0]
    floor = float(np.mean((x @ best - y) ** 2))
    start = rng.normal(size=DIM)
    makes = schedules(decay)
    params = {k: nn.Parameter(start.copy()) for k in makes}
    opts = {k: SGD([p], lr=LR) for k, p in params.items()}
    scheds = {k: (m(opts[k]) if m else None) for k, m in makes.items()}
    out = {k: {"excess": [], "lr": []} for k in makes}
    for _ in range(EPOCHS):
        for k in makes:
            out[k]["lr"].append(opts[k].param_groups[0]["lr"])
        for _ in range(STEPS_PER_EPOCH):
            idx = rng.choice(N, BATCH, replace=False)
            xb, yb = netopt.tensor(x[idx]), netopt.tensor(y[idx])
            total = None
            for k, p in params.items():
                opts[k].zero_grad()
                term = ((xb @ p - yb) ** 2).mean()
                total = term if total is None else total + term
            total.backward()
            for opt in opts.values():
                opt.step()
        for k, p in params.items():
            loss = float(np.mean((x @ p._data - y) ** 2))
            out[k]["excess"].append(loss - floor)
            s = scheds[k]
            if isinstance(s, ReduceLROnPlateau):
                s.step(loss)
            elif s is not None:
                s.step()
    return out


def final(runs: dict[str, Any], name: str) -> float:
    """Mean excess loss over the last 3 epochs (less noisy than the last one alone)."""
    return float(np.mean(runs[name]["excess"][-3:]))


def decays_go_lower(runs: dict[str, Any]) -> bool:
    """Every decaying schedule ends at least 2x below the constant rate's floor."""
    c = final(runs, "constant")
    return all(final(runs, k) * 2 <= c for k in runs if k != "constant")
