r"""An optimizer benchmark in the DeepOBS / AlgoPerf tradition, on small problems.

The protocol, the same for every method on every problem:

1. **Tune** the learning rate on a log grid of ``n_lr`` points in ``[lr_low, lr_high]``, each
   run on ``tune_seeds`` seeds; select the rate whose *median* validation objective over
   the seeds is best (a failed or diverged seed counts as +inf, so an unstable rate loses).
   The other hyper-parameters are the method's (momentum 0.9 for the momentum methods,
   PyTorch's defaults otherwise): every method gets the same number of tuning trials.
2. **Confirm**: re-run the selected rate on ``final_seeds`` fresh seeds (replicate indices
   from 1000, never used in tuning) and report the held-out metric (``test_loss`` of the
   model problems; the final loss of the noisy 2-D surfaces) as mean ± sd.
3. **Time to target**, in counted work: optimizer steps and training samples until the
   validation objective first reaches the problem's target (the median over the fresh
   seeds; unreached counts as +inf), never seconds.
4. **Performance profiles** (Dolan & Moré, 2002) across problems: with :math:`t_{p,m}` the
   steps method :math:`m` needs on problem :math:`p`, :math:`r_{p,m} = t_{p,m} / \min_m
   t_{p,m}` and :math:`\rho_m(\tau) = |\{p : r_{p,m} \le \tau\}| / |P|`.

:func:`compare` runs the protocol for one problem and returns plain results: the entry point
for in-process callers such as the lab. :func:`run_bench` runs a whole suite into a
directory.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .api import load_rows
from .executor import make_executor
from .report_page import group
from .runner import run_many
from .spec import Sweep
from .store import close_storage, storage_url

#: Methods: a label and the fixed hyper-parameters of its optimizer (the lr is tuned).
METHODS: dict[str, dict[str, Any]] = {
    "sgd": {"optimizer": "sgd"},
    "momentum": {"optimizer": "sgd", "momentum": 0.9},
    "nesterov": {"optimizer": "sgd", "momentum": 0.9, "nesterov": True},
    "adagrad": {"optimizer": "adagrad"},
    "rmsprop": {"optimizer": "rmsprop"},
    "adam": {"optimizer": "adam"},
    "adamw": {"optimizer": "adamw", "weight_decay": 0.01},
}


@dataclass(frozen=True)
class Task:
    """A benchmark problem: a registered problem, its options, and the held-out metric."""

    problem: str
    options: dict[str, Any]
    heldout: str = "test_loss"
    fixed: dict[str, Any] = field(default_factory=dict)  # hyper-parameters every method uses


@dataclass(frozen=True)
class Protocol:
    """The tuning budget, identical for every method."""

    n_lr: int = 6
    lr_low: float = 1e-4
    lr_high: float = 1.0
    tune_seeds: int = 2
    final_seeds: int = 3
    seed: int = 0


_SURFACES = [
    Task("ravine", {"steps": 100, "noise": 0.1, "target": 1e-2}, "loss"),
    Task("rosenbrock", {"steps": 300, "noise": 0.1, "target": 1e-1}, "loss"),
]
SUITES: dict[str, list[Task]] = {
    "quick": [*_SURFACES, Task("digits", {"epochs": 2, "target": 0.3})],
    "default": [
        *_SURFACES,
        Task("saddle", {"steps": 200, "noise": 0.01, "target": 1e-3}, "loss"),
        Task("polynomial", {"epochs": 30}),
        Task("spirals", {"epochs": 40, "target": 0.5}, fixed={"batch_size": 16}),
        Task("digits", {"epochs": 5}),
        Task("mnist1d", {"epochs": 4, "target": 1.3}),
    ],
}
PROTOCOLS = {"quick": Protocol(n_lr=5, tune_seeds=2, final_seeds=3), "default": Protocol()}


@dataclass
class MethodResult:
    """One method on one problem: the chosen lr, the tuning curve, the fresh-seed results."""

    problem: str
    method: str
    lr: float | None
    tuning: list[tuple[float, float]] = field(default_factory=list)  # (lr, median objective)
    heldout: str = "test_loss"
    values: list[float] = field(default_factory=list)  # held-out metric per fresh seed
    mean: float | None = None
    sd: float | None = None
    steps_to_target: float = math.inf
    samples_to_target: float | None = math.inf  # None: the problem has no samples
    reached: int = 0
    failed: int = 0


def _median_inf(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.inf


def _select(rows: Sequence[Mapping[str, Any]], direction: str) -> tuple[float | None, list]:
    """Return the lr with the best median over seeds (failed seeds +inf), and the curve."""
    sign = 1.0 if direction == "minimize" else -1.0
    curve = []
    for g in group(rows):
        scores = [sign * v for v in g["values"]] + [math.inf] * (g["failed"] + g["pruned"])
        curve.append((float(g["config"]["lr"]), sign * _median_inf(scores)))
    curve.sort()
    finite = [(sign * m, lr) for lr, m in curve if math.isfinite(m)]
    return (min(finite)[1] if finite else None), curve


def compare(
    task: Task,
    methods: Mapping[str, Mapping[str, Any]] | None = None,
    protocol: Protocol = Protocol(),
    *,
    out: str | Path | None = None,
    executor: str | Any = "inprocess",
) -> list[MethodResult]:
    """Tune and confirm every method on ``task`` by one protocol; return one result each.

    Parameters
    ----------
    task : Task
    methods : mapping, optional
        Label -> fixed hyper-parameters (default :data:`METHODS`).
    protocol : Protocol
    out : path, optional
        Directory for the store and the sweeps; a temporary one when None.
    executor : {"inprocess", "dask"} or executor object
    """
    return compare_tasks([task], methods, protocol, out=out, executor=executor)


def compare_tasks(
    tasks: Sequence[Task],
    methods: Mapping[str, Mapping[str, Any]] | None = None,
    protocol: Protocol = Protocol(),
    *,
    out: str | Path | None = None,
    executor: str | Any = "inprocess",
) -> list[MethodResult]:
    """:func:`compare` for several tasks at once: all tuning trials of all tasks and methods
    share the workers, then all confirmation trials do."""
    import tempfile

    methods = dict(methods or METHODS)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="netopt-bench-") as tmp:
            return compare_tasks(tasks, methods, protocol, out=tmp, executor=executor)
    out = Path(out)
    url = storage_url(out)
    lrs = {"low": protocol.lr_low, "high": protocol.lr_high, "log": True, "n": protocol.n_lr}
    cells = [
        (task, label, {**task.fixed, **fixed}) for task in tasks for label, fixed in methods.items()
    ]

    def sweep(task: Task, label: str, space: dict[str, Any], stage: str) -> Sweep:
        name = f"{task.problem}-{label}-{stage}"
        return Sweep(task.problem, space, options=dict(task.options), seed=protocol.seed, name=name)

    def where(s: Sweep) -> Path:
        return out / "sweeps" / s.name

    try:
        seeds = list(range(protocol.tune_seeds))
        tunes = [sweep(t, lb, {**f, "lr": lrs, "seed": seeds}, "tune") for t, lb, f in cells]
        run_many([(s, where(s)) for s in tunes], storage=url, executor=executor)
        results, finals = [], []
        fresh = list(range(1000, 1000 + protocol.final_seeds))
        for (task, label, fixed), tune in zip(cells, tunes):
            lr, curve = _select(load_rows(where(tune), storage=url), tune.objective[1])
            results.append(MethodResult(task.problem, label, lr, curve, task.heldout))
            if lr is not None:
                finals.append(
                    (results[-1], sweep(task, label, {**fixed, "lr": lr, "seed": fresh}, "final"))
                )
        run_many([(s, where(s)) for _, s in finals], storage=url, executor=executor)
        for result, final in finals:
            _confirm(result, load_rows(where(final), storage=url))
    finally:
        close_storage(url)
    return results


def _confirm(result: MethodResult, rows: Sequence[Mapping[str, Any]]) -> None:
    done = [r for r in rows if r["state"] == "complete"]
    result.failed = len(rows) - len(done)
    result.values = [float(r[f"metric_{result.heldout}"]) for r in done]
    if result.values:
        result.mean = statistics.fmean(result.values)
        result.sd = statistics.stdev(result.values) if len(result.values) > 1 else 0.0
    steps = [r.get("metric_steps_to_target") for r in rows]
    samples = [r.get("metric_samples_to_target") for r in rows]
    result.reached = sum(s is not None for s in steps)
    result.steps_to_target = _median_inf([math.inf if s is None else s for s in steps])
    result.samples_to_target = _median_inf([math.inf if s is None else s for s in samples])
    if not any("metric_samples" in r for r in rows):
        result.samples_to_target = None  # a 2-D surface: steps, no samples


def performance_profile(results: Sequence[MethodResult]) -> dict[str, list[tuple[float, float]]]:
    r"""Return :math:`\rho_m(\tau)` per method at every ratio where it changes.

    Examples
    --------
    >>> rs = [MethodResult("p", "a", 0.1, steps_to_target=10.0),
    ...       MethodResult("p", "b", 0.1, steps_to_target=20.0),
    ...       MethodResult("q", "a", 0.1, steps_to_target=math.inf),
    ...       MethodResult("q", "b", 0.1, steps_to_target=5.0)]
    >>> performance_profile(rs)
    {'a': [(1.0, 0.5)], 'b': [(1.0, 0.5), (2.0, 1.0)]}
    """
    problems = sorted({r.problem for r in results})
    best = {p: min(r.steps_to_target for r in results if r.problem == p) for p in problems}
    ratios: dict[str, list[float]] = {}
    for r in results:
        b = best[r.problem]
        ratio = r.steps_to_target / b if math.isfinite(b) and b > 0 else math.inf
        ratios.setdefault(r.method, []).append(ratio)
    out = {}
    for method, rs in ratios.items():
        finite = sorted(x for x in rs if math.isfinite(x))
        out[method] = [
            (tau, sum(x <= tau for x in finite) / len(problems)) for tau in sorted(set(finite))
        ]
    return out


def run_bench(
    out: str | Path,
    *,
    suite: str = "default",
    executor: str = "dask",
    scheduler: str | None = None,
    workers: int | None = None,
    methods: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the protocol on every task of ``suite``; write ``bench.json`` and the report.

    Returns
    -------
    dict
        ``{"suite", "protocol", "results": [MethodResult as dict], "profile"}``.
    """
    from .bench_report import write_bench

    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; expected one of {', '.join(SUITES)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    protocol = PROTOCOLS[suite]
    ex = make_executor(executor, scheduler=scheduler, workers=workers)
    try:
        results = compare_tasks(SUITES[suite], methods, protocol, out=out, executor=ex)
    finally:
        ex.close()
    data = {
        "suite": suite,
        "protocol": asdict(protocol),
        "tasks": [asdict(t) for t in SUITES[suite]],
        "results": [asdict(r) for r in results],
        "profile": performance_profile(results),
    }
    write_bench(out, data)
    return data
