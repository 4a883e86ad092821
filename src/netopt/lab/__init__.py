r"""The lab: every claim of the chapter ("网络优化") as a measured experiment, with figures.

``netopt lab`` (see :mod:`netopt.cli.lab`) runs the experiments and writes a
self-contained ``index.html`` and a ``results.json``. From Python::

    from netopt import lab
    runs = lab.run_experiments(lab.load_experiments(), seed=0, quick=True)
    lab.write_report(runs, "netopt-report", seed=0, quick=True)

Importing this package loads neither matplotlib nor the experiments; both are loaded
on first use.
"""

from .core import (
    REGISTRY,
    Claim,
    Context,
    Experiment,
    FigureSpec,
    Note,
    Result,
    Table,
    experiment,
)
from .registry import EXPERIMENT_MODULES, load_experiments, select
from .report import write_report
from .runner import ExperimentRun, run_experiments

__all__ = [
    "EXPERIMENT_MODULES",
    "REGISTRY",
    "Claim",
    "Context",
    "Experiment",
    "ExperimentRun",
    "FigureSpec",
    "Note",
    "Result",
    "Table",
    "experiment",
    "load_experiments",
    "run_experiments",
    "select",
    "write_report",
]
