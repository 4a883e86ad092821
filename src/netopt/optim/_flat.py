r"""Contiguous storage for one parameter group, so that a step is a few whole-array ops.

On a group's first step the optimizer moves the group's parameters into one flat buffer
(each ``param.data`` becomes a view of it, with the values unchanged) and gives each
parameter a gradient slot (:func:`netopt.autograd.grad_slots.set_grad_slot`), a view of a
second flat buffer that the engine fills on backward. The update kernel then runs once
on the flat arrays instead of once per parameter, and the per-parameter ``state``
entries are views of flat state arrays, so ``optimizer.state[p]`` and ``state_dict()``
read exactly what they read without it.

The kernels are element-wise, so every element gets bit for bit the same update either
way. The flat path is used only while it is exact: every parameter of the group still
holds its view, every gradient is its slot, and all share one float dtype; otherwise the
group falls back, for good, to one kernel call per parameter, on the same state arrays.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import numpy as np

from ..autograd.grad_slots import set_grad_slot
from ..nn.parameter import Parameter

#: Groups with more elements than this keep one kernel call per parameter. Flat buffers
#: save a few microseconds of Python per parameter and cost one copy of each gradient into
#: its slot per step; past about 64K elements (256 KB of float32) the copy costs more than
#: the calls it saves (measured: 784-512-512-10 @128 ran 2% slower flat).
MAX_ELEMENTS = 1 << 16


class NotFlat(Exception):
    """The group cannot be (or can no longer be) updated through flat buffers."""


class FlatGroup:
    """One group's parameters, gradient slots and state as views of flat buffers.

    Raises
    ------
    NotFlat
        If a parameter is not a :class:`~netopt.nn.Parameter`, the dtypes differ or are
        not floating point, a parameter's array is a view of another array (moving it
        would cut it off from that array) other than the flat buffer an earlier optimizer
        made for exactly these parameters (that one is adopted as it is), the group is
        larger than :data:`MAX_ELEMENTS`, or the existing state is not uniform.
    """

    def __init__(self, params: Sequence[Any], states: MutableMapping[Any, dict]) -> None:
        if not params or not all(isinstance(p, Parameter) for p in params):
            raise NotFlat("only Parameters are moved into flat buffers")
        dtype = params[0]._data.dtype
        if dtype.kind != "f" or any(p._data.dtype != dtype for p in params):
            raise NotFlat("parameters of one floating dtype only")
        if sum(p._data.size for p in params) > MAX_ELEMENTS:
            raise NotFlat(f"more than {MAX_ELEMENTS} elements: per-parameter calls are cheaper")
        self.params = list(params)
        self.spans: list[tuple[int, int, tuple[int, ...], str]] = []
        start = 0
        for p in params:
            # keep each array's memory order: matmul results depend on it (BLAS kernels)
            order = "F" if p._data.flags.f_contiguous and not p._data.flags.c_contiguous else "C"
            self.spans.append((start, start + p._data.size, p._data.shape, order))
            start += p._data.size
        adopted = self._already_flat()
        if adopted is None and any(p._data.base is not None for p in params):
            raise NotFlat("a parameter is a view of another array")
        self.param = np.empty(start, dtype=dtype) if adopted is None else adopted
        self.grad = np.zeros(start, dtype=dtype)
        self.state: dict[str, Any] = self._gather_state(states)
        self.views: list[np.ndarray] = []
        self.slots: list[np.ndarray] = self._split(self.grad)
        for p, view, slot in zip(params, self._split(self.param), self.slots):
            if adopted is None:
                view[...] = p._data
                p._data = view
            else:
                view = p._data  # the same array objects: views a user holds stay current
            set_grad_slot(p, slot)
            if p._grad is not None:
                slot[...] = p._grad
                p._grad = slot
            self.views.append(view)
        self._shared: dict[str, np.ndarray] = {}
        self.scatter_state(states)

    def _already_flat(self) -> np.ndarray | None:
        """The 1-D array whose consecutive spans the parameters' arrays already are (in
        order and layout: buffers an earlier optimizer made), adopted as is; else None."""
        base = self.params[0]._data.base
        if not (isinstance(base, np.ndarray) and base.ndim == 1 and base.flags.c_contiguous):
            return None
        if not base.flags.writeable or base.size != self.spans[-1][1]:
            return None
        address = base.__array_interface__["data"][0]
        for p, (a, _, shape, order) in zip(self.params, self.spans):
            d = p._data
            if d.base is not base or d.dtype != base.dtype or d.shape != shape:
                return None
            if d.__array_interface__["data"][0] != address + a * base.itemsize:
                return None
            if not (d.flags.c_contiguous if order == "C" else d.flags.f_contiguous):
                return None
        return base

    def _split(self, flat: np.ndarray) -> list[np.ndarray]:
        return [flat[a:b].reshape(shape, order=order) for a, b, shape, order in self.spans]

    def _gather_state(self, states: MutableMapping[Any, dict]) -> dict[str, Any]:
        entries = [states.get(p) or {} for p in self.params]
        keys = set(entries[0])
        if any(set(e) != keys for e in entries):
            raise NotFlat("parameters have different state entries")
        flat: dict[str, Any] = {}
        for key in keys:
            values = [e[key] for e in entries]
            if isinstance(values[0], np.ndarray):
                flat[key] = np.concatenate(
                    [np.ravel(v, order=span[3]) for v, span in zip(values, self.spans)]
                ).astype(self.param.dtype, copy=False)
            elif all(v == values[0] for v in values):
                flat[key] = values[0]
            else:
                raise NotFlat(f"parameters have different {key!r}")
        return flat

    def ready(self, params: Sequence[Any]) -> bool:
        """True when the flat buffers still are the group's parameters and gradients."""
        if len(params) != len(self.params):
            return False
        for p, q, view, slot in zip(params, self.params, self.views, self.slots):
            if p is not q or p._data is not view or p._grad is not slot:
                return False
        return True

    def step(self, kernel: Callable[..., Any], hp: dict[str, Any], states: MutableMapping) -> None:
        """Run ``kernel`` once on the flat arrays and refresh the per-parameter views."""
        kernel(self.param, self.grad, self.state, **hp)
        self.scatter_state(states)

    def scatter_state(self, states: MutableMapping[Any, dict]) -> None:
        """Point each parameter's state entries at views of the flat state."""
        for key, value in self.state.items():
            if isinstance(value, np.ndarray):
                if self._shared.get(key) is value:
                    continue
                self._shared[key] = value
                for p, part in zip(self.params, self._split(value)):
                    states[p][key] = part
            else:
                for p in self.params:
                    states[p][key] = value

    def reload(self, states: MutableMapping[Any, dict]) -> None:
        """Adopt per-parameter state loaded from a state dict."""
        self.state = self._gather_state(states)
        self._shared = {}
        self.scatter_state(states)
