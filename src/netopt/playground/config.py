"""The playground's settings: one declared table, one validator, defaults and limits.

A browser sends a settings object; :func:`validate_config` checks every key against
:data:`SPEC` (type, range, choices) and returns a complete, clean copy, or raises
``ValueError`` naming the bad key and value. Unknown keys are refused, so a typo never
passes silently. The same table gives the defaults (:func:`default_config`) and the
limits that keep one browser tab's session small.
"""

from __future__ import annotations

from typing import Any

from .._validate import is_int, is_real
from .datasets import DATASETS, FEATURES

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "exponential", "cosine", "warm_restarts", "warmup", "plateau")

MAX_LAYERS = 6
MAX_UNITS = 16

#: key -> (kind, default, low or choices, high). Kinds: int, float, choice, bool.
SPEC: dict[str, tuple[Any, ...]] = {
    "dataset": ("choice", "circle", DATASETS),
    "n": ("int", 500, 20, 1000),
    "noise": ("float", 0.0, 0.0, 0.5),
    "train_ratio": ("float", 0.5, 0.1, 0.9),
    "batch": ("int", 10, 1, 1000),
    "activation": ("choice", "tanh", ACTIVATIONS),
    "reg": ("choice", "none", ("none", "l1", "l2")),
    "reg_rate": ("float", 0.0, 0.0, 1.0),
    "optimizer": ("choice", "sgd", OPTIMIZERS),
    "lr": ("float", 0.03, 1e-6, 10.0),
    "momentum": ("float", 0.9, 0.0, 0.999),
    "beta1": ("float", 0.9, 0.0, 0.999),
    "beta2": ("float", 0.999, 0.0, 0.9999),
    "alpha": ("float", 0.99, 0.0, 0.9999),
    "weight_decay": ("float", 0.0, 0.0, 1.0),
    "schedule": ("choice", "none", SCHEDULES),
    "step_size": ("int", 20, 1, 10000),
    "gamma": ("float", 0.5, 0.01, 1.0),
    "t_max": ("int", 100, 1, 10000),
    "warmup": ("int", 10, 1, 10000),
    "patience": ("int", 5, 0, 1000),
    "dropout": ("float", 0.0, 0.0, 0.9),
    "batchnorm": ("bool", False),
    "init": ("choice", "xavier", ("xavier", "he")),
    "init_scale": ("float", 1.0, 0.01, 10.0),
    "clip": ("choice", "none", ("none", "norm", "value")),
    "clip_value": ("float", 1.0, 1e-4, 100.0),
    "seed": ("int", 0, 0, 2**31 - 1),
    "grid": ("int", 50, 10, 100),
}


def default_config() -> dict[str, Any]:
    """The default settings: TF Playground's circle with a 2-[4,2]-1 tanh net.

    >>> default_config()["hidden"]
    [4, 2]
    """
    config = {key: spec[1] for key, spec in SPEC.items()}
    config["features"] = ["x1", "x2"]
    config["hidden"] = [4, 2]
    return config


def _check_value(key: str, value: Any) -> Any:
    """Check one scalar setting against its row of :data:`SPEC`."""
    kind, _default, *bounds = SPEC[key]
    if kind == "choice":
        if not isinstance(value, str) or value not in bounds[0]:
            raise ValueError(f"{key} must be one of {', '.join(bounds[0])}, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false, got {value!r}")
        return value
    low, high = bounds
    ok = is_int(value) if kind == "int" else is_real(value)
    if not ok or not low <= value <= high:
        raise ValueError(
            f"{key} must be a{'n integer' if kind == 'int' else ' number'} "
            f"in [{low}, {high}], got {value!r}"
        )
    return int(value) if kind == "int" else float(value)


def validate_config(raw: Any) -> dict[str, Any]:
    """Return a complete, checked copy of a settings object from the browser.

    Missing keys take their defaults; unknown keys, wrong types and values out of range
    raise ``ValueError`` with the key and the value.

    Raises
    ------
    ValueError
        On any bad key or value.

    Examples
    --------
    >>> validate_config({"hidden": [8, 8], "lr": 0.1})["hidden"]
    [8, 8]
    >>> validate_config({"lr": -1})
    Traceback (most recent call last):
    ...
    ValueError: lr must be a number in [1e-06, 10.0], got -1
    """
    if not isinstance(raw, dict):
        raise ValueError(f"config must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(SPEC) - {"features", "hidden"})
    if unknown:
        raise ValueError(f"unknown config key(s): {', '.join(map(str, unknown))}")
    config = default_config()
    for key, value in raw.items():
        if key in SPEC:
            config[key] = _check_value(key, value)
    hidden = raw.get("hidden", config["hidden"])
    if (
        not isinstance(hidden, list)
        or len(hidden) > MAX_LAYERS
        or not all(is_int(h) and 1 <= h <= MAX_UNITS for h in hidden)
    ):
        raise ValueError(
            f"hidden must be a list of at most {MAX_LAYERS} layer widths in [1, {MAX_UNITS}], "
            f"got {hidden!r}"
        )
    config["hidden"] = [int(h) for h in hidden]
    feats = raw.get("features", config["features"])
    if (
        not isinstance(feats, list)
        or not feats
        or not all(isinstance(f, str) and f in FEATURES for f in feats)
        or len(set(feats)) != len(feats)
    ):
        raise ValueError(f"features must be a non-empty list from {list(FEATURES)}, got {feats!r}")
    config["features"] = [f for f in FEATURES if f in feats]
    n_train = round(config["train_ratio"] * config["n"])
    if config["batch"] > n_train:
        raise ValueError(
            f"batch must be at most the {n_train} training points, got {config['batch']}"
        )
    if config["batchnorm"] and config["batch"] < 2:
        raise ValueError("batch norm needs batches of at least 2 points, got batch 1")
    return config
