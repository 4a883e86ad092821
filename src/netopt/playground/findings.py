"""``netopt.diagnose`` on the live run: the chapter's findings and remedies as they appear.

Each epoch of a :class:`~netopt.playground.trainer.Trainer` becomes a history record in
the shape :func:`~netopt.train.fit` writes (``loss``, ``val_loss``, ``accuracy`` /
``val_accuracy`` or ``r2`` / ``val_r2``, ``grad_norms`` and the
:class:`~netopt.diagnose.LayerStats` entry), and :func:`~netopt.diagnose.diagnose` reads
the last :data:`WINDOW` of them.
"""

from __future__ import annotations

import math
from typing import Any

from netopt.diagnose import diagnose
from netopt.diagnose.stats import RECORD_KEY
from netopt.train import History

WINDOW = 200


def epoch_record(epoch: int, losses, scores, probe: dict[str, Any], classify: bool) -> dict:
    """The history record of one epoch, from the trainer's losses, scores and probe."""
    metric = "accuracy" if classify else "r2"
    record = {
        "epoch": epoch,
        "loss": losses[0],
        "val_loss": losses[1],
        metric: scores[0],
        f"val_{metric}": scores[1],
        "grad_norms": probe["named_norms"],
        RECORD_KEY: probe["stats"],
    }
    return record


def live_findings(records: list[dict], classify: bool) -> list[dict[str, Any]]:
    """The findings of :func:`~netopt.diagnose.diagnose` on the recent records, as dicts
    (``kind``, ``severity``, ``message``, ``remedies``); none before the first epoch."""
    recent = [r for r in records[-WINDOW:] if r["epoch"] >= 1]
    if not recent:
        return []
    stop = None
    if not all(math.isfinite(r["loss"]) and math.isfinite(r["val_loss"]) for r in recent):
        recent = [r for r in recent if math.isfinite(r["loss"]) and math.isfinite(r["val_loss"])]
        stop = "non-finite loss"
    history = History(recent, stop_reason=stop)
    try:
        found = diagnose(history, task="classification" if classify else "regression")
    except ValueError:  # a record diagnose cannot read (a diverged run's statistics)
        return []
    return [
        {k: v for k, v in f.to_dict().items() if k in ("kind", "severity", "message", "remedies")}
        for f in found
    ]
