r"""``OneCycleLR``: the 1cycle policy, stepped once per batch."""

from __future__ import annotations

import functools
from typing import Any

from ..schedules._validate import check_int, check_step
from ..schedules.one_cycle import (
    one_cycle,
    one_cycle_anneal,
    one_cycle_interpolate,
    one_cycle_momentum,
    one_cycle_phases,
)
from .base import LRScheduler, lr_value, param_groups

__all__ = ["OneCycleLR"]


def _per_group(name: str, value: Any, n: int) -> list[Any]:
    """One value per group; a 1-element tensor gives its value (a copy, as torch's clone:
    changing the tensor later does not move the schedule)."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {n}."
            )
        return [lr_value(v) for v in value]
    return [lr_value(value)] * n


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    .. math::
        \eta_{\text{init}} = \eta_{\max}/d,\quad \eta_{\text{final}} = \eta_{\text{init}}/d_f,
        \quad \eta_t = \mathrm{anneal}(\eta_a, \eta_b, \tfrac{t - s}{e - s})

    over the phases of :func:`~netopt.optim.schedules.one_cycle` (PyTorch's formula, read
    from ``group["initial_lr"]``, ``group["max_lr"]``, ``group["min_lr"]`` at each step).

    Parameters
    ----------
    optimizer : object
    max_lr : float or list of float
        Peak rate, one value or one per group.
    total_steps : int, optional
        Number of steps in the cycle; otherwise ``epochs * steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
    pct_start : float, default 0.3
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
        Also cycle ``group["momentum"]`` (or ``betas[0]``) between ``max_momentum`` and
        ``base_momentum``, inversely to the rate.
    base_momentum, max_momentum : float or list of float, default 0.85, 0.95
    div_factor : float, default 25.0
    final_div_factor : float, default 1e4
    three_phase : bool, default False
    last_epoch : int, default -1
        Index of the last *batch*.

    Raises
    ------
    ValueError
        PyTorch's messages: ``You must define either total_steps OR (epochs AND
        steps_per_epoch)``, ``Expected positive integer total_steps, but got 0``,
        ``Expected float between 0 and 1 pct_start, but got 2``, ``anneal_strategy must be
        one of 'cos' or 'linear', instead got x``, ``max_lr must have the same length as
        optimizer.param_groups...``, ``optimizer must support momentum or beta1 with
        `cycle_momentum` option enabled``; stepping past ``total_steps``: ``Tried to step
        11 times. The specified number of total steps is 10`` (raised before any state
        changes, unlike PyTorch); a zero-length phase (PyTorch divides by zero).

    Notes
    -----
    Construction with ``last_epoch=-1`` writes ``initial_lr``, ``max_lr``, ``min_lr`` (and
    ``max_momentum``, ``base_momentum``) into every group, as PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10, div_factor=10.0,
    ...                    anneal_strategy="linear")
    >>> [round(sched.get_last_lr()[0], 6), opt.param_groups[0]["momentum"]]
    [0.1, 0.95]
    >>> sched.step(); sched.step()
    >>> [round(sched.get_last_lr()[0], 6), round(opt.param_groups[0]["momentum"], 6)]
    [1.0, 0.85]
    """

    _state_keys = (
        *LRScheduler._state_keys,
        "total_steps",
        "_phases",
        "_anneal_func_type",
        "cycle_momentum",
        "use_beta1",
    )

    def __init__(
        self,
        optimizer: Any,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        groups = param_groups(optimizer)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(
                    "You must define either total_steps OR (epochs AND steps_per_epoch)"
                )
            total_steps = check_int("epochs", epochs, 1) * check_int(
                "steps_per_epoch", steps_per_epoch, 1
            )
        self.total_steps = check_int("total_steps", total_steps, 1)
        self._phases = one_cycle_phases(self.total_steps, pct_start, three_phase)
        max_lrs = _per_group("max_lr", max_lr, len(groups))
        for m in max_lrs:  # validates anneal_strategy, max_lr and the two div factors
            one_cycle(
                m,
                self.total_steps,
                pct_start=pct_start,
                anneal_strategy=anneal_strategy,
                div_factor=div_factor,
                final_div_factor=final_div_factor,
                three_phase=three_phase,
            )
        self._anneal_func_type = anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = False
        if self.cycle_momentum:
            if not all("momentum" in g or "betas" in g for g in groups):
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in groups[0]
            max_ms = _per_group("max_momentum", max_momentum, len(groups))
            base_ms = _per_group("base_momentum", base_momentum, len(groups))
            for b, m in zip(base_ms, max_ms, strict=True):
                one_cycle_momentum(self.total_steps, base_momentum=b, max_momentum=m)
        if last_epoch == -1:
            for i, group in enumerate(groups):
                group["initial_lr"] = max_lrs[i] / div_factor
                group["max_lr"] = max_lrs[i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    self._set_momentum(group, max_ms[i])
                    group["max_momentum"] = max_ms[i]
                    group["base_momentum"] = base_ms[i]
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def step(self, epoch: int | None = None) -> None:
        r"""Advance one batch (or jump to batch ``epoch``) and write lr (and momentum).

        Parameters
        ----------
        epoch : int, optional

        Raises
        ------
        ValueError
            Past ``total_steps``, before any state changes.
        """
        if epoch is not None:
            check_step(epoch, integer=True)
        target = self.last_epoch + 1 if epoch is None else epoch
        if target > self.total_steps:
            raise ValueError(
                f"Tried to step {target} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        super().step(epoch)

    def get_lr(self) -> list[float]:
        r"""PyTorch's rule: interpolate within the current phase; also sets momentum.

        Returns
        -------
        list of float
        """
        lrs = []
        t, phases = self.last_epoch, self._phases
        how = getattr(self, "_anneal_func_type", None) or self.anneal_func
        for group in self.optimizer.param_groups:
            values = (group["initial_lr"], group["max_lr"], group["min_lr"])
            lrs.append(one_cycle_interpolate(t, phases, values, how))
            if self.cycle_momentum:
                moms = (group["max_momentum"], group["base_momentum"], group["max_momentum"])
                self._set_momentum(group, one_cycle_interpolate(t, phases, moms, how))
        return lrs

    @property
    def anneal_strategy(self) -> str | None:
        """``"cos"`` or ``"linear"`` (stored as torch's ``_anneal_func_type``); None for a
        scheduler restored from a legacy state that carried the function itself."""
        return getattr(self, "_anneal_func_type", None)

    #: torch's annealing functions, under torch's names (legacy states hold one of them).
    _annealing_cos = staticmethod(functools.partial(one_cycle_anneal, "cos"))
    _annealing_linear = staticmethod(functools.partial(one_cycle_anneal, "linear"))

    def state_dict(self) -> dict[str, Any]:
        r"""The state (:meth:`LRScheduler.state_dict`); a scheduler restored from a legacy
        state (torch's ``anneal_func``) has no ``_anneal_func_type`` to save.

        Returns
        -------
        dict
        """
        if hasattr(self, "_anneal_func_type"):
            return super().state_dict()
        keys = self._state_keys
        try:
            self._state_keys = tuple(k for k in keys if k != "_anneal_func_type")
            return super().state_dict()
        finally:
            del self._state_keys

    def load_state_dict(self, state_dict: Any) -> None:
        r"""Restore a state from :meth:`state_dict`, or a legacy torch state that holds
        ``anneal_func`` (the annealing function) instead of ``_anneal_func_type``: torch's
        :attr:`_annealing_cos` / :attr:`_annealing_linear` restore ``"cos"`` / ``"linear"``;
        any other callable anneals from then on (and is not saved: no functions in a state).

        Parameters
        ----------
        state_dict : mapping

        Raises
        ------
        ValueError
            As :meth:`LRScheduler.load_state_dict`; ``anneal_func`` that is not callable.
        """
        if "anneal_func" not in state_dict or "_anneal_func_type" in state_dict:
            super().load_state_dict(state_dict)
            return
        state = dict(state_dict)
        func = state.pop("anneal_func")
        if not callable(func):
            raise ValueError(f"anneal_func must be callable, got {func!r}")
        named = {"cos": OneCycleLR._annealing_cos, "linear": OneCycleLR._annealing_linear}
        kind = next((k for k, f in named.items() if func is f), None)
        state["_anneal_func_type"] = kind
        super().load_state_dict(state)
        if kind is None:
            del self._anneal_func_type
            self.anneal_func = func

    def _reason(self) -> str:
        t = self.last_epoch
        phase = next((i for i, p in enumerate(self._phases) if t <= p[0]), len(self._phases) - 1)
        return f"step {t} of {self.total_steps}: phase {phase + 1} of {len(self._phases)}"

    def _from_state(self, key: str, value: Any) -> Any:
        return [tuple(p) for p in value] if key == "_phases" else value
