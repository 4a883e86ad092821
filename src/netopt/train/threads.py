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
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from typing import Any

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


def fit_threads(model: Any, loader: Any) -> contextlib.AbstractContextManager[None]:
    """The policy for a ``fit`` call: from the loader's ``batch_size`` (when it has one)."""
    batch = getattr(loader, "batch_size", None)
    return blas_threads(threads_for(model, batch if isinstance(batch, int) else None))
