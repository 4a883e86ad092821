r"""Pieces shared by the objectives, descent and learning-rate experiments (private).

Digits split and MLP with one initial state for every contender, a callback that stops a
diverging run before its numbers overflow, full-data loss evaluation, one-BLAS-thread
timing, the ravine quadratic of the chapter's figures 6.5-6.8 and its contour plot.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import Split, load_digits
from netopt.lab.core import Context
from netopt.train import Callback

#: Curvatures of the ravine :math:`f(\theta) = 0.1\,\theta_1^2 + 2\,\theta_2^2`: the flat
#: :math:`\theta_1` and the steep :math:`\theta_2` of the chapter's figure 6.5.
RAVINE = (0.1, 2.0)


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


def mlp_factory(
    sizes: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float32
) -> Callable[[], nn.Sequential]:
    r"""A function that returns fresh copies of one randomly initialized ReLU MLP.

    Every contender of a comparison starts from the same weights, so the comparison
    measures the method, not the initialization.

    Parameters
    ----------
    sizes : tuple of int
        ``(inputs, hidden..., outputs)``.
    rng : numpy.random.Generator
        Draws the initial weights (PyTorch's default initialization).
    dtype : numpy dtype, default float32

    Returns
    -------
    callable
        ``make() -> nn.Sequential``, a deep copy of the same initial model each call.
    """
    layers: list[nn.Module] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out, rng=rng, dtype=dtype), nn.ReLU()]
    template = nn.Sequential(*layers[:-1])

    def make() -> nn.Sequential:
        return copy.deepcopy(template)

    return make


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


@contextlib.contextmanager
def one_blas_thread() -> Iterator[str]:
    r"""Run timed code with one BLAS thread (when ``threadpoolctl`` is installed).

    On a shared two-core machine a multi-threaded BLAS can stall a large matrix product
    for tens of milliseconds while its threads wait for a core; one thread makes the
    measured times those of the arithmetic.

    Yields
    ------
    str
        What was done, for the report: ``"1 BLAS thread"`` or ``"BLAS threads unchanged"``.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield "BLAS threads unchanged"
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield "1 BLAS thread"


def ravine(theta: netopt.Tensor) -> netopt.Tensor:
    r""":math:`f(\theta) = 0.1\,\theta_1^2 + 2\,\theta_2^2` (chapter figures 6.5-6.8)."""
    return (netopt.tensor(np.array(RAVINE)) * theta * theta).sum()


def ravine_contours(ax: Any, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Draw contour lines of :func:`ravine` on ``ax``, with the minimum marked by a star."""
    xs = np.linspace(*xlim, 200)
    ys = np.linspace(*ylim, 200)
    gx, gy = np.meshgrid(xs, ys)
    fz = RAVINE[0] * gx**2 + RAVINE[1] * gy**2
    levels = np.geomspace(0.02, max(float(fz.max()), 0.05), 12)
    ax.contour(gx, gy, fz, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot([0.0], [0.0], marker="*", color="k", markersize=10, linestyle="none")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\theta_1$ (flat direction, curvature 0.2)")
    ax.set_ylabel(r"$\theta_2$ (steep, curvature 4)")


def first_at_or_below(values: np.ndarray, bound: float) -> int | None:
    """Index of the first entry ``<= bound``, or None."""
    hits = np.flatnonzero(np.asarray(values) <= bound)
    return int(hits[0]) if hits.size else None


def fmt_steps(n: int | None, budget: int) -> str:
    """``"42"``, or ``"> 500"`` when the tolerance was not reached within ``budget``."""
    return str(n) if n is not None else f"> {budget}"
