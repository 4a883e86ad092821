r"""Reading a run back, and the in-process entry point.

- :func:`load` returns a run's finished trials, one row each (a pandas DataFrame when
  pandas is installed, else a list of dicts);
- :func:`report` writes ``report.html`` and ``trials.csv`` into the run directory;
- :func:`run_inprocess` runs a small sweep in this process, in a temporary store, and
  returns its rows: what a caller that only wants tuned numbers (the lab) needs.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .spec import Sweep
from .store import close_storage, open_storage, rows, storage_url


def read_spec(run_dir: str | Path) -> dict[str, Any]:
    """Return the ``sweep.json`` of a run directory."""
    path = Path(run_dir) / "sweep.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a sweep run directory (no sweep.json)")
    return json.loads(path.read_text(encoding="utf-8"))


def load_rows(
    run_dir: str | Path, *, storage: str | None = None, spec: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Return the finished trials of a run as plain dicts, one per config key for a grid or
    random sweep (a config that a concurrent client also ran counts once), by trial number.
    """
    import optuna

    spec = dict(spec) if spec is not None else read_spec(run_dir)
    url = storage or spec.get("storage") or storage_url(run_dir)
    study = optuna.load_study(study_name=spec["name"], storage=open_storage(url))
    out = rows(study)
    if spec.get("sampler") in ("grid", "random"):
        seen: set[str] = set()
        unique = []
        for row in out:
            if row["key"] in seen:
                continue
            seen.add(row["key"])
            unique.append(row)
        out = unique
    return out


def load(run_dir: str | Path, *, storage: str | None = None) -> Any:
    """Return a run's finished trials: a pandas DataFrame if pandas is installed, else a list.

    Columns: ``number, key, state, value, trial_seed, pruned_at, error``, ``param_<name>``
    for every hyper-parameter and ``metric_<name>`` for every returned metric; ``curve``
    maps each reported step to its value.
    """
    data = load_rows(run_dir, storage=storage)
    try:
        import pandas as pd
    except ImportError:
        return data
    return pd.DataFrame(data)


def report(run_dir: str | Path, *, storage: str | None = None) -> dict[str, Path]:
    """Write ``report.html`` and ``trials.csv`` into the run directory; return their paths."""
    from .report_page import write_report

    spec = read_spec(run_dir)
    return write_report(Path(run_dir), spec, load_rows(run_dir, storage=storage, spec=spec))


def run_inprocess(
    problem: str | Callable[..., Any],
    space: Mapping[str, Any],
    *,
    sampler: str = "grid",
    n_trials: int | None = None,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    metric: str | None = None,
    direction: str | None = None,
    pruner: str = "none",
    pruner_options: Mapping[str, Any] | None = None,
    name: str = "inprocess",
) -> list[dict[str, Any]]:
    """Run a sweep in this process, in a temporary SQLite store; return its rows.

    The same validation, seeds and rows as :func:`~netopt.sweep.run` with a Dask cluster:
    a config gives the same numbers either way.

    Examples
    --------
    >>> rows = run_inprocess("ravine", {"optimizer": "sgd", "lr": [0.01, 0.03]},
    ...                      options={"steps": 20})  # doctest: +SKIP
    >>> [r["param_lr"] for r in rows]  # doctest: +SKIP
    [0.01, 0.03]
    """
    from .runner import run

    sweep = Sweep(
        problem,
        space,
        sampler=sampler,
        n_trials=n_trials,
        seed=seed,
        pruner=pruner,
        pruner_options=dict(pruner_options or {}),
        options=dict(options or {}),
        metric=metric,
        direction=direction,
        name=name,
    )
    with tempfile.TemporaryDirectory(prefix="netopt-sweep-") as tmp:
        result = run(sweep, tmp, executor="inprocess")
        try:
            return load_rows(tmp, spec=sweep.to_dict())
        finally:
            close_storage(result.storage)
