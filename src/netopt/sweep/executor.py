r"""Where trials run: Dask.distributed (a LocalCluster or an existing cluster), or in-process.

Both executors take plain payload dicts and run :func:`netopt.sweep.worker.execute_trial`
on them; only the dict and that function's import path travel, never a user object.

- :class:`DaskExecutor` starts a ``LocalCluster`` (one worker process per core, one thread
  each; the task itself limits BLAS to one thread) or connects to ``scheduler``
  (``"tcp://HOST:8786"``: dask-jobqueue on SLURM/PBS, Kubernetes, cloud). The workers need
  netopt and the problem's module installed, and access to the store's URL.
- :class:`InProcessExecutor` runs each trial in the calling process, one at a time: no
  cluster to start, for tiny sweeps and the lab.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from .worker import execute_trial

#: Quieter background work for the LocalCluster: an idle 2-worker cluster used ~7% of a
#: core with Dask's defaults (mostly the statistical profiler sampling every 10 ms) and
#: ~1.5% with these, measured on 2 cores; the cost is the dashboard's profile page.
_QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "2s",
    "distributed.admin.tick.interval": "200ms",
    "distributed.scheduler.work-stealing-interval": "1s",
    # a trial that kills its worker (out of memory, a crash) is tried once more, then stored
    # FAIL as stale (redone by the next run) instead of killing two more workers
    "distributed.scheduler.allowed-failures": 1,
}


class _Done:
    """An already-finished future of the in-process executor."""

    def __init__(self, result: dict[str, Any] | None, error: BaseException | None) -> None:
        self._result, self._error = result, error

    def result(self) -> dict[str, Any]:
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class InProcessExecutor:
    """Run trials one at a time in this process."""

    capacity = 1
    depth = 1
    dashboard_link: str | None = None

    def submit(self, payload: Mapping[str, Any]) -> _Done:
        """Run the trial now; return a finished future."""
        try:
            return _Done(execute_trial(payload), None)
        except Exception as exc:  # the store itself failed: surfaced by result()
            return _Done(None, exc)

    def wait(self, pending: Iterable[Any]) -> list[Any]:
        """Return the finished futures (all of them)."""
        return list(pending)

    def close(self) -> None:
        """Nothing to release."""


class DaskExecutor:
    """Run trials on Dask workers.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler; None starts a ``LocalCluster``.
    workers : int, optional
        Worker processes of the LocalCluster (default: the number of cores).
    dashboard : bool, default True
        Serve the Dask dashboard on a free port (LocalCluster only; needs bokeh).
    """

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, *, dashboard: bool = True
    ) -> None:
        from distributed import Client, LocalCluster

        self.cluster, self.dashboard = None, dashboard
        if scheduler:
            self.client = Client(scheduler, timeout="30s")
        else:
            n = int(workers or os.cpu_count() or 1)
            if n < 1:
                raise ValueError(f"workers must be >= 1, got {workers!r}")
            import dask

            with dask.config.set(_QUIET):
                self.cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: the scheduler serves HTTP anyway
                    silence_logs=logging.ERROR,
                    memory_limit=0,
                )
            self.client = Client(self.cluster)
        threads = self.client.nthreads()
        self.capacity = max(1, sum(threads.values()))
        # trials kept in flight: one queued behind each running one, so that a worker never
        # waits for the client to notice a result, create the next trial and send it
        self.depth = 2 * self.capacity

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard's address, when one is served."""
        if self.cluster is not None and not (self.dashboard and _has_bokeh()):
            return None
        try:
            return self.client.dashboard_link
        except Exception:  # no dashboard served
            return None

    def submit(self, payload: Mapping[str, Any]) -> Any:
        """Send the trial to a worker; return its Dask future."""
        key = f"netopt-trial-{payload['study']}-{payload['trial_id']}"
        return self.client.submit(execute_trial, dict(payload), pure=False, key=key)

    def wait(self, pending: Iterable[Any]) -> list[Any]:
        """Block until at least one future finishes; return the finished ones."""
        from distributed import wait

        return list(wait(list(pending), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        """Close the client (and the LocalCluster it started)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def make_executor(
    executor: str | Any = "dask", *, scheduler: str | None = None, workers: int | None = None
) -> Any:
    """Return an executor: ``"dask"``, ``"inprocess"``, or an object with the same methods."""
    if executor == "inprocess":
        if scheduler:
            raise ValueError("a scheduler address needs executor='dask'")
        return InProcessExecutor()
    if executor == "dask":
        return DaskExecutor(scheduler, workers, dashboard=True)
    if isinstance(executor, str):
        raise ValueError(f"unknown executor {executor!r}; expected 'dask' or 'inprocess'")
    return executor
