"""Pieces the optimizers share: hyperparameter checks, the signed L2-decayed gradient, ``lerp``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from ..autograd import Tensor

#: ``(predicate(group) -> bool, message template)``; the template is ``str.format_map``-ed
#: with the group, so ``"Invalid learning rate: {lr}"`` names the bad value.
Check = tuple[Callable[[Mapping[str, Any]], bool], str]


def _typename(obj: object) -> str:
    kind = type(obj)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _nonnegative(key: str) -> Callable[[Mapping[str, Any]], bool]:
    """Return a check that ``group[key]`` is a real number >= 0 (NaN fails)."""

    def check(group: Mapping[str, Any]) -> bool:
        value = group[key]
        if isinstance(value, Tensor):  # torch accepts a 1-element tensor (lr=tensor(0.1))
            if value.numel() != 1:
                raise ValueError(f"Tensor {key} must be 1-element")
            value = value.item()
        if not isinstance(value, Real):
            raise TypeError(f"{key} must be a real number, but got {_typename(value)}")
        return 0.0 <= value

    return check


def direction(
    param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool
) -> np.ndarray:
    r"""Return :math:`\pm\nabla + \lambda\theta` without touching ``grad``.

    With neither option the gradient array itself is returned (not a copy); otherwise a
    fresh array, computed in ``param``'s dtype in torch's order (``grad.add(param,
    alpha=weight_decay)`` after the sign flip). Callers must not write into the result
    unless it ``is not grad``.
    """
    if weight_decay != 0:
        d = np.multiply(param, weight_decay)
        if maximize:
            d -= grad
        else:
            d += grad
        return d
    return np.negative(grad) if maximize else grad


def lerp(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    r"""Set ``start`` to :math:`s + w(e - s)` in place, in torch's ``lerp_`` two-branch form.

    torch computes :math:`s + w(e-s)` for :math:`w < 0.5` and :math:`e - (1-w)(e-s)`
    otherwise, which keeps the result exact at both ends.
    """
    diff = np.subtract(end, start)
    if weight < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        np.subtract(end, diff, out=start)


def adam_state(param: np.ndarray, state: dict, amsgrad: bool) -> None:
    """Adam's state before its first step (``step`` 0 and zero moments), and the running
    maximum when ``amsgrad`` asks for it; entries already there are kept."""
    if "exp_avg" not in state:
        state["step"] = 0.0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    if amsgrad and "max_exp_avg_sq" not in state:
        state["max_exp_avg_sq"] = np.zeros_like(param)
