"""One parameter's saved optimizer state, checked and copied (``Optimizer.load_state_dict``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor


def load_entry(optimizer: Any, key: Any, param: Tensor, entry: Any) -> dict[str, Any]:
    """``entry`` (the saved state of parameter ``key``) as ``optimizer``'s state for ``param``.

    Arrays are copied and cast to the parameter's dtype; ``None`` values are dropped; the
    step becomes a float.

    Raises
    ------
    ValueError
        If ``entry`` is not a mapping, names a key the optimizer does not keep, holds a
        negative or non-finite step, or an array whose shape differs from the parameter's.
    """
    if not isinstance(entry, Mapping):
        raise ValueError(f"loaded state for parameter {key!r} is not a dict")
    out: dict[str, Any] = {}
    for name, value in entry.items():
        if name not in optimizer._state_keys:
            raise ValueError(
                f"loaded state for parameter {key!r} has unknown entry {name!r}; "
                f"{type(optimizer).__name__} keeps {sorted(optimizer._state_keys)}"
            )
        if value is None:
            continue
        if name == "step":
            step = float(value)
            if not (math.isfinite(step) and step >= 0):
                raise ValueError(f"loaded state for parameter {key!r} has step {step}")
            out[name] = step
            continue
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if array.shape != param.shape:
            raise ValueError(
                f"loaded state for parameter {key!r} has {name!r} of shape "
                f"{array.shape}, but the parameter has shape {param.shape}"
            )
        out[name] = np.array(array, dtype=param._data.dtype, copy=True)
    return out
