r"""Factor schedules, typically warm-ups: ``ConstantLR``, ``LinearLR``, ``LambdaLR``.

``ConstantLR`` and ``LinearLR`` step with PyTorch's chainable rule (bit for bit); their
closed forms are :func:`~netopt.optim.schedules.constant` and
:func:`~netopt.optim.schedules.linear`. ``LambdaLR`` is a closed form in PyTorch too.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable
from typing import Any

from ..schedules._validate import Schedule
from ..schedules.warmup import constant, lambda_schedule, linear
from .base import LRScheduler, param_groups

__all__ = ["ConstantLR", "LambdaLR", "LinearLR"]


class ConstantLR(LRScheduler):
    r"""Scale every group's lr by ``factor`` until epoch ``total_iters``, then restore it.

    .. math::
        \eta_0 = f\,\eta_{\text{base}}, \quad \eta_T = \eta_{T-1} / f, \quad
        \eta_t = \eta_{t-1} \text{ otherwise}
        \qquad\Longleftrightarrow\qquad
        \eta_t = \eta_{\text{base}}\left(f + [t \ge T](1 - f)\right)

    Parameters
    ----------
    optimizer : object
    factor : float, default 1/3
        :math:`f \in (0, 1]`.
    total_iters : int, default 5
        :math:`T`, a positive integer.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.constant` refuses, and for
        ``factor == 0`` (PyTorch accepts it and then divides by zero at ``total_iters``).

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = ConstantLR(opt, factor=0.5, total_iters=2)
    >>> lrs = []
    >>> for _ in range(3):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [0.5, 0.5, 1.0]
    """

    _state_keys = (*LRScheduler._state_keys, "factor", "total_iters")

    def __init__(
        self,
        optimizer: Any,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        schedule = constant(base_lr, self.factor, self.total_iters)
        if self.factor == 0:
            raise ValueError(
                "ConstantLR factor 0 cannot be undone at total_iters (the chainable rule "
                "divides by it); use a factor in (0, 1] (got 0)"
            )
        return schedule

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule: ``lr * factor`` at 0, ``lr * (1 / factor)`` at ``T``.

        Returns
        -------
        list of float
        """
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return self._group_lrs()
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _reason(self) -> str:
        t, f, total = self.last_epoch, self.factor, self.total_iters
        if t == 0:
            return f"epoch 0: lr *= factor {f} until epoch {total}"
        if t == total:
            return f"epoch {t} = total_iters: lr *= 1 / factor {f}"
        return f"epoch {t}: factor {f} until epoch {total}" if t < total else "factor undone"


class LinearLR(LRScheduler):
    r"""Change every group's factor linearly from ``start_factor`` to ``end_factor``.

    .. math::
        \eta_t = \eta_{t-1}\left(1 + \frac{f_e - f_s}{T f_s + (t - 1)(f_e - f_s)}\right)
        \ (1 \le t \le T)
        \qquad\Longleftrightarrow\qquad
        \eta_t = \eta_0\left(f_s + (f_e - f_s)\frac{\min(t, T)}{T}\right)

    Parameters
    ----------
    optimizer : object
    start_factor : float, default 1/3
        :math:`f_s \in (0, 1]`.
    end_factor : float, default 1.0
        :math:`f_e \in [0, 1]`.
    total_iters : int, default 5
        :math:`T`, a positive integer.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        For the arguments :func:`~netopt.optim.schedules.linear` refuses (``total_iters``
        included: PyTorch's closed form would divide by zero).

    Notes
    -----
    PyTorch's ratio loses relative accuracy when :math:`0 < f_e \ll f_s`: the factor
    :math:`1 + (f_e - f_s)/(\dots)` cancels to about :math:`f_e / f_s`, so with
    ``start_factor=0.75, end_factor=1e-6`` the step-by-step rate is off the closed form by
    about 3e-11 relative (it is PyTorch's number all the same). Closed form:
    :func:`netopt.optim.schedules.linear`.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(3, np.float32))], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 12))
    ...     sched.step()
    >>> lrs
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    _state_keys = (*LRScheduler._state_keys, "start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return linear(base_lr, self.start_factor, self.end_factor, self.total_iters)

    def get_lr(self) -> list[float]:
        r"""PyTorch's chainable rule (see the class equation).

        Returns
        -------
        list of float
        """
        s, e = self.start_factor, self.end_factor
        if self.last_epoch == 0:
            return [group["lr"] * s for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        return [
            group["lr"] * (1.0 + (e - s) / (self.total_iters * s + (self.last_epoch - 1) * (e - s)))
            for group in self.optimizer.param_groups
        ]

    def _reason(self) -> str:
        t, total = self.last_epoch, self.total_iters
        if t > total:
            return f"epoch {t} > total_iters {total}: factor stays {self.end_factor}"
        return f"epoch {t} of {total}: factor {self.start_factor} -> {self.end_factor}"


class LambdaLR(LRScheduler):
    r"""Set every group's lr to its base lr times a user function of the epoch.

    .. math:: \eta^{(g)}_t = \eta^{(g)}_0\,\lambda_g(t)

    Parameters
    ----------
    optimizer : object
    lr_lambda : callable or list of callable
        One function for all groups, or one per group.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        ``Expected 2 lr_lambdas, but got 1`` (PyTorch's message).
    TypeError
        An ``lr_lambda`` that is not callable.

    Notes
    -----
    As in PyTorch, ``state_dict`` does not save plain functions or lambdas (their slot is
    None); a callable object's ``__dict__`` is saved and restored.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> w, b = Parameter(np.zeros(3, np.float32)), Parameter(np.zeros(1, np.float32))
    >>> opt = SGD([{"params": [w], "lr": 1.0}, {"params": [b], "lr": 0.5}], lr=1.0)
    >>> sched = LambdaLR(opt, [lambda t: 0.5**t, lambda t: 1 / (1 + t)])
    >>> sched.step()
    >>> sched.get_last_lr()
    [0.5, 0.25]
    """

    _state_keys = (*LRScheduler._state_keys, "lr_lambdas")

    def __init__(
        self,
        optimizer: Any,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(param_groups(optimizer))
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def _schedule(self, group_index: int, base_lr: float) -> Schedule:
        return lambda_schedule(base_lr, self.lr_lambdas[group_index])

    def get_lr(self) -> list[float]:
        r"""``base_lr * lr_lambda(last_epoch)`` for every group (a closed form).

        Returns
        -------
        list of float
        """
        return [
            base_lr * fn(self.last_epoch)
            for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]

    def _reason(self) -> str:
        return f"lr = base_lr * lr_lambda({self.last_epoch})"

    def _to_state(self, key: str, value: Any) -> Any:
        if key != "lr_lambdas":
            return super()._to_state(key, value)
        return [
            None
            if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")
            else copy.deepcopy(fn.__dict__)
            for fn in value
        ]

    def _from_state(self, key: str, value: Any) -> Any:
        if key != "lr_lambdas":
            return value
        for fn, saved in zip(self.lr_lambdas, value, strict=True):
            if saved is not None:
                fn.__dict__.update(saved)
        return self.lr_lambdas
