r"""``ReduceLROnPlateau``: performance-based decay (the chapter's 基于性能监测的自适应调整)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, SupportsFloat

from ..._validate import is_real
from ..schedules._validate import check_int, check_lr
from .base import Decision, LRScheduler, param_groups, set_lr

__all__ = ["ReduceLROnPlateau", "is_better", "plateau_threshold"]


def plateau_threshold(best: float, mode: str, threshold: float, threshold_mode: str) -> float:
    r"""The value a metric must beat to count as an improvement (PyTorch's rule).

    .. math::
        \text{min, rel: } b(1 - \epsilon) \qquad \text{min, abs: } b - \epsilon \qquad
        \text{max, rel: } b(1 + \epsilon) \qquad \text{max, abs: } b + \epsilon

    Parameters
    ----------
    best : float
        :math:`b`, the best metric so far (:math:`\pm\infty` before the first step).
    mode : {"min", "max"}
    threshold : float
        :math:`\epsilon \ge 0`.
    threshold_mode : {"rel", "abs"}

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``mode x is unknown!``, ``threshold mode x is unknown!`` (PyTorch's messages).

    Notes
    -----
    In ``rel`` mode a negative ``best`` moves the threshold the other way (PyTorch's rule,
    kept for exactness): monitor a positive quantity, or use ``abs``.

    Examples
    --------
    >>> plateau_threshold(2.0, "min", 0.25, "rel"), plateau_threshold(2.0, "max", 0.25, "abs")
    (1.5, 2.25)
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode {mode} is unknown!")
    if threshold_mode not in ("rel", "abs"):
        raise ValueError(f"threshold mode {threshold_mode} is unknown!")
    if mode == "min":
        return best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold
    return best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold


def is_better(a: float, best: float, mode: str, threshold: float, threshold_mode: str) -> bool:
    r"""Return whether metric ``a`` improves on ``best``: strictly beyond the threshold.

    .. math:: a < \tau(b) \ (\text{min}) \qquad a > \tau(b) \ (\text{max})

    with :math:`\tau` = :func:`plateau_threshold`. A NaN metric is never better.

    Parameters
    ----------
    a, best : float
    mode : {"min", "max"}
    threshold : float
    threshold_mode : {"rel", "abs"}

    Returns
    -------
    bool

    Examples
    --------
    >>> is_better(0.9, 1.0, "min", 0.1, "rel"), is_better(0.89, 1.0, "min", 0.1, "rel")
    (False, True)
    """
    tau = plateau_threshold(best, mode, threshold, threshold_mode)
    return a < tau if mode == "min" else a > tau


class ReduceLROnPlateau(LRScheduler):
    r"""Reduce every group's lr by ``factor`` when a metric stops improving.

    Each ``step(metric)``: an improvement (:func:`is_better`) sets ``best`` and clears the
    bad-epoch count, otherwise the count grows; during cooldown bad epochs are ignored; when
    the count exceeds ``patience``:

    .. math:: \eta^{(g)} \leftarrow \max(f\,\eta^{(g)},\ \eta^{(g)}_{\min})
              \quad\text{if the change exceeds } \varepsilon,

    then cooldown starts and the count clears (PyTorch's counting, exactly).

    Parameters
    ----------
    optimizer : object
    mode : {"min", "max"}, default "min"
        Whether the metric should decrease (a loss) or increase (an accuracy).
    factor : float, default 0.1
        :math:`f \in [0, 1)`.
    patience : int, default 10
        Bad epochs tolerated; the reduction happens on bad epoch ``patience + 1``.
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
        Epochs after a reduction during which bad epochs are not counted.
    min_lr : float or list of float, default 0
        Floor, one value or one per group.
    eps : float, default 1e-8
        A reduction smaller than this is skipped.

    Attributes
    ----------
    best : float
    num_bad_epochs : int
    cooldown_counter : int
    history : deque of Decision
        One record per step: ``action`` in ``improve``, ``wait``, ``cooldown``, ``reduce``,
        ``floor``, with the metric, the best, the counters and the rates before and after.

    Raises
    ------
    ValueError
        ``Factor should be < 1.0.`` (PyTorch's message) and ``Factor should be >= 0.0.``;
        ``expected 2 min_lrs, got 1``; ``mode x is unknown!``; ``threshold mode x is
        unknown!``; a negative ``patience``, ``cooldown``, ``threshold``, ``eps`` or
        ``min_lr`` (PyTorch checks none of these).

    Notes
    -----
    Beyond PyTorch, this scheduler may be a stage of :class:`SequentialLR` (e.g. after a
    warm-up) or of :class:`ChainedScheduler`: pass the metric to their ``step(metrics)``. At
    its milestone it restarts: every group's lr returns to ``group["initial_lr"]`` and
    ``best`` and the counters reset; the metric of that step is not consumed.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [1.0, 0.5, 0.6, 0.6, 0.4]:
    ...     sched.step(loss)
    >>> sched.get_last_lr(), [d.action for d in sched.history]
    ([0.5], ['improve', 'improve', 'wait', 'reduce', 'improve'])
    >>> sched.history[3].reason
    '2 bad epochs > patience 1: lr *= factor 0.5 (floor min_lr)'
    """

    needs_metrics = True
    _state_keys = (
        "last_epoch", "_last_lr", "factor", "min_lrs", "default_min_lr", "patience",
        "cooldown", "cooldown_counter", "mode", "threshold", "threshold_mode", "best",
        "num_bad_epochs", "mode_worse", "eps",
    )  # fmt: skip

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if not is_real(factor) or factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0. (got {factor})")
        if factor < 0:
            raise ValueError(f"Factor should be >= 0.0. (got {factor})")
        groups = param_groups(optimizer)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(groups):
                raise ValueError(f"expected {len(groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = [check_lr(m, "min_lr") for m in min_lr]
        else:
            self.default_min_lr = check_lr(min_lr, "min_lr")
            self.min_lrs = [min_lr] * len(groups)
        plateau_threshold(0.0, mode, 0.0, threshold_mode)
        self.factor = factor
        self.patience = check_int("patience", patience, 0)
        self.cooldown = check_int("cooldown", cooldown, 0)
        self.threshold = check_lr(threshold, "threshold")
        self.eps = check_lr(eps, "eps")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.optimizer = optimizer
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self.history: deque[Decision] = deque(maxlen=self.max_history)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        r"""Whether bad epochs are currently ignored after a reduction.

        Returns
        -------
        bool
        """
        return self.cooldown_counter > 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        r"""Feed the epoch's metric; reduce the learning rates if it has plateaued.

        Parameters
        ----------
        metrics : float
            The monitored quantity (anything ``float()`` accepts, e.g. a 0-d tensor).
        epoch : int, optional
            Set ``last_epoch`` (default ``last_epoch + 1``).
        """
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        old, best_before = self._group_lrs(), self.best
        tau = plateau_threshold(best_before, self.mode, self.threshold, self.threshold_mode)
        improved = is_better(current, best_before, self.mode, self.threshold, self.threshold_mode)
        if improved:
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        in_cooldown = self.in_cooldown
        if in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown
        bad = self.num_bad_epochs
        action = "improve" if improved else "cooldown" if in_cooldown else "wait"
        reason = (
            f"metric {current:.6g} {'<' if self.mode == 'min' else '>'} {tau:.6g}"
            if improved
            else f"bad epochs ignored, {self.cooldown_counter} cooldown epoch(s) left"
            if in_cooldown
            else f"{bad} bad epoch(s), patience {self.patience}"
        )
        if bad > self.patience:
            changed = self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            action = "reduce" if changed else "floor"
            reason = f"{bad} bad epochs > patience {self.patience}: " + (
                f"lr *= factor {self.factor} (floor min_lr)"
                if changed
                else f"every group at min_lr or within eps {self.eps}"
            )
        self._last_lr = self._group_lrs()
        self._record(
            action, reason, old, metric=current, best=self.best,
            num_bad_epochs=self.num_bad_epochs, cooldown_counter=self.cooldown_counter,
        )  # fmt: skip

    def _reduce_lr(self) -> bool:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs "
                    f"from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), "
                    "usually due to a new param group being added to the optimizer. Please "
                    "modify the `min_lrs` field to match the length of the `optimizer` "
                    "param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        changed = False
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                set_lr(group, new_lr)
                changed = True
        return changed

    def _restart(self, reason: str) -> None:
        old = self._group_lrs()
        for group in self.optimizer.param_groups:
            set_lr(group, group["initial_lr"])
        self._reset()
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self._record("init", reason, old, best=self.best, num_bad_epochs=0, cooldown_counter=0)

    def _initial_step(self) -> None:
        self._restart("first stage of a SequentialLR: lr = initial_lr")

    def _restart_at_milestone(self) -> None:
        self._restart("SequentialLR milestone: lr = initial_lr, best and counters reset")

    def get_lr(self) -> list[float]:
        r"""The current rates (this scheduler's rule needs a metric: see :meth:`step`).

        Returns
        -------
        list of float
        """
        return self._group_lrs()

    def load_state_dict(self, state_dict: Any) -> None:
        r"""Restore the state saved by :meth:`state_dict`, re-checking mode and threshold.

        Parameters
        ----------
        state_dict : mapping

        Raises
        ------
        ValueError
            Missing or unexpected keys; an unknown mode or threshold mode.
        """
        if isinstance(state_dict, Mapping) and {"mode", "threshold_mode"} <= set(state_dict):
            plateau_threshold(0.0, state_dict["mode"], 0.0, state_dict["threshold_mode"])
        super().load_state_dict(state_dict)
