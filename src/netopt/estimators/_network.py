r"""Factories by name: the MLP, its optimizer and its learning-rate schedule.

The estimators name their parts with strings (scikit-learn's habit, so a grid search can
range over them); these functions turn the names and their keyword dicts into netopt
objects, checking the keywords against the constructor so a typo is an error, not a no-op.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import nn
from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop
from ..optim import lr_scheduler as sched

_ACTIVATION_LAYERS = {
    "logistic": nn.Sigmoid,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}

# name -> (class, defaults the name implies)
_OPTIMIZERS: dict[str, tuple[type, dict[str, Any]]] = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (Adagrad, {}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
}

_SCHEDULES: dict[str, Any] = {
    "step": sched.StepLR,
    "exponential": sched.ExponentialLR,
    "cosine": sched.CosineAnnealingLR,
    "cosine_restarts": sched.CosineAnnealingWarmRestarts,
    "plateau": sched.ReduceLROnPlateau,
}


def _schedule_defaults(name: str, max_iter: int) -> dict[str, Any]:
    """Defaults that make each schedule do something within ``max_iter`` epochs."""
    return {
        "step": {"step_size": max(1, max_iter // 3), "gamma": 0.1},
        "exponential": {"gamma": 0.95},
        "cosine": {"T_max": max_iter},
        "cosine_restarts": {"T_0": max(1, max_iter // 4)},
        "plateau": {},
    }[name]


def _check_keywords(owner: str, what: str, cls: type, given: Mapping[str, Any]) -> None:
    params = inspect.signature(cls).parameters
    allowed = [p for p in params if p not in ("params", "optimizer", "lr", "last_epoch")]
    unknown = [k for k in given if k not in allowed]
    if unknown:
        raise ValueError(
            f"{owner}: {what} has no parameter(s) {unknown} for {cls.__name__}; "
            f"valid ones are {allowed}"
        )


def build_mlp(
    n_in: int,
    hidden: Sequence[int],
    n_out: int,
    *,
    activation: str,
    batch_norm: bool,
    dropout: float,
    init_rng: np.random.Generator,
    dropout_rng: np.random.Generator,
) -> nn.Sequential:
    r"""Build ``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer, then a
    last ``Linear`` to ``n_out`` outputs (logits or regression values).

    Parameters
    ----------
    n_in, n_out : int
        Input features and outputs.
    hidden : sequence of int
        Widths of the hidden layers (empty: a linear model).
    activation : str
        A key of the activation table (``"logistic"`` is ``"sigmoid"``).
    batch_norm : bool
        Insert :class:`~netopt.nn.BatchNorm1d` before each activation.
    dropout : float
        Drop probability after each hidden activation (0: no dropout layer).
    init_rng, dropout_rng : numpy.random.Generator
        Streams for the weights and for the dropout masks.

    Returns
    -------
    netopt.nn.Sequential
        In float32, as every netopt layer by default.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> m = build_mlp(4, (8,), 3, activation="tanh", batch_norm=True, dropout=0.5,
    ...               init_rng=rng, dropout_rng=rng)
    >>> [type(layer).__name__ for layer in m]
    ['Linear', 'BatchNorm1d', 'Tanh', 'Dropout', 'Linear']
    """
    layers: list[nn.Module] = []
    width = n_in
    for size in hidden:
        layers.append(nn.Linear(width, size, rng=init_rng))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(_ACTIVATION_LAYERS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout, rng=dropout_rng))
        width = size
    layers.append(nn.Linear(width, n_out, rng=init_rng))
    return nn.Sequential(*layers)


def build_optimizer(
    owner: str, name: str, params: Any, lr: float, options: Mapping[str, Any]
) -> Any:
    r"""Build the optimizer ``name`` over ``params`` with learning rate ``lr``.

    ``"momentum"`` and ``"nesterov"`` are :class:`~netopt.optim.SGD` with ``momentum=0.9``
    (and ``nesterov=True``); ``options`` overrides any default.

    Parameters
    ----------
    owner : str
        The estimator's name, for messages.
    name : str
        A key of the optimizer table.
    params : iterable of Parameter
    lr : float
    options : mapping
        Extra keyword arguments of the optimizer's constructor.

    Returns
    -------
    netopt.optim.Optimizer

    Raises
    ------
    ValueError
        On a keyword the optimizer does not take (``lr`` included: use
        ``learning_rate_init``), or a value it refuses.

    Examples
    --------
    >>> opt = build_optimizer("MLP", "nesterov", nn.Linear(2, 1).parameters(), 0.1, {})
    >>> opt.param_groups[0]["momentum"], opt.param_groups[0]["nesterov"]
    (0.9, True)
    """
    cls, defaults = _OPTIMIZERS[name]
    _check_keywords(owner, "optimizer_params", cls, options)
    try:
        return cls(params, lr=lr, **{**defaults, **options})
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: optimizer={name!r} refused its arguments: {err}") from err


def build_scheduler(
    owner: str, name: str, optimizer: Any, options: Mapping[str, Any], max_iter: int
) -> Any:
    r"""Build the per-epoch learning-rate schedule ``name`` (None for ``"constant"``).

    Defaults, each overridable through ``options``: ``"step"`` decays by 0.1 every
    ``max_iter // 3`` epochs; ``"exponential"`` by 0.95 per epoch; ``"cosine"`` anneals over
    ``max_iter`` epochs; ``"cosine_restarts"`` restarts every ``max_iter // 4`` epochs;
    ``"plateau"`` is :class:`~netopt.optim.lr_scheduler.ReduceLROnPlateau`'s defaults.

    Parameters
    ----------
    owner : str
    name : str
        A key of the schedule table, or ``"constant"``.
    optimizer : netopt.optim.Optimizer
    options : mapping
        Keyword arguments of the scheduler's constructor.
    max_iter : int
        Epochs of training.

    Returns
    -------
    LRScheduler or None

    Raises
    ------
    ValueError
        On a keyword the scheduler does not take, or a value it refuses; on options given
        with ``"constant"``.

    Examples
    --------
    >>> opt = SGD(nn.Linear(2, 1).parameters(), lr=1.0)
    >>> type(build_scheduler("MLP", "cosine", opt, {}, 10)).__name__
    'CosineAnnealingLR'
    """
    if name == "constant":
        if options:
            raise ValueError(f"{owner}: schedule='constant' takes no schedule_params: {options}")
        return None
    cls = _SCHEDULES[name]
    _check_keywords(owner, "schedule_params", cls, options)
    try:
        return cls(optimizer, **{**_schedule_defaults(name, max_iter), **options})
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: schedule={name!r} refused its arguments: {err}") from err
