r"""The optimizers on a real task, each at its own tuned learning rate (private).

A 64-32-10 ReLU MLP on the digits, mini-batches of 32, a fixed number of steps. Every
method's learning rate (and momentum :math:`\beta` for momentum and NAG) is chosen by the
lab's one protocol (:func:`.._shared.tuning.tune`): the same budget of 8 configurations on
the same log grid, median validation loss over the selection seeds, then fresh seeds scored
on the held-out test images. Also the effective-step rule: momentum SGD at
:math:`(\alpha, \beta)` moves like plain SGD at :math:`\alpha/(1-\beta)` when :math:`\alpha`
is small (the velocity settles at :math:`g/(1-\beta)` while the gradient changes slowly).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import netopt
from netopt.data import Split
from netopt.lab.core import Context
from netopt.nn import functional as F
from netopt.optim import SGD, Adagrad, Adam, RMSprop

from .._shared import tuning
from .._shared.nets import batches, cross_entropy_step, mlp
from .._shared.training import evaluate

SIZES = (64, 32, 10)
BATCH = 32
VALIDATION = 300
"""Training images held back for the selection (the rest train)."""
DIVERGED = 1e3
"""A batch loss above this (or not finite) ends a run as diverged (score inf)."""

LRS = tuple(float(10**e) for e in np.arange(-3.0, 0.75, 0.5))
"""The one log grid of learning rates, 1e-3 .. 10**0.5 (8 values, factor sqrt(10))."""
BETAS = (0.5, 0.9)
MOMENTUM_LRS = LRS[::2]
"""Momentum and NAG tune two values with the same budget: every other grid lr x BETAS."""

#: name -> (optimizer factory from (params, config), search space)
METHODS: dict[str, tuple[Callable[..., Any], list[dict[str, float]]]] = {
    "SGD": (lambda p, c: SGD(p, lr=c["lr"]), [{"lr": a} for a in LRS]),
    "Momentum": (
        lambda p, c: SGD(p, lr=c["lr"], momentum=c["momentum"]),
        [{"lr": a, "momentum": b} for b in BETAS for a in MOMENTUM_LRS],
    ),
    "NAG": (
        lambda p, c: SGD(p, lr=c["lr"], momentum=c["momentum"], nesterov=True),
        [{"lr": a, "momentum": b} for b in BETAS for a in MOMENTUM_LRS],
    ),
    "AdaGrad": (lambda p, c: Adagrad(p, lr=c["lr"]), [{"lr": a} for a in LRS]),
    "RMSProp": (lambda p, c: RMSprop(p, lr=c["lr"]), [{"lr": a} for a in LRS]),
    "Adam": (lambda p, c: Adam(p, lr=c["lr"]), [{"lr": a} for a in LRS]),
}


def split_validation(data: Split) -> dict[str, np.ndarray]:
    """Training images minus the last :data:`VALIDATION`, those, and the test images."""
    n = len(data.x_train) - VALIDATION
    return {
        "x": data.x_train[:n],
        "y": data.y_train[:n],
        "x_val": data.x_train[n:],
        "y_val": data.y_train[n:],
        "x_test": data.x_test,
        "y_test": data.y_test,
    }


def train(
    ctx: Context, parts: dict, make_optimizer: Callable, stream: str, steps: int, every: int = 0
) -> dict[str, Any]:
    r"""Train a fresh MLP (weights from ``ctx.rng("init-" + stream)``, batches from
    ``"batches-" + stream``) for ``steps`` steps.

    Returns
    -------
    dict
        ``model``, ``diverged``, and ``curve``: the loss on the first 256 training images
        every ``every`` steps (empty when ``every`` is 0).
    """
    model = mlp(SIZES, rng=ctx.rng(f"init-{stream}"))
    opt = make_optimizer(model.parameters())
    x, y = parts["x"], parts["y"]
    curve, diverged = [], False
    with np.errstate(over="ignore", invalid="ignore"):
        for t, idx in enumerate(batches(len(x), BATCH, steps, ctx.rng(f"batches-{stream}"))):
            if every and t % every == 0:
                curve.append(evaluate(model, F.cross_entropy, x[:256], y[:256]))
            loss = cross_entropy_step(model, opt, x[idx], y[idx])
            if not np.isfinite(loss) or loss > DIVERGED:
                diverged = True
                break
    return {"model": model, "diverged": diverged, "curve": curve}


def _loss(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return evaluate(model, F.cross_entropy, x, y)


def compare(
    ctx: Context, data: Split, steps: int, select: int, fresh: int, methods: dict | None = None
) -> dict[str, Any]:
    """Tune every method of ``methods`` (default :data:`METHODS`, which must include
    ``"SGD"``) and score the winners on fresh seeds.

    Returns
    -------
    dict
        ``tuned`` (method -> :class:`.._shared.tuning.Tuned`, held-out = test loss),
        ``train`` (method -> training loss of each fresh run), ``accuracy`` (method ->
        test accuracy of each fresh run), ``steps``, ``select``, ``fresh``.
    """
    methods = METHODS if methods is None else methods
    parts = split_validation(data)
    extra: dict[str, dict[str, list[float]]] = {m: {"train": [], "acc": []} for m in methods}

    def run(method: str, config: dict, stream: str) -> tuple[float, float]:
        build = methods[method][0]
        out = train(ctx, parts, lambda p: build(p, config), stream, steps)
        if out["diverged"]:
            return np.inf, np.inf
        model = out["model"]
        val = _loss(model, parts["x_val"], parts["y_val"])
        if stream.startswith("fresh"):
            extra[method]["train"].append(_loss(model, parts["x"], parts["y"]))
            with netopt.no_grad():
                pred = model(netopt.tensor(parts["x_test"]))._data.argmax(1)
            extra[method]["acc"].append(float(np.mean(pred == parts["y_test"])))
            return val, _loss(model, parts["x_test"], parts["y_test"])
        return val, np.nan

    spaces = {m: grid for m, (_, grid) in methods.items()}
    tuned = tuning.tune(spaces, run, select=select, fresh=fresh)
    return {
        "tuned": tuned,
        "train": {m: np.array(v["train"]) for m, v in extra.items()},
        "accuracy": {m: np.array(v["acc"]) for m, v in extra.items()},
        "steps": steps,
        "select": select,
        "fresh": fresh,
        "spaces": spaces,
    }


def effective_step_gap(
    ctx: Context, data: Split, stream: str, lr: float, beta: float, steps: int, scale: float
) -> float:
    r"""Largest relative gap between the training-loss curves of momentum SGD at
    ``(lr, beta)`` and plain SGD at ``lr * scale`` (same weights and batches).

    ``scale = 1 / (1 - beta)`` is the effective-step rule; ``scale = 1`` drops it. The
    curves are the loss on 256 training images every 10 steps; the gap is measured
    against the progress momentum made, :math:`\max_t |L_{SGD}(t) - L_{mom}(t)| /
    (L(0) - \min_t L_{mom}(t))`.
    """
    parts = split_validation(data)
    mom = train(ctx, parts, lambda p: SGD(p, lr=lr, momentum=beta), stream, steps, every=10)
    sgd = train(ctx, parts, lambda p: SGD(p, lr=lr * scale), stream, steps, every=10)
    a, b = np.array(mom["curve"]), np.array(sgd["curve"])
    return float(np.max(np.abs(b - a)) / (a[0] - a.min()))


def effective_lrs(
    ctx: Context, data: Split, method: str, config: dict, steps: int, every: int
) -> list[float]:
    r"""Median effective learning rate :math:`\alpha/(\sqrt{G}+\varepsilon)` over all
    weights every ``every`` steps of one run of AdaGrad (``G`` its ``sum``, eq. 6-29) or
    RMSProp (``square_avg``, eq. 6-30) at ``config`` (stream ``"fresh-0"``)."""
    key = {"AdaGrad": "sum", "RMSProp": "square_avg"}[method]
    parts = split_validation(data)
    model = mlp(SIZES, rng=ctx.rng("init-fresh-0"))
    opt = METHODS[method][0](model.parameters(), config)
    group, values = opt.param_groups[0], []
    for t, idx in enumerate(batches(len(parts["x"]), BATCH, steps, ctx.rng("batches-fresh-0"))):
        cross_entropy_step(model, opt, parts["x"][idx], parts["y"][idx])
        if (t + 1) % every == 0:
            g = np.concatenate([s[key].ravel() for s in opt.state.values()])
            values.append(float(np.median(group["lr"] / (np.sqrt(g) + group["eps"]))))
    return values
