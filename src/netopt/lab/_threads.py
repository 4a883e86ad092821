r"""One BLAS-thread limit for the whole lab: the runner's and the timed experiments'."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..train.threads import blas_threads, threads_controllable


@contextlib.contextmanager
def blas_thread_limit(threads: int | None = 1) -> Iterator[str]:
    r"""Limit BLAS to ``threads`` threads inside the block (see :mod:`netopt.train.threads`).

    The lab's matrices are small: extra BLAS threads only contend for the cores, and on a
    shared two-core machine can stall a product for tens of milliseconds.

    Parameters
    ----------
    threads : int or None, default 1
        None leaves the thread count unchanged.

    Yields
    ------
    str
        What was done, for the report: ``"1 BLAS thread"``, ``"<n> BLAS threads"`` or
        ``"BLAS threads unchanged"``.
    """
    if threads is None or not threads_controllable():
        yield "BLAS threads unchanged"
        return
    with blas_threads(threads):
        yield "1 BLAS thread" if threads == 1 else f"{threads} BLAS threads"
