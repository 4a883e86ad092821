r"""A progress bar for :func:`~netopt.train.fit`, drawn with ``rich`` (imported only when shown).

One bar covers the whole run: ``epoch 3/10 ━━━━━━╸━━━ batch 5/14 loss 0.2131 lr 0.001 ETA
0:00:12``, and a summary line is printed after each epoch. The bar is silent when its stream
is not a terminal or the ``CI`` environment variable is set (non-empty), so logs and test
output stay clean; ``enabled=True`` forces it on.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from typing import IO, Any

from .context import Callback, FitContext


def should_show(file: IO[str]) -> bool:
    """True when ``file`` is a terminal and the ``CI`` environment variable is unset or empty."""
    isatty = getattr(file, "isatty", None)
    return bool(isatty is not None and isatty() and not os.environ.get("CI"))


def _format(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class ProgressBar(Callback):
    r"""Show epoch, batch, running loss, learning rate and the time left.

    Parameters
    ----------
    file : text stream, optional
        Where to draw; ``sys.stderr`` (looked up when training begins) by default.
    enabled : bool, optional
        None (default): show only when ``file`` is a terminal and ``CI`` is not set.

    Raises
    ------
    ValueError
        If ``enabled`` is not None or a bool.

    Notes
    -----
    :func:`~netopt.train.fit` adds one (``progress=True``) unless ``callbacks`` has one.

    Examples
    --------
    >>> import io
    >>> should_show(io.StringIO())  # not a terminal: the bar stays silent
    False
    """

    def __init__(self, file: IO[str] | None = None, *, enabled: bool | None = None) -> None:
        if enabled is not None and not isinstance(enabled, bool):
            raise ValueError(f"enabled must be None or a bool, got {enabled!r}")
        self.file, self.enabled = file, enabled
        self._progress: Any = None
        self._task: Any = None
        self._epochs = 0
        self._sum = self._count = 0.0

    def on_train_begin(self, context: FitContext) -> None:
        file = self.file if self.file is not None else sys.stderr
        if not (should_show(file) if self.enabled is None else self.enabled):
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._epochs = context.epochs
        per_epoch = len(context.train_loader) if hasattr(context.train_loader, "__len__") else None
        total = None if per_epoch is None else per_epoch * (context.epochs - context.initial_epoch)
        self._progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            TextColumn("batch {task.fields[batch]}"),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("lr {task.fields[lr]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=file, force_terminal=True),
        )
        self._task = self._progress.add_task(
            "fit", total=total, epoch=context.initial_epoch + 1, epochs=context.epochs,
            batch=f"0/{per_epoch or '?'}", loss="-", lr="-",
        )  # fmt: skip
        self._per_epoch = per_epoch
        self._progress.start()

    def on_epoch_begin(self, epoch: int) -> None:
        self._sum = self._count = 0.0
        if self._progress is not None:
            self._progress.update(self._task, epoch=epoch)

    def on_batch_end(self, epoch: int, batch: int, logs: Mapping[str, Any]) -> None:
        size = float(logs.get("size", 1))
        self._sum += float(logs["loss"]) * size
        self._count += size
        if self._progress is None:
            return
        mean = self._sum / self._count if self._count else math.nan
        self._progress.update(
            self._task, advance=1, batch=f"{batch}/{self._per_epoch or '?'}",
            loss=f"{mean:.4g}", lr=f"{float(logs['lr']):.3g}",
        )  # fmt: skip

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self._progress is None:
            return
        shown = {k: v for k, v in logs.items() if k != "epoch" and isinstance(v, (int, float))}
        text = "  ".join(f"{k} {_format(v)}" for k, v in shown.items())
        self._progress.console.print(f"epoch {epoch}/{self._epochs}  {text}", highlight=False)

    def on_train_end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = self._task = None
