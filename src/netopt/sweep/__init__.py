r"""Hyper-parameter sweeps and optimizer benchmarks on Optuna and Dask.

A sweep is a problem, a search space and a budget (:class:`Sweep`, or a TOML file read by
:meth:`Sweep.from_file`). :func:`run` stores every trial in Optuna's RDB storage (a SQLite
file in the run directory by default) and runs them on Dask.distributed (a LocalCluster,
or ``scheduler="tcp://HOST:8786"``) or in-process (``executor="inprocess"``); a rerun
finishes only what is missing. :func:`load` returns the finished trials (a pandas DataFrame
when pandas is installed), :func:`report` writes the HTML page and CSV, and
:func:`run_inprocess` is the small entry point for callers (the lab) that want a tuned
result without a cluster.

``import netopt.sweep`` needs only NumPy: Optuna and Dask are imported when a sweep runs.

Examples
--------
>>> from netopt.sweep import Sweep
>>> s = Sweep("ravine", {"optimizer": ["sgd", "adam"],
...                      "lr": {"low": 1e-3, "high": 0.1, "log": True, "n": 3}})
>>> s.validate(); len(s.planned())
6
"""

from __future__ import annotations

from .api import load, report, run_inprocess
from .problems import Problem, names, register
from .runner import Progress, RunResult, run
from .space import Choice, Range, Space, config_key, derive_seed
from .spec import Sweep

__all__ = [
    "Choice",
    "Problem",
    "Progress",
    "Range",
    "RunResult",
    "Space",
    "Sweep",
    "config_key",
    "derive_seed",
    "load",
    "names",
    "register",
    "report",
    "run",
    "run_inprocess",
]
