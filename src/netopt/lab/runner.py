r"""Run experiments, each isolated and timed, figures rendered and closed.

An experiment that raises (or returns something that is not a well-formed
:class:`~netopt.lab.core.Result`) is recorded with its error and traceback, and the
next one still runs: a crash is a result of the run, shown in the report, never a
reason to lose the others. ``KeyboardInterrupt`` is not caught.

With ``jobs > 1`` the experiments run in that many worker processes (started fresh,
``spawn``), each worker one experiment at a time. Every random stream of an experiment
depends only on the seed and the stream's name, so the claims, tables and figures are
those of a run in one process; only the timings differ.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .._validate import is_int
from ._threads import blas_thread_limit
from .core import NAME_PATTERN, Claim, Context, Experiment, Note, Result, Table
from .plotting import close, render_png


@dataclass
class RenderedFigure:
    """A figure of a finished experiment, as PNG bytes.

    ``file_name`` is ``<experiment>-<name>.png``; the report writes it under ``figures/``.
    """

    name: str
    file_name: str
    caption: str
    png: bytes


@dataclass
class ExperimentRun:
    r"""The outcome of one experiment in one run.

    Attributes
    ----------
    experiment : Experiment
    claims : list of Claim
        Empty when the experiment crashed.
    tables : list of Table
    figures : list of RenderedFigure
    summary : str
    notes : list of Note
        The chapter's own errors flagged by the experiment.
    seconds : float
        Wall time of ``run(ctx)`` plus rendering its figures.
    error : str or None
        ``"ExceptionType: message"`` when the experiment crashed.
    traceback : str or None
        The formatted traceback of that crash.
    """

    experiment: Experiment
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[RenderedFigure] = field(default_factory=list)
    summary: str = ""
    notes: list[Note] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    traceback: str | None = None

    @property
    def holding(self) -> int:
        """How many claims hold."""
        return sum(c.holds for c in self.claims)

    def of_kind(self, kind: str) -> list[Claim]:
        """The claims of one kind: ``"check"`` or ``"finding"``."""
        return [c for c in self.claims if c.kind == kind]

    @property
    def failed_claims(self) -> list[Claim]:
        """The claims that did not hold in this run."""
        return [c for c in self.claims if not c.holds]


ProgressHook = Callable[[Experiment, float, str], None]
DoneHook = Callable[[ExperimentRun], None]


def run_experiments(
    experiments: Sequence[Experiment],
    *,
    seed: int = 0,
    quick: bool = False,
    progress: ProgressHook | None = None,
    on_done: DoneHook | None = None,
    blas_threads: int | None = 1,
    jobs: int = 1,
) -> list[ExperimentRun]:
    r"""Run each experiment with a fresh :class:`~netopt.lab.core.Context`.

    Parameters
    ----------
    experiments : sequence of Experiment
        In the order to run them (see :func:`netopt.lab.registry.load_experiments`).
    seed : int, default 0
        Passed to every context: an experiment's random streams depend only on the
        seed and the stream's name, not on which other experiments run.
    quick : bool, default False
        Smaller runs, the same claims.
    progress : callable, optional
        ``progress(experiment, fraction, message)``: 0 at the start, what the
        experiment reports through ``ctx.progress``, 1 at the end.
    on_done : callable, optional
        ``on_done(run)`` after each experiment.
    blas_threads : int or None, default 1
        Threads the BLAS library may use while the experiments run (through
        ``threadpoolctl`` when it is installed; it comes with scikit-learn). The lab's
        matrices are small, and multi-threaded BLAS on them is slower, and much slower on
        a busy machine; None leaves the setting alone. Worker processes apply it too.
    jobs : int, default 1
        Experiments run at once, each in a worker process of its own (1: in this process,
        one after the other). Workers need ``run`` functions a worker can import by name
        (module-level functions, as the registered experiments have); when one cannot be
        sent (a local function), everything runs in this process. With workers,
        ``progress`` hears only the start (0) and end (1) of each experiment; ``on_done``
        still sees the runs in order.

    Returns
    -------
    list of ExperimentRun
        One per experiment, in the same order.

    Raises
    ------
    ValueError
        If ``jobs`` is not an integer >= 1.

    Examples
    --------
    >>> from netopt.lab.core import Experiment
    >>> def broken(ctx):
    ...     raise RuntimeError("boom")
    >>> def fine(ctx):
    ...     return Result(claims=[Claim("1 + 1 = 2", 1 + 1 == 2, "2", kind="check")])
    >>> runs = run_experiments([Experiment("a", "A", "甲", "-", 1, broken),
    ...                         Experiment("b", "B", "乙", "-", 2, fine)])
    >>> [(r.error, r.holding) for r in runs]
    [('RuntimeError: boom', 0), (None, 1)]
    """
    if not is_int(jobs) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    if jobs > 1 and len(experiments) > 1 and _can_send(experiments):
        return _run_in_workers(experiments, seed, quick, progress, on_done, blas_threads, jobs)
    runs = []
    with blas_thread_limit(blas_threads):
        for exp in experiments:
            run = run_one(exp, seed=seed, quick=quick, progress=progress)
            runs.append(run)
            if on_done is not None:
                on_done(run)
    return runs


def _run_in_workers(experiments, seed, quick, progress, on_done, blas_threads, jobs):
    """:func:`run_experiments` over ``jobs`` worker processes; runs returned in order."""
    workers = min(jobs, len(experiments))
    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    runs = []
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = []
        for exp in experiments:
            futures.append(pool.submit(_worker_run, exp, seed, quick, blas_threads))
            if progress is not None:
                progress(exp, 0.0, "queued")
        for exp, future in zip(experiments, futures, strict=True):
            try:
                run = future.result()
            except Exception as exc:  # the worker died or the experiment could not be sent
                run = ExperimentRun(
                    exp, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
                )
            if progress is not None:
                progress(exp, 1.0, "failed" if run.error else "done")
            runs.append(run)
            if on_done is not None:
                on_done(run)
    return runs


def _can_send(experiments: Sequence[Experiment]) -> bool:
    """Whether a worker can find every experiment's ``run`` by its module and name."""
    for exp in experiments:
        module = sys.modules.get(getattr(exp.run, "__module__", None) or "")
        if module is None or getattr(module, exp.run.__qualname__, None) is not exp.run:
            return False
    return True


def _worker_run(experiment: Experiment, seed: int, quick: bool, blas_threads: int | None):
    """One experiment in a worker process, under the run's BLAS limit."""
    with blas_thread_limit(blas_threads):
        return run_one(experiment, seed=seed, quick=quick)


def run_one(
    experiment: Experiment,
    *,
    seed: int = 0,
    quick: bool = False,
    progress: ProgressHook | None = None,
) -> ExperimentRun:
    r"""Run one experiment isolated: exceptions are caught and recorded, figures closed.

    Parameters
    ----------
    experiment : Experiment
    seed : int, default 0
    quick : bool, default False
    progress : callable, optional
        As in :func:`run_experiments`.

    Returns
    -------
    ExperimentRun
    """

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(experiment, fraction, message)

    ctx = Context(seed, quick, progress=report)
    outcome = ExperimentRun(experiment)
    pyplot_before = _pyplot_figure_numbers()
    result = None
    report(0.0, "starting")
    start = time.perf_counter()
    try:
        result = experiment.run(ctx)
        _check_result(result)
        outcome.figures = _render(experiment.name, result)
        outcome.claims = [
            Claim(
                c.claim,
                bool(c.holds),
                c.evidence,
                kind=c.kind,
                protocol=None if c.protocol is None else dict(c.protocol),
            )
            for c in result.claims
        ]
        outcome.notes = [Note(str(n.title), str(n.text)) for n in result.notes]
        outcome.tables = [
            Table(t.title, list(t.columns), _plain_rows(t.rows)) for t in result.tables
        ]
        outcome.summary = result.summary
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.traceback = traceback.format_exc()
        outcome.figures = []
    finally:
        _close_all(result, pyplot_before)
    outcome.seconds = time.perf_counter() - start
    report(1.0, "failed" if outcome.error else "done")
    return outcome


def _check_result(result: object) -> None:
    if not isinstance(result, Result):
        raise TypeError(f"an experiment must return a Result, got {type(result).__name__}")
    for claim in result.claims:
        if not isinstance(claim, Claim):
            raise TypeError(f"Result.claims holds a {type(claim).__name__}, not a Claim")
        if not isinstance(claim.holds, (bool, np.bool_)):
            raise TypeError(f"Claim.holds must be a bool, got {claim.holds!r} for {claim.claim!r}")
        if not isinstance(claim.claim, str) or not isinstance(claim.evidence, str):
            raise TypeError(f"Claim.claim and Claim.evidence must be str: {claim!r}")
    for table in result.tables:
        for row in table.rows:
            if len(row) != len(table.columns):
                raise ValueError(
                    f"table {table.title!r}: row {row!r} has {len(row)} cells "
                    f"for {len(table.columns)} columns"
                )
    for note in result.notes:
        if not isinstance(note, Note):
            raise TypeError(f"Result.notes holds a {type(note).__name__}, not a Note")
    names = [spec.name for spec in result.figures]
    for name in names:
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ValueError(f"Invalid figure name: {name!r} (use lower-case letters, digits, _ -)")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"figure names used twice: {duplicates}")


def _plain(cell: object) -> object:
    if isinstance(cell, (bool, np.bool_)):
        return bool(cell)
    if isinstance(cell, (int, np.integer)):
        return int(cell)
    if isinstance(cell, (float, np.floating)):
        return float(cell)
    if isinstance(cell, str):
        return cell
    raise TypeError(f"table cells are str, int, float or bool, got {type(cell).__name__}")


def _plain_rows(rows: Sequence[Sequence[object]]) -> list[list]:
    return [[_plain(cell) for cell in row] for row in rows]


def _render(experiment_name: str, result: Result) -> list[RenderedFigure]:
    rendered = []
    for spec in result.figures:
        png = render_png(spec.figure)
        rendered.append(
            RenderedFigure(spec.name, f"{experiment_name}-{spec.name}.png", spec.caption, png)
        )
    return rendered


def _pyplot_figure_numbers() -> set[int]:
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def _close_all(result: object, pyplot_before: set[int]) -> None:
    """Close the result's figures and any pyplot figure the experiment left open."""
    if isinstance(result, Result):
        for spec in result.figures:
            if spec.figure is not None:
                close(spec.figure)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        for number in set(pyplot.get_fignums()) - pyplot_before:
            pyplot.close(number)
