r"""The scheduler's decision log: one :class:`Decision` per step (``scheduler.history``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["Decision"]


@dataclass(frozen=True)
class Decision:
    r"""One entry of a scheduler's decision log (``scheduler.history``).

    Attributes
    ----------
    epoch : int or float
        ``last_epoch`` after the step (fractional for warm restarts stepped by epoch).
    action : str
        ``"init"`` (construction or a restart as a ``SequentialLR`` stage), ``"update"`` or
        ``"hold"`` (some lr changed, or none), ``"jump"`` (``step(epoch)``: the closed form),
        ``"restart"`` (a warm restart), ``"switch"`` (a ``SequentialLR`` milestone); for
        ``ReduceLROnPlateau``: ``"improve"``, ``"wait"``, ``"cooldown"``, ``"reduce"``, or
        ``"floor"`` (a reduction was due but every group is at ``min_lr`` or within
        ``eps``).
    reason : str
        Human-readable cause, e.g. ``"3 bad epochs > patience 2: lr *= 0.5"``.
    old_lrs, new_lrs : tuple of float
        ``group["lr"]`` of every group before and after the step.
    metric, best : float or None
        ``ReduceLROnPlateau`` only: the metric passed to ``step`` and the best so far.
    num_bad_epochs, cooldown_counter : int or None
        ``ReduceLROnPlateau`` only: the counters after the step.

    Examples
    --------
    >>> d = Decision(3, "hold", "epoch 3 is not a multiple of step_size 5", (0.1,), (0.1,))
    >>> Decision.from_dict(d.to_dict()) == d
    True
    """

    epoch: float
    action: str
    reason: str
    old_lrs: tuple[float, ...]
    new_lrs: tuple[float, ...]
    metric: float | None = None
    best: float | None = None
    num_bad_epochs: int | None = None
    cooldown_counter: int | None = None

    def __str__(self) -> str:
        r"""One readable line: ``epoch 3: reduce (why) lr [1.0] -> [0.5]``.

        Returns
        -------
        str

        Examples
        --------
        >>> print(Decision(2, "update", "lr *= gamma 0.5", (1.0,), (0.5,)))
        epoch 2: update (lr *= gamma 0.5) lr [1.0] -> [0.5]
        """
        why = f" ({self.reason})" if self.reason else ""
        lrs = f"{list(self.old_lrs)} -> {list(self.new_lrs)}"
        return f"epoch {self.epoch}: {self.action}{why} lr {lrs}"

    def to_dict(self) -> dict[str, Any]:
        r"""Return the record as plain data (lists, not tuples), for ``state_dict``.

        Returns
        -------
        dict
        """
        d = asdict(self)
        d["old_lrs"], d["new_lrs"] = list(self.old_lrs), list(self.new_lrs)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        r"""Rebuild a record from :meth:`to_dict`'s output.

        Parameters
        ----------
        data : mapping

        Returns
        -------
        Decision

        Raises
        ------
        ValueError
            Missing or unexpected keys.
        """
        names = {f.name for f in fields(cls)}
        if not isinstance(data, Mapping) or set(data) != names:
            raise ValueError(f"a Decision record has exactly the keys {sorted(names)}")
        d = dict(data)
        d["old_lrs"], d["new_lrs"] = tuple(d["old_lrs"]), tuple(d["new_lrs"])
        return cls(**d)
