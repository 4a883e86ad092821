r"""Scheduled decays (有序调整): ``StepLR``, ``MultiStepLR``, ``ExponentialLR``.

Each class steps with PyTorch's chainable rule (it multiplies the current ``group["lr"]``),
so its sequence is PyTorch's bit for bit; ``step(epoch)`` and the test suite use the closed
forms of :mod:`netopt.optim.schedules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..schedules._validate import Schedule
from ..schedules.decay import exponential_decay, multistep_decay, step_decay
from .base import LRScheduler

__all__ = ["ExponentialLR", "MultiStepLR", "StepLR"]


class StepLR(LRScheduler):
    r"""Multiply every group's lr by ``gamma`` every ``step_size`` epochs (等间隔调整).

    .. math::
        \eta_t = \begin{cases} \gamma\,\eta_{t-1} & t > 0,\ t \bmod s = 0 \\
        \eta_{t-1} & \text{otherwise} \end{cases}
        \qquad\Longleftrightarrow\qquad \eta_t = \eta_0\,\gamma^{\lfloor t/s \rfloor}

    Parameters
    ----------
    optimizer : object
        Has ``param_groups``.
    step_size : int
        :math:`s`, a positive integer.
    gamma : float, default 0.1
        :math:`\gamma > 0`.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.step_decay` refuses (PyTorch
        validates neither ``step_size`` nor ``gamma``).

    Notes
    -----
    Closed form: :func:`netopt.optim.schedules.step_decay`.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=0.5)
    >>> sched = StepLR(opt, step_size=2, gamma=0.1)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 6))
    ...     sched.step()
    >>> lrs
    [0.5, 0.5, 0.05, 0.05, 0.005]
    """

    _state_keys = (*LRScheduler._state_keys, "step_size", "gamma")

    def __init__(
        self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return step_decay(base_lr, self.step_size, self.gamma)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule: ``lr * gamma`` at nonzero multiples of ``step_size``.

        Returns
        -------
        list of float
        """
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _reason(self) -> str:
        t, s = self.last_epoch, self.step_size
        if t > 0 and t % s == 0:
            return f"epoch {t} is a multiple of step_size {s}: lr *= gamma {self.gamma}"
        return f"epoch {t}: next decay at epoch {(t // s + 1) * s}"


class MultiStepLR(LRScheduler):
    r"""Multiply every group's lr by ``gamma`` at each milestone epoch.

    .. math::
        \eta_t = \gamma^{c(t)}\,\eta_{t-1}, \quad c(t) = \#\{i : m_i = t\}
        \qquad\Longleftrightarrow\qquad \eta_t = \eta_0\,\gamma^{\#\{i : m_i \le t\}}

    Parameters
    ----------
    optimizer : object
    milestones : iterable of int
        Non-negative integer epochs; a repeated milestone applies ``gamma`` once per repeat
        (PyTorch keeps a ``Counter``).
    gamma : float, default 0.1
        :math:`\gamma > 0`.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.multistep_decay` refuses.

    Notes
    -----
    Closed form: :func:`netopt.optim.schedules.multistep_decay`. ``milestones`` is a
    ``collections.Counter`` as in PyTorch; ``state_dict`` stores it as a sorted list.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.5, 0.25]
    """

    _state_keys = (*LRScheduler._state_keys, "milestones", "gamma")

    def __init__(
        self, optimizer: Any, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return multistep_decay(base_lr, list(self.milestones.elements()), self.gamma)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule: ``lr * gamma ** count`` at a milestone.

        Returns
        -------
        list of float
        """
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [
            group["lr"] * self.gamma ** self.milestones[self.last_epoch]
            for group in self.optimizer.param_groups
        ]

    def _reason(self) -> str:
        t = self.last_epoch
        if t in self.milestones:
            return f"epoch {t} is a milestone: lr *= gamma {self.gamma} ** {self.milestones[t]}"
        later = [m for m in self.milestones if m > t]
        return f"epoch {t}: next milestone {min(later)}" if later else f"epoch {t}: no milestone"

    def _to_state(self, key: str, value: Any) -> Any:
        return sorted(value.elements()) if key == "milestones" else super()._to_state(key, value)

    def _from_state(self, key: str, value: Any) -> Any:
        return Counter(value) if key == "milestones" else value


class ExponentialLR(LRScheduler):
    r"""Multiply every group's lr by ``gamma`` every epoch (指数衰减).

    .. math:: \eta_t = \gamma\,\eta_{t-1} \qquad\Longleftrightarrow\qquad \eta_t = \eta_0\gamma^t

    Parameters
    ----------
    optimizer : object
    gamma : float
        :math:`\gamma > 0`.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.exponential_decay` refuses.

    Notes
    -----
    Closed form: :func:`netopt.optim.schedules.exponential_decay`. The recursive product
    and :math:`\gamma^t` differ by a few ulps after tens of steps; PyTorch steps by the
    product, and so does this class.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> w, b = Parameter(np.zeros(3, np.float32)), Parameter(np.zeros(1, np.float32))
    >>> opt = SGD([{"params": [w], "lr": 1.0}, {"params": [b], "lr": 0.1}], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25, 0.025]
    """

    _state_keys = (*LRScheduler._state_keys, "gamma")

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return exponential_decay(base_lr, self.gamma)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule: ``lr * gamma`` (unchanged on the initial step).

        Returns
        -------
        list of float
        """
        if self._is_initial:
            return self._group_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _reason(self) -> str:
        return "initial step" if self._is_initial else f"lr *= gamma {self.gamma}"
