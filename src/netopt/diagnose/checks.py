r"""``diagnose``: read a training history and say what went wrong, with the evidence.

One check per problem, each a pure function of the history's records and the
:class:`~netopt.diagnose.Thresholds`; :func:`diagnose` runs them in the order of
:data:`~netopt.diagnose.KINDS` (problems in the gradients first, then the fit they cause).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from .._validate import is_number
from ..train.history import History
from .findings import Finding, Thresholds
from .stats import RECORD_KEY

_TASKS = {"classification": ("accuracy",), "regression": ("r2_score", "r2")}


def _number(mapping: Mapping[str, Any], key: str, where: str) -> float | None:
    """``mapping[key]`` as a float, None when absent; ValueError when it is not a number."""
    value = mapping.get(key)
    if value is None:
        return None
    if not is_number(value):
        raise ValueError(f"{where}: {key!r} is {value!r}, not a number")
    return float(value)


def _at(record: Mapping[str, Any]) -> str:
    return f"epoch {record['epoch']}"


def _series(records: Sequence[Mapping[str, Any]], key: str) -> list[tuple[int, float]]:
    """``(epoch, value)`` for every record with a finite ``key``."""
    out = []
    for record in records:
        value = _number(record, key, _at(record))
        if value is not None and math.isfinite(value):
            out.append((record["epoch"], value))
    return out


def _grad_norms(record: Mapping[str, Any]) -> dict[str, float]:
    norms = record.get("grad_norms") or {}
    if not isinstance(norms, Mapping):
        raise ValueError(f"{_at(record)}: 'grad_norms' is {norms!r}, not a dict")
    where = f"{_at(record)}, grad_norms"
    return {name: _number(norms, name, where) for name in norms if norms[name] is not None}


def _layers(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    stats = record.get(RECORD_KEY)
    if stats is None:
        return []
    layers = stats.get("layers") if isinstance(stats, Mapping) else None
    if not isinstance(layers, list) or not all(isinstance(e, Mapping) for e in layers):
        raise ValueError(f"{_at(record)}: {RECORD_KEY!r} has no list of 'layers'")
    return layers


def _g(x: float) -> str:
    return f"{x:.3g}"


# ---------------------------------------------------------------------- the checks
def check_exploding(records, stop_reason, th: Thresholds) -> Finding | None:
    """A non-finite loss or gradient norm, or gradient norms that grew while the loss did not
    fall."""
    nonfinite, totals = [], []
    for record in records:
        for key in ("loss", "val_loss"):
            value = _number(record, key, _at(record))
            if value is not None and not math.isfinite(value):
                nonfinite.append(f"{key} = {value} at {_at(record)}")
        norms = _grad_norms(record)
        bad = [name for name, v in norms.items() if not math.isfinite(v)]
        if bad:
            nonfinite.append(f"gradient norm of {bad[0]} = {norms[bad[0]]} at {_at(record)}")
        elif norms:
            totals.append((record["epoch"], math.sqrt(sum(v * v for v in norms.values()))))
    if stop_reason and "non-finite" in stop_reason:
        nonfinite.append(stop_reason)
    evidence: dict[str, Any] = {}
    losses = _series(records, "loss")
    growing = False
    if len(totals) >= 2 and totals[0][1] > 0 and len(losses) >= 2:
        peak_epoch, peak = max(totals[1:], key=lambda t: t[1])
        growth = peak / totals[0][1]
        evidence.update(
            first_grad_norm=totals[0][1], max_grad_norm=peak, max_grad_norm_epoch=peak_epoch,
            grad_norm_growth=growth, first_loss=losses[0][1], last_loss=losses[-1][1],
        )  # fmt: skip
        growing = growth >= th.exploding_growth and losses[-1][1] >= losses[0][1]
    if nonfinite:
        evidence["non_finite"] = "; ".join(nonfinite)
        return Finding(
            "exploding_gradients", "error",
            f"training diverged (a value became NaN or infinite): {nonfinite[0]}.", evidence,
        )  # fmt: skip
    if growing:
        return Finding(
            "exploding_gradients", "warning",
            f"the total gradient norm grew {_g(evidence['grad_norm_growth'])}x (from "
            f"{_g(evidence['first_grad_norm'])} to {_g(evidence['max_grad_norm'])} at epoch "
            f"{evidence['max_grad_norm_epoch']}) while the training loss did not fall "
            f"({_g(evidence['first_loss'])} at the first epoch, {_g(evidence['last_loss'])} "
            "at the last).",
            evidence,
        )  # fmt: skip
    return None


def _weight_grad_norms(record: Mapping[str, Any]) -> list[tuple[str, float]]:
    """Per-layer weight-gradient norms in forward order: LayerStats' Linear layers if
    recorded, else every ``grad_norms`` entry named ``weight`` or ``*.weight``."""
    linear = [e for e in _layers(record) if e.get("type") == "Linear"]
    if linear:
        where = f"{_at(record)}, {RECORD_KEY}"
        return [
            (e["name"], _number(e, "grad_norm", where))
            for e in linear
            if e.get("grad_norm") is not None
        ]
    norms = _grad_norms(record)
    return [
        (n[: -len(".weight")] or n, v) for n, v in norms.items() if n.split(".")[-1] == "weight"
    ]


def check_vanishing(records, th: Thresholds) -> Finding | None:
    """The first layer's gradient norm orders of magnitude below the last layer's."""
    ratios, names, last = [], None, None
    for record in records:
        layers = _weight_grad_norms(record)
        if len(layers) < 2:
            continue
        (first_name, first), (last_name, final) = layers[0], layers[-1]
        if math.isfinite(first) and math.isfinite(final) and final > 0:
            ratios.append(first / final)
            names, last = (first_name, last_name), (first, final)
    if not ratios or statistics.median(ratios) >= th.vanishing_ratio:
        return None
    median = statistics.median(ratios)
    evidence: dict[str, Any] = {
        "first_layer": names[0], "last_layer": names[1], "median_ratio": median,
        "epochs": len(ratios), "first_layer_grad_norm": last[0], "last_layer_grad_norm": last[1],
    }  # fmt: skip
    orders = ""
    if median > 0:
        evidence["orders_of_magnitude"] = -math.log10(median)
        orders = f" ({_g(evidence['orders_of_magnitude'])} orders of magnitude)"
    return Finding(
        "vanishing_gradients", "warning",
        f"the gradient norm of the first layer, {names[0]}, is {_g(median)} times that of the "
        f"last, {names[1]}, in the median epoch{orders}: the early layers barely learn.",
        evidence,
    )  # fmt: skip


def _activation_check(records, kind: str, field: str, limit: float, what: str):
    with_stats = [r for r in records if _layers(r)]
    if not with_stats:
        return None
    record = with_stats[-1]
    where = f"{_at(record)}, {RECORD_KEY}"
    measured = {e.get("name"): _number(e, field, where) for e in _layers(record)}
    values = {name: v for name, v in measured.items() if v is not None and math.isfinite(v)}
    if not values:
        return None
    worst = max(values, key=lambda name: values[name])
    if not values[worst] > limit:
        return None
    evidence: dict[str, Any] = {"epoch": record["epoch"], "worst_layer": worst}
    evidence.update({f"{field}[{name}]": v for name, v in values.items()})
    if kind == "saturation":
        evidence["threshold"] = _number(record[RECORD_KEY], "threshold", where)
    return Finding(
        kind, "warning",
        f"at epoch {record['epoch']}, {_g(100 * values[worst])}% of layer {worst}'s {what} "
        f"(more than {_g(100 * limit)}%).",
        evidence,
    )  # fmt: skip


def check_saturation(records, th: Thresholds) -> Finding | None:
    """More than ``saturated_fraction`` of some Sigmoid/Tanh layer saturated at the end."""
    what = "activations are saturated (derivative below the threshold)"
    return _activation_check(records, "saturation", "saturated", th.saturated_fraction, what)


def check_dead_units(records, th: Thresholds) -> Finding | None:
    """More than ``dead_fraction`` of some ReLU layer's units dead at the end."""
    what = "ReLU units are dead (output 0 on every probe sample)"
    return _activation_check(records, "dead_units", "dead", th.dead_fraction, what)


def _score(records, task: str) -> tuple[str | None, float | None, float | None]:
    """The score column's name and its last training and validation values."""
    for name in _TASKS[task]:
        train = _series(records, name)
        if train:
            val = _series(records, f"val_{name}")
            return name, train[-1][1], (val[-1][1] if val else None)
    return None, None, None


def check_underfitting(records, task: str, th: Thresholds, causes) -> Finding | None:
    """Training and validation both poor: a low score, or a loss that did not halve."""
    name, train, val = _score(records, task)
    if name is not None:
        evidence: dict[str, Any] = {f"train_{name}": train, "min_score": th.min_score}
        if val is not None:
            evidence[f"val_{name}"] = val
        poor = train < th.min_score and (val is None or val < th.min_score)
        on = f"{name} {_g(train)} on the training set" + (
            f" and {_g(val)} on the validation set" if val is not None else ""
        )
        message = f"{on}, below {_g(th.min_score)}"
    else:
        loss, val_loss = _series(records, "loss"), _series(records, "val_loss")
        if len(loss) < 2 or loss[0][1] <= 0:
            return None
        evidence = {"first_loss": loss[0][1], "min_loss": min(v for _, v in loss)}
        poor = evidence["min_loss"] > th.loss_drop * evidence["first_loss"]
        if len(val_loss) >= 2 and val_loss[0][1] > 0:
            evidence["first_val_loss"] = val_loss[0][1]
            evidence["min_val_loss"] = min(v for _, v in val_loss)
            poor = poor and evidence["min_val_loss"] > th.loss_drop * evidence["first_val_loss"]
        message = (
            f"the training loss fell only from {_g(evidence['first_loss'])} to "
            f"{_g(evidence['min_loss'])}, not below {_g(th.loss_drop)} of its start"
        )
    if not poor:
        return None
    cause = f" The {', '.join(causes)} finding(s) above may be the cause." if causes else ""
    has_val = any(k.startswith("val_") for k in evidence)
    fits = (
        "fits neither the training nor the validation data"
        if has_val
        else "does not fit the training data"
    )
    return Finding(
        "underfitting", "warning",
        f"{message}: the model {fits}.{cause}",
        evidence,
    )  # fmt: skip


def check_overfitting(records, task: str, th: Thresholds) -> Finding | None:
    """A validation loss that stayed above its minimum while the training loss kept falling,
    or a training score far above the validation score."""
    evidence: dict[str, Any] = {}
    reasons = []
    val, train = _series(records, "val_loss"), dict(_series(records, "loss"))
    if len(val) > th.patience:
        best_epoch, best = min(val, key=lambda t: t[1])
        recent = val[-th.patience :]
        recent_train = [train[e] for e, _ in recent if e in train]
        after_best = recent[0][0] > best_epoch
        if best > 0 and after_best and recent_train and train.get(best_epoch, 0.0) > 0:
            floor = min(v for _, v in recent)
            recent_loss = statistics.fmean(recent_train)
            rise, drop = floor / best - 1, 1 - recent_loss / train[best_epoch]
            evidence.update(
                best_val_epoch=best_epoch, best_val_loss=best, recent_min_val_loss=floor,
                val_loss_rise=rise, train_loss_at_best_val=train[best_epoch],
                recent_train_loss=recent_loss, train_loss_drop=drop,
            )  # fmt: skip
            if rise > th.val_rise and drop > th.train_drop:
                reasons.append(
                    f"in each of the last {len(recent)} epochs the validation loss stayed "
                    f"at least {_g(100 * rise)}% above its minimum {_g(best)} (epoch "
                    f"{best_epoch}) while the training loss fell from {_g(train[best_epoch])} "
                    f"to {_g(recent_loss)}"
                )
    name, train_score, val_score = _score(records, task)
    if name is not None and val_score is not None:
        gap = train_score - val_score
        evidence.update({f"train_{name}": train_score, f"val_{name}": val_score, "gap": gap})
        if gap > th.max_gap:
            reasons.append(
                f"the training {name} {_g(train_score)} exceeds the validation {name} "
                f"{_g(val_score)} by {_g(gap)} (more than {_g(th.max_gap)})"
            )
    if not reasons:
        return None
    return Finding("overfitting", "warning", "; ".join(reasons) + ".", evidence)


# ---------------------------------------------------------------------- entry point
def diagnose(
    history: History, *, task: str = "classification", thresholds: Thresholds | None = None
) -> list[Finding]:
    r"""Find the chapter's training problems in a history, each with evidence and remedies.

    Parameters
    ----------
    history : History
        From :func:`~netopt.train.fit` (or :meth:`History.load`). Losses and ``grad_norms``
        are always there; the score checks need ``metrics=["accuracy"]`` (or an R^2 metric
        named ``r2_score`` or ``r2`` for regression), the saturation and dead-unit checks
        need the :class:`~netopt.diagnose.LayerStats` callback, and overfitting needs a
        ``val_loader``. A check whose data is missing finds nothing.
    task : {"classification", "regression"}, default "classification"
        Which score column to read: ``accuracy``, or ``r2_score``/``r2``.
    thresholds : Thresholds, optional
        Defaults to :class:`~netopt.diagnose.Thresholds`, where each rule is documented.

    Returns
    -------
    list of Finding
        In the order of :data:`~netopt.diagnose.KINDS`; empty for a healthy run.

    Raises
    ------
    TypeError
        If ``history`` is not a History or ``thresholds`` not a Thresholds.
    ValueError
        On an unknown ``task``, a history with no epochs (unless it stopped on a non-finite
        loss), or a record whose loss, metric or statistics are not numbers.

    Notes
    -----
    Non-finite values are looked for in ``loss``, ``val_loss`` and ``grad_norms``, and in a
    ``stop_reason`` containing ``"non-finite"`` (as :class:`~netopt.train.NonFiniteGuard`
    writes it with ``action="stop"``; the diverging epoch itself is then not recorded).
    A run that diverged (an exploding-gradients finding) is not judged for under- or
    overfitting: its losses say nothing about capacity. An underfitting finding names the
    gradient findings that may cause it.

    Examples
    --------
    >>> from netopt.train import History
    >>> h = History([{"epoch": e, "loss": 0.69, "accuracy": 0.55} for e in (1, 2, 3)])
    >>> [f.kind for f in diagnose(h)]
    ['underfitting']
    >>> diagnose(h)[0].remedies[1]
    'add polynomial features (quadratic, cubic or higher terms)'
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a netopt.train.History, got {type(history).__name__}")
    if task not in _TASKS:
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    th = Thresholds() if thresholds is None else thresholds
    if not isinstance(th, Thresholds):
        raise TypeError(f"thresholds must be a Thresholds, got {type(th).__name__}")
    records, stop = history.records, history.stop_reason
    if not records and not (stop and "non-finite" in stop):
        raise ValueError("the history has no epochs to diagnose")
    exploding = check_exploding(records, stop, th)
    found = [
        exploding,
        check_vanishing(records, th),
        check_saturation(records, th),
        check_dead_units(records, th),
    ]
    causes = [f.kind.replace("_", " ") for f in found if f is not None]
    if exploding is None:
        found.append(check_underfitting(records, task, th, causes))
        found.append(check_overfitting(records, task, th))
    return [f for f in found if f is not None]
