r"""``netopt bench``: tune every optimizer by one protocol and compare them on held-out data.

::

    netopt bench [--quick] [--out DIR] [--workers N] [--scheduler ADDR] [--inprocess]

Each method's learning rate is tuned on a validation split with the same budget, the best
rate re-run on fresh seeds, and the results (held-out mean ± sd, time to target in steps and
samples, performance profiles) written to ``DIR/report.html``, ``DIR/bench.json`` and
``DIR/bench.csv``. ``--quick`` runs the small suite (three problems).
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand to ``subparsers`` (an ``argparse`` subparsers action)."""
    parser = subparsers.add_parser(
        "bench",
        help="optimizer benchmark: same tuning budget for every method, fresh seeds",
        description="Tune each optimizer's learning rate by one protocol on small problems, "
        "re-run the best on fresh seeds, report held-out results and performance profiles.",
        epilog="example: netopt bench --quick --out runs/bench",
    )
    parser.add_argument("--quick", action="store_true", help="the small suite (three problems)")
    parser.add_argument("--out", metavar="DIR", help="output directory (default runs/bench-SUITE)")
    parser.add_argument("--workers", metavar="N", type=int, help="LocalCluster worker processes")
    parser.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler")
    parser.add_argument("--inprocess", action="store_true", help="run in this process (no Dask)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print its table."""
    from ..sweep.bench import run_bench
    from ..sweep.bench_report import HEAD, summary_rows

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    suite = "quick" if args.quick else "default"
    out = args.out or f"runs/bench-{suite}"
    data = run_bench(
        out,
        suite=suite,
        executor="inprocess" if args.inprocess else "dask",
        scheduler=args.scheduler,
        workers=args.workers,
    )
    rows = [HEAD, *summary_rows(data)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print("\nperformance profile (fraction of problems within τ of the fastest):")
    for method, points in sorted(data["profile"].items()):
        text = ", ".join(f"τ={tau:.2g}: {rho:.2f}" for tau, rho in points) or "no target reached"
        print(f"  {method:9s} {text}")
    print(f"\nreport: {out}/report.html")
    return 0
