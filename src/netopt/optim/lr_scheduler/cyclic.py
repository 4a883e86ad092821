r"""``CyclicLR``: the learning rate cycles between two bounds (Smith 2017), with momentum
cycling the other way, as PyTorch's ``torch.optim.lr_scheduler.CyclicLR``."""

from __future__ import annotations

import copy
import functools
import math
import types
from collections.abc import Callable
from typing import Any

from ..._validate import is_real
from .base import LRScheduler, param_groups

__all__ = ["CyclicLR"]

_MODES = ("triangular", "triangular2", "exp_range")


def _per_group(name: str, groups: list, value: Any) -> list[float]:
    """One value per group (torch's ``_format_param``)."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {len(groups)}."
            )
        return [float(v) for v in value]
    return [float(value)] * len(groups)


class CyclicLR(LRScheduler):
    r"""Cycle every group's lr between ``base_lr`` and ``max_lr`` (cyclical learning rates).

    .. math::
        c &= \lfloor 1 + t / (u + d) \rfloor, \qquad x = 1 + t/(u+d) - c \\
        s &= \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r \end{cases},
            \qquad r = u / (u + d) \\
        \eta_t &= \eta_\text{base} + (\eta_\text{max} - \eta_\text{base})\, s\,
            f(c \text{ or } t)

    with :math:`u` = ``step_size_up``, :math:`d` = ``step_size_down`` and the amplitude
    scale :math:`f`: 1 (``triangular``), :math:`2^{1-c}` (``triangular2``),
    :math:`\gamma^t` (``exp_range``) or ``scale_fn``. With ``cycle_momentum`` the
    momentum (or Adam's :math:`\beta_1`) moves between ``max_momentum`` and
    ``base_momentum``, opposite to the lr.

    Parameters
    ----------
    optimizer : Optimizer
    base_lr, max_lr : float or list of float
    step_size_up : int, default 2000
    step_size_down : int, optional
        ``step_size_up`` when None.
    mode : {"triangular", "triangular2", "exp_range"}
    gamma : float, default 1.0
    scale_fn : callable, optional
    scale_mode : {"cycle", "iterations"}, default "cycle"
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.8, 0.9
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        ``mode is invalid and scale_fn is None``, a per-group list of the wrong length,
        ``cycle_momentum`` with an optimizer without momentum or betas (torch's messages).

    References
    ----------
    L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> from netopt.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """

    _state_keys = (
        *LRScheduler._state_keys,
        "max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode",
        "cycle_momentum", "base_momentums", "max_momentums", "use_beta1", "_scale_fn_custom",
    )  # fmt: skip

    def __init__(
        self,
        optimizer: Any,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        groups = param_groups(optimizer)
        base_lrs = _per_group("base_lr", groups, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, groups, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", groups, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if not (is_real(up) and up > 0 and down > 0):
            raise ValueError(f"step sizes must be positive, got {step_size_up}, {step_size_down}")
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in _MODES and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = False
        self.base_momentums: list[float] = []
        self.max_momentums: list[float] = []
        if cycle_momentum:
            defaults = getattr(optimizer, "defaults", {})
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in defaults
            self.base_momentums = _per_group("base_momentum", groups, base_momentum)
            self.max_momentums = _per_group("max_momentum", groups, max_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    self.max_momentums, self.base_momentums, groups, strict=True
                ):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        """Set torch's ``_scale_fn_ref`` (the built-in scale of ``mode``) and the
        ``scale_mode`` that goes with it; a custom ``scale_fn`` keeps its own."""
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref, self.scale_mode = self._triangular_scale_fn, "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref, self.scale_mode = self._triangular2_scale_fn, "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = functools.partial(self._exp_range_scale_fn, self.gamma)
            self.scale_mode = "iterations"

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        return gamma**x

    def scale_fn(self, x: float) -> float:
        """The amplitude scale :math:`f` at cycle (or iteration) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    def load_state_dict(self, state_dict: Any) -> None:
        r"""Restore the state (:meth:`LRScheduler.load_state_dict`), then the built-in
        scale of the restored ``mode`` (torch's ``_init_scale_fn``).

        Parameters
        ----------
        state_dict : mapping
        """
        super().load_state_dict(state_dict)
        self._init_scale_fn()

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        r"""The lr of every group at ``last_epoch`` (and, with ``cycle_momentum``, writes
        the momenta), PyTorch's formula.

        Returns
        -------
        list of float
        """
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = [
            base_lr + (max_lr - base_lr) * scale_factor * self.scale_fn(at)
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for bottom, top, group in zip(
                self.base_momentums, self.max_momentums, self.optimizer.param_groups, strict=True
            ):
                self._set_momentum(group, top - (top - bottom) * scale_factor * self.scale_fn(at))
        return lrs

    def _reason(self) -> str:
        return f"cycle position {self.last_epoch % self.total_size:g} of {self.total_size:g}"

    def _to_state(self, key: str, value: Any) -> Any:
        if key != "_scale_fn_custom":
            return super()._to_state(key, value)
        if value is None or isinstance(value, types.FunctionType):
            return None
        return copy.deepcopy(getattr(value, "__dict__", None))

    def _from_state(self, key: str, value: Any) -> Any:
        if key != "_scale_fn_custom":
            return value
        if value is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(value)
        return self._scale_fn_custom
