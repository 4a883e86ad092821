r"""``netopt sweep``: run a hyper-parameter sweep from a TOML file, and report on it.

::

    netopt sweep run FILE.toml [--out RUN] [--scheduler tcp://HOST:8786] [--workers N]
                               [--storage URL] [--inprocess]
    netopt sweep report RUN
    netopt sweep problems

``run`` validates the whole sweep before any trial starts, then runs what the store does
not hold yet (rerunning the same command after an interruption finishes only the missing
trials). On a terminal a progress line shows trials done / running / failed / pruned, the
best value so far and an estimate of the time left; off a terminal it prints only the
summary. ``report`` writes ``RUN/report.html`` and ``RUN/trials.csv``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand to ``subparsers`` (an ``argparse`` subparsers action)."""
    parser = subparsers.add_parser(
        "sweep",
        help="hyper-parameter sweeps on Optuna and Dask",
        description="Run a sweep (problem, search space, budget) from a TOML file on a Dask "
        "cluster, storing every trial in Optuna's store; report on a finished run.",
        epilog="example: netopt sweep run ravine.toml --out runs/ravine --workers 2",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    run_p = sub.add_parser("run", help="run (or finish) a sweep")
    run_p.add_argument("file", metavar="FILE", help="sweep file (.toml; .yaml with PyYAML)")
    run_p.add_argument("--out", metavar="RUN", help="run directory (default runs/sweep-NAME)")
    run_p.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler")
    run_p.add_argument("--workers", metavar="N", type=int, help="LocalCluster worker processes")
    run_p.add_argument("--storage", metavar="URL", help="SQLAlchemy URL of the trial store")
    run_p.add_argument(
        "--inprocess", action="store_true", help="run trials in this process (no Dask)"
    )
    run_p.add_argument(
        "--fail-running",
        action="store_true",
        help="treat RUNNING trials of clients on other hosts as dead (no other client runs)",
    )
    run_p.set_defaults(handler=_run)
    rep = sub.add_parser("report", help="write RUN/report.html and RUN/trials.csv")
    rep.add_argument("run_dir", metavar="RUN")
    rep.add_argument("--storage", metavar="URL", help="SQLAlchemy URL of the trial store")
    rep.set_defaults(handler=_report)
    probs = sub.add_parser("problems", help="list the registered problems")
    probs.set_defaults(handler=_problems)
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)


class _Line:
    """A one-line progress display on a terminal (nothing off one)."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.tty = stream, stream.isatty()
        self.start = time.monotonic()

    def __call__(self, p: Any) -> None:
        if not self.tty:
            return
        fresh = p.done - p.skipped
        eta = ""
        if p.total is not None and fresh > 0:
            rate = (time.monotonic() - self.start) / fresh
            eta = f"  eta {_fmt_time(rate * max(0, p.total - p.done))}"
        best = "—" if p.best is None else f"{p.best:.4g}"
        total = "?" if p.total is None else str(p.total)
        text = (
            f"\r{p.done}/{total} done  {p.running} running  {p.failed} failed  "
            f"{p.pruned} pruned  best {best}{eta}"
        )
        self.stream.write(text.ljust(78))
        self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _fmt_time(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _run(args: argparse.Namespace) -> int:
    from ..sweep import Sweep, run

    sweep = Sweep.from_file(args.file)
    line = _Line(sys.stderr)

    def started(result: Any) -> None:
        print(f"run directory: {result.out}  store: {result.storage}")
        if result.dashboard:
            print(f"Dask dashboard: {result.dashboard}")

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    try:
        result = run(
            sweep,
            args.out,
            storage=args.storage,
            executor="inprocess" if args.inprocess else "dask",
            scheduler=args.scheduler,
            workers=args.workers,
            progress=line,
            on_start=started,
            fail_running=args.fail_running,
        )
    except KeyboardInterrupt:
        line.end()
        print("interrupted: finished trials are stored; run the same command to finish the rest")
        return 130
    line.end()
    p = result.progress
    best = "—" if p.best is None else f"{p.best:.6g}"
    print(
        f"{p.done} of {p.total} trials finished ({p.skipped} from earlier runs): "
        f"{p.failed} failed, {p.pruned} pruned; best {sweep.objective[0]} = {best}"
    )
    for error in sorted(set(p.errors))[:5]:
        print(f"  failure: {error}")
    print(f"report: netopt sweep report {result.out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from ..sweep import report

    paths = report(args.run_dir, storage=args.storage)
    for path in paths.values():
        print(path)
    return 0


def _problems(args: argparse.Namespace) -> int:
    from ..sweep.problems import names, resolve

    for name in names():
        problem = resolve(name)
        print(f"{name:12s} {problem.metric:9s} {problem.doc}")
    return 0
