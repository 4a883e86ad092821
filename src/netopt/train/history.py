r"""``History``: what :func:`~netopt.train.fit` measured, one record per epoch.

Each record is a plain dict: ``epoch`` (1 for the first), ``loss`` and each metric on the
training batches, ``val_loss`` and ``val_<metric>`` on the validation set, ``penalty`` (the
structural-risk term :math:`\lambda J(f)`, when the loss has one), ``lr`` (of the first
parameter group, at the start of the epoch), ``time`` (seconds of wall time) and
``grad_norms`` (the mean over the epoch's batches of each parameter's gradient norm). The
history saves to and loads from strict JSON, and plots with matplotlib (imported only then).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._io import jsonio as _jsonio
from .._io.atomic import atomic_write_text
from .._validate import is_int

FORMAT = "netopt.history"
VERSION = 1


class History:
    r"""Per-epoch training records, with column access, JSON persistence and a plot.

    Parameters
    ----------
    records : sequence of dict, optional
        Records to start from (each needs an int ``epoch``); they are copied.
    stop_reason : str, optional
        Why training stopped before its last epoch (set by :func:`~netopt.train.fit` when a
        callback stops it), or None.

    Raises
    ------
    ValueError
        If a record lacks an int ``epoch`` or epochs do not increase.
    TypeError
        If a record holds a value JSON cannot hold.

    Examples
    --------
    >>> h = History()
    >>> h.append({"epoch": 1, "loss": 0.9})
    >>> h.append({"epoch": 2, "loss": 0.5, "val_loss": 0.7})
    >>> h["loss"], h["val_loss"]
    ([0.9, 0.5], [nan, 0.7])
    >>> History.from_dict(h.to_dict())["loss"]
    [0.9, 0.5]
    """

    def __init__(
        self, records: Sequence[Mapping[str, Any]] = (), stop_reason: str | None = None
    ) -> None:
        self.records: list[dict[str, Any]] = []
        self.stop_reason = stop_reason
        for record in records:
            self.append(record)

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one epoch's record (copied; validated to be JSON-able)."""
        if not isinstance(record, Mapping):
            raise TypeError(f"a history record must be a dict, got {type(record).__name__}")
        epoch = record.get("epoch")
        if not is_int(epoch):
            raise ValueError(f"a history record needs an int 'epoch', got {epoch!r}")
        if self.records and epoch <= self.records[-1]["epoch"]:
            raise ValueError(
                f"history epochs must increase: epoch {epoch} after {self.records[-1]['epoch']}"
            )
        self.records.append(_jsonio.from_plain(_jsonio.to_plain(dict(record), ("record",))))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def keys(self) -> list[str]:
        """Column names, in the order they first appear."""
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def __getitem__(self, key: str) -> list[Any]:
        """The column ``key``: one value per epoch, NaN where an epoch lacks it."""
        if key not in self.keys():
            raise KeyError(f"no column {key!r} in the history; columns are {self.keys()}")
        return [record.get(key, math.nan) for record in self.records]

    def __repr__(self) -> str:
        return f"History(epochs={len(self)}, columns={self.keys()})"

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Return ``{"format", "version", "stop_reason", "records"}`` (copied, plain data)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "stop_reason": self.stop_reason,
            "records": [dict(r) for r in self.records],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """Rebuild a history from :meth:`to_dict`'s output, checking its format tag."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"not a netopt history: expected format {FORMAT!r}")
        if data.get("version") != VERSION:
            raise ValueError(f"unsupported history version {data.get('version')!r}")
        records = data.get("records")
        if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
            raise ValueError("malformed history: 'records' must be a list of per-epoch dicts")
        return cls(records, stop_reason=data.get("stop_reason"))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the history as strict JSON to ``path`` atomically; return the path."""
        return atomic_write_text(path, _jsonio.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        """Read a history written by :meth:`save`.

        Raises
        ------
        ValueError
            If the file is not valid JSON or not a netopt history, naming the path.
        """
        try:
            return cls.from_dict(_jsonio.loads(Path(path).read_text(encoding="utf-8")))
        except ValueError as err:
            raise ValueError(f"cannot load history from {str(path)!r}: {err}") from err

    # ------------------------------------------------------------------ plot
    def plot(self, keys: Sequence[str] | None = None, *, ax: Any = None, logy: bool = False) -> Any:
        r"""Plot columns against the epoch; matplotlib is imported only here.

        Parameters
        ----------
        keys : sequence of str, optional
            Columns to draw; by default ``loss`` and ``val_loss`` (those present).
        ax : matplotlib Axes, optional
            Where to draw; by default a new :class:`matplotlib.figure.Figure` (not registered
            with pyplot, so nothing global changes; save it with ``ax.figure.savefig``).
        logy : bool, default False
            Logarithmic y axis.

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        KeyError
            If a key is not a column, or no default column exists.
        """
        if keys is None:
            keys = [k for k in ("loss", "val_loss") if k in self.keys()]
            if not keys:
                raise KeyError("the history has no 'loss' column; pass keys=")
        if isinstance(keys, str):
            keys = [keys]
        columns = {key: self[key] for key in keys}
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(5, 3.5), layout="constrained").add_subplot()
        epochs = [record["epoch"] for record in self.records]
        for key, values in columns.items():
            ax.plot(epochs, values, marker="o" if len(epochs) < 30 else None, label=key)
        ax.set_xlabel("epoch")
        if logy:
            ax.set_yscale("log")
        ax.legend()
        return ax
