r"""Cosine annealing (余弦退火): ``CosineAnnealingLR`` and ``CosineAnnealingWarmRestarts``."""

from __future__ import annotations

import math
from typing import Any

from ..schedules._validate import Schedule, check_step
from ..schedules.cosine import (
    cosine_annealing,
    cosine_value,
    cosine_warm_restarts,
    warm_restart_position,
)
from .base import LRScheduler

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts"]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal every group's lr along a cosine to ``eta_min`` at ``T_max``, periodically.

    PyTorch's chainable rule, reproduced bit for bit:

    .. math::
        \eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})
                 \frac{1 + \cos(\pi t / T_{\max})}{1 + \cos(\pi (t-1) / T_{\max})},

    except :math:`\eta_t = \eta_{t-1} + \tfrac12(\eta_0 - \eta_{\min})(1 - \cos(\pi/T_{\max}))`
    when :math:`(t - 1 - T_{\max}) \bmod 2T_{\max} = 0` (leaving the minimum, where the ratio
    would be 0/0). It follows the closed form
    :math:`\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t/T_{\max}))`.

    Parameters
    ----------
    optimizer : object
    T_max : float
        :math:`T_{\max} > 0`, epochs from :math:`\eta_0` down to :math:`\eta_{\min}`.
    eta_min : float, default 0.0
        :math:`\eta_{\min} \ge 0`.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.cosine_annealing` refuses.

    Notes
    -----
    Past ``T_max`` the rate climbs back to :math:`\eta_0` at :math:`2T_{\max}` (no restart;
    see :class:`CosineAnnealingWarmRestarts`). Closed form:
    :func:`netopt.optim.schedules.cosine_annealing`.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 12))
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.0, 0.5, 1.0]
    """

    _state_keys = (*LRScheduler._state_keys, "T_max", "eta_min")

    def __init__(
        self, optimizer: Any, T_max: float, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return cosine_annealing(base_lr, self.T_max, self.eta_min)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule (see the class equation).

        Returns
        -------
        list of float
        """
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and t > 0:  # resumed with last_epoch > 0: closed form
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos((t) * math.pi / T)) / 2
                for base_lr in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        return [
            (1 + math.cos(math.pi * t / T))
            / (1 + math.cos(math.pi * (t - 1) / T))
            * (group["lr"] - eta_min)
            + eta_min
            for group in groups
        ]

    def _reason(self) -> str:
        return f"cosine at epoch {self.last_epoch} of half-period T_max {self.T_max}"


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR); ``step(epoch)`` takes fractional epochs.

    .. math::
        \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi T_{cur}}{T_i}\right)

    :math:`T_{cur}` counts epochs since the last restart and :math:`T_i` (first
    :math:`T_0`) is multiplied by :math:`T_{mult}` at every restart.

    Parameters
    ----------
    optimizer : object
    T_0 : int
        Epochs until the first restart, a positive integer.
    T_mult : int, default 1
        Cycle-length factor, an integer :math:`\ge 1`.
    eta_min : float, default 0.0
        :math:`\eta_{\min} \ge 0`.
    last_epoch : int, default -1

    Attributes
    ----------
    T_cur : float
        Epochs since the last restart.
    T_i : int
        Length of the current cycle.

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.cosine_warm_restarts` refuses,
        and for a negative epoch given to :meth:`step`.

    Notes
    -----
    ``step()`` advances :math:`T_{cur}` by one and wraps it at :math:`T_i`, as PyTorch.
    ``step(epoch)`` places ``epoch`` (e.g. ``epoch + i / n_batches``) with
    :func:`~netopt.optim.schedules.warm_restart_position`, which uses exact integer cycle
    boundaries; PyTorch's floating-point logarithm there puts a few exact restart epochs in
    the previous cycle (``T_0=1, T_mult=3, epoch=121`` gives :math:`\eta_{\min}` in PyTorch,
    :math:`\eta_0` here and in PyTorch's own ``step()`` sequence). Everywhere else the
    values are PyTorch's bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> sched.step(1.5)
    >>> round(sched.get_last_lr()[0], 6), sched.T_cur, sched.T_i
    (0.146447, 1.5, 2)
    >>> sched.step(); sched.step()   # positions 2.5, 3.5: the second cycle, 4 long
    >>> round(sched.get_last_lr()[0], 6), sched.T_cur, sched.T_i
    (0.691342, 1.5, 4)
    """

    _state_keys = (
        *LRScheduler._state_keys,
        "T_0",
        "T_i",
        "T_mult",
        "T_cur",
        "eta_min",
        "_restarted",
    )

    def __init__(
        self,
        optimizer: Any,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        self._restarted = False
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return cosine_warm_restarts(base_lr, self.T_0, self.T_mult, self.eta_min)

    def get_lr(self) -> list[float]:
        r"""The closed form at the current :math:`(T_{cur}, T_i)`.

        Returns
        -------
        list of float
        """
        return [cosine_value(b, self.eta_min, self.T_cur, self.T_i) for b in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        r"""Advance one epoch, or go to ``epoch`` (fractional allowed, any order).

        Parameters
        ----------
        epoch : float, optional
            Default: ``last_epoch + 1`` by incrementing :math:`T_{cur}`.

        Raises
        ------
        ValueError
            ``Expected non-negative epoch, but got -1``.
        """
        if epoch is not None:
            check_step(epoch)
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: float | None) -> None:
        old = self._group_lrs()
        action = None
        self._restarted = False
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
                self._restarted = True
        else:
            self.T_cur, self.T_i = warm_restart_position(epoch, self.T_0, self.T_mult)
            action = None if self._is_initial else "jump"
        self.last_epoch = math.floor(epoch)
        self._write(self._rule(), old, "restart" if self._restarted else action)

    def _reason(self) -> str:
        where = f"T_cur {self.T_cur} of cycle length T_i {self.T_i}"
        return f"warm restart: {where}" if self._restarted else where
