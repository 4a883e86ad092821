r"""The callbacks :func:`~netopt.train.fit` brings: the non-finite guard and early stopping.

The hooks, their order and how a callback stops training are described on
:class:`~netopt.train.context.Callback` (re-exported here). Callbacks run in ascending
``order`` (stable): the non-finite guard first (-100), then the default 0, then checkpoint
writers (100) so they save what the others already updated.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .._validate import is_int, is_number
from .context import Callback, FitContext

logger = logging.getLogger("netopt.train")

_MODES = ("min", "max")


def check_mode(mode: object) -> str:
    """Return ``mode`` if it is ``"min"`` or ``"max"``; raise ValueError otherwise."""
    if mode not in _MODES:
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    return mode  # type: ignore[return-value]


def initial_best(mode: str) -> float:
    """The worst value: ``inf`` when minimizing, ``-inf`` when maximizing."""
    return math.inf if mode == "min" else -math.inf


def improved(current: float, best: float, mode: str, min_delta: float = 0.0) -> bool:
    """Whether ``current`` beats ``best`` by more than ``min_delta`` (NaN never does).

    Examples
    --------
    >>> improved(0.5, 0.6, "min"), improved(0.55, 0.6, "min", 0.1), improved(float("nan"), 1, "max")
    (True, False, False)
    """
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


def monitored(logs: Mapping[str, Any], monitor: str, who: str) -> float:
    """Return ``logs[monitor]`` as a float, or raise KeyError listing what the logs hold."""
    if monitor not in logs:
        available = [k for k, v in logs.items() if isinstance(v, float)]
        raise KeyError(
            f"{who} monitors {monitor!r}, which is not in the epoch logs {available}"
            + (" (val_* entries need a val_loader)" if monitor.startswith("val_") else "")
        )
    return float(logs[monitor])


class NonFiniteLossError(FloatingPointError):
    r"""Raised when a loss is NaN or infinite; names the epoch and batch.

    Attributes
    ----------
    epoch, batch : int
        Where it happened (``batch`` is None for a validation loss).
    history : History or None
        The epochs recorded before it, so the curves up to the blow-up are not lost.
    """

    def __init__(self, message: str, epoch: int, batch: int | None) -> None:
        super().__init__(message)
        self.epoch, self.batch = epoch, batch
        self.history: Any = None


class NonFiniteGuard(Callback):
    r"""Stop training at the first NaN or infinite loss (on by default in ``fit``).

    Parameters
    ----------
    action : {"raise", "stop"}, default "raise"
        ``"raise"``: raise :class:`NonFiniteLossError` (its ``history`` holds the epochs so
        far). ``"stop"``: end training normally, log a warning and put the message in
        :attr:`History.stop_reason`; the unfinished epoch is not recorded.

    Raises
    ------
    ValueError
        On an unknown ``action``.

    Notes
    -----
    The batch check runs after the step (as Keras's ``TerminateOnNaN``), so the parameters
    already hold the non-finite update; an :class:`EarlyStopping` with
    ``restore_best_weights`` puts the best weights back when training ends.

    Examples
    --------
    >>> guard = NonFiniteGuard(action="stop")
    >>> guard.on_batch_end(3, 7, {"loss": float("nan")})
    >>> guard.stop_training, guard.stop_reason
    (True, 'non-finite training loss nan at epoch 3, batch 7')
    """

    order: ClassVar[int] = -100

    def __init__(self, action: str = "raise") -> None:
        if action not in ("raise", "stop"):
            raise ValueError(f"action must be 'raise' or 'stop', got {action!r}")
        self.action = action
        self._context: FitContext | None = None

    def on_train_begin(self, context: FitContext) -> None:
        self._context = context

    def _fail(self, message: str, epoch: int, batch: int | None) -> None:
        if self.action == "raise":
            err = NonFiniteLossError(message, epoch, batch)
            err.history = None if self._context is None else self._context.history
            raise err
        logger.warning("%s; training stopped", message)
        self.stop_training, self.stop_reason = True, message

    def on_batch_end(self, epoch: int, batch: int, logs: Mapping[str, Any]) -> None:
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            self._fail(
                f"non-finite training loss {loss} at epoch {epoch}, batch {batch}", epoch, batch
            )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        loss = float(logs.get("val_loss", 0.0))
        if not math.isfinite(loss):
            self._fail(f"non-finite validation loss {loss} at epoch {epoch}", epoch, None)


class EarlyStopping(Callback):
    r"""Stop when a monitored quantity stops improving; keep the best weights.

    Epoch :math:`e` improves on the best value :math:`b` when :math:`v_e < b - \delta`
    (``mode="min"``) or :math:`v_e > b + \delta` (``"max"``). After ``patience`` epochs in a
    row without improvement, training stops.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs (``loss``, ``val_loss``, ``val_accuracy``, ...).
    patience : int, default 5
        Epochs without improvement to wait; 0 stops at the first one.
    min_delta : float, default 0.0
        The least change that counts as an improvement, :math:`\delta \ge 0`.
    mode : {"min", "max"}, default "min"
    restore_best_weights : bool, default True
        When training ends (stopped or not), load the weights of the best epoch.

    Attributes
    ----------
    best_ : float
        The best value seen (``inf``/``-inf`` before the first epoch).
    best_epoch_ : int or None
    wait_ : int
        Epochs since the last improvement.
    stopped_epoch_ : int or None
        The epoch at which it stopped training.
    best_weights_ : dict or None
        The model's ``state_dict`` at ``best_epoch_`` (with ``restore_best_weights``).

    Raises
    ------
    ValueError
        On a negative or non-int ``patience``, a negative or non-finite ``min_delta``, or an
        unknown ``mode``.
    KeyError
        At an epoch's end, if ``monitor`` is not in the logs.

    Notes
    -----
    The counters persist across ``fit`` calls (a resumed run continues them); use a new
    instance for a new run. As scikit-learn and Keras 3, the best weights are restored
    whenever training ends, not only after an early stop.

    Examples
    --------
    >>> es = EarlyStopping(monitor="val_loss", patience=1)
    >>> for epoch, v in enumerate([0.5, 0.4, 0.45], start=1):
    ...     es.on_epoch_end(epoch, {"val_loss": v})
    >>> es.best_, es.best_epoch_, es.stop_training
    (0.4, 2, True)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a non-empty str, got {monitor!r}")
        if not is_int(patience) or patience < 0:
            raise ValueError(f"patience must be a non-negative int, got {patience!r}")
        if not is_number(min_delta):
            raise ValueError(f"min_delta must be a non-negative number, got {min_delta!r}")
        if not (math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"min_delta must be a non-negative number, got {min_delta!r}")
        if not isinstance(restore_best_weights, bool):
            raise ValueError(f"restore_best_weights must be a bool, got {restore_best_weights!r}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = check_mode(mode)
        self.restore_best_weights = restore_best_weights
        self.best_ = initial_best(self.mode)
        self.best_epoch_: int | None = None
        self.wait_ = 0
        self.stopped_epoch_: int | None = None
        self.best_weights_: dict[str, np.ndarray] | None = None
        self._model: Any = None

    def on_train_begin(self, context: FitContext) -> None:
        self._model = context.model

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        current = monitored(logs, self.monitor, "EarlyStopping")
        if improved(current, self.best_, self.mode, self.min_delta):
            self.best_, self.best_epoch_, self.wait_ = current, epoch, 0
            if self.restore_best_weights and self._model is not None:
                self.best_weights_ = dict(self._model.state_dict())
            return
        self.wait_ += 1
        if self.wait_ >= self.patience:
            self.stopped_epoch_ = epoch
            self.stop_training = True
            self.stop_reason = (
                f"EarlyStopping: {self.monitor} did not improve for {self.wait_} epochs "
                f"(best {self.best_:.6g} at epoch {self.best_epoch_})"
            )

    def on_train_end(self) -> None:
        if self.restore_best_weights and self.best_weights_ is not None and self._model is not None:
            self._model.load_state_dict(self.best_weights_)
            logger.info("EarlyStopping: restored the weights of epoch %s", self.best_epoch_)

    def state_dict(self) -> dict[str, Any]:
        """Counters, the best value and epoch, and copies of the best weights."""
        weights = self.best_weights_
        return {
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best_,
            "best_epoch": self.best_epoch_,
            "wait": self.wait_,
            "stopped_epoch": self.stopped_epoch_,
            "best_weights": None if weights is None else {k: v.copy() for k, v in weights.items()},
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore counters and best weights; the monitor and mode must match this instance.

        Raises
        ------
        ValueError
            On missing keys, or a state saved for another monitor or mode.
        """
        keys = {"monitor", "mode", "best", "best_epoch", "wait", "stopped_epoch", "best_weights"}
        if not isinstance(state_dict, Mapping) or set(state_dict) != keys:
            got = list(state_dict) if isinstance(state_dict, Mapping) else state_dict
            raise ValueError(f"EarlyStopping state needs keys {sorted(keys)}, got {got}")
        for key in ("monitor", "mode"):
            if state_dict[key] != getattr(self, key):
                raise ValueError(
                    f"EarlyStopping state is for {key}={state_dict[key]!r}, "
                    f"this instance has {key}={getattr(self, key)!r}"
                )
        weights = state_dict["best_weights"]
        self.best_ = float(state_dict["best"])
        self.best_epoch_ = state_dict["best_epoch"]
        self.wait_ = int(state_dict["wait"])
        self.stopped_epoch_ = state_dict["stopped_epoch"]
        self.best_weights_ = (
            None if weights is None else {k: np.array(v, copy=True) for k, v in weights.items()}
        )
