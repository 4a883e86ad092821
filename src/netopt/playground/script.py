""" "Copy as Python": the netopt script that reproduces a network-panel run exactly.

:func:`python_script` writes, from checked settings and the number of epochs trained, a
stand-alone script with the same seed streams, the same layers built in the same order,
the same optimizer, schedule, penalty and clipping, and the same loop as
:class:`~netopt.playground.trainer.Trainer`; run it and it prints the train and test
losses the page shows, to the last digit.
"""

from __future__ import annotations

import json
from typing import Any

from .datasets import CLASSIFICATION
from .trainer import ACTIVATION_LAYERS, GAIN_NAMES

_OPTIMIZER_LINES = {
    "sgd": "SGD(model.parameters(), lr={lr!r}, weight_decay={weight_decay!r})",
    "momentum": "SGD(model.parameters(), lr={lr!r}, momentum={momentum!r}, "
    "weight_decay={weight_decay!r})",
    "nesterov": "SGD(model.parameters(), lr={lr!r}, momentum={momentum!r}, nesterov=True, "
    "weight_decay={weight_decay!r})",
    "adagrad": "Adagrad(model.parameters(), lr={lr!r}, weight_decay={weight_decay!r})",
    "rmsprop": "RMSprop(model.parameters(), lr={lr!r}, alpha={alpha!r}, "
    "weight_decay={weight_decay!r})",
    "adam": "Adam(model.parameters(), lr={lr!r}, betas=({beta1!r}, {beta2!r}), "
    "weight_decay={weight_decay!r})",
    "adamw": "AdamW(model.parameters(), lr={lr!r}, betas=({beta1!r}, {beta2!r}), "
    "weight_decay={weight_decay!r})",
}
_SCHEDULE_LINES = {
    "none": "None",
    "step": "lr_scheduler.StepLR(optimizer, step_size={step_size!r}, gamma={gamma!r})",
    "exponential": "lr_scheduler.ExponentialLR(optimizer, gamma={gamma!r})",
    "cosine": "lr_scheduler.CosineAnnealingLR(optimizer, T_max={t_max!r})",
    "warm_restarts": "lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0={t_max!r})",
    "warmup": "lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters={warmup!r})",
    "plateau": "lr_scheduler.ReduceLROnPlateau(optimizer, factor={gamma!r}, patience={patience!r})",
}
_CLASS_NAMES = {key: cls.__name__ for key, cls in ACTIVATION_LAYERS.items()}


def _model_lines(config: dict[str, Any]) -> list[str]:
    """The ``nn.Sequential(...)`` call, one hidden layer per line."""
    lines = ["model = nn.Sequential("]
    width = len(config["features"])
    for units in config["hidden"]:
        parts = [f"linear({width}, {units})"]
        if config["batchnorm"]:
            parts.append(f"nn.BatchNorm1d({units})")
        parts.append(f"nn.{_CLASS_NAMES[config['activation']]}()")
        if config["dropout"] > 0:
            parts.append(f"nn.Dropout({config['dropout']!r}, rng=dropout_rng)")
        lines.append("    " + ", ".join(parts) + ",")
        width = units
    lines += [f"    linear({width}, 1),", ")"]
    return lines


def _init_lines(config: dict[str, Any]) -> list[str]:
    """The ``linear(width, units)`` helper: the weight initialisation of the run."""
    if config["init"] == "xavier":
        gain = f'nn.init.calculate_gain("{GAIN_NAMES[config["activation"]]}")'
        init = f"nn.init.xavier_normal_(layer.weight, gain={gain}, rng=init_rng)"
    else:
        init = 'nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", rng=init_rng)'
    return [
        "def linear(width, units):",
        '    """A Linear layer initialised as in the playground."""',
        "    layer = nn.Linear(width, units, rng=init_rng)",
        f"    {init}",
        f"    layer.weight.data[...] *= {config['init_scale']!r}",
        "    nn.init.zeros_(layer.bias)",
        "    return layer",
    ]


def _step_lines(config: dict[str, Any]) -> list[str]:
    """The body of one mini-batch step (penalty and clipping as configured)."""
    pad = " " * 8
    lines = [
        f"{pad}index = order[start : start + batch]",
        f"{pad}optimizer.zero_grad()",
        f"{pad}loss = loss_fn(model(x_train[index]), y_train[index])",
    ]
    if config["reg"] != "none":
        lines.append(f"{pad}loss = loss + {config['reg_rate']!r} * {config['reg']}_penalty(model)")
    lines.append(f"{pad}loss.backward()")
    if config["clip"] == "norm":
        lines.append(f"{pad}nn.utils.clip_grad_norm_(model.parameters(), {config['clip_value']!r})")
    elif config["clip"] == "value":
        lines.append(
            f"{pad}nn.utils.clip_grad_value_(model.parameters(), {config['clip_value']!r})"
        )
    lines.append(f"{pad}optimizer.step()")
    return lines


def python_script(config: dict[str, Any], epochs: int) -> str:
    """Return the netopt script that reproduces ``epochs`` epochs of the run of ``config``.

    Parameters
    ----------
    config : dict
        Checked settings (:func:`~netopt.playground.config.validate_config`).
    epochs : int
        Number of epochs trained so far.

    Returns
    -------
    str
        Python source; running it prints ``epochs E train_loss L test_loss T``.

    Examples
    --------
    >>> from netopt.playground.config import default_config
    >>> "nn.Tanh()" in python_script(default_config(), 3)
    True
    """
    c = config
    optimizer = _OPTIMIZER_LINES[c["optimizer"]].format(**c)
    optimizer_class = optimizer.split("(")[0]
    schedule = _SCHEDULE_LINES[c["schedule"]].format(**c)
    loss = "nn.BCEWithLogitsLoss()" if c["dataset"] in CLASSIFICATION else "nn.MSELoss()"
    if c["schedule"] == "plateau":
        schedule_step = ["    scheduler.step(train_loss)"]
    elif c["schedule"] != "none":
        schedule_step = ["    scheduler.step()"]
    else:
        schedule_step = []
    penalty = []
    if c["reg"] != "none":
        penalty = [f"from netopt.regularization import {c['reg']}_penalty"]
    lines = [
        f'"""netopt playground run: {c["dataset"]}, {epochs} epochs (copied from the page)."""',
        "",
        "import numpy as np",
        "",
        "import netopt",
        "from netopt import nn",
        f"from netopt.optim import {optimizer_class}, lr_scheduler",
        "from netopt.playground.datasets import features, make_dataset",
        *penalty,
        "",
        f"EPOCHS = {epochs}",
        f"FEATURES = {json.dumps(c['features'])}",
        f"data_ss, init_ss, shuffle_ss, dropout_ss = np.random.SeedSequence({c['seed']}).spawn(4)",
        "xy_train, y_train, xy_test, y_test = make_dataset(",
        f"    {json.dumps(c['dataset'])}, {c['n']}, {c['noise']!r}, {c['train_ratio']!r}, "
        "np.random.default_rng(data_ss)",
        ")",
        "x_train = netopt.tensor(features(xy_train, FEATURES))",
        "y_train = netopt.tensor(y_train.astype(np.float32)[:, None])",
        "x_test = netopt.tensor(features(xy_test, FEATURES))",
        "y_test = netopt.tensor(y_test.astype(np.float32)[:, None])",
        "init_rng = np.random.default_rng(init_ss)",
        "shuffle_rng = np.random.default_rng(shuffle_ss)",
        "dropout_rng = np.random.default_rng(dropout_ss)",
        "",
        "",
        *_init_lines(c),
        "",
        "",
        *_model_lines(c),
        f"optimizer = {optimizer}",
        f"scheduler = {schedule}",
        f"loss_fn = {loss}",
        f"batch = {c['batch']}",
        "n_train = x_train.shape[0]",
        "",
        "",
        "def evaluate():",
        '    """Train and test loss in eval mode."""',
        "    model.eval()",
        "    with netopt.no_grad():",
        "        return (",
        "            loss_fn(model(x_train), y_train).item(),",
        "            loss_fn(model(x_test), y_test).item(),",
        "        )",
        "",
        "",
        "train_loss, test_loss = evaluate()",
        "for epoch in range(EPOCHS):",
        "    model.train()",
        "    order = shuffle_rng.permutation(n_train)",
        "    for start in range(0, n_train - batch + 1, batch):",
        *_step_lines(c),
        "    train_loss, test_loss = evaluate()",
        *schedule_step,
        'print(f"epochs {EPOCHS} train_loss {train_loss!r} test_loss {test_loss!r}")',
        "",
    ]
    return "\n".join(lines)
