r"""Schedulers made of schedulers: ``SequentialLR`` (one after another) and
``ChainedScheduler`` (all at once), both able to carry a ``ReduceLROnPlateau``."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, SupportsFloat

from ..._validate import is_int
from ..schedules._validate import check_milestones
from .base import Decision, LRScheduler, lr_value, param_groups, set_lr

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_members(owner: str, optimizer: Any, schedulers: Sequence[Any]) -> None:
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(s).__name__} at index {i} has {s.optimizer}, which is "
                f"different from {type(optimizer).__name__}."
            )


def _step_member(s: LRScheduler, metrics: SupportsFloat | None) -> None:
    if isinstance(s, _Composite) or s.needs_metrics:
        s.step(metrics)  # type: ignore[call-arg]
    else:
        s.step()


class _Composite(LRScheduler):
    _schedulers: list[LRScheduler]

    def _missing_metric(self) -> str | None:
        raise NotImplementedError

    def _require(self, metrics: SupportsFloat | None) -> None:
        stage = self._missing_metric() if metrics is None else None
        if stage is not None:
            raise ValueError(
                f"{type(self).__name__}: {stage} needs the monitored metric; call step(metrics)"
            )

    def _start_history(self) -> None:
        self.history: deque[Decision] = deque(maxlen=self.max_history)

    def state_dict(self) -> dict[str, Any]:
        r"""Return this scheduler's state with every member's under ``"_schedulers"``.

        Returns
        -------
        dict
        """
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        r"""Restore the state saved by :meth:`state_dict`, members included.

        Parameters
        ----------
        state_dict : mapping

        Raises
        ------
        ValueError
            Missing or unexpected keys, or a different number of members.
        """
        if not isinstance(state_dict, Mapping) or "_schedulers" not in state_dict:
            raise ValueError(f"{type(self).__name__}.load_state_dict: missing '_schedulers'")
        members = state_dict["_schedulers"]
        if len(members) != len(self._schedulers):
            raise ValueError(
                f"state_dict has {len(members)} schedulers, this {type(self).__name__} "
                f"has {len(self._schedulers)}"
            )
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for s, saved in zip(self._schedulers, members, strict=True):
            s.load_state_dict(saved)


class SequentialLR(_Composite):
    r"""Run schedulers one after another, switching at milestone epochs (PyTorch's rule).

    .. math:: \eta_t = \text{stage}_i(t - m_{i-1}), \quad i = \#\{m_j \le t\}

    At milestone :math:`m_{i-1}` stage :math:`i` starts over at its epoch 0 (closed form);
    otherwise the active stage takes its own step.

    Parameters
    ----------
    optimizer : object
    schedulers : list of LRScheduler
        Stages built on ``optimizer``; a ``ReduceLROnPlateau`` is allowed (not in PyTorch).
    milestones : list of int
        Strictly increasing positive epochs, one fewer than the stages.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        PyTorch's messages for no scheduler, a different optimizer, a milestone count
        mismatch; milestones not strictly increasing positive integers; a
        ``SequentialLR`` as a stage.
    TypeError
        A stage without an ``optimizer`` attribute.

    Notes
    -----
    Construction resets every group's lr to ``initial_lr``, undoes the stages' initial
    steps and performs stage 0's, as PyTorch. Metrics reach a ``ReduceLROnPlateau`` stage
    through ``step(metrics)``; pass them every epoch (stages that need none ignore them).
    At its milestone the plateau stage restarts from ``initial_lr`` with fresh counters
    and does not consume that step's metric. A ``ChainedScheduler`` stage (PyTorch raises
    NotImplementedError) starts at its milestone as the same chain built fresh: every
    group back to ``initial_lr``, then each member's initial step in order. Closed form:
    :func:`netopt.optim.schedules.sequence`.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> from netopt.optim.lr_scheduler import LinearLR, ReduceLROnPlateau
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> plateau = ReduceLROnPlateau(opt, factor=0.5, patience=0)
    >>> sched = SequentialLR(opt, [warm, plateau], milestones=[2])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for loss in [3.0, 2.0, 1.0, 1.5, 1.5]:
    ...     sched.step(loss)
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.75, 1.0, 1.0, 0.5, 0.25]
    """

    _state_keys = ("last_epoch", "base_lrs", "_last_lr", "_milestones")

    def __init__(
        self,
        optimizer: Any,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        schedulers = list(schedulers)
        ms = check_milestones(milestones, len(schedulers))
        _check_members("SequentialLR", optimizer, schedulers)
        for i, s in enumerate(schedulers):
            if isinstance(s, SequentialLR):
                raise ValueError(
                    f"SequentialLR stage {i} is a {type(s).__name__}; stages must be "
                    "single schedulers or ChainedSchedulers"
                )
        groups = param_groups(optimizer)
        if not is_int(last_epoch) or last_epoch < -1:
            raise ValueError(f"Expected integer last_epoch >= -1, but got {last_epoch}")
        self._schedulers, self._milestones = schedulers, ms
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        old = self._group_lrs()
        for group in groups:
            group.setdefault("initial_lr", lr_value(group["lr"]))
            set_lr(group, group["initial_lr"])
        self.base_lrs = [group["initial_lr"] for group in groups]
        self._start_history()
        for s in schedulers:  # undo the stages' own initial steps, as PyTorch
            s.last_epoch -= 1
            s.history.clear()
        idx = bisect_right(ms, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()
        self._record("init", f"stage {idx} ({type(schedulers[idx]).__name__}) starts", old)

    def _missing_metric(self) -> str | None:
        t = self.last_epoch + 1
        idx = bisect_right(self._milestones, t)
        if idx > 0 and self._milestones[idx - 1] == t:
            return None
        s = self._schedulers[idx]
        return f"stage {idx} ({type(s).__name__})" if s.needs_metrics else None

    def step(self, metrics: SupportsFloat | None = None) -> None:  # type: ignore[override]
        r"""Advance one epoch: switch stage at a milestone, else step the active stage.

        Parameters
        ----------
        metrics : float, optional
            Forwarded to a ``ReduceLROnPlateau`` stage; required while one is active.

        Raises
        ------
        ValueError
            A plateau stage is active and ``metrics`` is None (nothing is changed).
        """
        self._require(metrics)
        old = self._group_lrs()
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[idx]
        name = f"stage {idx} ({type(s).__name__})"
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            s._restart_at_milestone()
            action, reason = "switch", f"milestone {self.last_epoch}: {name} starts"
        else:
            _step_member(s, metrics)
            last = s.history[-1] if s.history else None
            action = last.action if last else "update"
            reason = f"{name}: {last.reason if last else 'stepped'}"
        self._last_lr = s.get_last_lr()
        self._record(action, reason, old)


class ChainedScheduler(_Composite):
    r"""Step several schedulers together; their chainable rules compose multiplicatively.

    .. math:: \eta_t = \eta_0 \prod_i \frac{\text{stage}_i(t)}{\eta_0}
              \quad\text{(for multiplicative stages)}

    Parameters
    ----------
    schedulers : sequence of LRScheduler
        Built on the same optimizer; a ``ReduceLROnPlateau`` is allowed (not in PyTorch).
    optimizer : object, optional
        Default: the first scheduler's.

    Raises
    ------
    ValueError
        ``ChainedScheduler expects at least one scheduler to be chained, but got no
        scheduler.``; schedulers of different optimizers (PyTorch's messages).
    TypeError
        A member without an ``optimizer`` attribute.

    Notes
    -----
    Closed form for multiplicative stages: :func:`netopt.optim.schedules.chain`.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> from netopt.optim.lr_scheduler import ConstantLR, ExponentialLR
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2),
    ...                           ExponentialLR(opt, gamma=0.5)])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.25, 0.25, 0.125]
    """

    _state_keys = ("last_epoch", "base_lrs", "_last_lr")

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Any = None) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(
                "ChainedScheduler expects at least one scheduler to be chained, but got no "
                "scheduler."
            )
        if optimizer is None:
            optimizer = getattr(schedulers[0], "optimizer", None)
        _check_members("ChainedScheduler", optimizer, schedulers)
        groups = param_groups(optimizer)
        self._schedulers, self.optimizer = schedulers, optimizer
        self.last_epoch = 0
        self.base_lrs = [lr_value(group.get("initial_lr", group["lr"])) for group in groups]
        self._last_lr = self._group_lrs()
        self._start_history()

    def _initial_step(self) -> None:
        """Start over from every group's ``initial_lr`` as a fresh chain does: each member
        takes its initial step in order (a ``SequentialLR`` stage, at construction or at
        its milestone)."""
        old = self._group_lrs()
        for group in self.optimizer.param_groups:
            set_lr(group, group["initial_lr"])
        for s in self._schedulers:
            s.last_epoch = -1
            s._initial_step()
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self._record("init", "chain restarts: every member takes its initial step", old)

    _restart_at_milestone = _initial_step

    def _missing_metric(self) -> str | None:
        for i, s in enumerate(self._schedulers):
            need = s._missing_metric() if isinstance(s, _Composite) else s.needs_metrics
            if need:
                return f"scheduler {i} ({type(s).__name__})"
        return None

    def step(self, metrics: SupportsFloat | None = None) -> None:  # type: ignore[override]
        r"""Step every member in order.

        Parameters
        ----------
        metrics : float, optional
            Forwarded to ``ReduceLROnPlateau`` members; required if there is one.

        Raises
        ------
        ValueError
            A member needs a metric and ``metrics`` is None (nothing is changed).
        """
        self._require(metrics)
        old = self._group_lrs()
        for s in self._schedulers:
            _step_member(s, metrics)
        self.last_epoch += 1
        self._last_lr = self._group_lrs()
        action = "hold" if old == self._last_lr else "update"
        reasons = "; ".join(
            f"{type(s).__name__}: {s.history[-1].action if s.history else 'stepped'}"
            for s in self._schedulers
        )
        self._record(action, reasons, old)
