"""Tensors print as torch's do: ``tensor([0.1000, 2.0000], requires_grad=True)``.

torch's rules (``torch/_tensor_str.py``), written again for NumPy arrays: a float tensor
whose finite values are all integers prints as ``1.``; otherwise with 4 decimals, or in
scientific notation (``1.0000e-05``) when the finite nonzero magnitudes span more than a
factor 1000, exceed 1e8 or fall below 1e-4. All elements share one width; a row wraps
at 80 characters; more than 1000 elements are summarized with ``...`` (3 at each edge).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3


def _float_mode(values: np.ndarray) -> tuple[str, int]:
    """torch's Formatter for a float tensor: the mode (``int``, ``fixed`` or ``sci``) and
    the width, both from the finite nonzero values."""
    flat = values.ravel().astype(np.float64)
    nonzero = flat[np.isfinite(flat) & (flat != 0)]
    if nonzero.size == 0:
        return "int", 1
    magnitude = np.abs(nonzero)
    sci = magnitude.max() / magnitude.min() > 1000.0 or magnitude.max() > 1e8
    if np.all(nonzero == np.ceil(nonzero)):
        if sci:
            return "sci", max(len(f"{v:.4e}") for v in nonzero)
        return "int", max(len(f"{v:.0f}") + 1 for v in nonzero)
    if sci or magnitude.min() < 1e-4:
        return "sci", max(len(f"{v:.4e}") for v in nonzero)
    return "fixed", max(len(f"{v:.4f}") for v in nonzero)


def _formatter(shown: np.ndarray) -> tuple[Callable[[Any], str], int]:
    """``(format one element, width)`` as torch's ``_Formatter``."""
    if shown.dtype.kind != "f":
        width = max((len(str(v)) for v in shown.ravel().tolist()), default=1)
        return (lambda v: str(v).rjust(width)), width
    mode, width = _float_mode(shown)

    def fmt(v: float) -> str:
        if mode == "sci":
            text = f"{v:.4e}"
        elif mode == "int":
            text = f"{v:.0f}" + ("" if np.isinf(v) or np.isnan(v) else ".")
        else:
            text = f"{v:.4f}"
        return text.rjust(width)

    return fmt, width


def _summary(data: np.ndarray) -> np.ndarray:
    """The elements torch shows of a summarized tensor (edges of every dimension)."""
    if data.ndim == 0:
        return data
    if data.shape[0] > 2 * EDGEITEMS:
        data = np.concatenate([data[:EDGEITEMS], data[-EDGEITEMS:]])
    return np.stack([_summary(row) for row in data]) if data.ndim > 1 else data


def _body(data: np.ndarray, indent: int, fmt, width: int, summarize: bool) -> str:
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        items = [fmt(v) for v in data.tolist()]
        if summarize and len(data) > 2 * EDGEITEMS:
            items = [*items[:EDGEITEMS], " ...", *items[-EDGEITEMS:]]
        per_line = max(1, (LINEWIDTH - indent) // (width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(data.shape[0]))
    if summarize and data.shape[0] > 2 * EDGEITEMS:
        rows = [*rows[:EDGEITEMS], None, *rows[-EDGEITEMS:]]
    parts = [
        "..." if i is None else _body(data[i], indent + 1, fmt, width, summarize) for i in rows
    ]
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def tensor_repr(data: np.ndarray, suffix: str = "") -> str:
    """``tensor(<values><suffix>)`` laid out as torch lays it out."""
    summarize = data.size > THRESHOLD
    if data.size == 0:
        body = "[]" if data.ndim == 1 else f"size={tuple(data.shape)}"
        return f"tensor({body}{suffix})"
    fmt, width = _formatter(_summary(data) if summarize else data)
    return f"tensor({_body(data, len('tensor('), fmt, width, summarize)}{suffix})"
