r"""The declared parameter table of the MLP estimators and its checkers.

scikit-learn's rule: ``__init__`` stores its arguments untouched and ``fit`` validates them.
Each entry of :data:`PARAMETERS` maps a constructor argument to a checker
``check(owner, name, value) -> normalized value`` that raises ``ValueError`` naming the
argument and the bad value. The names, ranges and defaults are scikit-learn's
(``sklearn.neural_network.MLPClassifier``); the last block holds netopt's extras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._validate import is_int, is_real

Checker = Callable[[str, str, Any], Any]

#: scikit-learn's activations, then netopt's ("sigmoid" is "logistic").
ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "sigmoid", "leaky_relu", "elu")
#: scikit-learn's solvers, then netopt's other optimizers.
SOLVERS = ("lbfgs", "sgd", "adam", "adagrad", "rmsprop", "adamw", "nadam", "radam", "adamax")
STOCHASTIC_SOLVERS = SOLVERS[1:]
#: Solvers with Adam's moments: they take beta_1/beta_2/epsilon and ignore learning_rate.
ADAM_FAMILY = ("adam", "adamw", "nadam", "radam", "adamax")
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


def real(low: float, high: float = math.inf, *, low_open: bool = False, high_closed=False):
    """A checker for a finite real between ``low`` and ``high`` (ends as the flags say)."""
    expected = (
        f"a real number in {'(' if low_open else '['}{low}, {high}{']' if high_closed else ')'}"
    )

    def check(owner: str, name: str, value: Any) -> float:
        ok = is_real(value) and (value > low if low_open else value >= low)
        ok = ok and (value <= high if high_closed else value < high)
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


def verbose(owner: str, name: str, value: Any) -> int:
    """Check a bool or an int >= 0 (scikit-learn's ``verbose``)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if not is_int(value) or value < 0:
        raise _fail(owner, name, value, "a bool or an int >= 0")
    return int(value)


def patience(owner: str, name: str, value: Any) -> float:
    """Check an int >= 1 or ``numpy.inf`` (never stop on a plateau)."""
    if is_int(value) and value >= 1:
        return int(value)
    if isinstance(value, (float, np.floating)) and value == math.inf:
        return math.inf
    raise _fail(owner, name, value, "an int >= 1 or numpy.inf")


def mapping_or_none(owner: str, name: str, value: Any) -> dict[str, Any]:
    """Check a dict of keyword arguments with str keys, or None (an empty dict)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _fail(owner, name, value, "a dict with str keys, or None")
    return dict(value)


def positive_or_none(owner: str, name: str, value: Any) -> float | None:
    """Check None or a finite real > 0."""
    if value is None:
        return None
    return real(0.0, low_open=True)(owner, name, value)


def hidden_sizes(owner: str, name: str, value: Any) -> tuple[int, ...]:
    """Check an int or a sequence of ints >= 1 (an empty sequence: no hidden layer)."""
    sizes = (value,) if is_int(value) else value
    if isinstance(sizes, (str, bytes, Mapping)) or not hasattr(sizes, "__iter__"):
        raise _fail(owner, name, value, "a positive int or a sequence of positive ints")
    sizes = tuple(sizes)
    if not all(is_int(s) and s >= 1 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
    return tuple(int(s) for s in sizes)


def batch_size(owner: str, name: str, value: Any) -> int | str:
    """Check ``"auto"`` or an int >= 1."""
    if isinstance(value, str) and value == "auto":
        return "auto"
    if not is_int(value) or value < 1:
        raise _fail(owner, name, value, "'auto' or an int >= 1")
    return int(value)


def random_state(owner: str, name: str, value: Any) -> Any:
    """Check None, an int in ``[0, 2**32)``, a ``RandomState`` or a ``Generator``."""
    if value is None or isinstance(value, (np.random.Generator, np.random.RandomState)):
        return value
    if not is_int(value) or not 0 <= value < 2**32:
        raise _fail(owner, name, value, "None, an int in [0, 2**32), or a numpy random state")
    return int(value)


PARAMETERS: dict[str, Checker] = {
    # scikit-learn's
    "loss": one_of("squared_error", "poisson"),
    "hidden_layer_sizes": hidden_sizes,
    "activation": one_of(*ACTIVATIONS),
    "solver": one_of(*SOLVERS),
    "alpha": real(0.0),
    "batch_size": batch_size,
    "learning_rate": one_of("constant", "invscaling", "adaptive"),
    "learning_rate_init": real(0.0, low_open=True),
    "power_t": real(0.0),
    "max_iter": integer(1),
    "shuffle": boolean,
    "random_state": random_state,
    "tol": real(0.0),
    "verbose": verbose,
    "warm_start": boolean,
    "momentum": real(0.0, 1.0, high_closed=True),
    "nesterovs_momentum": boolean,
    "early_stopping": boolean,
    "validation_fraction": real(0.0, 1.0),
    "beta_1": real(0.0, 1.0),
    "beta_2": real(0.0, 1.0),
    "epsilon": real(0.0, low_open=True),
    "n_iter_no_change": patience,
    "max_fun": integer(1),
    # netopt's
    "optimizer_params": mapping_or_none,
    "schedule": one_of(*SCHEDULES),
    "schedule_params": mapping_or_none,
    "alpha_l1": real(0.0),
    "dropout": real(0.0, 1.0),
    "batch_norm": boolean,
    "clip_grad_norm": positive_or_none,
    "capture": boolean,
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
        Naming the first invalid parameter and its value; also when ``schedule`` is
        combined with a ``learning_rate`` other than ``"constant"`` (both would set the rate).

    Examples
    --------
    >>> validate("MLP", {"max_iter": 5, "activation": "tanh"})
    {'max_iter': 5, 'activation': 'tanh'}
    >>> validate("MLP", {"max_iter": 0})
    Traceback (most recent call last):
    ...
    ValueError: MLP: invalid max_iter=0; expected an int >= 1
    """
    out = {name: PARAMETERS[name](owner, name, value) for name, value in params.items()}
    if out.get("schedule", "constant") != "constant" and out.get("learning_rate") != "constant":
        raise ValueError(
            f"{owner}: schedule={out['schedule']!r} needs learning_rate='constant' "
            f"(got {out['learning_rate']!r}); both would set the learning rate"
        )
    return out


def make_random_state(value: Any) -> np.random.RandomState:
    r"""Turn a validated ``random_state`` into the ``RandomState`` that one ``fit`` draws from.

    The draws are scikit-learn's (its ``check_random_state``): an int seeds a fresh
    ``RandomState`` (every ``fit`` the same); a ``RandomState`` is used as it is (successive
    fits differ). Unlike scikit-learn, None seeds a fresh ``RandomState`` from the OS
    instead of sharing NumPy's global one, and a ``Generator`` seeds one from a draw.

    Examples
    --------
    >>> make_random_state(3).randint(100) == np.random.RandomState(3).randint(100)
    True
    """
    if isinstance(value, np.random.RandomState):
        return value
    if isinstance(value, np.random.Generator):
        return np.random.RandomState(int(value.integers(2**32)))
    return np.random.RandomState(value)
