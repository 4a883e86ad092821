"""The ``reduction`` argument and the shape rule shared by every loss function."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.tensor import Tensor, as_array

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    """ValueError (PyTorch's message) unless ``reduction`` is one of ``allowed``."""
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def check_same_shape(input: Any, target: Any, name: str) -> None:
    """ValueError naming both shapes unless ``input`` and ``target`` have the same shape."""
    a, b = np.shape(as_array(input)), np.shape(as_array(target))
    if a != b:
        raise ValueError(
            f"{name}: input shape {a} and target shape {b} differ; reshape one of them "
            "(netopt does not broadcast losses)"
        )


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """``loss.mean()``, ``loss.sum()`` or ``loss`` itself, by ``reduction``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
