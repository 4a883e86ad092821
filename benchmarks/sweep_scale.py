"""How netopt.sweep scales: per-trial overhead, workers, a 1000-trial search, store growth.

    python benchmarks/sweep_scale.py [--quick] [--digits] [--out DIR]

Measures, on this machine:

1. overhead per trial (scheduling + store) against a trial that sleeps 1 s, on a
   LocalCluster of 2 workers: (wall - trials * 1 s / workers) / trials;
2. trials per minute of a CPU-bound trial (the ravine, 10,000 SGD steps) on 1 and on 2
   workers, and their ratio;
3. a 1000-trial random search over the ravine (100 steps a trial) on 2 workers: total
   time and time per trial, and the SQLite store's size and the client's peak memory after
   it (extrapolated linearly to 10,000 trials);
4. with ``--digits``, a 200-trial random search of the digits MLP.

Wall-clock numbers depend on the machine and its load: the script prints the load average
before and after, next to the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sleep_trial(config, report):
    """A trial that sleeps ``duration`` seconds (the overhead measurement's yardstick)."""
    time.sleep(float(config["duration"]))
    report(1, 0.0)
    return {"loss": float(config["x"])}


def _run(sweep, out, ex, *, failures_ok=False):
    from netopt.sweep import run

    start = time.perf_counter()
    result = run(sweep, out, executor=ex)
    wall = time.perf_counter() - start
    if not failures_ok:  # (a random search may diverge: those trials fail, as they should)
        assert result.progress.failed == 0, result.progress.errors[:3]
    return wall


def _cluster(workers):
    from netopt.sweep.executor import DaskExecutor

    return DaskExecutor(workers=workers, dashboard=False)


def _cpu():
    """CPU seconds (user + system) of this process and all its descendants (the workers)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def _marginal(make, n1, n2, tmp, tag, workers):
    """Wall and CPU seconds per extra trial between sweeps of n1 and n2 trials on one warm
    cluster (its start and the workers' first imports left out; fixed costs cancel).
    CPU seconds count the client, the scheduler and the workers; unlike wall time they
    barely move when other programs load the machine."""
    ex = _cluster(workers)
    try:
        _run(make(workers, f"{tag}-warm"), tmp / f"{tag}-warm", ex)
        before, start = _cpu(), time.perf_counter()
        time.sleep(5.0)  # the cluster's own CPU use while idle (heartbeats, event loops)
        _marginal.idle = (_cpu() - before) / (time.perf_counter() - start)
        walls, cpus = [], []
        for n in (n1, n2):
            before = _cpu()
            walls.append(_run(make(n, f"{tag}-{n}"), tmp / f"{tag}-{n}", ex))
            cpus.append(_cpu() - before)
    finally:
        ex.close()
    _marginal.cpu = (cpus[1] - cpus[0]) / (n2 - n1)
    return (walls[1] - walls[0]) / (n2 - n1), walls


def overhead(tmp, n1, n2):
    from netopt.sweep import Sweep

    def make(n, name):
        return Sweep(
            "sweep_scale:sleep_trial",
            {"x": list(range(n))},
            options={"duration": 1.0},
            name=name,
        )

    per_trial, walls = _marginal(make, n1, n2, tmp, "overhead", 2)
    busy = 2 * per_trial  # each of the 2 workers spends this per trial
    return {
        "trials": [n1, n2],
        "wall_s": walls,
        "worker_seconds_per_1s_trial": busy,
        "overhead_pct_of_1s": 100 * (busy - 1.0),
        "overhead_cpu_s_per_trial": _marginal.cpu,  # the trial itself sleeps: all overhead
        "overhead_cpu_pct_of_1s": 100 * _marginal.cpu,
        "idle_cluster_cpu_s_per_s": _marginal.idle,
        # what the trials cost beyond an idle cluster over the same wall time
        "overhead_cpu_net_s_per_trial": _marginal.cpu - _marginal.idle * per_trial,
    }


def workers_ratio(tmp, n1, n2):
    from netopt.sweep import Sweep

    def make(n, name):
        lr = {"low": 1e-3, "high": 0.03, "log": True, "n": n}
        return Sweep("ravine", {"optimizer": "sgd", "lr": lr}, options={"steps": 10000}, name=name)

    out = {}
    for w in (1, 2):
        per_trial, walls = _marginal(make, n1, n2, tmp, f"workers{w}", w)
        out[f"trials_per_min_{w}"] = 60 / per_trial
        out[f"wall_s_{w}"] = walls
        out[f"cpu_s_per_trial_{w}"] = _marginal.cpu
    out["ratio_2_over_1"] = out["trials_per_min_2"] / out["trials_per_min_1"]
    out["baseline_ratio_2_over_1"] = _baseline_ratio(n2)
    return out


def _ravine_trial(lr):
    from netopt.sweep.problems import resolve

    problem = resolve("ravine")
    config = {**problem.options, "optimizer": "sgd", "lr": lr, "steps": 10000, "trial_seed": 0}
    problem.fn(config, lambda step, value: None)
    return lr


def _baseline_ratio(n):
    """The same trials in 1 and in 2 plain processes (multiprocessing, no Dask, no store):
    what this machine gives two processes at the moment, to read the Dask ratio against."""
    import multiprocessing

    rates = {}
    ctx = multiprocessing.get_context("spawn")
    for w in (1, 2):
        with ctx.Pool(w) as pool:
            pool.map(_ravine_trial, [0.01] * w)  # warm: imports
            start = time.perf_counter()
            pool.map(_ravine_trial, [0.01] * n, chunksize=1)
            rates[w] = n / (time.perf_counter() - start)
    return rates[2] / rates[1]


def big_random(tmp, n, problem="ravine", options=None, space=None):
    import psutil

    from netopt.sweep import Sweep

    space = space or {
        "optimizer": ["sgd", "adam", "rmsprop"],
        "lr": {"low": 1e-4, "high": 1.0, "log": True},
        "when": {"sgd": {"momentum": {"low": 0.0, "high": 0.99}}},
    }
    sweep = Sweep(
        problem,
        space,
        sampler="random",
        n_trials=n,
        options=options or {"steps": 100},
        name=f"random-{problem}",
    )
    folder = tmp / f"random-{problem}"
    ex = _cluster(2)
    try:
        wall = _run(sweep, folder, ex, failures_ok=True)
    finally:
        ex.close()
    with sqlite3.connect(folder / "study.db") as db:  # fold the write-ahead log in first
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = (folder / "study.db").stat().st_size
    rss = psutil.Process().memory_info().rss
    from netopt.sweep.api import load_rows

    states = [r["state"] for r in load_rows(folder)]
    return {
        "trials": n,
        "failed": states.count("fail"),
        "wall_s": wall,
        "s_per_trial": wall / n,
        "store_bytes": db,
        "store_bytes_per_trial": db / n,
        "store_mb_at_10000_trials": db / n * 10000 / 2**20,
        "client_rss_mb": rss / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials everywhere")
    parser.add_argument("--digits", action="store_true", help="add the 200-trial digits sweep")
    parser.add_argument("--out", help="keep the runs here (default: a temporary directory)")
    parser.add_argument("--only", choices=("overhead", "workers", "random"), help="one part")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE), os.environ.get("PYTHONPATH")])
    )
    tmp_ctx = tempfile.TemporaryDirectory(prefix="sweep-scale-")
    tmp = Path(args.out) if args.out else Path(tmp_ctx.name)
    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_before": os.getloadavg(),
    }
    if args.only in (None, "overhead"):
        results["overhead"] = overhead(tmp, 4, 12 if args.quick else 24)
        print(json.dumps(results["overhead"], indent=1), flush=True)
    if args.only in (None, "workers"):
        results["workers"] = workers_ratio(tmp, 2, 6 if args.quick else 12)
        print(json.dumps(results["workers"], indent=1), flush=True)
    if args.only in (None, "random"):
        results["random_1000"] = big_random(tmp, 200 if args.quick else 1000)
        print(json.dumps(results["random_1000"], indent=1), flush=True)
    if args.digits:
        results["digits_200"] = big_random(
            tmp,
            200,
            "digits",
            {"epochs": 3},
            {
                "optimizer": ["sgd", "adam"],
                "lr": {"low": 1e-4, "high": 1.0, "log": True},
                "batch_size": [16, 32, 64],
            },
        )
        print(json.dumps(results["digits_200"], indent=1), flush=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
