r"""What :func:`~netopt.train.fit` and its callbacks share: the run's :class:`FitContext` and
the :class:`Callback` hooks.

A callback overrides any of the hooks; the loop calls them in this order::

    on_train_begin(context)
    for each epoch:  on_epoch_begin(epoch)
                     for each batch: (step)  on_batch_end(epoch, batch, logs)
                     (evaluate, step the scheduler, record)  on_epoch_end(epoch, logs)
    on_train_end()            # also when training ends with an exception

Epochs and batches count from 1. A hook stops training by setting ``self.stop_training =
True`` and ``self.stop_reason``; the loop checks after every ``on_batch_end`` and
``on_epoch_end`` and copies the reason into :attr:`History.stop_reason`.
``state_dict`` / ``load_state_dict`` carry what a resumed run needs (early-stopping
counters, best weights). :func:`prepare` checks ``fit``'s arguments and resolves the
scheduler's interval (``ReduceLROnPlateau`` steps on a monitored value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .._validate import is_int, is_real
from ..nn import Module
from .history import History
from .scoring import Metric, resolve_metrics


class Callback:
    r"""Base class of callbacks; every hook does nothing.

    Attributes
    ----------
    order : int
        Class attribute; callbacks run in ascending order.
    stop_training : bool
        Set to True by a hook to end training after the current batch or epoch.
    stop_reason : str or None
        A sentence saying why, copied into the history.

    Examples
    --------
    >>> class CountEpochs(Callback):
    ...     def __init__(self):
    ...         self.seen = 0
    ...     def on_epoch_end(self, epoch, logs):
    ...         self.seen += 1
    >>> cb = CountEpochs(); cb.on_epoch_end(1, {"loss": 0.5}); cb.seen
    1
    """

    order: ClassVar[int] = 0
    stop_training: bool = False
    stop_reason: str | None = None

    def on_train_begin(self, context: FitContext) -> None:
        """Called once before the first epoch with the run's :class:`FitContext`."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Called before each epoch's first batch."""

    def on_batch_end(self, epoch: int, batch: int, logs: Mapping[str, Any]) -> None:
        """Called after each optimizer step; ``logs``: ``loss``, ``size``, ``lr`` (of this step)."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Called after the epoch is evaluated and recorded; ``logs`` is its history record."""

    def on_train_end(self) -> None:
        """Called once when training ends, normally or by an exception."""

    def state_dict(self) -> dict[str, Any]:
        """Plain data (scalars, lists, dicts, arrays) a resumed run needs; empty by default."""
        return {}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the base class accepts only an empty dict."""
        if state_dict:
            raise ValueError(f"{type(self).__name__} keeps no state, got keys {list(state_dict)}")


@dataclass
class FitContext:
    r"""Everything one :func:`fit` run works with; callbacks get it in ``on_train_begin``.

    ``scheduler_interval`` is resolved: ``"epoch"``, ``"batch"``, ``"plateau"`` (step on
    ``scheduler_monitor``) or None (no scheduler). ``callbacks`` is sorted by ``order`` and
    includes the ones ``fit`` added (non-finite guard, progress bar).
    """

    model: Module
    loss_fn: Any
    optimizer: Any
    train_loader: Any
    val_loader: Any
    scheduler: Any
    scheduler_interval: str | None
    scheduler_monitor: str | None
    callbacks: list[Callback]
    metrics: dict[str, Metric]
    history: History
    epochs: int
    initial_epoch: int
    clip_grad_norm: float | None


def _is_plateau(scheduler: Any) -> bool:
    """True for a ReduceLROnPlateau, or a SequentialLR/ChainedScheduler holding one."""
    if getattr(scheduler, "needs_metrics", False):
        return True
    return any(_is_plateau(s) for s in getattr(scheduler, "_schedulers", ()))


def _check_int(value: Any, name: str, low: int) -> int:
    if not is_int(value) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def prepare(
    model, loss_fn, optimizer, train_loader, epochs, val_loader, scheduler, interval,
    monitor, callbacks, metrics, initial_epoch, history, clip, guard, progress,
) -> FitContext:  # fmt: skip
    """Validate ``fit``'s arguments and build its context (arguments and errors: see fit).

    ``callbacks`` is kept as given; :func:`~netopt.train.loop.fit` adds the default ones.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a netopt.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not all(hasattr(optimizer, a) for a in ("param_groups", "step", "zero_grad")):
        raise TypeError(
            f"optimizer must be a netopt.optim.Optimizer, got {type(optimizer).__name__}"
        )
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if loader is not None and not hasattr(loader, "__iter__"):
            raise TypeError(f"{name} must be iterable, got {type(loader).__name__}")
    if train_loader is None:
        raise TypeError("train_loader must be iterable, got NoneType")
    epochs = _check_int(epochs, "epochs", 1)
    initial_epoch = _check_int(initial_epoch, "initial_epoch", 0)
    if initial_epoch > epochs:
        raise ValueError(f"initial_epoch={initial_epoch} is past epochs={epochs}")
    if history is None:
        history = History()
    elif not isinstance(history, History):
        raise TypeError(f"history must be a History or None, got {type(history).__name__}")
    last = history.records[-1]["epoch"] if history.records else 0
    if last != initial_epoch:
        raise ValueError(f"history ends at epoch {last}, but initial_epoch={initial_epoch}")
    if clip is not None and not (is_real(clip) and clip > 0):
        raise ValueError(f"clip_grad_norm must be a positive finite number, got {clip!r}")
    for name, flag in (("nonfinite_guard", guard), ("progress", progress)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be a bool, got {flag!r}")
    interval, monitor = _scheduler_mode(scheduler, interval, monitor, val_loader is not None)
    cbs = list(callbacks)
    for i, cb in enumerate(cbs):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] is a {type(cb).__name__}, not a Callback")
    return FitContext(
        model, loss_fn, optimizer, train_loader, val_loader, scheduler, interval, monitor,
        cbs, resolve_metrics(metrics), history, epochs, initial_epoch,
        None if clip is None else float(clip),
    )  # fmt: skip


def _scheduler_mode(
    scheduler: Any, interval: str | None, monitor: str | None, has_val: bool
) -> tuple[str | None, str | None]:
    if scheduler is None:
        if interval is not None or monitor is not None:
            raise ValueError("scheduler_interval and scheduler_monitor need a scheduler")
        return None, None
    if interval not in (None, "epoch", "batch"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'batch', got {interval!r}")
    if _is_plateau(scheduler):
        if interval == "batch":
            raise ValueError("ReduceLROnPlateau steps once per epoch on a monitored value")
        monitor = monitor or ("val_loss" if has_val else "loss")
        if monitor.startswith("val_") and not has_val:
            raise ValueError(f"scheduler_monitor={monitor!r} needs a val_loader")
        return "plateau", monitor
    if monitor is not None:
        raise ValueError("scheduler_monitor applies only to ReduceLROnPlateau")
    return interval or "epoch", None
