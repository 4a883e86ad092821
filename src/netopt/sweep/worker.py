r"""Run one trial where it lands (a Dask worker or the client itself) and store its result.

:func:`execute_trial` takes a plain dict (JSON-able: the store's URL, the study's name, the
trial's id, the problem's name or import path, its options and the trial's config) and
writes the outcome into the store itself, so that a finished trial survives its client.
It never raises for a failing problem: an exception, a non-finite objective or report, or
a metrics dict that is not numbers becomes a FAIL trial with the error kept in
``netopt.error``; a pruned trial becomes PRUNED with ``netopt.pruned_at``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..train.threads import blas_threads
from .problems import resolve
from .store import cached_study


def _study(payload: Mapping[str, Any]) -> Any:
    name, options = payload["pruner"]
    return cached_study(payload["storage"], payload["study"], (name, dict(options)))


class NonFiniteError(FloatingPointError):
    """A reported or returned objective value is NaN or infinite."""


def _clean_metrics(metrics: Any, metric: str) -> dict[str, float | None]:
    if not isinstance(metrics, Mapping):
        raise TypeError(f"the problem must return a dict of metrics, got {type(metrics).__name__}")
    out: dict[str, float | None] = {}
    for name, value in metrics.items():
        if value is None:
            out[str(name)] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"metric {name!r} is not a number: {value!r}") from None
        out[str(name)] = number if math.isfinite(number) else None
        if not math.isfinite(number) and name == metric:
            raise NonFiniteError(f"objective {metric!r} is not finite: {number}")
    if out.get(metric) is None:
        raise KeyError(f"the problem returned no {metric!r} (it returned {sorted(out)})")
    return out


def _set(trial: Any, tid: int, key: str, value: Any) -> None:
    from optuna.exceptions import UpdateFinishedTrialError

    try:
        trial.storage.set_trial_user_attr(tid, key, value)
    except UpdateFinishedTrialError:  # failed as stale meanwhile: the rerun redoes it
        pass


def execute_trial(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Run the trial ``payload`` describes, store its outcome, and return a summary.

    Returns
    -------
    dict
        ``{"trial_id", "state" ("complete", "pruned", "fail"), "value", "error"}``.
    """
    import optuna
    from optuna.trial import TrialState

    with blas_threads(payload.get("blas_threads", 1)):
        study = _study(payload)
        trial = optuna.trial.Trial(study, int(payload["trial_id"]))
        tid = int(payload["trial_id"])
        problem = resolve(payload["problem"])
        config = {
            **problem.check_options(payload.get("options", {})),
            **payload["config"],
            "trial_seed": int(payload["trial_seed"]),
        }
        metric = payload["metric"]
        last = {"step": None}
        pruning = payload["pruner"][0] != "none"
        curve: dict[str, float] = {}

        def report(step: int, value: float) -> None:
            value = float(value)
            if not math.isfinite(value):
                raise NonFiniteError(f"reported value is not finite at step {step}: {value}")
            last["step"] = int(step)
            if not pruning:  # nothing reads it before the end: one write, not one per step
                curve[str(int(step))] = value
                return
            trial.report(value, int(step))
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at step {step}")

        state, value, error = TrialState.COMPLETE, None, None
        try:
            metrics = _clean_metrics(problem.fn(config, report), metric)
            value = metrics[metric]
            _set(trial, tid, "netopt.metrics", metrics)
        except optuna.TrialPruned:
            state = TrialState.PRUNED
            _set(trial, tid, "netopt.pruned_at", last["step"])
        except Exception as exc:  # any failure of the problem is the trial's result
            state, error = TrialState.FAIL, f"{type(exc).__name__}: {exc}"
            _set(trial, tid, "netopt.error", error[:2000])
        if curve:
            _set(trial, tid, "netopt.curve", curve)
        told = value if state == TrialState.COMPLETE else None
        study.tell(trial, told, state=state, skip_if_finished=True)
    return {"trial_id": tid, "state": state.name.lower(), "value": value, "error": error}
