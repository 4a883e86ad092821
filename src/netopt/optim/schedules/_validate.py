r"""Argument checks of the pure schedules, also used by :mod:`netopt.optim.lr_scheduler`.

Every check raises :class:`ValueError` naming the argument and the bad value, in
PyTorch's wording where PyTorch has one (``Invalid learning rate: -1.0``, ``Expected
positive integer T_0, but got 0``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from ..._validate import is_int, is_real

Schedule = Callable[[float], float]
"""A pure learning-rate schedule: step (epoch or batch count, fractional allowed) -> value."""


def check_int(name: str, value: Any, minimum: int) -> int:
    r"""Return ``value`` as an int if it is an integer :math:`\ge` ``minimum``, else raise.

    ``ValueError("Expected positive integer step_size, but got 0")``: ``minimum`` 1 reads
    "positive", 0 "non-negative" (PyTorch's wording).

    >>> check_int("step_size", 3, 1)
    3
    """
    if not is_int(value) or value < minimum:
        kind = {0: "non-negative integer", 1: "positive integer"}.get(
            minimum, f"integer >= {minimum}"
        )
        raise ValueError(f"Expected {kind} {name}, but got {value}")
    return int(value)


def check_lr(value: Any, name: str = "learning rate") -> float:
    r"""Return ``value`` unchanged if it is a finite number :math:`\ge 0`, else raise.

    ``ValueError(f"Invalid {name}: {value}")``, PyTorch's ``Invalid learning rate: -1.0``
    by default. The value is returned unchanged so that float arithmetic matches PyTorch's.

    >>> check_lr(0.05)
    0.05
    """
    if not is_real(value) or value < 0:
        raise ValueError(f"Invalid {name}: {value}")
    return value


def check_factor(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    message: str | None = None,
):
    r"""Return ``value`` unchanged if it lies in ``[low, high]`` (``(low, high]`` if ``open_low``).

    ``ValueError``: ``message`` (PyTorch's wording) with ``(got 2.0)`` appended, or by default
    ``Invalid gamma: 0.0 (expected a finite value in (0, inf])``.

    >>> check_factor("gamma", 0.5, 0.0, float("inf"), open_low=True)
    0.5
    """
    ok = is_real(value) and value <= high and (value > low if open_low else value >= low)
    if not ok:
        if message is not None:
            raise ValueError(f"{message} (got {value})")
        bracket = "(" if open_low else "["
        raise ValueError(
            f"Invalid {name}: {value} (expected a finite value in {bracket}{low:g}, {high:g}])"
        )
    return value


def check_step(t: Any, *, integer: bool = False) -> None:
    r"""Raise unless ``t`` is a step (epoch) index: a finite real number :math:`\ge 0`.

    ``ValueError("Expected non-negative epoch, but got -1")`` (PyTorch's wording);
    ``integer=True`` also refuses fractional steps.

    >>> check_step(2.5)
    """
    if not is_real(t) or t < 0 or (integer and not is_int(t)):
        kind = "non-negative integer" if integer else "non-negative"
        raise ValueError(f"Expected {kind} epoch, but got {t}")


def check_milestones(milestones: Sequence[int], n_stages: int) -> list[int]:
    r"""Return ``milestones`` as a list if they fit ``n_stages`` stages run one after another.

    ``ValueError`` with PyTorch's ``SequentialLR`` messages for no stage and for a count
    other than ``n_stages - 1``, and for milestones that are not strictly increasing
    positive integers (PyTorch does not check this; ``bisect`` then picks the wrong stage).

    >>> check_milestones([5, 10], 3)
    [5, 10]
    """
    if n_stages < 1:
        raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
    ms = list(milestones)
    if len(ms) != n_stages - 1:
        raise ValueError(
            "Sequential Schedulers expects number of schedulers provided to be one more "
            f"than the number of milestone points, but got number of schedulers {n_stages} "
            f"and the number of milestones to be equal to {len(ms)}"
        )
    ok = all(is_int(m) and m > 0 for m in ms) and all(a < b for a, b in pairwise(ms))
    if not ok:
        raise ValueError(f"milestones must be strictly increasing positive integers, got {ms}")
    return ms
