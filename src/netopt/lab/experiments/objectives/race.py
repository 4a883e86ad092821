r"""Cross-entropy against MSE (eq. 6-15/6-16 vs 6-17), each loss at its own tuned rate.

The same MLP (same initial weights and batches within a seed) is trained on the digits
with the cross-entropy of its softmax output and with the mean squared error between that
output and the one-hot label. Protocol: every loss gets its learning rate from the same
grid with the same epoch budget, chosen by the median over tuning seeds of the epochs it
needs to reach :data:`TARGET` accuracy on a validation split; then both run on fresh seeds
and are compared by the epochs they need to reach it on the held-out test set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import netopt
from netopt.data import DataLoader, TensorDataset
from netopt.nn import functional as F
from netopt.optim import SGD
from netopt.train import Callback, fit

from ...core import Context
from .._shared.nets import mlp_factory
from .._shared.training import StopOnDivergence, digits, first_at_or_below

TARGET = 0.90  # accuracy the two losses race to
N_FIT = 1000  # training digits used for fitting; the other 347 validate


def mse_on_softmax(logits: netopt.Tensor, target: netopt.Tensor) -> netopt.Tensor:
    r"""Eq. 6-17 on the class probabilities: :math:`\frac1{NK}\sum (Q_{ik} - P_{ik})^2`.

    :math:`Q = \mathrm{softmax}(S)` (eq. 6-14) and :math:`P` is the one-hot label, the same
    :math:`P, Q` as the cross-entropy of eq. 6-15/6-16 (``F.cross_entropy``) compares.
    """
    onehot = np.eye(logits.shape[1], dtype=logits._data.dtype)[target._data]
    return F.mse_loss(F.softmax(logits, dim=1), netopt.tensor(onehot))


LOSSES: dict[str, Callable] = {"cross-entropy": F.cross_entropy, "MSE": mse_on_softmax}


class StopAtTarget(Callback):
    """Stop :func:`~netopt.train.fit` once the monitored accuracy reaches :data:`TARGET`."""

    def on_epoch_end(self, epoch: int, logs: Any) -> None:
        if logs["val_accuracy"] >= TARGET:
            self.stop_training = True
            self.stop_reason = f"val_accuracy {logs['val_accuracy']:.3f} >= {TARGET}"


def data(ctx: Context) -> dict[str, Any]:
    """Fitting, validation and test sets of the digits (float64)."""
    split = digits(ctx, np.float64)
    order = ctx.rng("objectives-split").permutation(len(split.y_train))
    fit_i, val_i = order[:N_FIT], order[N_FIT:]
    return {
        "fit": TensorDataset(split.x_train[fit_i], split.y_train[fit_i]),
        "val": TensorDataset(split.x_train[val_i], split.y_train[val_i]),
        "test": split.test_set, "x_train": split.x_train, "y_train": split.y_train,
    }  # fmt: skip


def train(
    sets: dict, make: Callable, loss_fn: Callable, lr: float, epochs: int,
    batch_rng: np.random.Generator, monitor: str, stop: bool,
) -> dict[str, Any]:  # fmt: skip
    """One run: accuracy on ``sets[monitor]`` per epoch; epochs to :data:`TARGET` or None."""
    model = make()
    loader = DataLoader(sets["fit"], batch_size=32, shuffle=True, rng=batch_rng)
    watched = DataLoader(sets[monitor], batch_size=len(sets[monitor]))
    guard = StopOnDivergence(limit=20.0)
    history = fit(
        model, loss_fn, SGD(model.parameters(), lr=lr), loader, epochs=epochs,
        val_loader=watched, metrics=["accuracy"],
        callbacks=[guard, StopAtTarget()] if stop else [guard], progress=False,
    )  # fmt: skip
    acc = np.array(history["val_accuracy"]) if len(history) else np.zeros(0)
    reached = first_at_or_below(-acc, -TARGET)
    return {
        "model": model, "acc": acc, "diverged": guard.diverged,
        "epochs": None if reached is None or guard.diverged else reached + 1,
    }  # fmt: skip


def score(run: dict) -> float:
    """Epochs to the target; inf when it was not reached."""
    return math.inf if run["epochs"] is None else float(run["epochs"])


def race(
    ctx: Context, grid: Sequence[float], epochs: int, tune: int, seeds: int,
    losses: dict[str, Callable] | None = None,
) -> dict[str, Any]:  # fmt: skip
    r"""Tune each loss's learning rate, then race on ``seeds`` fresh seeds.

    Every loss runs at its own tuned rate (``runs``) and at the rate tuned for the first
    loss (``shared``: the chapter's comparison, one learning rate for both).

    ``losses`` (name -> loss function, default :data:`LOSSES`) is the cause of the
    finding: giving both names the same function removes it.

    Returns
    -------
    dict
        ``lr`` (loss -> chosen rate), ``tuning`` (loss -> {lr: median epochs on the
        validation split}), ``runs`` (loss -> one test-monitored run per seed at its own
        rate), ``shared`` (the same at the first loss's rate).
    """
    losses = LOSSES if losses is None else losses
    sets = data(ctx)
    tuning: dict[str, dict] = {name: {} for name in losses}
    final: dict[str, dict] = {name: {} for name in losses}
    for t in range(tune):
        make = mlp_factory((64, 32, 10), ctx.rng(f"objectives-tune-init-{t}"), np.float64)
        for name, loss_fn in losses.items():
            for lr in grid:
                run = train(sets, make, loss_fn, lr, epochs, ctx.rng(f"objectives-tune-{t}"),
                            "val", stop=True)  # fmt: skip
                tuning[name].setdefault(lr, []).append(score(run))
                last = float(run["acc"][-1]) if len(run["acc"]) else 0.0
                final[name].setdefault(lr, []).append(last)
        ctx.progress(0.4 * (t + 1) / tune, "tuning the learning rates")
    medians = {n: {lr: float(np.median(v)) for lr, v in t.items()} for n, t in tuning.items()}
    accuracy = {n: {lr: float(np.median(v)) for lr, v in t.items()} for n, t in final.items()}
    chosen = {
        n: min(grid, key=lambda lr, n=n: (medians[n][lr], -accuracy[n][lr], lr)) for n in losses
    }
    first = next(iter(losses))
    runs: dict[str, list] = {name: [] for name in losses}
    shared: dict[str, list] = {name: [] for name in losses}
    for s in range(seeds):
        make = mlp_factory((64, 32, 10), ctx.rng(f"objectives-init-{s}"), np.float64)
        for name, loss_fn in losses.items():
            for lr, into in ((chosen[name], runs), (chosen[first], shared)):
                if into is shared and lr == chosen[name]:
                    shared[name].append(runs[name][-1])
                    continue
                batch_rng = ctx.rng(f"objectives-batches-{s}")
                into[name].append(
                    train(sets, make, loss_fn, lr, epochs, batch_rng, "test", stop=False)
                )
        ctx.progress(0.4 + 0.3 * (s + 1) / seeds, "racing on fresh seeds")
    return {
        "lr": chosen, "tuning": medians, "runs": runs, "shared": shared, "epochs": epochs,
        "grid": list(grid),
    }  # fmt: skip


def ahead_count(result: dict, first: str, second: str, key: str = "shared") -> int:
    """Seeds where ``first`` reaches the target in strictly fewer epochs than ``second``.

    ``key`` is ``"shared"`` (both at the first loss's tuned rate) or ``"runs"`` (each at
    its own).
    """
    return sum(
        score(a) < score(b) for a, b in zip(result[key][first], result[key][second], strict=True)
    )


def logit_gradients(make: Callable, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Mean per-sample norm of dLoss/dlogits at the initial weights, per loss (times N)."""
    with netopt.no_grad():
        logits = make()(netopt.tensor(x))._data
    out = {}
    for name, loss_fn in LOSSES.items():
        z = netopt.tensor(logits, requires_grad=True)
        loss_fn(z, netopt.tensor(y)).backward()
        out[name] = float(np.linalg.norm(z._grad, axis=1).mean() * len(logits))
    return out
