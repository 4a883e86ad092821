"""Input checks shared by the classification and regression metrics."""

from __future__ import annotations

from typing import Any

import numpy as np

from netopt.autograd import Tensor


def as_array(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y._data if isinstance(y, Tensor) else y)
    if arr.dtype.kind not in "biufUS":
        raise TypeError(f"{name} must hold numbers or strings, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def check_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = as_array(sample_weight, "sample_weight")
    if w.dtype.kind in "US" or w.shape != (n,):
        raise ValueError(f"sample_weight must be {n} numbers, got shape {w.shape}")
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("sample_weight must be non-negative with a positive sum")
    return w


def check_length(t: np.ndarray, p: np.ndarray) -> None:
    if len(t) != len(p):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: {[len(t), len(p)]}"
        )
    if len(t) == 0:
        raise ValueError("Found empty input array (y_true, y_pred); at least 1 sample is needed")
