r"""The declared parameter table of the MLP estimators and its checkers.

scikit-learn's rule: ``__init__`` stores its arguments untouched and ``fit`` validates them.
Each entry of :data:`PARAMETERS` maps a constructor argument to a checker
``check(owner, name, value) -> normalized value`` that raises ``ValueError`` (or
``TypeError`` for a value of the wrong kind) naming the argument and the bad value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._validate import is_int, is_real

Checker = Callable[[str, str, Any], Any]

ACTIVATIONS = ("logistic", "sigmoid", "tanh", "relu", "leaky_relu", "elu")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "exponential", "cosine", "cosine_restarts", "plateau")


def _fail(owner: str, name: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"{owner}: invalid {name}={value!r}; expected {expected}")


def integer(low: int) -> Checker:
    """A checker for an int ``>= low``."""

    def check(owner: str, name: str, value: Any) -> int:
        if not is_int(value) or value < low:
            raise _fail(owner, name, value, f"an int >= {low}")
        return int(value)

    return check


def real(low: float, high: float = math.inf, *, low_open: bool = False) -> Checker:
    """A checker for a finite real in ``[low, high)`` (``(low, high)`` with ``low_open``)."""
    left = "(" if low_open else "["
    expected = f"a real number in {left}{low}, {high})"

    def check(owner: str, name: str, value: Any) -> float:
        ok = is_real(value) and value < high
        ok = ok and (value > low if low_open else value >= low)
        if not ok:
            raise _fail(owner, name, value, expected)
        return float(value)

    return check


def one_of(*options: str) -> Checker:
    """A checker for one of the strings ``options``."""

    def check(owner: str, name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise _fail(owner, name, value, f"one of {list(options)}")
        return value

    return check


def boolean(owner: str, name: str, value: Any) -> bool:
    """Check a bool (NumPy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(owner, name, value, "a bool")
    return bool(value)


def mapping_or_none(owner: str, name: str, value: Any) -> dict[str, Any]:
    """Check a dict of keyword arguments with str keys, or None (an empty dict)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _fail(owner, name, value, "a dict with str keys, or None")
    return dict(value)


def hidden_sizes(owner: str, name: str, value: Any) -> tuple[int, ...]:
    """Check an int or a sequence of ints >= 1 (an empty sequence: no hidden layer)."""
    sizes = (value,) if is_int(value) else value
    if isinstance(sizes, (str, bytes, Mapping)) or not hasattr(sizes, "__iter__"):
        raise _fail(owner, name, value, "a positive int or a sequence of positive ints")
    sizes = tuple(sizes)
    if not all(is_int(s) and s >= 1 for s in sizes):
        raise _fail(owner, name, value, "a positive int or a sequence of positive ints")
    return tuple(int(s) for s in sizes)


def batch_size(owner: str, name: str, value: Any) -> int | str:
    """Check ``"auto"`` or an int >= 1."""
    if value == "auto" and isinstance(value, str):
        return "auto"
    if not is_int(value) or value < 1:
        raise _fail(owner, name, value, "'auto' or an int >= 1")
    return int(value)


def random_state(owner: str, name: str, value: Any) -> Any:
    """Check None, an int >= 0, a ``numpy.random.Generator`` or ``RandomState``."""
    if value is None or isinstance(value, (np.random.Generator, np.random.RandomState)):
        return value
    if not is_int(value) or value < 0:
        raise _fail(owner, name, value, "None, an int >= 0, or a numpy random generator")
    return int(value)


PARAMETERS: dict[str, Checker] = {
    "hidden_layer_sizes": hidden_sizes,
    "activation": one_of(*ACTIVATIONS),
    "optimizer": one_of(*OPTIMIZERS),
    "learning_rate_init": real(0.0, low_open=True),
    "optimizer_params": mapping_or_none,
    "schedule": one_of(*SCHEDULES),
    "schedule_params": mapping_or_none,
    "batch_size": batch_size,
    "max_iter": integer(1),
    "alpha": real(0.0),
    "alpha_l1": real(0.0),
    "dropout": real(0.0, 1.0),
    "batch_norm": boolean,
    "early_stopping": boolean,
    "validation_fraction": real(0.0, 1.0, low_open=True),
    "n_iter_no_change": integer(1),
    "tol": real(0.0),
    "shuffle": boolean,
    "random_state": random_state,
}


def validate(owner: str, params: Mapping[str, Any]) -> dict[str, Any]:
    r"""Check every parameter against :data:`PARAMETERS`; return the normalized values.

    Parameters
    ----------
    owner : str
        The estimator's class name, for the messages.
    params : mapping
        ``estimator.get_params(deep=False)``.

    Returns
    -------
    dict
        The normalized values (tuples for layer sizes, dicts for ``*_params``).

    Raises
    ------
    ValueError
        Naming the first invalid parameter and its value.

    Examples
    --------
    >>> validate("MLP", {"max_iter": 5, "activation": "tanh"})
    {'max_iter': 5, 'activation': 'tanh'}
    >>> validate("MLP", {"max_iter": 0})
    Traceback (most recent call last):
    ...
    ValueError: MLP: invalid max_iter=0; expected an int >= 1
    """
    return {name: PARAMETERS[name](owner, name, value) for name, value in params.items()}


def seed_sequence(random_state: Any) -> np.random.SeedSequence:
    r"""Turn a validated ``random_state`` into a :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        None: fresh OS entropy. An int: that seed, so every ``fit`` is the same. A generator:
        one 63-bit draw from it (so successive fits differ, as scikit-learn's convention for
        ``RandomState`` instances).

    Returns
    -------
    numpy.random.SeedSequence

    Examples
    --------
    >>> seed_sequence(3).entropy
    3
    """
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(2**31)))
    return np.random.SeedSequence(int(random_state))
