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
        arrays[name] = np.array(obj._data, order="C", copy=True)
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


#: How deep :func:`from_plain` follows nested lists and dicts (a forged file may nest 900).
MAX_DEPTH = 64


def from_plain(obj: Any, arrays: Mapping[str, np.ndarray] | None = None, _depth: int = 0) -> Any:
    """Invert :func:`to_plain`: tags become floats, tuples, dicts and arrays (from ``arrays``).

    Raises
    ------
    ValueError
        On a malformed tag (an unknown tagged float, a tag whose value has the wrong type, an
        array tag naming no array in ``arrays``) or nesting deeper than :data:`MAX_DEPTH`,
        naming where.
    """
    if _depth > MAX_DEPTH:
        raise ValueError(f"the data is nested deeper than {MAX_DEPTH} levels")
    if isinstance(obj, list):
        return [from_plain(v, arrays, _depth + 1) for v in obj]
    if isinstance(obj, dict):
        if len(obj) == 1:
            ((tag, value),) = obj.items()
            if tag in _TAGS:
                return _from_tag(tag, value, arrays, _depth + 1)
        return {k: from_plain(v, arrays, _depth + 1) for k, v in obj.items()}
    return obj


def _from_tag(tag: str, value: Any, arrays: Mapping[str, np.ndarray] | None, depth: int) -> Any:
    if tag == _FLOAT_TAG:
        if not isinstance(value, str) or value not in _NONFINITE:
            raise ValueError(f"unknown tagged float {value!r}")
        return _NONFINITE[value]
    if tag == _TUPLE_TAG:
        if not isinstance(value, list):
            raise ValueError(f"{tag} holds a {type(value).__name__}, not a list")
        return tuple(from_plain(v, arrays, depth) for v in value)
    if tag == _DICT_TAG:
        if not isinstance(value, list) or not all(
            isinstance(kv, list) and len(kv) == 2 for kv in value
        ):
            raise ValueError(f"{tag} holds {type(value).__name__}, not a list of [key, value]")
        out = {}
        for k, v in value:
            key = from_plain(k, arrays, depth)
            try:
                out[key] = from_plain(v, arrays, depth)
            except TypeError:  # an unhashable key (a list, a dict, an array)
                raise ValueError(f"{tag} has a key of type {type(key).__name__}") from None
        return out
    if tag == _ARRAY_TAG:
        return _array(value, arrays)
    # _TENSOR_TAG
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], bool)):
        raise ValueError(f"{tag} holds {value!r:.60}, not [name, requires_grad]")
    data = _array(value[0], arrays)
    if value[1] and data.dtype.kind != "f":
        raise ValueError(f"array {value[0]!r} of dtype {data.dtype} cannot require grad")
    return Tensor(data, requires_grad=value[1])


def _array(name: Any, arrays: Mapping[str, np.ndarray] | None) -> np.ndarray:
    if not isinstance(name, str):
        raise ValueError(f"an array tag holds a {type(name).__name__}, not an array name")
    if arrays is None or name not in arrays:
        raise ValueError(f"the manifest refers to array {name!r}, which is missing")
    return arrays[name]


def parse_strict(text: str | bytes) -> Any:
    """``json.loads`` that refuses bare ``NaN``/``Infinity`` and reports deep nesting.

    Raises
    ------
    ValueError
        On invalid JSON, a non-standard token, or nesting too deep for the parser.
    """

    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token!r}")

    try:
        return json.loads(text, parse_constant=refuse)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to parse") from None


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
    """Parse strict JSON written by :func:`dumps` (bare ``NaN``/``Infinity`` tokens refused).

    Raises
    ------
    ValueError
        See :func:`parse_strict` and :func:`from_plain`.
    """
    return from_plain(parse_strict(text))
