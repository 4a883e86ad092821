r"""Model problems: polynomial regression, spirals, digits MLP, MNIST-1D MLP.

Each trains a small network with mini-batch descent and reports the validation loss after
every epoch. The training set of the dataset is split once (seed ``data_seed``, the same for
every trial) into a training part and a validation part (``val_fraction``); the dataset's
own test set is held out, and measured only at the end (``test_loss``, ``test_acc``), so
tuning on ``val_loss`` never sees it. Work is counted, never timed: ``steps`` (optimizer
steps) and ``samples`` (training examples processed), and ``steps_to_target`` /
``samples_to_target`` at the first epoch whose validation loss is at most ``target``
(None when never reached).

The trial's seed drives three independent streams (``SeedSequence.spawn``): weight
initialization, batch shuffling and dropout.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn, no_grad, regularization, tensor
from ..data import load_digits, load_mnist1d, make_polynomial_regression, make_spirals
from ..nn import functional as F
from ..nn import init
from .base import OPTIMIZER_SET, Problem, Report
from .build import make_optimizer, make_scheduler
from .params import TRAINING_PARAMS

_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _split_off(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> _Arrays:
    order = np.random.default_rng(np.random.SeedSequence([seed, 0xDA7A])).permutation(len(x))
    n_val = max(1, round(fraction * len(x)))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val], np.empty(0), np.empty(0)


@functools.lru_cache(maxsize=8)
def _data(name: str, n_samples: int, degree: int, fraction: float, seed: int) -> _Arrays:
    if name == "polynomial":
        split = make_polynomial_regression(n_samples, degree=3, noise=0.2, seed=seed)
        powers = np.arange(1, degree + 1)

        def features(x: np.ndarray) -> np.ndarray:
            return (x**powers).astype(np.float32)

        xtr, xte = features(split.x_train), features(split.x_test)
    elif name == "spirals":
        split = make_spirals(n_samples, seed=seed)
        xtr, xte = split.x_train, split.x_test
    elif name == "digits":
        split = load_digits(seed=seed)
        xtr, xte = split.x_train, split.x_test
    else:
        split = load_mnist1d()
        xtr, xte = split.x_train, split.x_test
    a, b, c, d, _, _ = _split_off(xtr, split.y_train, fraction, seed)
    return a, b, c, d, xte, split.y_test


def _mlp(sizes: list[int], activation: str, config: dict[str, Any], rng: Any, drop_rng: Any):
    layers: list[nn.Module] = []
    scheme, p = config.get("init", "default"), float(config.get("dropout", 0.0))
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layer = nn.Linear(n_in, n_out, rng=rng)
        if scheme != "default":
            getattr(init, scheme + "_")(layer.weight, rng=rng)
            init.zeros_(layer.bias)
        layers.append(layer)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if activation == "relu" else nn.Tanh())
            if p > 0:
                layers.append(nn.Dropout(p, rng=drop_rng))
    return nn.Sequential(*layers)


def _evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, classify: bool) -> tuple:
    model.eval()
    with no_grad():
        out = model(tensor(x))
        if classify:
            loss = float(F.cross_entropy(out, tensor(y)).item())
            acc = float(np.mean(np.argmax(out.numpy(), axis=1) == y))
            return loss, acc
        return float(F.mse_loss(out.reshape(-1), tensor(y)).item()), None


def train_model(
    config: dict[str, Any], report: Report, arrays: _Arrays, hidden: list[int], classify: bool
) -> dict[str, Any]:
    """Train an MLP on ``arrays`` as the config says; return the counted metrics.

    The loss is cross-entropy (``classify``) or mean squared error, plus
    ``l1 * J_L1 + l2 * J_L2`` (:mod:`netopt.regularization`) when those are set.
    """
    xtr, ytr, xva, yva, xte, yte = arrays
    init_ss, shuffle_ss, drop_ss = np.random.SeedSequence(int(config["trial_seed"])).spawn(3)
    n_out = int(ytr.max()) + 1 if classify else 1
    model = _mlp(
        [xtr.shape[1], *hidden, n_out],
        config["activation"],
        config,
        np.random.default_rng(init_ss),
        np.random.default_rng(drop_ss),
    )
    opt = make_optimizer(model.parameters(), config)
    epochs, batch = int(config["epochs"]), int(config.get("batch_size", 32))
    sched = make_scheduler(opt, config, epochs)
    shuffle = np.random.default_rng(shuffle_ss)
    l1, l2 = float(config.get("l1", 0.0)), float(config.get("l2", 0.0))
    steps = samples = 0
    reached: tuple[int, int] | None = None
    val_loss = math.inf
    for epoch in range(1, epochs + 1):
        model.train()
        order = shuffle.permutation(len(xtr))
        for start in range(0, len(xtr), batch):
            idx = order[start : start + batch]
            out = model(tensor(xtr[idx]))
            if classify:
                loss = F.cross_entropy(out, tensor(ytr[idx]))
            else:
                loss = F.mse_loss(out.reshape(-1), tensor(ytr[idx]))
            if l1 > 0:
                loss = loss + l1 * regularization.l1_penalty(model)
            if l2 > 0:
                loss = loss + l2 * regularization.l2_penalty(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps, samples = steps + 1, samples + len(idx)
        if sched is not None:
            sched.step()
        val_loss, _ = _evaluate(model, xva, yva, classify)
        if not math.isfinite(val_loss):
            raise FloatingPointError(f"validation loss is not finite after epoch {epoch}")
        if reached is None and val_loss <= config["target"]:
            reached = (steps, samples)
        report(epoch, val_loss)
    train_loss, train_acc = _evaluate(model, xtr, ytr, classify)
    val_loss, val_acc = _evaluate(model, xva, yva, classify)
    test_loss, test_acc = _evaluate(model, xte, yte, classify)
    out: dict[str, Any] = {
        "val_loss": val_loss,
        "test_loss": test_loss,
        "train_loss": train_loss,
        "steps": float(steps),
        "samples": float(samples),
        "steps_to_target": None if reached is None else float(reached[0]),
        "samples_to_target": None if reached is None else float(reached[1]),
    }
    if classify:
        out.update(val_acc=val_acc, test_acc=test_acc, train_acc=train_acc)
    return out


def _model_problem(name: str, classify: bool) -> Callable[[dict[str, Any], Report], dict]:
    def run(config: dict[str, Any], report: Report) -> dict[str, Any]:
        arrays = _data(
            name,
            int(config.get("n_samples", 0)),
            int(config.get("degree", 0)),
            float(config["val_fraction"]),
            int(config["data_seed"]),
        )
        hidden = [int(h) for h in config["hidden"]]
        with np.errstate(over="ignore", invalid="ignore"):  # divergence fails the trial below
            return train_model(config, report, arrays, hidden, classify)

    return run


_COMMON = {"epochs": 10, "val_fraction": 0.2, "data_seed": 0}
_SPECS = {
    "polynomial": (
        False,
        {"n_samples": 60, "degree": 9, "hidden": [], "activation": "tanh", "target": 0.06},
        "polynomial features x..x^degree of a noisy Legendre P_3, linear model (MSE)",
    ),
    "spirals": (
        True,
        {"n_samples": 400, "hidden": [32, 32], "activation": "tanh", "target": 0.3},
        "two interleaved spirals, MLP 2-32-32-2 (tanh)",
    ),
    "digits": (
        True,
        {"hidden": [64], "activation": "relu", "target": 0.2},
        "scikit-learn digits 8x8, MLP 64-64-10 (ReLU)",
    ),
    "mnist1d": (
        True,
        {"hidden": [100, 100], "activation": "relu", "target": 1.0},
        "MNIST-1D (generated offline), MLP 40-100-100-10 (ReLU)",
    ),
}

#: The model problems, registered by :mod:`netopt.sweep.problems`.
PROBLEMS = [
    Problem(
        name,
        _model_problem(name, classify),
        metric="val_loss",
        params=OPTIMIZER_SET | TRAINING_PARAMS,
        options={**_COMMON, **options},
        doc=doc,
    )
    for name, (classify, options, doc) in _SPECS.items()
]
