r"""Run a sweep to completion, resuming whatever an earlier run left unfinished.

Grid and random sweeps fix their whole list of configs up front (a random one from the root
seed), and every trial carries its config's key: a rerun of the same sweep on the same store
runs only the keys that have no finished trial, so a killed client loses at most the trials
it had in flight. Trials left RUNNING by a client that is no longer alive (same host) are
marked FAIL (``netopt.stale``) and run again. TPE asks Optuna for each new config and runs
until ``n_trials`` trials are finished.

Every trial's seed is :func:`~netopt.sweep.space.derive_seed` of the root seed and of the
problem, its options and the trial's config: the same on any worker, in any order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io.atomic import atomic_write_text
from .executor import make_executor
from .space import config_key, derive_seed
from .spec import Sweep
from .store import (
    client_info,
    create_running,
    fail_stale,
    finished_keys,
    open_storage,
    open_study,
    storage_url,
)


@dataclass
class Progress:
    """Counts of a running sweep, handed to the progress callback after every event."""

    total: int | None
    done: int = 0
    running: int = 0
    failed: int = 0
    pruned: int = 0
    skipped: int = 0
    best: float | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """What :func:`run` did: the run directory, the store, and the final counts."""

    out: Path
    storage: str
    study: str
    progress: Progress
    dashboard: str | None = None


def _check_run_dir(out: Path, spec: dict[str, Any]) -> None:
    path = out / "sweep.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key in sorted(set(old) | set(spec)):
            if key in ("n_trials", "storage"):
                continue
            if old.get(key) != spec.get(key):
                raise ValueError(
                    f"{out} holds a different sweep ({key!r} was {old.get(key)!r}, now "
                    f"{spec.get(key)!r}); choose another run directory"
                )
    atomic_write_text(path, json.dumps(spec, indent=2, sort_keys=True))


class _Plan:
    """One sweep made ready to run: its study, what is missing, and how to hand out trials."""

    def __init__(
        self, sweep: Sweep, out: str | Path | None, storage: str | None, fail_running: bool
    ) -> None:
        sweep.validate()
        out = Path(out if out is not None else f"runs/sweep-{sweep.name}")
        out.mkdir(parents=True, exist_ok=True)
        url = storage_url(out, storage)
        _check_run_dir(out, {**sweep.to_dict(), "storage": url if storage else None})
        metric, self.direction = sweep.objective
        self.sweep = sweep
        self.study = open_study(
            url, sweep.name, direction=self.direction, pruner=(sweep.pruner, sweep.pruner_options)
        )
        if sweep.sampler == "tpe":
            import optuna

            # a resumed TPE must not replay its start-up draws: seed it with the trial count
            self.study.sampler = optuna.samplers.TPESampler(
                seed=derive_seed(sweep.seed, {"tpe_resume": len(self.study.trials)}) % 2**32
            )
        self.store = open_storage(url)
        self.study_id = self.store.get_study_id_from_name(sweep.name)
        fail_stale(self.study, self.store, all_running=fail_running)
        done, running = finished_keys(self.study)
        planned = sweep.planned()
        self.todo = [
            c for c in planned if config_key(c) not in done and config_key(c) not in running
        ]
        if sweep.sampler == "tpe":
            total = int(sweep.n_trials)
            finished = sum(done.values())
            self.remaining = max(0, total - finished - len(running))
        else:
            total, finished = len(planned), len(planned) - len(self.todo)
            self.remaining = len(self.todo)
        self.state = Progress(total=total, done=finished, skipped=finished, best=_best(self.study))
        self.result = RunResult(out, url, sweep.name, self.state)
        self.base = {
            "storage": url,
            "study": sweep.name,
            "problem": sweep.problem_ref,
            "options": dict(sweep.options),
            "metric": metric,
            "pruner": [sweep.pruner, dict(sweep.pruner_options)],
            "blas_threads": 1,
        }
        self.client = client_info()

    def _payload(self, config: dict[str, Any], trial: Any = None) -> dict[str, Any]:
        seed = derive_seed(
            self.sweep.seed,
            {"problem": self.base["problem"], "options": self.base["options"], "params": config},
        )
        attrs = {
            "netopt.key": config_key(config),
            "netopt.config": config,
            "netopt.trial_seed": seed,
            "netopt.client": self.client,
        }
        if trial is None:
            trial_id = create_running(self.store, self.study_id, self.sweep.space, config, attrs)
        else:
            trial_id = trial._trial_id
            for k, v in attrs.items():
                trial.set_user_attr(k, v)
        return {**self.base, "trial_id": trial_id, "config": config, "trial_seed": seed}

    def next_payload(self) -> dict[str, Any] | None:
        """Create the next trial in the store and return its payload (None when done)."""
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        if self.sweep.sampler == "tpe":
            trial = self.study.ask()
            return self._payload(self.sweep.space.suggest(trial), trial)
        return self._payload(self.todo.pop(0))

    def record(self, fut: Any, payload: dict[str, Any]) -> None:
        """Count a finished future (a lost one is marked stale, to be redone)."""
        _record(self.state, fut, payload, self.store, self.direction)


def run_many(
    plans: list[tuple[Sweep, str | Path | None]],
    *,
    storage: str | None = None,
    executor: str | Any = "dask",
    scheduler: str | None = None,
    workers: int | None = None,
    fail_running: bool = False,
) -> list[RunResult]:
    """Run several sweeps through one executor, keeping every worker busy; see :func:`run`.

    All sweeps are validated before any trial of any of them starts.
    """
    _check_local([sweep for sweep, _ in plans], executor)
    ready = [_Plan(sweep, out, storage, fail_running) for sweep, out in plans]
    return _drive(ready, executor, scheduler, workers, None, None)


def _drive(
    plans: list[_Plan],
    executor: str | Any,
    scheduler: str | None,
    workers: int | None,
    progress: Callable[[Progress], None] | None,
    on_start: Callable[[RunResult], None] | None,
) -> list[RunResult]:
    ex = make_executor(executor, scheduler=scheduler, workers=workers)
    for plan in plans:
        plan.result.dashboard = getattr(ex, "dashboard_link", None)
    if on_start is not None:
        on_start(plans[0].result)
    pending: dict[Any, tuple[_Plan, dict]] = {}
    queue = list(plans)
    sending: tuple[_Plan, dict] | None = None  # (an in-process submit runs the trial)
    try:
        while True:
            while len(pending) < getattr(ex, "depth", ex.capacity) and queue:
                payload = queue[0].next_payload()
                if payload is None:
                    queue.pop(0)
                    continue
                sending = (queue[0], payload)
                pending[ex.submit(payload)] = sending
                sending = None
                _tick(queue[0], pending, progress)
            if not pending:
                break
            for fut in ex.wait(list(pending)):
                plan, payload = pending.pop(fut)
                plan.record(fut, payload)
                _tick(plan, pending, progress)
    finally:
        unfinished = [*pending.values(), *([sending] if sending else [])]
        for plan, payload in unfinished:  # interrupted: the next run redoes these
            _mark_stale(plan.store, payload["trial_id"], "the run was interrupted")
        if isinstance(executor, str):  # one the caller passed in stays open for its next use
            ex.close()
    return [plan.result for plan in plans]


def _check_local(sweeps: list[Sweep], executor: str | Any) -> None:
    """Refuse a problem that only this process knows (a closure) for any executor but ours."""
    from .executor import InProcessExecutor

    if executor == "inprocess" or isinstance(executor, InProcessExecutor):
        return
    for sweep in sweeps:
        sweep.validate()
        if sweep.problem_ref.startswith("local:"):
            raise ValueError(
                f"problem {sweep.problem_ref[6:]!r} is not importable (a closure, a lambda or "
                "a function of __main__): define it at the top of a module, or run it with "
                "executor='inprocess'"
            )


def _tick(plan: _Plan, pending: dict, progress: Callable[[Progress], None] | None) -> None:
    plan.state.running = sum(p is plan for p, _ in pending.values())
    if progress is not None:
        progress(plan.state)


def run(
    sweep: Sweep,
    out: str | Path | None = None,
    *,
    storage: str | None = None,
    executor: str | Any = "dask",
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    on_start: Callable[[RunResult], None] | None = None,
    fail_running: bool = False,
) -> RunResult:
    """Run (or finish) ``sweep``; return where its results are.

    Parameters
    ----------
    sweep : Sweep
        Validated here, before any trial starts.
    out : path, optional
        The run directory (``sweep.json``, ``study.db``, reports); default
        ``runs/sweep-<name>``.
    storage : str, optional
        An SQLAlchemy URL for the store (e.g. ``postgresql://user@host/db``) instead of the
        SQLite file in ``out``.
    executor : {"dask", "inprocess"} or executor object
        An executor object (from :func:`~netopt.sweep.executor.make_executor`) is reused and
        left open, so that several sweeps share one cluster.
    scheduler : str, optional
        ``tcp://HOST:8786`` of a running Dask scheduler.
    workers : int, optional
        LocalCluster worker processes (default: the number of cores).
    progress : callable, optional
        Called with a :class:`Progress` after every submitted or finished trial.
    on_start : callable, optional
        Called once the executor runs (for printing the dashboard link).
    fail_running : bool, default False
        Also treat RUNNING trials of clients on other hosts as dead.

    Raises
    ------
    ValueError
        On an invalid sweep, before anything is stored or run.
    """
    _check_local([sweep], executor)
    plan = _Plan(sweep, out, storage, fail_running)
    return _drive([plan], executor, scheduler, workers, progress, on_start)[0]


def _mark_stale(store: Any, trial_id: int, why: str) -> None:
    """Store a trial that did not finish as FAIL with ``netopt.stale`` (the next run redoes
    it), unless it finished meanwhile."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    try:
        store.set_trial_user_attr(trial_id, "netopt.stale", True)
        store.set_trial_user_attr(trial_id, "netopt.error", why[:2000])
        store.set_trial_state_values(trial_id, TrialState.FAIL)
    except UpdateFinishedTrialError:  # a worker told its result first: keep it
        pass


def _record(state: Progress, fut: Any, payload: dict, store: Any, direction: str) -> None:
    try:
        res = fut.result()
    except Exception as exc:  # the worker died or the store failed: redo on the next run
        _mark_stale(store, payload["trial_id"], repr(exc))
        res = {"state": "fail", "error": repr(exc), "value": None}
    state.done += 1
    if res["state"] == "fail":
        state.failed += 1
        state.errors.append(str(res["error"]))
    elif res["state"] == "pruned":
        state.pruned += 1
    elif res["value"] is not None:
        v = float(res["value"])
        if state.best is None or (v < state.best if direction == "minimize" else v > state.best):
            state.best = v


def _best(study: Any) -> float | None:
    try:
        return float(study.best_value)
    except ValueError:  # no completed trial yet
        return None
