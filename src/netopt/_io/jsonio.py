r"""Strict JSON for training records: non-finite floats and tuples survive the round trip.

Standard JSON has no NaN or infinity, and Python's ``json`` writes the non-standard tokens
``NaN``/``Infinity`` unless told not to. Training state is full of them (an early-stopping
``best`` starts at ``inf``; a diverged loss is ``nan``), so they are written as tagged objects
``{"__float__": "nan"}``, tuples (Adam's ``betas``) as ``{"__tuple__": [...]}``, and dicts
with non-string keys (an optimizer's state, keyed by parameter index) as
``{"__dict__": [[key, value], ...]}``; the output is strict JSON that any parser reads, and
:func:`loads` restores the Python values. Given an ``arrays`` dict, :func:`to_plain` moves
every ndarray into it (under a ``/``-joined path) and leaves ``{"__array__": name}`` (a
tensor: ``{"__tensor__": [name, requires_grad]}``), so a checkpoint keeps arrays in
safetensors and everything else in JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor

_FLOAT_TAG = "__float__"
_TUPLE_TAG = "__tuple__"
_DICT_TAG = "__dict__"
_ARRAY_TAG = "__array__"
_TENSOR_TAG = "__tensor__"
_TAGS = (_FLOAT_TAG, _TUPLE_TAG, _DICT_TAG, _ARRAY_TAG, _TENSOR_TAG)
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _array_name(path: tuple[str, ...], arrays: dict[str, np.ndarray]) -> str:
    base = "/".join(path) or "value"
    name, n = base, 1
    while name in arrays:
        name, n = f"{base}#{n}", n + 1
    return name


def to_plain(
    obj: Any, path: tuple[str, ...] = (), arrays: dict[str, np.ndarray] | None = None
) -> Any:
    r"""Return ``obj`` as tagged plain JSON data (dicts with str keys, lists, scalars).

    Parameters
    ----------
    obj : object
    path : tuple of str
        Where ``obj`` sits, for array names and error messages.
    arrays : dict, optional
        If given, ndarrays are moved here (as C-contiguous copies) and replaced by tags.

    Raises
    ------
    TypeError
        On a value JSON cannot hold (an array without ``arrays``, an arbitrary object),
        naming where it is.
    """
    where = "/".join(path) or "value"
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        if math.isfinite(value):
            return value
        return {_FLOAT_TAG: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(obj, np.ndarray) and arrays is not None:
        name = _array_name(path, arrays)
        arrays[name] = np.array(obj, order="C", copy=True)  # 0-d stays 0-d
        return {_ARRAY_TAG: name}
    if isinstance(obj, Tensor) and arrays is not None:  # its values and requires_grad
        name = _array_name(path, arrays)
        arrays[name] = np.array(obj.data, order="C", copy=True)
        return {_TENSOR_TAG: [name, bool(obj.requires_grad)]}
    if isinstance(obj, tuple):
        return {_TUPLE_TAG: [to_plain(v, (*path, str(i)), arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [to_plain(v, (*path, str(i)), arrays) for i, v in enumerate(obj)]
    if isinstance(obj, Mapping):
        if not all(isinstance(k, str) for k in obj):
            return {
                _DICT_TAG: [
                    [to_plain(k, (*path, "key"), arrays), to_plain(v, (*path, str(k)), arrays)]
                    for k, v in obj.items()
                ]
            }
        out = {}
        for key, value in obj.items():
            if key in _TAGS:
                raise TypeError(f"{where} uses the reserved key {key!r}")
            out[key] = to_plain(value, (*path, key), arrays)
        return out
    raise TypeError(f"{where} is a {type(obj).__name__}, which JSON cannot hold")


def from_plain(obj: Any, arrays: Mapping[str, np.ndarray] | None = None) -> Any:
    """Invert :func:`to_plain`: tags become floats, tuples, dicts and arrays (from ``arrays``).

    Raises
    ------
    ValueError
        On an unknown tagged float, or an array tag naming no array in ``arrays``.
    """
    if isinstance(obj, list):
        return [from_plain(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if len(obj) == 1:
            ((tag, value),) = obj.items()
            if tag == _FLOAT_TAG:
                if value not in _NONFINITE:
                    raise ValueError(f"unknown tagged float {value!r}")
                return _NONFINITE[value]
            if tag == _TUPLE_TAG:
                return tuple(from_plain(v, arrays) for v in value)
            if tag == _DICT_TAG:
                return {from_plain(k, arrays): from_plain(v, arrays) for k, v in value}
            if tag == _ARRAY_TAG:
                if arrays is None or value not in arrays:
                    raise ValueError(f"the manifest refers to array {value!r}, which is missing")
                return arrays[value]
            if tag == _TENSOR_TAG:
                name, requires_grad = value
                if arrays is None or name not in arrays:
                    raise ValueError(f"the manifest refers to array {name!r}, which is missing")
                return Tensor(arrays[name], requires_grad=bool(requires_grad))
        return {k: from_plain(v, arrays) for k, v in obj.items()}
    return obj


def dumps(obj: Any, *, indent: int | None = None) -> str:
    r"""Serialize ``obj`` to strict JSON (``allow_nan=False``) after :func:`to_plain`.

    Examples
    --------
    >>> dumps({"best": float("inf"), "betas": (0.9, 0.999)})
    '{"best": {"__float__": "inf"}, "betas": {"__tuple__": [0.9, 0.999]}}'
    >>> loads(dumps({"best": float("inf"), "betas": (0.9, 0.999)}))
    {'best': inf, 'betas': (0.9, 0.999)}
    """
    return json.dumps(to_plain(obj), indent=indent, allow_nan=False)


def loads(text: str | bytes) -> Any:
    """Parse strict JSON written by :func:`dumps` (bare ``NaN``/``Infinity`` tokens refused)."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token!r}")

    return from_plain(json.loads(text, parse_constant=refuse))
