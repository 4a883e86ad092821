r"""The hyper-parameters a sweep may search, each with the check its values must pass.

Names follow PyTorch where PyTorch has them (``lr``, ``momentum``, ``weight_decay``,
``nesterov``, ``alpha``, ``eps``); Adam's ``betas`` are two parameters, ``beta1`` and
``beta2``, so that each can be searched on its own. Training parameters (``schedule``,
``batch_size``, ``init``, ``dropout``, ``l1``, ``l2``, ``seed``...) apply to every
optimizer; the optimizer's own parameters apply only to the optimizers that take them,
and naming one for another optimizer is an error, not a silently ignored value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validate import is_int, is_real

#: Every netopt optimizer a sweep can run, by its lower-case name.
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam", "adamw")

#: Parameters that belong to particular optimizers (``lr`` belongs to all of them).
OPTIMIZER_PARAMS: dict[str, frozenset[str]] = {
    "sgd": frozenset({"momentum", "dampening", "nesterov", "weight_decay"}),
    "adagrad": frozenset({"lr_decay", "weight_decay", "eps", "initial_accumulator_value"}),
    "rmsprop": frozenset({"alpha", "eps", "weight_decay", "momentum", "centered"}),
    "adam": frozenset({"beta1", "beta2", "eps", "weight_decay", "amsgrad"}),
    "adamw": frozenset({"beta1", "beta2", "eps", "weight_decay", "amsgrad"}),
}

#: Learning-rate schedules (``netopt.optim.lr_scheduler``) and the parameters of each.
SCHEDULES: dict[str, frozenset[str]] = {
    "constant": frozenset(),
    "step": frozenset({"step_size", "gamma"}),
    "exponential": frozenset({"gamma"}),
    "cosine": frozenset({"eta_min"}),
}

#: Weight initializers a model problem accepts (``"default"`` is the layer's own, torch's).
INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal")

#: Training parameters: which problems use them is declared by each problem.
TRAINING_PARAMS = frozenset(
    {"schedule", "step_size", "gamma", "eta_min", "batch_size", "init", "dropout", "l1", "l2"}
)


def _positive(name: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not is_real(value) or value <= 0:
            raise ValueError(f"Invalid {_label(name)}: {value!r} (must be a positive number)")

    return check


def _nonneg(name: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not is_real(value) or value < 0:
            raise ValueError(f"Invalid {_label(name)}: {value!r} (must be a number >= 0)")

    return check


def _unit(name: str, *, closed: bool) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        high_ok = value <= 1 if closed and is_real(value) else is_real(value) and value < 1
        if not is_real(value) or value < 0 or not high_ok:
            bound = "[0, 1]" if closed else "[0, 1)"
            raise ValueError(f"Invalid {_label(name)}: {value!r} (must lie in {bound})")

    return check


def _int_at_least(name: str, low: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not is_int(value) or value < low:
            raise ValueError(f"Invalid {_label(name)}: {value!r} (must be an int >= {low})")

    return check


def _flag(name: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"Invalid {_label(name)}: {value!r} (must be true or false)")

    return check


def _one_of(name: str, choices: tuple[str, ...]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in choices:
            raise ValueError(
                f"Invalid {_label(name)}: {value!r} (expected one of {', '.join(choices)})"
            )

    return check


def _gamma(value: Any) -> None:
    if not is_real(value) or not 0 < value <= 1:
        raise ValueError(f"Invalid gamma: {value!r} (must lie in (0, 1])")


_LABELS = {
    "lr": "learning rate",
    "momentum": "momentum value",
    "weight_decay": "weight_decay value",
    "eps": "epsilon value",
}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


#: name -> check(value) raising ValueError with the name and the bad value.
CHECKS: dict[str, Callable[[Any], None]] = {
    "optimizer": _one_of("optimizer", OPTIMIZERS),
    "lr": _positive("lr"),
    "momentum": _unit("momentum", closed=False),
    "dampening": _unit("dampening", closed=True),
    "nesterov": _flag("nesterov"),
    "weight_decay": _nonneg("weight_decay"),
    "lr_decay": _nonneg("lr_decay"),
    "initial_accumulator_value": _nonneg("initial_accumulator_value"),
    "eps": _positive("eps"),
    "alpha": _unit("alpha", closed=False),
    "centered": _flag("centered"),
    "beta1": _unit("beta1", closed=False),
    "beta2": _unit("beta2", closed=False),
    "amsgrad": _flag("amsgrad"),
    "schedule": _one_of("schedule", tuple(SCHEDULES)),
    "step_size": _int_at_least("step_size", 1),
    "gamma": _gamma,
    "eta_min": _nonneg("eta_min"),
    "batch_size": _int_at_least("batch_size", 1),
    "init": _one_of("init", INITS),
    "dropout": _unit("dropout", closed=False),
    "l1": _nonneg("l1"),
    "l2": _nonneg("l2"),
    "seed": _int_at_least("seed", 0),
}


def check_value(name: str, value: Any) -> None:
    """Raise ``ValueError`` naming ``name`` and ``value`` if the value is not allowed.

    Names the catalogue does not know (a user problem's own parameters) are not checked.

    Examples
    --------
    >>> check_value("lr", 0.1)
    >>> check_value("lr", -1.0)
    Traceback (most recent call last):
    ...
    ValueError: Invalid learning rate: -1.0 (must be a positive number)
    """
    check = CHECKS.get(name)
    if check is not None:
        check(value)


def check_applies(config: dict[str, Any], *, known_only: bool) -> None:
    """Raise ``ValueError`` when a parameter of ``config`` does not apply to its optimizer.

    Parameters
    ----------
    config : dict
        One trial's parameters (``optimizer`` among them when an optimizer is searched).
    known_only : bool
        Refuse names outside the catalogue (built-in problems) instead of passing them on
        (user problems).
    """
    optimizer = config.get("optimizer")
    schedule = config.get("schedule", "constant")
    owned = set().union(*OPTIMIZER_PARAMS.values())
    scheduled = set().union(*SCHEDULES.values())
    for name in config:
        if known_only and name not in CHECKS:
            raise ValueError(f"unknown hyper-parameter {name!r}")
        if name in owned and optimizer is not None and name not in OPTIMIZER_PARAMS[optimizer]:
            raise ValueError(f"hyper-parameter {name!r} does not apply to optimizer {optimizer!r}")
        if name in scheduled and name not in SCHEDULES.get(schedule, frozenset()):
            raise ValueError(f"hyper-parameter {name!r} does not apply to schedule {schedule!r}")
    if config.get("nesterov") and not config.get("momentum", 0) > 0:
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
