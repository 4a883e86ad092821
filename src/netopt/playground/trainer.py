"""One playground run: data, network, optimizer and schedule built from checked settings.

:class:`Trainer` is the server-side state of one browser tab's network panel. Everything
is netopt's own math: an :class:`~netopt.nn.Sequential` of Linear / BatchNorm1d /
activation / Dropout layers, a :mod:`netopt.optim` optimizer, a
:mod:`netopt.optim.lr_scheduler` schedule stepped once per epoch, L1/L2 penalties from
:mod:`netopt.regularization` and clipping from :mod:`netopt.nn.utils`.

One *epoch* shuffles the training points and takes ``n_train // batch`` optimizer steps on
full mini-batches (the last, partial batch is dropped, so BatchNorm never sees a batch of
one). The randomness comes from one seed: ``SeedSequence(seed).spawn(4)`` gives the
streams for the data, the initial weights, the shuffling and the dropout masks, so the
script of :mod:`netopt.playground.script` reproduces a run number for number.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.diagnose import layer_stats
from netopt.optim import SGD, Adagrad, Adam, AdamW, RMSprop, lr_scheduler
from netopt.regularization import l1_penalty, l2_penalty

from .datasets import CLASSIFICATION, features, grid, make_dataset

ACTIVATION_LAYERS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}
#: Activation -> the ``nonlinearity`` name of :func:`netopt.nn.init.calculate_gain`.
GAIN_NAMES = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "elu": "relu",
}


def build_model(config: dict[str, Any], init_rng, dropout_rng) -> nn.Sequential:
    """The network of ``config``: Linear [-> BatchNorm1d] -> activation [-> Dropout] per
    hidden layer, then a Linear to one output. Weights: Xavier-normal with the activation's
    gain, or He-normal (fan-in), times ``init_scale``; biases zero."""
    layers: list[nn.Module] = []
    width = len(config["features"])
    for units in config["hidden"]:
        layers.append(_linear(width, units, config, init_rng))
        if config["batchnorm"]:
            layers.append(nn.BatchNorm1d(units))
        layers.append(ACTIVATION_LAYERS[config["activation"]]())
        if config["dropout"] > 0:
            layers.append(nn.Dropout(config["dropout"], rng=dropout_rng))
        width = units
    layers.append(_linear(width, 1, config, init_rng))
    return nn.Sequential(*layers)


def _linear(width: int, units: int, config: dict[str, Any], rng) -> nn.Linear:
    """A Linear layer with Xavier or He weights times ``init_scale`` and zero biases."""
    linear = nn.Linear(width, units, rng=rng)
    weight = linear.weight
    if config["init"] == "xavier":
        gain = nn.init.calculate_gain(GAIN_NAMES[config["activation"]])
        nn.init.xavier_normal_(weight, gain=gain, rng=rng)
    else:
        nn.init.kaiming_normal_(weight, nonlinearity="relu", rng=rng)
    weight._data[...] *= config["init_scale"]
    nn.init.zeros_(linear.bias)
    return linear


def build_optimizer(config: dict[str, Any], params) -> Any:
    """The optimizer of ``config`` over ``params``."""
    name, lr, wd = config["optimizer"], config["lr"], config["weight_decay"]
    betas = (config["beta1"], config["beta2"])
    if name == "sgd":
        return SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return SGD(
            params,
            lr=lr,
            momentum=config["momentum"],
            nesterov=name == "nesterov",
            weight_decay=wd,
        )
    if name == "adagrad":
        return Adagrad(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return RMSprop(params, lr=lr, alpha=config["alpha"], weight_decay=wd)
    if name == "adam":
        return Adam(params, lr=lr, betas=betas, weight_decay=wd)
    return AdamW(params, lr=lr, betas=betas, weight_decay=wd)


def build_scheduler(config: dict[str, Any], optimizer) -> Any:
    """The per-epoch learning-rate schedule of ``config``, or None."""
    kind = config["schedule"]
    if kind == "step":
        return lr_scheduler.StepLR(optimizer, step_size=config["step_size"], gamma=config["gamma"])
    if kind == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=config["gamma"])
    if kind == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["t_max"])
    if kind == "warm_restarts":
        return lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=config["t_max"])
    if kind == "warmup":
        return lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=config["warmup"])
    if kind == "plateau":
        return lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=config["gamma"], patience=config["patience"]
        )
    return None


def lr_preview(config: dict[str, Any], epochs: int = 200) -> list[float] | None:
    """The schedule's learning rate over the first ``epochs`` epochs (None for plateau,
    whose curve depends on the losses and is drawn as it happens)."""
    if config["schedule"] == "plateau":
        return None
    optimizer = SGD([nn.Parameter(netopt.zeros(1))], lr=config["lr"])
    scheduler = build_scheduler(config, optimizer)
    curve = []
    for _ in range(epochs):
        curve.append(float(optimizer.param_groups[0]["lr"]))
        if scheduler is not None:
            scheduler.step()
    return curve


class Trainer:
    """The state of one network-panel run, advanced an epoch at a time.

    Parameters
    ----------
    config : dict
        Settings already checked by :func:`~netopt.playground.config.validate_config`.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        data_ss, init_ss, shuffle_ss, dropout_ss = np.random.SeedSequence(config["seed"]).spawn(4)
        xy_train, y_train, xy_test, y_test = make_dataset(
            config["dataset"],
            config["n"],
            config["noise"],
            config["train_ratio"],
            np.random.default_rng(data_ss),
        )
        self.points = {"train": (xy_train, y_train), "test": (xy_test, y_test)}
        self.x_train = netopt.tensor(features(xy_train, config["features"]))
        self.y_train = netopt.tensor(y_train.astype(np.float32)[:, None])
        self.x_test = netopt.tensor(features(xy_test, config["features"]))
        self.y_test = netopt.tensor(y_test.astype(np.float32)[:, None])
        self.shuffle_rng = np.random.default_rng(shuffle_ss)
        self.model = build_model(
            config, np.random.default_rng(init_ss), np.random.default_rng(dropout_ss)
        )
        self.optimizer = build_optimizer(config, self.model.parameters())
        self.scheduler = build_scheduler(config, self.optimizer)
        self.classify = config["dataset"] in CLASSIFICATION
        self.loss_fn = nn.BCEWithLogitsLoss() if self.classify else nn.MSELoss()
        self.grid_x = netopt.tensor(features(grid(config["grid"]), config["features"]))
        self.epoch = 0
        self.steps = 0
        self.lr_history: list[float] = []
        self.losses = self.evaluate()

    def train_epoch(self) -> None:
        """One epoch of mini-batch steps, then one step of the schedule."""
        config = self.config
        self.model.train()
        n_train = self.x_train.shape[0]
        batch = config["batch"]
        order = self.shuffle_rng.permutation(n_train)
        self.lr_history.append(float(self.optimizer.param_groups[0]["lr"]))
        with np.errstate(all="ignore"):  # a diverging run shows as a non-finite loss
            self._steps(order, batch)
        self.epoch += 1
        self.losses = self.evaluate()
        if config["schedule"] == "plateau":
            self.scheduler.step(self.losses[0])
        elif self.scheduler is not None:
            self.scheduler.step()

    def _steps(self, order: np.ndarray, batch: int) -> None:
        """The optimizer steps of one epoch, on full mini-batches in ``order``."""
        config = self.config
        for start in range(0, len(order) - batch + 1, batch):
            index = order[start : start + batch]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(self.x_train[index]), self.y_train[index])
            if config["reg"] == "l1":
                loss = loss + config["reg_rate"] * l1_penalty(self.model)
            elif config["reg"] == "l2":
                loss = loss + config["reg_rate"] * l2_penalty(self.model)
            loss.backward()
            if config["clip"] == "norm":
                nn.utils.clip_grad_norm_(self.model.parameters(), config["clip_value"])
            elif config["clip"] == "value":
                nn.utils.clip_grad_value_(self.model.parameters(), config["clip_value"])
            self.optimizer.step()
            self.steps += 1

    def evaluate(self) -> tuple[float, float]:
        """Train and test loss in eval mode (the data loss, without the penalty)."""
        self.model.eval()
        with netopt.no_grad(), np.errstate(all="ignore"):
            train = self.loss_fn(self.model(self.x_train), self.y_train).item()
            test = self.loss_fn(self.model(self.x_test), self.y_test).item()
        return float(train), float(test)

    def surface(self) -> np.ndarray:
        """The output on the grid, as uint8: probability x 255 for a classifier, the
        output clipped to [-1, 1] and mapped to [0, 255] for a regressor."""
        self.model.eval()
        with netopt.no_grad(), np.errstate(all="ignore"):
            out = self.model(self.grid_x).numpy()[:, 0].astype(np.float64)
        if self.classify:
            value = 0.5 * (1.0 + np.tanh(0.5 * out))  # the sigmoid, without overflow
        else:
            value = (np.clip(out, -1.0, 1.0) + 1.0) / 2.0
        return np.nan_to_num(np.round(value * 255.0), nan=128.0).astype(np.uint8)

    def scores(self) -> tuple[float, float]:
        """Accuracy (classification) or R^2 (regression) on the train and test sets."""
        self.model.eval()
        out = []
        with netopt.no_grad(), np.errstate(all="ignore"):
            for x, y in ((self.x_train, self.y_train), (self.x_test, self.y_test)):
                pred, target = self.model(x).numpy()[:, 0], y.numpy()[:, 0]
                if self.classify:
                    out.append(float(np.mean((pred > 0) == (target > 0.5))))
                else:
                    spread = float(np.sum((target - target.mean()) ** 2)) or 1.0
                    out.append(1.0 - float(np.sum((target - pred) ** 2)) / spread)
        return out[0], out[1]

    def unit_maps(self, resolution: int = 16) -> list[str]:
        """The input features and each hidden unit's output over a coarse grid: for the
        inputs and then per hidden layer, base64 of uint8 (units x resolution**2,
        row-major), each unit scaled by its largest magnitude to [-1, 1] and mapped to
        [0, 255]."""
        self.model.eval()
        x = netopt.tensor(features(grid(resolution), self.config["features"]))

        def encode(values: np.ndarray) -> str:
            a = np.nan_to_num(values.astype(np.float64)).T
            scale = np.maximum(np.abs(a).max(axis=1, keepdims=True), 1e-12)
            level = np.round((a / scale + 1.0) * 127.5).astype(np.uint8)
            return base64.b64encode(level.tobytes()).decode("ascii")

        maps = [encode(x.numpy())]
        with netopt.no_grad(), np.errstate(all="ignore"):
            for layer in self.model:
                x = layer(x)
                if isinstance(layer, tuple(ACTIVATION_LAYERS.values())):
                    maps.append(encode(x.numpy()))
        return maps

    def probe(self) -> dict[str, Any]:
        """Per-layer gradient norms of the data loss on the whole training set (eval mode,
        state untouched), saturation / dead fractions, and the weights for drawing links;
        ``stats`` is :func:`~netopt.diagnose.layer_stats` and ``named_norms`` the
        ``grad_norms`` entry of a history record, for :mod:`netopt.diagnose`."""
        self.model.eval()
        self.optimizer.zero_grad()
        with np.errstate(all="ignore"):
            self.loss_fn(self.model(self.x_train), self.y_train).backward()
        linears = [(n, m) for n, m in self.model.named_children() if isinstance(m, nn.Linear)]
        norms = [float(np.linalg.norm(np.asarray(m.weight._grad))) for _, m in linears]
        named = {f"{name}.weight": norm for (name, _), norm in zip(linears, norms)}
        stats = layer_stats(self.model, self.x_train.numpy()[:200], grad_norms=named)
        self.optimizer.zero_grad()
        fractions = [
            entry.get("saturated", entry.get("dead"))
            for entry in stats["layers"]
            if entry["type"] != "Linear"
        ]
        return {
            "stats": stats,
            "named_norms": named,
            "grad_norms": [n if np.isfinite(n) else None for n in norms],
            "saturation": fractions,
            "weights": [
                np.round(np.nan_to_num(m.weight.detach().numpy().astype(np.float64)), 4).tolist()
                for _, m in linears
            ],
        }
