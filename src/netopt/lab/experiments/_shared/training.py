r"""Pieces shared by the objectives, descent and learning-rate experiments (private).

The digits split, a callback that stops a diverging run before its numbers overflow,
full-data loss evaluation, and the first step at which a curve reaches a bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import Split, load_digits
from netopt.lab.core import Context
from netopt.train import Callback


def digits(ctx: Context, dtype: type = np.float32) -> Split:
    r"""The digits split (1,347 train / 450 test), its seed drawn from ``ctx.rng("split")``.

    Parameters
    ----------
    ctx : Context
    dtype : numpy dtype, default float32
        Of the inputs (labels stay int64).

    Returns
    -------
    netopt.data.Split
    """
    seed = int(ctx.rng("split").integers(2**31 - 1))
    s = load_digits(seed=seed)
    return Split(s.x_train.astype(dtype), s.y_train, s.x_test.astype(dtype), s.y_test)


class StopOnDivergence(Callback):
    r"""Stop :func:`netopt.train.fit` when a batch loss exceeds ``limit`` or is not finite.

    A learning rate that is too large makes the loss grow step after step; stopping at a
    bound keeps the arithmetic finite, and :attr:`diverged` records that it happened.

    Parameters
    ----------
    limit : float
        The largest acceptable batch loss.
    """

    order = -200  # before fit's NonFiniteGuard, which would raise

    def __init__(self, limit: float) -> None:
        self.limit = float(limit)
        self.diverged = False

    def on_batch_end(self, epoch: int, batch: int, logs: Mapping[str, Any]) -> None:
        loss = float(logs["loss"])
        if not math.isfinite(loss) or loss > self.limit:
            self.diverged = True
            self.stop_training = True
            self.stop_reason = f"loss {loss:.3g} > {self.limit:g} at epoch {epoch}"


def evaluate(model: nn.Module, loss_fn: Callable, x: np.ndarray, y: np.ndarray) -> float:
    """``loss_fn(model(x), y)`` on all of ``(x, y)``, without a graph, as a float."""
    with netopt.no_grad():
        return float(loss_fn(model(netopt.tensor(x)), netopt.tensor(y)).item())


def first_at_or_below(values: np.ndarray, bound: float) -> int | None:
    """Index of the first entry ``<= bound``, or None."""
    hits = np.flatnonzero(np.asarray(values) <= bound)
    return int(hits[0]) if hits.size else None
