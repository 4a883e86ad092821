r"""Batch size at tuned learning rates, measured in counted work, never in seconds.

Every batch size :math:`n` (batch GD :math:`n = N`, eq. 6-18; SGD :math:`n = 1`, eq. 6-19;
mini-batches, eq. 6-20) gets its own learning rate by one protocol: the same grid, the
same budget in epochs, chosen by the median validation loss over tuning seeds; then it is
re-run on fresh seeds (new initial weights and sample orders, shared by every batch size
within a seed) and compared there. Work is counted two ways: **samples processed** (the
gradient work: per-sample gradient evaluations, :math:`n` per step) and **steps** (the
updates, which run one after another). A run's clock time is recorded as a timing only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import netopt
from netopt.nn import functional as F
from netopt.optim import SGD

from .._shared.nets import batches, cross_entropy_step, mlp, predict

HIDDEN = 32


@dataclass
class Task:
    """Fit, validation and test sets for the batch-size comparison (digits)."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def task(split: Any, n_fit: int, rng: np.random.Generator) -> Task:
    """Draw ``n_fit`` training rows for fitting; the rest of the training split validates."""
    order = rng.permutation(len(split.y_train))
    fit, val = order[:n_fit], order[n_fit:]
    return Task(split.x_train[fit], split.y_train[fit], split.x_train[val], split.y_train[val],
                split.x_test, split.y_test)  # fmt: skip


def _loss(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    with netopt.no_grad():
        value = float(F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y)).item())
    return value if math.isfinite(value) else math.inf


def train(
    data: Task, n: int, lr: float, epochs: float, seed_rng: np.random.Generator,
    record_steps: Sequence[int] = (),
) -> dict[str, Any]:  # fmt: skip
    r"""Train a fresh MLP with batches of ``n`` for ``epochs`` passes at learning rate ``lr``.

    ``seed_rng`` is copied twice: one copy draws the initial weights, the other the sample
    order, so every batch size given the same generator starts from the same weights.
    The full fitting loss is recorded after every step in ``record_steps`` and at the end;
    a run whose loss exceeds 20 or is not finite stops and counts as diverged (loss inf).

    Returns
    -------
    dict
        ``steps``, ``samples`` (arrays of the recorded points), ``loss`` (fitting loss
        there), ``final`` (fitting loss at the end), ``val``, ``test_acc``, ``diverged``,
        ``thread_seconds`` (a timing, never used for a verdict).
    """
    state = seed_rng.bit_generator.state
    init, order = np.random.default_rng(), np.random.default_rng()
    init.bit_generator.state = order.bit_generator.state = state
    order.integers(2**31)  # the order stream starts elsewhere than the init stream
    model = mlp((data.x_fit.shape[1], HIDDEN, 10), rng=init)
    opt = SGD(model.parameters(), lr=lr)
    total = round(epochs * len(data.y_fit) / n)
    wanted = set(record_steps) | {total}
    log = [(0, 0, _loss(model, data.x_fit, data.y_fit))]
    diverged, seconds = False, 0.0
    for step, idx in enumerate(batches(len(data.y_fit), n, total, order), start=1):
        start = time.thread_time()
        loss = cross_entropy_step(model, opt, data.x_fit[idx], data.y_fit[idx])
        seconds += time.thread_time() - start
        if not math.isfinite(loss) or loss > 20.0:
            diverged = True
            break
        if step in wanted:
            log.append((step, step * n, _loss(model, data.x_fit, data.y_fit)))
    arr = np.array(log, dtype=float)
    if diverged:
        return {"steps": arr[:, 0], "samples": arr[:, 1], "loss": arr[:, 2], "final": math.inf,
                "val": math.inf, "test_acc": math.nan, "diverged": True,
                "thread_seconds": seconds, "total_steps": total}  # fmt: skip
    acc = float(np.mean(predict(model, data.x_test) == data.y_test))
    return {"steps": arr[:, 0], "samples": arr[:, 1], "loss": arr[:, 2],
            "final": float(arr[-1, 2]), "val": _loss(model, data.x_val, data.y_val),
            "test_acc": acc, "diverged": False, "thread_seconds": seconds,
            "total_steps": total}  # fmt: skip


def loss_at_step(run: dict[str, Any], step: int) -> float:
    """The fitting loss recorded after ``step`` steps (inf for a diverged run)."""
    if run["diverged"]:
        return math.inf
    hits = np.flatnonzero(run["steps"] == step)
    if not hits.size:
        raise ValueError(f"step {step} was not recorded (recorded: {run['steps'].tolist()})")
    return float(run["loss"][hits[0]])


def tune(
    data: Task, n: int, grid: Sequence[float], epochs: float,
    seeds: Sequence[np.random.Generator],
) -> tuple[float, dict[float, float]]:  # fmt: skip
    r"""The learning rate of ``grid`` with the lowest median validation loss over ``seeds``.

    Returns the chosen rate and the median validation loss of every rate (inf: diverged
    in at least half the seeds). Ties go to the smaller rate.
    """
    medians = {}
    for lr in grid:
        vals = [train(data, n, lr, epochs, _copy(rng))["val"] for rng in seeds]
        medians[lr] = float(np.median(vals))
    best = min(grid, key=lambda lr: (medians[lr], lr))
    return best, medians


def _copy(rng: np.random.Generator) -> np.random.Generator:
    out = np.random.default_rng()
    out.bit_generator.state = rng.bit_generator.state
    return out


def compare(
    data: Task, sizes: dict[str, int], grid: Sequence[float], epochs: float | dict[str, float],
    tune_seeds: Sequence[np.random.Generator], eval_seeds: Sequence[np.random.Generator],
    lrs: dict[str, float] | None = None,
) -> dict[str, Any]:  # fmt: skip
    r"""Tune each batch size (unless ``lrs`` fixes the rates), then re-run on fresh seeds.

    Parameters
    ----------
    data : Task
    sizes : dict
        Name -> batch size, e.g. ``{"SGD (n=1)": 1, "mini-batch (n=32)": 32, ...}``.
    grid : sequence of float
        The learning rates every size is tuned over.
    epochs : float or dict
        The budget in passes over the fitting set: one float for every size (equal
        samples processed), or name -> epochs (e.g. equal steps: epochs proportional to n).
    tune_seeds, eval_seeds : sequences of numpy.random.Generator
        Disjoint seeds for tuning and for the comparison.
    lrs : dict, optional
        Name -> learning rate: skip tuning and use these (a test removes the tuning).

    Returns
    -------
    dict
        ``lr`` (name -> chosen rate), ``medians`` (name -> {lr: median val loss}),
        ``runs`` (name -> list of eval runs, one per seed), ``steps`` (name -> steps per run).
    """
    budget = epochs if isinstance(epochs, dict) else dict.fromkeys(sizes, float(epochs))
    steps = {k: round(budget[k] * len(data.y_fit) / n) for k, n in sizes.items()}
    chosen, medians = {}, {}
    for name, n in sizes.items():
        if lrs is not None:
            chosen[name], medians[name] = lrs[name], {}
        else:
            chosen[name], medians[name] = tune(data, n, grid, budget[name], tune_seeds)
    record = sorted(set(steps.values()) | set(_geometric(max(steps.values()))))
    runs = {
        name: [train(data, n, chosen[name], budget[name], _copy(rng), record) for rng in eval_seeds]
        for name, n in sizes.items()
    }
    return {"lr": chosen, "medians": medians, "runs": runs, "steps": steps}


def _geometric(last: int, points: int = 24) -> list[int]:
    return sorted({int(v) for v in np.geomspace(1, max(last, 1), points)})


def paired(a: Sequence[float], b: Sequence[float]) -> int:
    """In how many seeds ``a`` is strictly below ``b`` (paired by seed)."""
    return int(sum(x < y for x, y in zip(a, b, strict=True)))


def needed(seeds: int) -> int:
    """The paired count a finding over ``seeds`` seeds must reach: 80 %, rounded up."""
    return math.ceil(0.8 * seeds)


def spread(values: Sequence[float], fmt: str = ".4f") -> str:
    """``"median 0.1234 (range 0.1100-0.1400)"`` over seeds; inf shown as diverged."""
    v = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(v)):
        bad = int(np.sum(~np.isfinite(v)))
        return f"{bad} of {len(v)} seeds diverged or unmeasured"
    return (
        f"median {format(float(np.median(v)), fmt)} (range {format(float(v.min()), fmt)}-"
        f"{format(float(v.max()), fmt)})"
    )
