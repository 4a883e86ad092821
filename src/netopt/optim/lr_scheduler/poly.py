r"""``PolynomialLR`` (polynomial decay to zero) and ``MultiplicativeLR`` (a user factor per
epoch), with PyTorch's chainable rules and closed forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._validate import is_int, is_real
from .base import LRScheduler, param_groups
from .warmup import LambdaLR

__all__ = ["MultiplicativeLR", "PolynomialLR"]


class PolynomialLR(LRScheduler):
    r"""Decay every group's lr polynomially to 0 over ``total_iters`` epochs.

    .. math::
        \eta_t = \eta_0 \Bigl(1 - \frac{\min(t, T)}{T}\Bigr)^{p}
        \quad\Longleftrightarrow\quad
        \eta_t = \eta_{t-1} \Bigl(\frac{1 - t/T}{1 - (t-1)/T}\Bigr)^{p}\ (0 < t \le T)

    Parameters
    ----------
    optimizer : object
    total_iters : int, default 5
        :math:`T`, a positive integer.
    power : float, default 1.0
        :math:`p`.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        ``total_iters`` not a positive integer or ``power`` not a real number (torch
        accepts both and divides by zero later).

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> sched = PolynomialLR(SGD([Parameter(np.zeros(1))], lr=1.0), total_iters=4, power=2.0)
    >>> for _ in range(2):
    ...     sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    _state_keys = (*LRScheduler._state_keys, "total_iters", "power")

    def __init__(
        self, optimizer: Any, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        if not is_int(total_iters) or total_iters <= 0:
            raise ValueError(f"total_iters must be a positive integer, got {total_iters!r}")
        if not is_real(power):
            raise ValueError(f"power must be a real number, got {power!r}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule (the ratio of consecutive closed-form factors).

        Returns
        -------
        list of float
        """
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        t, T = self.last_epoch, self.total_iters
        factor = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        T = self.total_iters
        return [
            base_lr * (1.0 - min(T, self.last_epoch) / T) ** self.power for base_lr in self.base_lrs
        ]

    def _reason(self) -> str:
        return f"lr = base_lr * (1 - min(t, {self.total_iters}) / {self.total_iters})^{self.power}"


class MultiplicativeLR(LambdaLR):
    r"""Multiply every group's lr by a user factor at every epoch after the first.

    .. math:: \eta^{(g)}_t = \eta^{(g)}_{t-1}\,\lambda_g(t), \qquad t > 0

    Parameters
    ----------
    optimizer : object
    lr_lambda : callable or list of callable
        One function of the epoch for all groups, or one per group.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        ``Expected 2 lr_lambdas, but got 1`` (PyTorch's message).
    TypeError
        ``lr_lambda should be a function, but got int`` (PyTorch's message).

    Notes
    -----
    ``state_dict`` saves lambdas as :class:`LambdaLR` does. There is no closed form:
    ``step(epoch)`` applies the chainable rule at ``epoch``, as PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> sched = MultiplicativeLR(SGD([Parameter(np.zeros(1))], lr=1.0), lambda t: 0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(
        self,
        optimizer: Any,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(param_groups(optimizer))
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(fns) == n:
            for fn in fns:
                if not callable(fn):
                    raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, lr_lambda, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> None:
        return None

    def get_lr(self) -> list[float]:
        r"""``lr * lr_lambda(last_epoch)`` after the initial step.

        Returns
        -------
        list of float
        """
        if self._is_initial:
            return self._group_lrs()
        return [
            group["lr"] * fn(self.last_epoch)
            for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)
        ]

    def _reason(self) -> str:
        return f"lr *= lr_lambda({self.last_epoch})"
