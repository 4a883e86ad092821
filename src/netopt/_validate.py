"""Type predicates shared by every package's argument checks.

Argument checks name the argument and the bad value in their own words (PyTorch's where
PyTorch has some); what counts as "an integer" or "a number" is decided here, once.
Booleans are refused wherever a number is expected, because ``True`` silently means ``1``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any


def is_int(value: Any) -> bool:
    """Return whether ``value`` is an integer (Python's or NumPy's) and not a bool.

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Return whether ``value`` is a real number (inf and nan included) and not a bool.

    >>> is_number(0.5), is_number(float("inf")), is_number(False), is_number("1")
    (True, True, False, False)
    """
    return isinstance(value, Real) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """Return whether ``value`` is a finite real number and not a bool.

    >>> is_real(0.5), is_real(float("nan")), is_real(False)
    (True, False, False)
    """
    return is_number(value) and math.isfinite(value)
