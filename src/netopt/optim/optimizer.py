r"""The :class:`Optimizer` base: PyTorch's parameter-group API around pure update kernels.

An optimizer holds ``param_groups`` (dicts of parameters and their hyperparameters) and a
per-parameter ``state``. :meth:`Optimizer.step` reads every group's hyperparameters afresh
(so a learning-rate scheduler only has to write ``group["lr"]``) and hands each parameter
that has a gradient to the subclass's pure kernel (``sgd``, ``adam``, ...), which updates
the parameter's array and its state arrays in place.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ..autograd.version import mark_all_modified, mark_modified
from ._common import Check, _typename
from ._flat import FlatGroup, NotFlat
from ._fused import choose
from ._state import load_entry


class Optimizer:
    r"""Base class of all optimizers, with ``torch.optim.Optimizer``'s API.

    Subclasses declare ``_checks`` (hyperparameter validation, torch's messages),
    ``_state_keys`` (the per-parameter state they keep), ``_kernel`` (the pure update
    function) and ``_hyperparameters(group)`` (the group's values as kernel arguments;
    :meth:`_from_defaults` when the kernel takes the keys of ``defaults``).

    Parameters
    ----------
    params : iterable of Tensor, of ``(name, Tensor)`` pairs, or of dicts
        The tensors to optimize, or parameter groups: dicts with a ``"params"`` entry and
        any hyperparameters that override ``defaults`` for that group.
    defaults : dict
        Hyperparameters of groups that do not set their own.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (list of tensors) and the hyperparameters.
        Learning-rate schedulers read and write ``group["lr"]`` and set
        ``group["initial_lr"]``; :meth:`step` reads ``group["lr"]`` on every call.
    state : collections.defaultdict
        Per-parameter state (arrays and the scalar ``"step"``), keyed by the tensor.
    defaults : dict

    Raises
    ------
    TypeError
        If ``params`` is a single tensor, or holds something that is not a tensor.
    ValueError
        If ``params`` is empty, a hyperparameter is invalid (torch's message), or a
        tensor appears in more than one group.

    Notes
    -----
    Differences from torch, all in the direction of failing early: hyperparameters given
    in a parameter group are validated like the constructor's (torch checks only the
    constructor's); NaN hyperparameters are rejected; :meth:`state_dict` returns copies of
    the state arrays (torch returns references to the live tensors); :meth:`load_state_dict`
    also checks state shapes and entry names.

    Flat buffers: on a group's first step its parameters move into one buffer (each
    ``param.data`` becomes a view of it) and their gradients into another, so a step is one
    kernel call per group, bit-identical to per-parameter calls; see :mod:`._flat` for
    when a group is left as it is or falls back. A reference to ``param.data`` taken
    before the first step no longer follows the parameter; take it afterwards.

    References
    ----------
    PyTorch, ``torch/optim/optimizer.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> w = Parameter(np.array([1.0, 2.0]))
    >>> opt = SGD([w], lr=0.5)
    >>> w.grad = np.array([1.0, -1.0])
    >>> opt.step()
    >>> w.data.numpy()
    array([0.5, 2.5])
    >>> opt.state_dict()["param_groups"][0]["params"]
    [0]
    """

    _checks: ClassVar[tuple[Check, ...]] = ()
    _state_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self._validate(defaults)
        if isinstance(params, (Tensor, np.ndarray)):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _typename(params)
            )
        self.defaults = defaults
        # for _from_defaults: a flag is a key whose default is a bool, every other is a float
        self._casts = {
            key: bool if isinstance(v, bool) else float
            for key, v in defaults.items()
            if key != "fused"  # torch's implementation flag: picks the kernel (step)
        }
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._flat: dict[int, FlatGroup | None] = {}  # group index -> buffers (see _flat)
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ subclass interface
    @staticmethod
    def _kernel(param: np.ndarray, grad: np.ndarray, state: dict[str, Any], **hp: Any) -> Any:
        raise NotImplementedError("an Optimizer subclass must set _kernel")

    def _hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError("an Optimizer subclass must define _hyperparameters")

    def _from_defaults(
        self, group: Mapping[str, Any], skip: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Kernel arguments named as the keys of ``defaults``: bool for a flag, else float.

        A subclass whose kernel takes exactly those keys sets
        ``_hyperparameters = Optimizer._from_defaults``, so each key is written once.
        """
        return {key: cast(group[key]) for key, cast in self._casts.items() if key not in skip}

    def _validate(self, group: Mapping[str, Any]) -> None:
        for check, message in self._checks:
            if not check(group):
                raise ValueError(message.format_map(group))

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters that override ``defaults``.

        The dict is kept (as in torch): its missing hyperparameters are filled in from
        ``defaults`` and it becomes an entry of ``param_groups``.

        Raises
        ------
        TypeError
            If ``param_group`` is not a dict, its params are a set, or one is not a tensor.
        ValueError
            If a hyperparameter is invalid, a tensor is not a leaf, or a tensor already
            belongs to another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. "
                "Please use a list instead."
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(tensors):
            raise ValueError(
                "all optimizer params should be with/without names. Some param names are missing"
            )
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(p)
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self._validate(param_group)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        taken: set[int] = set()
        for group in self.param_groups:
            taken.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not taken.isdisjoint(id(p) for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are skipped.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model (zero grads, forward, backward) and returns the loss;
            called with gradients enabled before the update.

        Returns
        -------
        The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            kernel = choose(self._kernel, group.get("fused"))
            hp = self._hyperparameters(group)
            flat = self._flat_group(index, group["params"])
            if flat is not None:
                if flat.ready(group["params"]):
                    flat.step(kernel, hp, self.state)
                    mark_all_modified(group["params"])  # in-place writes (autograd.version)
                    continue
                if all(p._grad is None for p in group["params"]):
                    continue  # nothing to update (a step before any backward): keep the buffers
                self._flat[index] = None  # per-parameter steps from now on, same state
            for p in group["params"]:
                if p._grad is not None:
                    kernel(p._data, p._grad, self.state[p], **hp)
                    mark_modified(p)
        return loss

    def _flat_group(self, index: int, params: list) -> FlatGroup | None:
        """The group's flat buffers, made on its first step (see :mod:`._flat`)."""
        if index not in self._flat:
            try:
                self._flat[index] = FlatGroup(params, self.state)
            except NotFlat:
                self._flat[index] = None
        return self._flat[index]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (the default, as torch), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    p._grad[...] = 0

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Return the state as plain data, keyed by parameter index, in torch's layout.

        Returns
        -------
        dict
            ``{"state": {index: {"step": float, name: ndarray, ...}}, "param_groups":
            [{hyperparameters..., "params": [indices]}]}``. Indices count the parameters
            across groups in order; parameters without state (never stepped) are absent.
            Arrays and group values are copies: later steps do not change a state dict
            already taken.
        """
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(group["params"])
            groups.append(packed)
        state = {
            index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if s
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Replace hyperparameters and state with copies of those in ``state_dict``.

        Parameters are matched by position: the i-th index of the saved groups is the
        i-th parameter of this optimizer's groups. Arrays are copied (never aliased) and
        cast to their parameter's dtype, as torch does.

        Raises
        ------
        ValueError
            If the group count or a group's size differs (torch's messages), a saved group
            lacks a hyperparameter or holds an invalid one, a state entry names no
            parameter, has an unknown key, a negative or non-finite ``step``, or an array
            whose shape differs from its parameter's.
        """
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("an optimizer state dict has 'state' and 'param_groups' entries")
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"loaded parameter group {i} is not a dict with 'params'")
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group "
                    "that doesn't match the size of optimizer's group"
                )
        for i, saved in enumerate(saved_groups):
            if "fused" in self.defaults:  # state dicts saved before netopt kept the flag
                saved.setdefault("fused", None)
            missing = sorted(set(self.defaults) - set(saved))
            if missing:
                raise ValueError(f"loaded parameter group {i} lacks {missing}")
            self._validate(saved)
        id_map = dict(
            zip(
                itertools.chain.from_iterable(g["params"] for g in saved_groups),
                itertools.chain.from_iterable(g["params"] for g in self.param_groups),
                strict=True,
            )
        )
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entry in state_dict["state"].items():
            if key not in id_map:
                raise ValueError(
                    f"loaded state dict has state for parameter {key!r}, "
                    "which is in no parameter group"
                )
            state[id_map[key]] = self._load_entry(key, id_map[key], entry)
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups
        for index, flat in list(self._flat.items()):
            if flat is not None:
                try:
                    flat.reload(self.state)
                except NotFlat:
                    self._flat[index] = None

    def _load_entry(self, key: Any, param: Tensor, entry: Any) -> dict[str, Any]:
        """One parameter's saved state (:func:`._state.load_entry`); subclasses extend it."""
        return load_entry(self, key, param, entry)

    def __getstate__(self) -> dict[str, Any]:
        # A scheduler wraps ``step`` on the instance (a closure, not picklable); torch's
        # Optimizer.__getstate__ leaves it out as well. The flat buffers are left out too:
        # a copy would hold them apart from the parameters' (copied) arrays, which are no
        # longer their views, so the first step after a copy makes them afresh.
        state = self.__dict__.copy()
        state.pop("step", None)
        state["_flat"] = {}
        return state

    def __copy__(self) -> Optimizer:
        """A shallow copy: it shares the parameters, their state and the flat buffers."""
        copied = type(self).__new__(type(self))
        copied.__dict__.update(self.__getstate__())
        copied._flat = self._flat
        return copied

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
