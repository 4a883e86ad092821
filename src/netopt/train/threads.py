r"""The BLAS threading policy of :func:`~netopt.train.fit`: small products on one thread.

OpenBLAS splits every matrix product above a few thousand elements over all its threads.
For the products of a small MLP (``32 x 128 x 128``: 0.5 M multiply-adds, about 20 us)
the threads cost more than they save, and when another process holds one of two cores
they wait on each other: measured on a shared 2-core machine, ``32 x 128 x 128`` took
20 us on one thread and 4.3 ms on two (``benchmarks/peers.py --busy`` shows the effect on
whole steps). Large products do gain from the second core on a quiet machine
(784-512-512-10 at batch 128: 5.4 ms on one thread, 3.0 ms on two).

So ``fit`` decides once per call, from the model's largest product: a model whose largest
``batch x in x out`` is below :data:`SMALL_PRODUCT` multiply-adds trains with every BLAS
library of the process limited to one thread, and the previous limits come back when
``fit`` returns (or raises). Switching per product is not worth it: setting OpenBLAS's
thread count costs about 2 us, a tenth of the small products it would guard. The limit
is set through threadpoolctl's library handles, never through environment variables;
without threadpoolctl, or for models with convolution weights (whose products are not
``batch x weight.size``), nothing is changed.

That is ``fit``'s default, ``blas_threads="auto"``: it depends on the model alone, never on
the clock. ``blas_threads="adaptive"`` (:mod:`netopt.train.adaptive_threads`) times real
steps at the starting count and at 1 for the models above the threshold, which holds on a
busy machine; it is opt-in because this machine's OpenBLAS gives different last bits at 1
and 2 threads for some inner dimensions (784 among them), so its results could depend on
timing. An int limits to that many threads; None leaves the limits alone.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from typing import Any

from .._validate import is_int
from .adaptive_threads import AdaptiveThreads

#: Largest product (multiply-adds, ``batch * in * out``) that still runs on one thread.
#: Measured points on the 2-core machine of docs/performance.md, quiet: no gain from a
#: second thread at 0.5 M and 1 M (64-128-128-10 @32, 40-100-100-10 @100), 1.8x at 51 M
#: (784-512-512-10 @128). The crossover lies between; 8 M is the geometric middle.
SMALL_PRODUCT = 1 << 23


def largest_product(model: Any, batch: int) -> int | None:
    """``batch`` times the largest 2-D weight's size, or None when a weight is not 2-D.

    Parameters
    ----------
    model : Module
    batch : int
        Rows per training batch.

    Returns
    -------
    int or None
        The multiply-adds of the largest forward product of a Linear-only model; None when
        the model has a parameter of more than two dimensions (convolutions), for which the
        policy does not decide.

    Examples
    --------
    >>> from netopt import nn
    >>> largest_product(nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 10)), 32)
    262144
    """
    largest = 0
    for p in model.parameters():
        if p._data.ndim > 2:
            return None
        if p._data.ndim == 2:
            largest = max(largest, p._data.size)
    return batch * largest


def threads_for(model: Any, batch: int | None) -> int | None:
    """1 when every product of ``model`` at ``batch`` is small, else None (leave as is)."""
    if batch is None:
        return None
    product = largest_product(model, batch)
    if product is None or product >= SMALL_PRODUCT:
        return None
    return 1


def threads_controllable() -> bool:
    """Whether BLAS thread counts can be set here (threadpoolctl is installed)."""
    return importlib.util.find_spec("threadpoolctl") is not None


@contextlib.contextmanager
def blas_threads(limit: int | None) -> Iterator[None]:
    """Limit every loaded BLAS library to ``limit`` threads inside the block, then restore.

    Does nothing when ``limit`` is None or threadpoolctl is not installed.
    """
    if limit is None or not threads_controllable():
        yield
        return
    from threadpoolctl import ThreadpoolController

    libs = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
    before = [c.num_threads for c in libs]
    for c, n in zip(libs, before):
        if n > limit:
            c.set_num_threads(limit)
    try:
        yield
    finally:
        for c, n in zip(libs, before):
            if n > limit:
                c.set_num_threads(n)


#: fit's ``blas_threads`` values besides None and a positive int.
MODES = ("auto", "adaptive")


class _Plain:
    """The runner of a fixed policy: calls the step as it is."""

    def run(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)``."""
        return fn(*args)


def check_mode(mode: Any) -> None:
    """Raise ValueError unless ``mode`` is None, "auto", "adaptive" or a positive int."""
    if mode is None or (isinstance(mode, str) and mode in MODES) or (is_int(mode) and mode >= 1):
        return
    raise ValueError(f"blas_threads must be None, 'auto', 'adaptive' or an int >= 1, got {mode!r}")


@contextlib.contextmanager
def fit_threads(model: Any, loader: Any, mode: Any = "auto") -> Iterator[Any]:
    """The policy for a ``fit`` call; yields a runner whose ``run(fn, *args)`` runs a step.

    Parameters
    ----------
    model : Module
    loader : iterable
        Its ``batch_size`` (when it has one) sizes the products.
    mode : None, "auto", "adaptive" or int
        "auto": one thread when every product is small (:data:`SMALL_PRODUCT`), else the
        limits as they are. "adaptive": the same for small products; otherwise
        :class:`~netopt.train.adaptive_threads.AdaptiveThreads` chooses between the
        starting count and 1 by timing steps. An int: that many threads (at most the
        starting count). None: nothing is changed. Limits come back when the block ends.
    """
    check_mode(mode)
    batch = getattr(loader, "batch_size", None)
    small = threads_for(model, batch if is_int(batch) else None)
    if mode == "adaptive" and small is None and threads_controllable():
        policy = AdaptiveThreads()
        try:
            yield policy
        finally:
            policy.close()
        return
    limit = mode if is_int(mode) else (None if mode is None else small)
    with blas_threads(limit):
        yield _Plain()
