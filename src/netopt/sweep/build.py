r"""Build an optimizer and a learning-rate scheduler from one trial's config.

The config's names are the sweep's (:mod:`netopt.sweep.params`); defaults are PyTorch's
(SGD's momentum 0, Adam's betas (0.9, 0.999), ...), so a config that names only ``lr``
runs the optimizer exactly as ``torch.optim`` would with that learning rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import optim
from ..optim import lr_scheduler

_CLASSES = {
    "sgd": optim.SGD,
    "adagrad": optim.Adagrad,
    "rmsprop": optim.RMSprop,
    "adam": optim.Adam,
    "adamw": optim.AdamW,
}

_PASS = ("momentum", "dampening", "nesterov", "weight_decay", "lr_decay", "eps", "alpha")
_PASS += ("centered", "amsgrad", "initial_accumulator_value")


def make_optimizer(params: Iterable[Any], config: Mapping[str, Any]) -> optim.Optimizer:
    """Return the netopt optimizer the config names (default ``"sgd"``) over ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> opt = make_optimizer([Parameter(np.zeros(2))], {"optimizer": "adam", "lr": 0.1,
    ...                                                  "beta1": 0.8})
    >>> type(opt).__name__, opt.param_groups[0]["betas"]
    ('Adam', (0.8, 0.999))
    """
    name = config.get("optimizer", "sgd")
    if name not in _CLASSES:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(_CLASSES)}")
    kwargs = {k: config[k] for k in _PASS if k in config}
    if "beta1" in config or "beta2" in config:
        kwargs["betas"] = (config.get("beta1", 0.9), config.get("beta2", 0.999))
    if "lr" in config:
        kwargs["lr"] = config["lr"]
    return _CLASSES[name](params, **kwargs)


def make_scheduler(optimizer: optim.Optimizer, config: Mapping[str, Any], horizon: int) -> Any:
    """Return the scheduler the config names (None for ``"constant"``).

    Parameters
    ----------
    optimizer : Optimizer
    config : mapping
        ``schedule`` in ``constant``, ``step`` (``step_size``, ``gamma`` default
        ``max(1, horizon // 3)`` and 0.1), ``exponential`` (``gamma``, default 0.95) or
        ``cosine`` (``T_max = horizon``, ``eta_min`` default 0).
    horizon : int
        The number of scheduler steps the trial will take.
    """
    schedule = config.get("schedule", "constant")
    if schedule == "constant":
        return None
    if schedule == "step":
        step_size = config.get("step_size", max(1, horizon // 3))
        return lr_scheduler.StepLR(optimizer, step_size, gamma=config.get("gamma", 0.1))
    if schedule == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=config.get("gamma", 0.95))
    if schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(1, horizon), eta_min=config.get("eta_min", 0.0)
        )
    raise ValueError(f"unknown schedule {schedule!r}")
