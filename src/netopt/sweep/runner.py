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
    sweep.validate()
    out = Path(out if out is not None else f"runs/sweep-{sweep.name}")
    out.mkdir(parents=True, exist_ok=True)
    spec = sweep.to_dict()
    url = storage_url(out, storage)
    _check_run_dir(out, {**spec, "storage": url if storage else None})
    metric, direction = sweep.objective
    study = open_study(
        url,
        sweep.name,
        direction=direction,
        pruner=(sweep.pruner, dict(sweep.pruner_options)),
    )
    if sweep.sampler == "tpe":
        import optuna

        # a resumed TPE must not replay its start-up draws: seed it with the trial count too
        study.sampler = optuna.samplers.TPESampler(
            seed=derive_seed(sweep.seed, {"tpe_resume": len(study.trials)}) % 2**32
        )
    store = open_storage(url)
    study_id = store.get_study_id_from_name(sweep.name)
    fail_stale(study, store, all_running=fail_running)
    done, running = finished_keys(study)
    planned = sweep.planned()
    todo = [c for c in planned if config_key(c) not in done and config_key(c) not in running]
    total = len(planned) if sweep.sampler != "tpe" else int(sweep.n_trials)
    n_finished = sum(done.values())
    remaining = len(todo) if sweep.sampler != "tpe" else max(0, total - n_finished - len(running))
    state = Progress(total=total, done=n_finished if sweep.sampler == "tpe" else total - len(todo))
    state.skipped = state.done
    state.best = _best(study)
    base = {
        "storage": url,
        "study": sweep.name,
        "problem": sweep.problem_ref,
        "options": dict(sweep.options),
        "metric": metric,
        "pruner": [sweep.pruner, dict(sweep.pruner_options)],
        "blas_threads": 1,
    }
    me = client_info()

    def payload_for(config: dict[str, Any], trial_id: int | None, trial: Any = None) -> dict:
        seed = derive_seed(
            sweep.seed, {"problem": base["problem"], "options": base["options"], "params": config}
        )
        attrs = {
            "netopt.key": config_key(config),
            "netopt.config": config,
            "netopt.trial_seed": seed,
            "netopt.client": me,
        }
        if trial is None:
            trial_id = create_running(store, study_id, sweep.space, config, attrs)
        else:
            for k, v in attrs.items():
                trial.set_user_attr(k, v)
        return {**base, "trial_id": trial_id, "config": config, "trial_seed": seed}

    def next_payload() -> dict | None:
        nonlocal remaining
        if remaining <= 0:
            return None
        remaining -= 1
        if sweep.sampler == "tpe":
            trial = study.ask()
            return payload_for(sweep.space.suggest(trial), trial._trial_id, trial)
        return payload_for(todo.pop(0), None)

    ex = make_executor(executor, scheduler=scheduler, workers=workers)
    result = RunResult(out, url, sweep.name, state, getattr(ex, "dashboard_link", None))
    if on_start is not None:
        on_start(result)
    pending: dict[Any, dict] = {}
    try:
        while True:
            while len(pending) < ex.capacity:
                payload = next_payload()
                if payload is None:
                    break
                pending[ex.submit(payload)] = payload
                state.running = len(pending)
                if progress is not None:
                    progress(state)
            if not pending:
                break
            for fut in ex.wait(pending):
                payload = pending.pop(fut)
                _record(state, fut, payload, store, direction)
                state.running = len(pending)
                if progress is not None:
                    progress(state)
    finally:
        ex.close()
    return result


def _record(state: Progress, fut: Any, payload: dict, store: Any, direction: str) -> None:
    from optuna.trial import TrialState

    try:
        res = fut.result()
    except Exception as exc:  # the worker died or the store failed: redo on the next run
        store.set_trial_user_attr(payload["trial_id"], "netopt.stale", True)
        store.set_trial_user_attr(payload["trial_id"], "netopt.error", repr(exc)[:2000])
        try:
            store.set_trial_state_values(payload["trial_id"], TrialState.FAIL)
        except Exception:  # already finished
            pass
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
