r"""Callbacks that write files: :class:`ModelCheckpoint`, :class:`CSVLogger`, :class:`JSONLogger`.

The checkpoint writer saves the whole training state (see :mod:`netopt.train.checkpoint`)
atomically, so a crash mid-save leaves the previous checkpoint loadable. The loggers append
one line per epoch and close the file after each, so a crash loses at most the epoch in
progress.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from .._io import jsonio as _jsonio
from .callbacks import check_mode, improved, initial_best, monitored
from .context import Callback, FitContext


def _check_path(path: object, who: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise ValueError(f"{who} path must be a non-empty str or path, got {path!r}")
    return Path(path)


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return value


class ModelCheckpoint(Callback):
    r"""Save the full training state at the end of each epoch (or of each improving one).

    Parameters
    ----------
    path : path-like
        The checkpoint file, replaced at each save; its folder is created if needed.
    monitor : str, default "val_loss"
        Used with ``save_best_only``.
    save_best_only : bool, default False
        Save only when ``monitor`` improves on the best value so far.
    mode : {"min", "max"}, default "min"

    Attributes
    ----------
    best_ : float
        Best monitored value saved so far (``save_best_only``).
    last_saved_epoch_ : int or None

    Raises
    ------
    ValueError
        On an empty path, a non-bool ``save_best_only`` or an unknown ``mode``.

    Notes
    -----
    Runs after the other callbacks (``order = 100``), so it saves their updated state. The
    file holds model, optimizer, scheduler, both loaders, every callback, the history and
    the epoch: ``checkpoint.load`` plus ``fit(..., initial_epoch=ck.epoch,
    history=ck.history)`` continues the run exactly.

    Examples
    --------
    >>> ModelCheckpoint("run/best.safetensors", save_best_only=True).monitor
    'val_loss'
    """

    order: ClassVar[int] = 100

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "min",
    ) -> None:
        self.path = _check_path(path, "ModelCheckpoint")
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a non-empty str, got {monitor!r}")
        self.monitor = monitor
        self.save_best_only = _check_bool(save_best_only, "save_best_only")
        self.mode = check_mode(mode)
        self.best_ = initial_best(self.mode)
        self.last_saved_epoch_: int | None = None
        self._context: FitContext | None = None

    def on_train_begin(self, context: FitContext) -> None:
        self._context = context
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self.save_best_only:
            current = monitored(logs, self.monitor, "ModelCheckpoint")
            if not improved(current, self.best_, self.mode):
                return
            self.best_ = current
        ctx = self._context
        if ctx is None:
            raise RuntimeError("ModelCheckpoint.on_epoch_end called before on_train_begin")
        self.last_saved_epoch_ = epoch
        from .checkpoint import save

        save(
            self.path, ctx.model, ctx.optimizer, ctx.scheduler,
            train_loader=ctx.train_loader, val_loader=ctx.val_loader,
            callbacks=ctx.callbacks, history=ctx.history, epoch=epoch,
        )  # fmt: skip

    def state_dict(self) -> dict[str, Any]:
        """The monitor, the best value and the last epoch saved."""
        return {
            "monitor": self.monitor,
            "best": self.best_,
            "last_saved_epoch": self.last_saved_epoch_,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the monitor must match."""
        if not isinstance(state_dict, Mapping) or set(state_dict) != {
            "monitor", "best", "last_saved_epoch"
        }:  # fmt: skip
            raise ValueError(f"not a ModelCheckpoint state: {state_dict!r}")
        if state_dict["monitor"] != self.monitor:
            raise ValueError(
                f"ModelCheckpoint state is for monitor={state_dict['monitor']!r}, "
                f"this instance has monitor={self.monitor!r}"
            )
        self.best_ = float(state_dict["best"])
        self.last_saved_epoch_ = state_dict["last_saved_epoch"]


def flatten_record(record: Mapping[str, Any]) -> dict[str, Any]:
    r"""One flat row from an epoch record: nested dicts become ``"<key>/<name>"`` columns.

    Examples
    --------
    >>> flatten_record({"epoch": 1, "grad_norms": {"0.weight": 0.5}})
    {'epoch': 1, 'grad_norms/0.weight': 0.5}
    """
    row: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            row.update({f"{key}/{name}": v for name, v in value.items()})
        else:
            row[key] = value
    return row


class CSVLogger(Callback):
    r"""Append one CSV row per epoch (gradient norms as ``grad_norms/<parameter>`` columns).

    Parameters
    ----------
    path : path-like
    append : bool, default False
        Keep an existing file and add rows (for a resumed run); otherwise it is replaced
        when training begins.

    Raises
    ------
    ValueError
        On an empty path or non-bool ``append``; at an epoch's end, if the record's columns
        differ from the file's header.

    Examples
    --------
    >>> CSVLogger("log.csv").append
    False
    """

    def __init__(self, path: str | os.PathLike[str], append: bool = False) -> None:
        self.path = _check_path(path, "CSVLogger")
        self.append = _check_bool(append, "append")

    def on_train_begin(self, context: FitContext) -> None:
        if not self.append:
            self.path.write_text("", encoding="utf-8")

    def _header(self) -> list[str] | None:
        if not self.path.exists():
            return None
        with self.path.open(newline="", encoding="utf-8") as f:
            return next(csv.reader(f), None)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        row = flatten_record(logs)
        header = self._header()
        if header is not None and header != list(row):
            raise ValueError(
                f"CSVLogger: epoch {epoch} has columns {list(row)}, "
                f"but {str(self.path)!r} has columns {header}"
            )
        with self.path.open("a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if header is None:
                writer.writeheader()
            writer.writerow(row)


class JSONLogger(Callback):
    r"""Append one strict-JSON line per epoch (JSON Lines); NaN becomes ``{"__float__": "nan"}``.

    Parameters
    ----------
    path : path-like
    append : bool, default False
        Keep an existing file and add lines; otherwise it is replaced when training begins.

    Raises
    ------
    ValueError
        On an empty path or non-bool ``append``.

    Examples
    --------
    >>> JSONLogger("log.jsonl").path.name
    'log.jsonl'
    """

    def __init__(self, path: str | os.PathLike[str], append: bool = False) -> None:
        self.path = _check_path(path, "JSONLogger")
        self.append = _check_bool(append, "append")

    def on_train_begin(self, context: FitContext) -> None:
        if not self.append:
            self.path.write_text("", encoding="utf-8")

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(_jsonio.dumps(dict(logs)) + "\n")

    @staticmethod
    def read(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """Read the records back (tagged floats restored)."""
        text = Path(path).read_text(encoding="utf-8")
        return [_jsonio.loads(line) for line in text.splitlines() if line.strip()]
