r"""``fit``: the training loop, written as its steps.

.. code-block:: text

    for epoch in initial_epoch+1 .. epochs:
        train one epoch       zero_grad, forward, loss, backward, (clip), step, per batch
        evaluate              loss and metrics on the validation set, no gradients
        step the scheduler    per epoch, or on the monitored metric (ReduceLROnPlateau)
        record                one History record
        ask the callbacks     they may stop training

Each batch minimizes the empirical risk of the chapter's eq. 6-19/6-20 (or the structural
risk :math:`R_{emp} + \lambda J(f)` when ``loss_fn`` is a
:class:`~netopt.regularization.StructuralRisk`, whose penalty is recorded as ``penalty``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..nn import Module
from ..nn.utils import clip_grad_norm_, grad_norms
from .callbacks import NonFiniteGuard, monitored
from .capture import CapturedStep, capture_step, scalar_loss
from .context import Callback, FitContext, prepare
from .history import History
from .progress import ProgressBar
from .scoring import Metric
from .threads import check_mode, fit_threads


def fit(
    model: Module,
    loss_fn: Any,
    optimizer: Any,
    train_loader: Iterable[Any],
    *,
    epochs: int,
    val_loader: Iterable[Any] | None = None,
    scheduler: Any = None,
    scheduler_interval: str | None = None,
    scheduler_monitor: str | None = None,
    callbacks: Sequence[Callback] = (),
    metrics: Mapping[str, Metric] | Sequence[str | Metric] = (),
    initial_epoch: int = 0,
    history: History | None = None,
    clip_grad_norm: float | None = None,
    nonfinite_guard: bool = True,
    progress: bool = True,
    capture: bool = True,
    blas_threads: int | str | None = "auto",
) -> History:
    r"""Train ``model`` for ``epochs`` epochs and return what was measured.

    Parameters
    ----------
    model : Module
    loss_fn : callable
        ``loss_fn(output, target) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()`` or a
        ``StructuralRisk``).
    optimizer : Optimizer
    train_loader : iterable of ``(inputs, targets)`` Tensor pairs
        Usually a :class:`~netopt.data.DataLoader`.
    epochs : int
        The epoch to stop after (counted from 1, including ``initial_epoch`` done before).
    val_loader : iterable, optional
        Evaluated after each epoch (eval mode, no gradients) into ``val_loss`` and
        ``val_<metric>``.
    scheduler : LRScheduler or ReduceLROnPlateau, optional
    scheduler_interval : {"epoch", "batch"}, optional
        When to call ``scheduler.step()``; default ``"epoch"``. A ``ReduceLROnPlateau``, or a
        ``SequentialLR``/``ChainedScheduler`` with one among its stages (e.g. after a
        warm-up), is stepped once per epoch with the monitored value.
    scheduler_monitor : str, optional
        The log entry a ``ReduceLROnPlateau`` watches: ``"val_loss"`` when there is a
        ``val_loader``, else ``"loss"``.
    callbacks : sequence of Callback
    metrics : mapping of name to callable, or sequence of names/callables
        ``metric(y_true, y_pred) -> float`` on the concatenated targets and outputs of an
        epoch; ``"accuracy"`` is :func:`~netopt.train.scoring.accuracy` (arg max of logits).
    initial_epoch : int, default 0
        Epochs already done (to resume from a checkpoint's ``epoch``).
    history : History, optional
        A history to continue (a checkpoint's); its last epoch must be ``initial_epoch``.
    clip_grad_norm : float, optional
        Clip the total gradient norm to this value before each step (eq. 6-39).
    nonfinite_guard : bool, default True
        Add a :class:`NonFiniteGuard` (raise at the first NaN/inf loss) unless
        ``callbacks`` has one.
    progress : bool, default True
        Add a :class:`ProgressBar` (silent unless stderr is a terminal and ``CI`` is unset)
        unless ``callbacks`` has one.
    capture : bool, default True
        Run each training step through :func:`~netopt.train.capture.capture_step`: replayed
        as NumPy calls when the model and loss are supported and nothing changed since
        the last batch, eagerly otherwise (silently). The History, parameters and
        optimizer state are bit-identical either way; False always runs eagerly.
    blas_threads : {"auto", "adaptive"}, int or None, default "auto"
        BLAS threads while training (:mod:`netopt.train.threads`; limits restored after).
        "auto": one thread when every product is small, else as they are. "adaptive":
        small products on one thread; larger ones at whichever of the starting count and
        1 timed faster on real steps, re-timed periodically (opt-in: OpenBLAS's products
        can differ in the last bits between thread counts, see
        :mod:`netopt.train.adaptive_threads`). An int: at most that many. None: untouched.

    Returns
    -------
    History
        One record per completed epoch: ``epoch``, ``loss``, metrics, ``penalty`` (structural
        risk only), ``val_loss`` and ``val_<metric>``, ``lr`` (first group, at the epoch's
        start), ``time`` (seconds), ``grad_norms`` (per parameter, mean over batches, before
        clipping); ``stop_reason`` when a callback stopped training early.

    Raises
    ------
    ValueError
        On a bad argument (named), a loader that yields no batch or a batch that is not an
        ``(inputs, targets)`` pair, or a monitored entry missing from the logs (KeyError).
    TypeError
        On a non-Module model, a loss that is not a scalar Tensor, or a non-Callback.
    NonFiniteLossError
        At the first NaN or infinite loss (with the default guard), naming epoch and batch.

    Notes
    -----
    The per-epoch ``loss`` is the batch-size-weighted mean of the batch losses, each taken
    before its step (as Keras and PyTorch Lightning report it); ``val_loss`` is measured
    after the epoch. With a ``StructuralRisk`` both include the penalty. Callbacks'
    ``on_train_end`` runs even when training ends with an exception.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt import nn, optim
    >>> from netopt.data import DataLoader, TensorDataset
    >>> x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
    >>> loader = DataLoader(TensorDataset(x, 3 * x), batch_size=8)
    >>> net = nn.Linear(1, 1, rng=np.random.default_rng(0))
    >>> h = fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.5), loader, epochs=20)
    >>> len(h), h["loss"][-1] < 1e-3
    (20, True)
    """
    ctx = prepare(
        model, loss_fn, optimizer, train_loader, epochs, val_loader, scheduler,
        scheduler_interval, scheduler_monitor, callbacks, metrics, initial_epoch, history,
        clip_grad_norm, nonfinite_guard, progress,
    )  # fmt: skip
    if not isinstance(capture, bool):
        raise ValueError(f"capture must be True or False, got {capture!r}")
    check_mode(blas_threads)
    ctx.callbacks = _with_defaults(ctx.callbacks, nonfinite_guard, progress)
    step = None
    if capture:
        step = capture_step(
            ctx.model, ctx.loss_fn, ctx.optimizer, ctx.clip_grad_norm, record_grad_norms=True
        )
    try:
        _call(ctx.callbacks, "on_train_begin", ctx)
        with fit_threads(ctx.model, ctx.train_loader, blas_threads) as threads:
            _epochs(ctx, step, threads)
    finally:
        _call(ctx.callbacks, "on_train_end")
    return ctx.history


def _epochs(ctx: FitContext, step: CapturedStep | None, threads: Any) -> None:
    """Train, evaluate, step the scheduler, record and ask the callbacks, epoch by epoch."""
    for epoch in range(ctx.initial_epoch + 1, ctx.epochs + 1):
        _call(ctx.callbacks, "on_epoch_begin", epoch)
        start, lr = time.perf_counter(), float(ctx.optimizer.param_groups[0]["lr"])
        logs = _train_one_epoch(ctx, epoch, step, threads)
        if logs is None:  # a callback stopped training within the epoch
            break
        if ctx.val_loader is not None:
            logs.update(_evaluate(ctx, epoch))
        _step_scheduler_on_epoch(ctx, logs)
        record = _record(epoch, logs, lr, time.perf_counter() - start)
        ctx.history.append(record)
        _call(ctx.callbacks, "on_epoch_end", epoch, ctx.history.records[-1])
        if _stop_requested(ctx):
            break


def _with_defaults(callbacks: list[Callback], guard: bool, progress: bool) -> list[Callback]:
    """Add the guard and the progress bar unless present, sort by ``order``, clear stop flags."""
    cbs = list(callbacks)
    if guard and not any(isinstance(cb, NonFiniteGuard) for cb in cbs):
        cbs.append(NonFiniteGuard())
    if progress and not any(isinstance(cb, ProgressBar) for cb in cbs):
        cbs.append(ProgressBar())
    cbs.sort(key=lambda cb: cb.order)
    for cb in cbs:
        cb.stop_training, cb.stop_reason = False, None
    return cbs


# ---------------------------------------------------------------------- the steps
def _train_one_epoch(
    ctx: FitContext, epoch: int, step: CapturedStep | None, threads: Any
) -> dict[str, Any] | None:
    """Run every training batch; return the epoch's logs, or None if a callback stopped it."""
    ctx.model.train()
    acc = _Accumulator(keep_outputs=bool(ctx.metrics))
    penalty = 0.0
    for batch, (x, y) in enumerate(_pairs(ctx.train_loader, "train_loader"), start=1):
        lr = float(ctx.optimizer.param_groups[0]["lr"])
        output, loss, norms = threads.run(_train_step, ctx, x, y, step)
        if ctx.scheduler_interval == "batch":
            ctx.scheduler.step()
        size = acc.add(loss, output, y, norms)
        if hasattr(ctx.loss_fn, "last_penalty"):
            penalty += float(ctx.loss_fn.last_penalty) * size
        logs = {"loss": loss, "size": size, "lr": lr}
        _call(ctx.callbacks, "on_batch_end", epoch, batch, logs)
        if _stop_requested(ctx):
            return None
    logs = acc.summary("", ctx.metrics, "train_loader", epoch)
    if hasattr(ctx.loss_fn, "last_penalty"):
        logs["penalty"] = penalty / acc.count
    logs["grad_norms"] = acc.mean_grad_norms()
    return logs


def _train_step(
    ctx: FitContext, x: Tensor, y: Tensor, step: CapturedStep | None
) -> tuple[Any, float, dict[str, float]]:
    """One update: zero_grad, forward, loss, backward, (clip), step; captured or eager."""
    if step is not None:
        loss = step(x, y)
        output = step.output.copy() if ctx.metrics else step.output  # a buffer when replayed
        return output, loss, step.grad_norms
    ctx.optimizer.zero_grad()
    output = ctx.model(x)
    loss = scalar_loss(ctx.loss_fn(output, y))
    loss.backward()
    norms = grad_norms(ctx.model)
    if ctx.clip_grad_norm is not None:
        clip_grad_norm_(ctx.model.parameters(), ctx.clip_grad_norm)
    ctx.optimizer.step()
    return output, float(loss.item()), norms


def _evaluate(ctx: FitContext, epoch: int) -> dict[str, Any]:
    """Loss and metrics on the validation set, in eval mode without gradients."""
    was_training = ctx.model.training
    ctx.model.eval()
    acc = _Accumulator(keep_outputs=bool(ctx.metrics))
    try:
        with no_grad():
            for x, y in _pairs(ctx.val_loader, "val_loader"):
                output = ctx.model(x)
                acc.add(float(scalar_loss(ctx.loss_fn(output, y)).item()), output, y, None)
    finally:
        ctx.model.train(was_training)
    return acc.summary("val_", ctx.metrics, "val_loader", epoch)


def _step_scheduler_on_epoch(ctx: FitContext, logs: Mapping[str, Any]) -> None:
    if ctx.scheduler_interval == "epoch":
        ctx.scheduler.step()
    elif ctx.scheduler_interval == "plateau":
        ctx.scheduler.step(monitored(logs, ctx.scheduler_monitor, "ReduceLROnPlateau"))


def _record(epoch: int, logs: dict[str, Any], lr: float, seconds: float) -> dict[str, Any]:
    norms = logs.pop("grad_norms")
    return {"epoch": epoch, **logs, "lr": lr, "time": seconds, "grad_norms": norms}


def _stop_requested(ctx: FitContext) -> bool:
    for cb in ctx.callbacks:
        if cb.stop_training:
            ctx.history.stop_reason = cb.stop_reason or f"{type(cb).__name__} stopped training"
            return True
    return False


def _call(callbacks: Sequence[Callback], hook: str, *args: Any) -> None:
    for cb in callbacks:
        getattr(cb, hook)(*args)


# ---------------------------------------------------------------------- helpers
class _Accumulator:
    """Batch-size-weighted loss, optional outputs/targets for metrics, gradient-norm sums."""

    def __init__(self, keep_outputs: bool) -> None:
        self.keep_outputs = keep_outputs
        self.loss_sum, self.count, self.batches = 0.0, 0, 0
        self.outputs: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []
        self.norm_sums: dict[str, float] = {}

    def add(self, loss: float, output: Tensor, y: Tensor, norms: dict[str, float] | None) -> int:
        target = y._data if isinstance(y, Tensor) else np.asarray(y)
        size = int(target.shape[0]) if target.ndim else 1
        self.loss_sum += loss * size
        self.count += size
        self.batches += 1
        if self.keep_outputs:
            self.outputs.append(output._data if isinstance(output, Tensor) else np.asarray(output))
            self.targets.append(target)
        for name, value in (norms or {}).items():
            self.norm_sums[name] = self.norm_sums.get(name, 0.0) + value
        return size

    def summary(self, prefix: str, metrics: Mapping[str, Metric], source: str, epoch: int):
        if self.batches == 0:
            raise ValueError(f"{source} yielded no batches in epoch {epoch}")
        logs: dict[str, Any] = {f"{prefix}loss": self.loss_sum / self.count}
        if metrics:
            y_true, y_pred = np.concatenate(self.targets), np.concatenate(self.outputs)
            for name, fn in metrics.items():
                logs[f"{prefix}{name}"] = float(fn(y_true, y_pred))
        return logs

    def mean_grad_norms(self) -> dict[str, float]:
        return {name: total / self.batches for name, total in self.norm_sums.items()}


def _pairs(loader: Iterable[Any], name: str) -> Iterable[tuple[Any, Any]]:
    for batch in loader:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            got = f"a {len(batch)}-tuple" if isinstance(batch, (tuple, list)) else type(batch)
            raise ValueError(f"{name} must yield (inputs, targets) pairs, got {got}")
        yield batch[0], batch[1]
