"""Reading the bounds of ``Tensor.random_`` and ``Tensor.uniform_``
(:mod:`netopt.autograd.sampling`) as torch's argument parser does, with torch's keyword
``from`` (a Python keyword, so callers pass it as ``**{"from": a}``) and torch's
TypeErrors for calls it refuses."""

from __future__ import annotations

from typing import Any

from .._validate import is_int
from .aliases import NOT_GIVEN


def int_arg(value: Any, arg: str) -> int:
    """``value`` as an int; torch's TypeError (or its overflow error) naming ``arg``."""
    if not is_int(value):
        raise TypeError(f"random_(): argument '{arg}' must be int, not {type(value).__name__}")
    if not -(2**63) <= int(value) < 2**63:
        raise ValueError("Overflow when unpacking long long")
    return int(value)


#: torch's overloads of ``random_``, as its TypeError lists them.
_RANDOM_OVERLOADS = (
    " * (*, torch.Generator generator = None)\n"
    " * (int from, int to, *, torch.Generator generator = None)\n"
    " * (int to, *, torch.Generator generator = None)\n"
)


def _no_random_overload(args: list, kwargs: dict) -> TypeError:
    """torch's TypeError for a ``random_`` call no overload takes (its argument list
    written as torch writes it, less the lines on which keywords an overload refused)."""
    kinds = [type(a).__name__ for a in args] + [
        f"{k}={type(v).__name__}" for k, v in kwargs.items()
    ]
    got = ", ".join(kinds) if args else "".join(f"{k}, " for k in kinds)
    return TypeError(
        f"random_() received an invalid combination of arguments - got ({got}), but expected "
        "one of:\n" + _RANDOM_OVERLOADS
    )


def random_bounds(from_: Any, to: Any, kwargs: dict) -> tuple[Any, Any]:
    """``(from, to)`` from a ``random_`` call as torch's overloads read it: ``()``,
    ``(to)``, ``(from, to)`` with ``to`` None for the dtype's top; ``from`` also as the
    keyword torch spells ``from`` (``**{"from": a}``). NOT_GIVEN: neither bound."""
    args = [v for v in (from_,) if v is not NOT_GIVEN]
    named = dict(kwargs)
    if to is not NOT_GIVEN:
        if "from" in kwargs or not args:
            named["to"] = to
        else:
            args.append(to)
    if "from" in kwargs and from_ is not NOT_GIVEN and to is not NOT_GIVEN:
        raise TypeError("random_() got multiple values for argument 'from'")
    if set(kwargs) - {"from"} or ("from" in kwargs and (args or "to" not in named)):
        raise _no_random_overload(args, named)
    if "from" in kwargs:
        from_ = kwargs["from"]
    elif to is NOT_GIVEN:
        if from_ is NOT_GIVEN:
            return NOT_GIVEN, NOT_GIVEN
        from_, to = 0, from_  # random_(to)
        if to is None:
            raise _no_random_overload(args, named)
    elif from_ is NOT_GIVEN:  # random_(to=b)
        if to is None:
            raise _no_random_overload(args, named)
        from_ = 0
    if from_ is None:
        raise _no_random_overload(args, named)
    return int_arg(from_, "from"), None if to is None else int_arg(to, "to")


def from_keyword(name: str, from_: Any, kwargs: dict, default: Any) -> Any:
    """The ``from`` bound of ``name`` (``uniform_``): ``from_`` (by position, or netopt's
    keyword) or torch's keyword ``from`` in ``kwargs``, else ``default``.

    Raises
    ------
    TypeError
        Another keyword, or ``from`` given twice (torch's messages).
    """
    for key in kwargs:
        if key != "from":
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    if "from" not in kwargs:
        return default if from_ is NOT_GIVEN else from_
    if from_ is not NOT_GIVEN:
        raise TypeError(f"{name}() got multiple values for argument 'from'")
    return kwargs["from"]
