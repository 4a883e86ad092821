r"""Model problems: polynomial regression, spirals, digits MLP, MNIST-1D MLP and CNN.

Each trains a small network (an MLP, or for ``mnist1d_cnn`` the MNIST-1D paper's CNN,
:func:`mnist1d_cnn`) with mini-batch descent and reports the validation loss after
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


#: Channels of every convolution of :func:`mnist1d_cnn`, and the signal length it takes.
CNN_CHANNELS = 25
SIGNAL_LENGTH = 40


def mnist1d_cnn(rng: np.random.Generator) -> nn.Sequential:
    r"""The MNIST-1D paper's CNN (``ConvBase`` of Greydanus 2020), taking ``(N, 40)`` signals.

    Three 1-D convolutions of 25 channels (kernel 5, then 3 and 3; stride 2, padding 1;
    lengths 40 -> 19 -> 10 -> 5), each followed by ReLU, then a linear layer from the
    flattened 125 features to 10 classes; torch's default initialization drawn from ``rng``,
    layer by layer in this order.

    Examples
    --------
    >>> model = mnist1d_cnn(np.random.default_rng(0))
    >>> tuple(model(tensor(np.zeros((2, 40), np.float32))).shape)
    (2, 10)
    """
    c = CNN_CHANNELS
    return nn.Sequential(
        nn.Unflatten(1, (1, SIGNAL_LENGTH)),
        nn.Conv1d(1, c, 5, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv1d(c, c, 3, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv1d(c, c, 3, stride=2, padding=1, rng=rng),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(c * 5, 10, rng=rng),
    )


def _cnn(config: dict[str, Any], rng: Any) -> nn.Module:
    # init: the scheme redraws every weight (convolutions and the linear layer, in order)
    # after the default draws, biases zero, as _mlp does layer by layer; no dropout (refused
    # at validation: the paper's model has none).
    model = mnist1d_cnn(rng)
    scheme = config.get("init", "default")
    if scheme != "default":
        for layer in model:
            if isinstance(layer, nn.Conv1d | nn.Linear):
                getattr(init, scheme + "_")(layer.weight, rng=rng)
                init.zeros_(layer.bias)
    return model


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
    config: dict[str, Any], report: Report, arrays: _Arrays, model: str, classify: bool
) -> dict[str, Any]:
    """Train a model on ``arrays`` as the config says; return the counted metrics.

    ``model`` is ``"mlp"`` (layers ``config["hidden"]``, ``config["activation"]``) or
    ``"cnn"`` (:func:`mnist1d_cnn`); the optimizer, schedule, batches, penalties, seeds,
    reports and counted work are the same for both. The loss is cross-entropy (``classify``)
    or mean squared error, plus ``l1 * J_L1 + l2 * J_L2`` (:mod:`netopt.regularization`)
    when those are set.
    """
    xtr, ytr, xva, yva, xte, yte = arrays
    init_ss, shuffle_ss, drop_ss = np.random.SeedSequence(int(config["trial_seed"])).spawn(3)
    n_out = int(ytr.max()) + 1 if classify else 1
    if model == "cnn":
        net = _cnn(config, np.random.default_rng(init_ss))
    else:
        net = _mlp(
            [xtr.shape[1], *(int(h) for h in config["hidden"]), n_out],
            config["activation"],
            config,
            np.random.default_rng(init_ss),
            np.random.default_rng(drop_ss),
        )
    opt = make_optimizer(net.parameters(), config)
    epochs, batch = int(config["epochs"]), int(config.get("batch_size", 32))
    sched = make_scheduler(opt, config, epochs)
    shuffle = np.random.default_rng(shuffle_ss)
    l1, l2 = float(config.get("l1", 0.0)), float(config.get("l2", 0.0))
    steps = samples = 0
    reached: tuple[int, int] | None = None
    val_loss = math.inf
    for epoch in range(1, epochs + 1):
        net.train()
        order = shuffle.permutation(len(xtr))
        for start in range(0, len(xtr), batch):
            idx = order[start : start + batch]
            out = net(tensor(xtr[idx]))
            if classify:
                loss = F.cross_entropy(out, tensor(ytr[idx]))
            else:
                loss = F.mse_loss(out.reshape(-1), tensor(ytr[idx]))
            if l1 > 0:
                loss = loss + l1 * regularization.l1_penalty(net)
            if l2 > 0:
                loss = loss + l2 * regularization.l2_penalty(net)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps, samples = steps + 1, samples + len(idx)
        if sched is not None:
            sched.step()
        val_loss, _ = _evaluate(net, xva, yva, classify)
        if not math.isfinite(val_loss):
            raise FloatingPointError(f"validation loss is not finite after epoch {epoch}")
        if reached is None and val_loss <= config["target"]:
            reached = (steps, samples)
        report(epoch, val_loss)
    train_loss, train_acc = _evaluate(net, xtr, ytr, classify)
    val_loss, val_acc = _evaluate(net, xva, yva, classify)
    test_loss, test_acc = _evaluate(net, xte, yte, classify)
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


def _model_problem(
    dataset: str, model: str, classify: bool
) -> Callable[[dict[str, Any], Report], dict]:
    def run(config: dict[str, Any], report: Report) -> dict[str, Any]:
        arrays = _data(
            dataset,
            int(config.get("n_samples", 0)),
            int(config.get("degree", 0)),
            float(config["val_fraction"]),
            int(config["data_seed"]),
        )
        with np.errstate(over="ignore", invalid="ignore"):  # divergence fails the trial below
            return train_model(config, report, arrays, model, classify)

    return run


_COMMON = {"epochs": 10, "val_fraction": 0.2, "data_seed": 0}
_MLP_PARAMS = OPTIMIZER_SET | TRAINING_PARAMS
#: ``dropout`` is refused for the CNN at validation: the paper's model has no dropout layer.
_CNN_PARAMS = _MLP_PARAMS - {"dropout"}
# name: (dataset, model, classify, accepted parameters, options, doc)
_SPECS = {
    "polynomial": (
        "polynomial",
        "mlp",
        False,
        _MLP_PARAMS,
        {"n_samples": 60, "degree": 9, "hidden": [], "activation": "tanh", "target": 0.06},
        "polynomial features x..x^degree of a noisy Legendre P_3, linear model (MSE)",
    ),
    "spirals": (
        "spirals",
        "mlp",
        True,
        _MLP_PARAMS,
        {"n_samples": 400, "hidden": [32, 32], "activation": "tanh", "target": 0.3},
        "two interleaved spirals, MLP 2-32-32-2 (tanh)",
    ),
    "digits": (
        "digits",
        "mlp",
        True,
        _MLP_PARAMS,
        {"hidden": [64], "activation": "relu", "target": 0.2},
        "scikit-learn digits 8x8, MLP 64-64-10 (ReLU)",
    ),
    "mnist1d": (
        "mnist1d",
        "mlp",
        True,
        _MLP_PARAMS,
        {"hidden": [100, 100], "activation": "relu", "target": 1.0},
        "MNIST-1D (generated offline), MLP 40-100-100-10 (ReLU)",
    ),
    "mnist1d_cnn": (
        "mnist1d",
        "cnn",
        True,
        _CNN_PARAMS,
        {"target": 1.0},  # the MLP's target, so that their work to reach it compares
        "MNIST-1D (generated offline), the paper's CNN: 3 Conv1d(25) + ReLU, Linear 125-10",
    ),
}

#: The model problems, registered by :mod:`netopt.sweep.problems`.
PROBLEMS = [
    Problem(
        name,
        _model_problem(dataset, model, classify),
        metric="val_loss",
        params=params,
        options={**_COMMON, **options},
        doc=doc,
    )
    for name, (dataset, model, classify, params, options, doc) in _SPECS.items()
]
