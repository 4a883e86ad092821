r"""The trial store: Optuna's RDB storage (a SQLite file in the run directory by default).

Each netopt trial is an Optuna trial with these user attributes:

- ``netopt.key``: the config's stable key (:func:`~netopt.sweep.space.config_key`), by which
  a rerun recognises a finished trial and never runs it again;
- ``netopt.config``: the config itself (plain JSON) and ``netopt.trial_seed``;
- ``netopt.client``: host, process id and process start time of the client that created it,
  so that a rerun can tell a trial left RUNNING by a dead client (marked FAIL with
  ``netopt.stale`` and run again) from one a live concurrent client is running;
- ``netopt.metrics`` (what the problem returned), ``netopt.error`` (why it failed) and
  ``netopt.pruned_at`` (the step at which the pruner stopped it);
- ``netopt.curve``: the reported values by step, written once at the end when no pruner
  reads them (with a pruner they are Optuna's intermediate values, written at each report).

Optuna's dashboard reads the same store: ``optuna-dashboard sqlite:///RUN/study.db``.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .space import Choice, Range, Space

_STORAGES: dict[str, Any] = {}
_STUDIES: dict[tuple[str, str, str], Any] = {}


def storage_url(run_dir: str | Path, storage: str | None = None) -> str:
    """Return ``storage`` or the default ``sqlite:///<run_dir>/study.db`` (absolute path)."""
    if storage:
        return storage
    return f"sqlite:///{Path(run_dir).resolve() / 'study.db'}"


def open_storage(url: str) -> Any:
    """Return an ``optuna.storages.RDBStorage`` for ``url`` (cached per process).

    SQLite waits up to two minutes for a lock held by another process instead of failing,
    so trials of several workers or of concurrent sweeps can share one file.
    """
    if url not in _STORAGES:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sqlite = url.startswith("sqlite")
        kwargs = {"connect_args": {"timeout": 120}} if sqlite else {}
        storage = _create_storage(url, kwargs)
        if sqlite:
            _write_ahead_log(storage.engine)
        _STORAGES[url] = storage
    return _STORAGES[url]


def _create_storage(url: str, kwargs: dict[str, Any]) -> Any:
    """``RDBStorage(url)``; clients that open a new SQLite store at once take turns.

    Optuna creates the tables and stamps the schema version when a store is first opened;
    two processes doing it at the same moment collide. A lock file beside the database
    serializes the opening (POSIX), and a collision is retried (the tables then exist).
    """
    import time

    import optuna
    from sqlalchemy.exc import IntegrityError, OperationalError

    with _file_lock(url):
        for attempt in range(10):
            try:
                return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
            except (OperationalError, IntegrityError) as exc:
                text = str(exc)
                if attempt == 9 or not ("already exists" in text or "UNIQUE" in text):
                    raise
                time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _file_lock(url: str) -> Iterator[None]:
    path = url.removeprefix("sqlite:///")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the retry alone
        yield
        return
    if not url.startswith("sqlite:///") or path in ("", ":memory:"):
        yield
        return
    with open(path + ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_ahead_log(engine: Any) -> None:
    """Put SQLite in WAL mode with ``synchronous=NORMAL`` on every connection.

    A commit then appends to the log without waiting for the disk: a killed process loses
    nothing it committed (only a power cut can lose the last commits), readers do not block
    the writer, and a trial's dozen commits cost microseconds instead of an fsync each.
    """
    from sqlalchemy import event

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", on_connect)
    engine.dispose()  # connections opened before the listener reconnect with it


def close_storage(url: str) -> None:
    """Forget the cached storage (and studies) of ``url`` and close its connections."""
    for key in [k for k in _STUDIES if k[0] == url]:
        del _STUDIES[key]
    storage = _STORAGES.pop(url, None)
    if storage is not None:
        storage.engine.dispose()


def cached_study(url: str, name: str, pruner: tuple[str, dict[str, Any]]) -> Any:
    """Return the study ``name`` with ``pruner``, loaded once per process (for workers)."""
    import json

    import optuna

    key = (url, name, json.dumps(pruner, sort_keys=True))
    if key not in _STUDIES:
        _STUDIES[key] = optuna.load_study(
            study_name=name,
            storage=open_storage(url),
            pruner=make_pruner(*pruner),
            sampler=optuna.samplers.RandomSampler(seed=0),
        )
    return _STUDIES[key]


def make_pruner(name: str, options: dict[str, Any]) -> Any:
    """Return Optuna's pruner for ``name`` (``none``, ``median``, ``halving``, ``hyperband``)."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(**options)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(**options)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(**options)
    return optuna.pruners.NopPruner()


def open_study(
    url: str,
    name: str,
    *,
    direction: str = "minimize",
    pruner: tuple[str, dict[str, Any]] = ("none", {}),
    sampler: Any = None,
) -> Any:
    """Create the study ``name`` in the store, or load it if it exists."""
    import optuna

    if sampler is None:
        sampler = optuna.samplers.RandomSampler(seed=0)
    return optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        direction=direction,
        sampler=sampler,
        pruner=make_pruner(*pruner),
        load_if_exists=True,
    )


def _start_time(pid: int) -> float | None:
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:  # no such process, or no psutil
        return None


def client_info() -> dict[str, Any]:
    """Identify this process: ``{"host", "pid", "started"}``."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _start_time(pid)}


def client_alive(info: Any) -> bool | None:
    """Whether the client ``info`` describes still runs (None: on another host, unknown)."""
    if not isinstance(info, dict) or info.get("host") != socket.gethostname():
        return None
    started = _start_time(int(info.get("pid", -1)))
    if started is None:
        return False
    return info.get("started") is None or abs(started - float(info["started"])) < 1e-3


def fail_stale(study: Any, storage: Any, *, all_running: bool = False) -> int:
    """Mark FAIL the RUNNING trials whose client is dead; return how many.

    ``all_running=True`` also fails those of clients on other hosts (use it only when no
    other client works on the study).
    """
    from optuna.trial import TrialState

    n = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        alive = client_alive(trial.user_attrs.get("netopt.client"))
        if alive is False or (alive is None and all_running):
            storage.set_trial_user_attr(trial._trial_id, "netopt.stale", True)
            storage.set_trial_user_attr(
                trial._trial_id, "netopt.error", "its client stopped before the trial finished"
            )
            try:
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                n += 1
            except Exception:  # finished meanwhile (a worker told it): keep that result
                pass
    return n


def distributions(space: Space, config: dict[str, Any]) -> dict[str, Any]:
    """Return Optuna distributions for the params of ``config`` (for the store and dashboard)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    dims = dict(space.dims)
    dims.update(space.when.get(config.get("optimizer"), {}))
    out = {}
    for name in config:
        dim = dims[name]
        if isinstance(dim, Choice):
            out[name] = CategoricalDistribution(list(dim.values))
        elif isinstance(dim, Range) and dim.integer:
            out[name] = IntDistribution(int(dim.low), int(dim.high), log=dim.log)
        else:
            out[name] = FloatDistribution(dim.low, dim.high, log=dim.log)
    return out


def create_running(
    storage: Any, study_id: int, space: Space, config: dict[str, Any], attrs: dict[str, Any]
) -> int:
    """Create a RUNNING trial holding ``config`` and ``attrs``; return its trial id."""
    from optuna.trial import TrialState, create_trial

    template = create_trial(
        state=TrialState.RUNNING,
        params=config,
        distributions=distributions(space, config),
        user_attrs=attrs,
    )
    return storage.create_new_trial(study_id, template_trial=template)


def finished_keys(study: Any) -> tuple[dict[str, int], set[str]]:
    """Return ``({key: count} of finished trials, {keys} of trials running now)``.

    Finished means COMPLETE, PRUNED, or FAIL for a reason of its own; a trial failed
    because its client died (``netopt.stale``) counts as missing.
    """
    from optuna.trial import TrialState

    done: dict[str, int] = {}
    running: set[str] = set()
    for t in study.get_trials(deepcopy=False):
        key = t.user_attrs.get("netopt.key")
        if key is None:
            continue
        if t.state == TrialState.RUNNING:
            running.add(key)
        elif t.state == TrialState.WAITING or t.user_attrs.get("netopt.stale"):
            continue
        else:
            done[key] = done.get(key, 0) + 1
    return done, running


def rows(study: Any) -> list[dict[str, Any]]:
    """Return one plain row per finished trial (stale failures left out), by trial number."""
    from optuna.trial import TrialState

    out = []
    for t in study.get_trials(deepcopy=False):
        if t.state in (TrialState.RUNNING, TrialState.WAITING) or t.user_attrs.get("netopt.stale"):
            continue
        ua = t.user_attrs
        row: dict[str, Any] = {
            "number": t.number,
            "key": ua.get("netopt.key"),
            "state": t.state.name.lower(),
            "value": t.value if t.state == TrialState.COMPLETE else None,
            "trial_seed": ua.get("netopt.trial_seed"),
            "pruned_at": ua.get("netopt.pruned_at"),
            "error": ua.get("netopt.error"),
        }
        row.update({f"param_{k}": v for k, v in (ua.get("netopt.config") or t.params).items()})
        row.update({f"metric_{k}": v for k, v in (ua.get("netopt.metrics") or {}).items()})
        curve = t.intermediate_values or ua.get("netopt.curve") or {}
        row["curve"] = dict(sorted((int(k), float(v)) for k, v in curve.items()))
        out.append(row)
    return out
