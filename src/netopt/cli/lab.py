r"""``netopt lab``: run the chapter's experiments and write the report.

::

    netopt lab [EXPERIMENT ...] [--out DIR] [--quick] [--seed N] [--jobs N] [--list]

Runs the named experiments (all of them when none is named), ``--jobs`` at once in worker
processes (default: one per CPU this process may use; the results are the same for any
number), and writes
``DIR/index.html`` (self-contained: open it from disk), ``DIR/results.json`` and
``DIR/figures/*.png``; DIR defaults to ``netopt-report``. While it runs, a progress
display (rich) shows which experiment runs and how far it is; it stays off when stdout
is not a terminal or the ``CI`` environment variable is set, and a line per finished
experiment is printed either way.

Exit status: 0 when every experiment ran, even if some claims did not hold (a claim that
does not hold is a result, shown in the report); 1 when an experiment crashed (its
error and traceback are in the report, the others still ran); 2 on a usage error such
as an unknown experiment name, or an ``--out`` that exists and is not a folder or cannot
be written (checked before any experiment runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any

DEFAULT_OUT = "netopt-report"


def register(subparsers: Any) -> None:
    """Add the ``lab`` subcommand to ``subparsers`` (an ``argparse`` subparsers action)."""
    parser = subparsers.add_parser(
        "lab",
        help="run the chapter's experiments and write an HTML report",
        description="Measure every claim of the chapter (网络优化) in experiments, and write "
        "a self-contained HTML report with figures, plus results.json.",
        epilog="examples:\n  netopt lab --quick\n  netopt lab entropy gradients --out report\n"
        "  netopt lab --list\n\n"
        "exit status: 0 when every experiment ran, even if some claims do not hold (they are\n"
        "results, shown in the report); 1 when an experiment crashed (the others still run);\n"
        "2 on a usage error such as an unknown experiment name.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "experiments",
        nargs="*",
        metavar="EXPERIMENT",
        help="experiments to run (default: all, in chapter order); see --list",
    )
    parser.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller runs with the same claims (about 30 s)"
    )
    parser.add_argument(
        "--seed", metavar="N", type=int, default=0, help="seed of every random stream (default 0)"
    )
    parser.add_argument(
        "--jobs",
        metavar="N",
        type=int,
        default=None,
        help="experiments run at once, each in a worker process (default: the CPUs this "
        "process may use); the results do not depend on it",
    )
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the lab for ``args``; return the exit status (see the module docstring)."""
    from ..lab import load_experiments, run_experiments, select, write_report
    from ..lab.page import plural, tally_text
    from ..lab.report import check_out

    experiments = load_experiments()
    if args.list:
        width = max((len(e.name) for e in experiments), default=0)
        for exp in experiments:
            print(f"{exp.name:<{width}}  {exp.title} ({exp.title_zh}); {exp.reference}")
        return 0
    if args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    jobs = available_cpus() if args.jobs is None else args.jobs
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    chosen = select(experiments, args.experiments)
    check_out(args.out)  # an unwritable --out is a usage error before any experiment runs
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    start = time.perf_counter()
    with _Display(len(chosen), enabled=_interactive()) as display:
        runs = run_experiments(
            chosen,
            seed=args.seed,
            quick=args.quick,
            progress=display.progress,
            on_done=display.done,
            jobs=jobs,
        )
    total = time.perf_counter() - start
    index = write_report(
        runs, args.out, seed=args.seed, quick=args.quick, started=started, total_seconds=total
    )
    crashed = sum(1 for r in runs if r.error)
    tally = tally_text([c for r in runs for c in r.claims])
    line = f"netopt lab: {tally} ({plural(len(runs), 'experiment')})"
    if crashed:
        line += f", {crashed} crashed"
    print(f"{line} ({total:.1f} s). Report: {index.resolve()}")
    return 1 if crashed else 0


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS has one), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _interactive() -> bool:
    return sys.stdout.isatty() and not os.environ.get("CI")


def _done_lines(run: Any) -> list[str]:
    name = run.experiment.name
    if run.error:
        return [f"{name:<15} CRASHED after {run.seconds:.1f} s: {run.error}"]
    from ..lab.page import tally_text

    lines = [f"{name:<15} {tally_text(run.claims)}  ({run.seconds:.1f} s)"]
    lines += [f"    {c.kind} does not hold: {c.claim} ({c.evidence})" for c in run.failed_claims]
    return lines


class _Display:
    """A rich progress display (when enabled and rich is installed), else plain lines."""

    def __init__(self, count: int, *, enabled: bool) -> None:
        self.count = count
        self.progress_bar = None
        if enabled:
            try:
                from rich import progress as rich_progress
            except ImportError:  # rich is optional: fall back to plain lines
                rich_progress = None
            if rich_progress is not None:
                self.progress_bar = rich_progress.Progress(
                    rich_progress.TextColumn("{task.description:<48}"),
                    rich_progress.BarColumn(),
                    rich_progress.TaskProgressColumn(),
                    rich_progress.TimeElapsedColumn(),
                )
        self.overall = self.current = None
        self.finished = 0

    def __enter__(self) -> _Display:
        if self.progress_bar is not None:
            self.progress_bar.start()
            self.overall = self.progress_bar.add_task("all experiments", total=self.count)
            self.current = self.progress_bar.add_task("", total=1.0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress_bar is not None:
            self.progress_bar.stop()

    def progress(self, experiment: Any, fraction: float, message: str) -> None:
        if self.progress_bar is None:
            return
        text = f"{experiment.name}: {message}" if message else experiment.name
        if fraction == 0.0 and message == "starting":  # a new experiment: restart its clock
            self.progress_bar.reset(self.current, total=1.0)
        self.progress_bar.update(self.current, completed=fraction, description=text[:48])
        self.progress_bar.update(self.overall, completed=self.finished + fraction)

    def done(self, run: Any) -> None:
        self.finished += 1
        lines = _done_lines(run)
        if self.progress_bar is None:
            print("\n".join(lines), flush=True)
        else:
            for line in lines:
                self.progress_bar.console.print(line, markup=False, highlight=False)
