r"""The scheduler base class: an adapter that writes a schedule into ``group["lr"]``.

A scheduler needs only ``optimizer.param_groups`` (a list of dicts holding ``"lr"``), read
afresh at every step, so it works with any object shaped like a PyTorch optimizer and
survives ``optimizer.load_state_dict`` replacing the list. Every step appends a
:class:`Decision` to ``scheduler.history``: what the scheduler did and why.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import deque
from collections.abc import Mapping
from typing import Any

from ..._validate import is_int
from ...autograd import Tensor
from ..schedules._validate import Schedule, check_lr, check_step
from ._torch_warnings import (
    EPOCH_DEPRECATION_WARNING,
    GET_LR_WARNING,
    ORDER_WARNING,
    OVERRIDDEN_WARNING,
    track_step_calls,
)
from .decision import Decision

__all__ = ["EPOCH_DEPRECATION_WARNING", "Decision", "LRScheduler", "param_groups"]


def lr_value(lr: Any) -> Any:
    """A group's lr as a number: a 1-element tensor (``lr=tensor(0.1)``) gives its value."""
    return lr.item() if isinstance(lr, Tensor) else lr


def set_lr(group: dict[str, Any], lr: Any) -> None:
    """Write ``lr`` into a group: a tensor lr is filled in place (it stays a tensor)."""
    if isinstance(group["lr"], Tensor):
        group["lr"].fill_(lr_value(lr))
    else:
        group["lr"] = lr_value(lr)


def param_groups(optimizer: Any) -> list[dict[str, Any]]:
    r"""Return ``optimizer.param_groups`` after checking it is a list of dicts with ``"lr"``.

    Parameters
    ----------
    optimizer : object
        Anything with PyTorch's ``param_groups`` (``netopt.optim.SGD``, ...).

    Returns
    -------
    list of dict

    Raises
    ------
    TypeError
        ``SimpleNamespace is not an Optimizer`` (PyTorch's message).
    ValueError
        ``Invalid learning rate: -1`` for a group.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> param_groups(SimpleNamespace(param_groups=[{"lr": 0.1}]))
    [{'lr': 0.1}]
    """
    groups = getattr(optimizer, "param_groups", None)
    ok = isinstance(groups, list) and len(groups) > 0
    if not ok or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    for g in groups:
        check_lr(lr_value(g["lr"]))
    return groups


class LRScheduler:
    r"""Base class of the learning-rate schedulers, with ``torch.optim.lr_scheduler``'s API.

    .. math:: \eta^{(g)}_t = \text{rule}(t, \eta^{(g)}_{t-1}, \eta^{(g)}_0)
        \quad\text{for every parameter group } g

    Construction sets ``group["initial_lr"]`` (if absent) and performs one step, to epoch 0,
    as PyTorch does. Subclasses implement :meth:`get_lr` (PyTorch's chainable rule, which
    may read the current ``group["lr"]``) and optionally :meth:`_closed_form_lr` (the pure
    schedule of :mod:`netopt.optim.schedules`, used by ``step(epoch)``).

    Parameters
    ----------
    optimizer : object
        Has ``param_groups``, a list of dicts with ``"lr"``.
    last_epoch : int, default -1
        ``-1`` starts the schedule; a value :math:`\ge 0` resumes it and requires every group
        to hold ``"initial_lr"`` already.

    Attributes
    ----------
    optimizer : object
    base_lrs : list of float
        ``group["initial_lr"]`` of every group.
    last_epoch : int
        Index of the last step taken (0 after construction).
    history : collections.deque of Decision
        The decision log, one record per step, newest last; at most ``max_history`` records
        (a class attribute, 10,000; a subclass may set None for an unbounded log).

    Raises
    ------
    TypeError
        The optimizer has no ``param_groups``.
    KeyError
        Resuming (``last_epoch >= 0``) without ``"initial_lr"`` in a group.
    ValueError
        ``last_epoch`` not an integer :math:`\ge -1`.

    Notes
    -----
    Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per batch for
    :class:`OneCycleLR`). As in PyTorch, ``optimizer.step`` is wrapped to detect the wrong
    order: the first ``step()`` warns when ``optimizer.step()`` has not run yet (or was
    replaced after construction); ``step(epoch)`` jumps to the closed form and warns with
    :data:`EPOCH_DEPRECATION_WARNING`; ``get_lr()`` called outside ``step()`` warns to use
    :meth:`get_last_lr`. A 1-element tensor lr stays a tensor (filled in
    place); the schedule computes with its value.
    """

    max_history: int | None = 10_000
    _get_lr_called_within_step: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap a subclass's ``get_lr`` so that a call from outside ``step`` warns (torch)."""
        super().__init_subclass__(**kwargs)
        rule = cls.__dict__.get("get_lr")
        if rule is None or getattr(rule, "_warns_outside_step", False):
            return

        @functools.wraps(rule)
        def get_lr(self: LRScheduler) -> list[float]:
            if not self._get_lr_called_within_step:
                warnings.warn(GET_LR_WARNING, UserWarning, stacklevel=2)
            return rule(self)

        get_lr._warns_outside_step = True
        cls.get_lr = get_lr

    def _rule(self) -> list[float]:
        """``get_lr()`` as ``step`` calls it (no warning)."""
        self._get_lr_called_within_step = True
        try:
            return self.get_lr()
        finally:
            self._get_lr_called_within_step = False

    needs_metrics: bool = False
    _state_keys: tuple[str, ...] = ("last_epoch", "base_lrs", "_step_count", "_last_lr")

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        groups = param_groups(optimizer)
        if not is_int(last_epoch) or last_epoch < -1:
            raise ValueError(f"Expected integer last_epoch >= -1, but got {last_epoch}")
        if last_epoch != -1:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0."
                    )
        base_lrs = [lr_value(group.get("initial_lr", group["lr"])) for group in groups]
        for i, base_lr in enumerate(base_lrs):
            self._schedule(i, base_lr)  # validates every argument before anything changes
        self.optimizer = optimizer
        for group in groups:
            group.setdefault("initial_lr", lr_value(group["lr"]))
        self.base_lrs: list[float] = base_lrs
        track_step_calls(optimizer)
        self.last_epoch = last_epoch
        self.history: deque[Decision] = deque(maxlen=self.max_history)
        self._is_initial = False
        self._initial_step()

    # ------------------------------------------------------------------ the rule
    def get_lr(self) -> list[float]:
        r"""Return the learning rate of every group at ``last_epoch`` (the stepping rule).

        Called by :meth:`step` after it advances ``last_epoch``; to read the current rates
        use :meth:`get_last_lr`.

        Returns
        -------
        list of float

        Raises
        ------
        NotImplementedError
            On the base class: a scheduler must define its rule.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def _schedule(self, group_index: int, base_lr: float) -> Schedule | None:
        """The pure schedule of one group (None if the scheduler has no closed form)."""
        return None

    def _closed_form_lr(self) -> list[float]:
        schedules = [self._schedule(i, b) for i, b in enumerate(self.base_lrs)]
        if any(s is None for s in schedules):
            return self._rule()
        return [s(self.last_epoch) for s in schedules]

    def _reason(self) -> str:
        return ""

    # ------------------------------------------------------------------ stepping
    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self, epoch: int | None = None) -> None:
        r"""Advance one step (or jump to ``epoch``) and write every ``group["lr"]``.

        Parameters
        ----------
        epoch : int, optional
            Jump to this epoch and use the closed form (PyTorch deprecates this argument;
            netopt keeps it). Default: ``last_epoch + 1`` by the chainable rule.

        Raises
        ------
        ValueError
            ``Expected non-negative integer epoch, but got -1``.
        """
        if epoch is not None:
            check_step(epoch, integer=True)
        self._warn_order()
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _warn_order(self) -> None:
        """torch's warnings at the first user step: the optimizer's ``step`` was replaced
        after the scheduler was built, or has not been called yet."""
        step = getattr(self.optimizer, "step", None)
        if self._step_count != 1 or step is None:
            return
        if not hasattr(step, "_wrapped_by_lr_sched"):
            warnings.warn(OVERRIDDEN_WARNING, UserWarning, stacklevel=3)
        elif not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(ORDER_WARNING, UserWarning, stacklevel=3)

    def _update_lr(self, epoch: int | None) -> None:
        old = self._group_lrs()
        if epoch is None:
            self.last_epoch += 1
            values = self._rule()
            self._write(values, old)
        else:
            self.last_epoch = epoch
            self._write(self._closed_form_lr(), old, "jump")

    def _restart_at_milestone(self) -> None:
        """Start this scheduler over as a later stage of :class:`SequentialLR` (as PyTorch)."""
        self._update_lr(0)

    def _group_lrs(self) -> list[float]:
        return [lr_value(group["lr"]) for group in self.optimizer.param_groups]

    def _write(self, values: list[float], old: list[float], action: str | None = None) -> None:
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            set_lr(group, lr)
        self._last_lr = self._group_lrs()
        if action is None:
            action = "init" if self._is_initial else "hold" if old == self._last_lr else "update"
        self._record(action, self._reason(), old)

    def _record(
        self,
        action: str,
        reason: str,
        old: list[float],
        *,
        metric: float | None = None,
        best: float | None = None,
        num_bad_epochs: int | None = None,
        cooldown_counter: int | None = None,
    ) -> None:
        decision = Decision(
            self.last_epoch, action, reason, tuple(old), tuple(self._last_lr),
            metric, best, num_bad_epochs, cooldown_counter,
        )  # fmt: skip
        self.history.append(decision)

    def get_last_lr(self) -> list[float]:
        r"""Return the learning rates the last step wrote, one per group (a fresh list).

        Returns
        -------
        list of float
        """
        return list(self._last_lr)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        r"""Return the scheduler's state as plain data (no optimizer, no functions).

        Returns
        -------
        dict
            Counters, hyperparameters, ``base_lrs``, ``_last_lr`` and ``"history"`` (the
            decision log as a list of dicts). JSON-serializable.
        """
        state = {key: self._to_state(key, getattr(self, key)) for key in self._state_keys}
        state["history"] = [d.to_dict() for d in self.history]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        r"""Restore the state saved by :meth:`state_dict` (the input is not aliased).

        Parameters
        ----------
        state_dict : mapping

        Raises
        ------
        ValueError
            Missing or unexpected keys; per-group lists whose length differs from the
            optimizer's number of groups.
        """
        if not isinstance(state_dict, Mapping):
            raise ValueError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        expected = {*self._state_keys, "history"}
        missing, unexpected = expected - set(state_dict), set(state_dict) - expected
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing keys {sorted(missing)}, "
                f"unexpected keys {sorted(unexpected)}"
            )
        n = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr", "min_lrs"):
            if key in state_dict and len(state_dict[key]) != n:
                raise ValueError(
                    f"{key} has {len(state_dict[key])} entries but the optimizer has "
                    f"{n} param_groups"
                )
        history = [Decision.from_dict(d) for d in state_dict["history"]]
        for key in self._state_keys:
            setattr(self, key, self._from_state(key, copy.deepcopy(state_dict[key])))
        self.history = deque(history, maxlen=self.max_history)

    def _to_state(self, key: str, value: Any) -> Any:
        return copy.deepcopy(value)

    def _from_state(self, key: str, value: Any) -> Any:
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"
