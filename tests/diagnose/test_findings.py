"""``diagnose`` rule by rule on hand-written histories: each threshold on both sides."""

from __future__ import annotations

import json
import math

import pytest

from netopt.diagnose import KINDS, REMEDIES, Finding, Thresholds, diagnose
from netopt.train import History

TH = Thresholds()


def history(stop_reason=None, **columns):
    """A History whose epoch e holds ``columns[key][e - 1]`` for each key (None: absent)."""
    n = max(len(v) for v in columns.values())
    records = []
    for i in range(n):
        record = {"epoch": i + 1}
        record.update({k: v[i] for k, v in columns.items() if v[i] is not None})
        records.append(record)
    return History(records, stop_reason=stop_reason)


def kinds(h, **options):
    return [f.kind for f in diagnose(h, **options)]


def flat(n, value=1.0):
    return [value] * n


# ---------------------------------------------------------------- vanishing gradients
@pytest.mark.parametrize(("ratio", "found"), [(0.999e-3, True), (1.001e-3, False)])
def test_vanishing_threshold_is_three_orders_of_magnitude(ratio, found):
    norms = [{"0.weight": ratio, "0.bias": 1.0, "2.weight": 1.0}] * 3
    h = history(loss=[1.0, 0.3, 0.1], grad_norms=norms)
    assert ("vanishing_gradients" in kinds(h)) is found


def test_vanishing_uses_the_median_epoch():
    norms = [{"0.weight": r, "2.weight": 1.0} for r in (1e-4, 1e-2, 1e-5)]
    (finding,) = diagnose(history(loss=[1.0, 0.3, 0.1], grad_norms=norms))
    assert finding.evidence["median_ratio"] == 1e-4
    assert finding.evidence["orders_of_magnitude"] == pytest.approx(4.0)
    assert finding.evidence["first_layer_grad_norm"] == 1e-5  # the last epoch's


def test_layer_stats_linear_layers_take_precedence_over_weight_names():
    # a BatchNorm weight ("3.weight") is last by name; LayerStats knows it is not a Linear
    norms = [{"0.weight": 1e-5, "2.weight": 1e-5, "3.weight": 1.0}] * 2
    linear = [{"name": n, "type": "Linear", "weight_norm": 1.0, "grad_norm": 1e-5} for n in "02"]
    stats = [{"layers": linear}] * 2
    assert kinds(history(loss=[1.0, 0.1], grad_norms=norms)) == ["vanishing_gradients"]
    assert kinds(history(loss=[1.0, 0.1], grad_norms=norms, layer_stats=stats)) == []


# ---------------------------------------------------------------- exploding gradients
@pytest.mark.parametrize(
    ("peak", "losses", "found"),
    [(10.0, [1.0, 2.0, 1.0], True), (9.99, [1.0, 2.0, 1.0], False), (20.0, [1.0, 2.0, 0.9], False)],
)
def test_exploding_growth_needs_a_loss_that_did_not_fall(peak, losses, found):
    norms = [{"w": 1.0}, {"w": peak}, {"w": 2.0}]
    h = history(loss=losses, grad_norms=norms)
    assert ("exploding_gradients" in kinds(h)) is found


def test_exploding_evidence_is_the_total_norm():
    norms = [{"a": 3.0, "b": 4.0}, {"a": 60.0, "b": 80.0}]  # totals 5 and 100
    (finding,) = diagnose(history(loss=[1.0, 3.0], grad_norms=norms))
    assert finding.evidence["grad_norm_growth"] == pytest.approx(20.0)
    assert finding.evidence["max_grad_norm_epoch"] == 2 and finding.severity == "warning"


@pytest.mark.parametrize(
    "columns",
    [
        {"loss": [1.0, math.nan]},
        {"loss": [1.0, 2.0], "val_loss": [1.0, math.inf]},
        {"loss": [1.0, 2.0], "grad_norms": [{"w": 1.0}, {"w": math.inf}]},
    ],
    ids=["loss", "val_loss", "grad_norm"],
)
def test_non_finite_values_are_an_error_and_stop_the_fit_checks(columns):
    accuracy = [0.1] * len(columns["loss"])  # poor, but a diverged run is not judged on fit
    findings = diagnose(history(accuracy=accuracy, **columns))
    assert [(f.kind, f.severity) for f in findings] == [("exploding_gradients", "error")]


def test_a_run_stopped_before_its_first_epoch_by_a_non_finite_loss():
    reason = "non-finite training loss nan at epoch 1, batch 3"
    (finding,) = diagnose(History([], stop_reason=reason))
    assert finding.severity == "error" and finding.evidence["non_finite"] == reason


# ---------------------------------------------------------------- saturation, dead units
def stats(kind, field, values):
    return [{"layers": [{"name": "1", "type": kind, field: v}]} for v in values]


@pytest.mark.parametrize(
    ("kind", "field", "finding"),
    [("Sigmoid", "saturated", "saturation"), ("ReLU", "dead", "dead_units")],
)
@pytest.mark.parametrize(
    ("values", "found"), [([0.0, 0.51], True), ([0.0, 0.5], False), ([0.9, 0.1], False)]
)
def test_activation_fractions_are_judged_at_the_last_epoch(kind, field, finding, values, found):
    h = history(loss=[1.0, 0.1], layer_stats=stats(kind, field, values))
    assert (finding in kinds(h)) is found


# ---------------------------------------------------------------- underfitting
@pytest.mark.parametrize(
    ("train", "val", "found"),
    [(0.79, 0.79, True), (0.8, 0.7, False), (0.5, None, True), (0.5, 0.85, False)],
)
def test_underfitting_by_score(train, val, found):
    h = history(loss=[1.0, 0.1], accuracy=[0.1, train], val_accuracy=[val, val])
    assert ("underfitting" in kinds(h)) is found


@pytest.mark.parametrize(("last", "found"), [(0.51, True), (0.49, False)])
def test_underfitting_by_loss_that_did_not_halve(last, found):
    assert ("underfitting" in kinds(history(loss=[1.0, 0.8, last]))) is found


def test_underfitting_by_loss_needs_the_validation_loss_poor_too():
    h = history(loss=[1.0, 0.8], val_loss=[1.0, 0.4])
    assert "underfitting" not in kinds(h)


def test_one_epoch_without_a_score_is_not_judged():
    assert diagnose(history(loss=[5.0])) == []


def test_regression_reads_r2_not_accuracy():
    h = history(loss=[1.0, 0.1], accuracy=[0.1, 0.1], r2_score=[0.1, 0.95])
    assert kinds(h) == ["underfitting"]
    assert kinds(h, task="regression") == []
    h = history(loss=[1.0, 0.1], r2=[0.1, 0.3])
    assert diagnose(h, task="regression")[0].evidence == {"train_r2": 0.3, "min_score": 0.8}


# ---------------------------------------------------------------- overfitting
@pytest.mark.parametrize(
    ("val", "train", "found"),
    [
        ([1.0, 0.5, 0.56, 0.57, 0.56], [1.0, 0.9, 0.5, 0.5, 0.5], True),
        ([1.0, 0.5, 0.56, 0.54, 0.56], [1.0, 0.9, 0.5, 0.5, 0.5], False),  # one epoch +8%
        ([1.0, 0.5, 0.56, 0.57, 0.56], [1.0, 0.5, 0.48, 0.48, 0.48], False),  # train -4%
        ([1.0, 0.9, 0.5, 0.6, 0.6], [1.0, 0.9, 0.5, 0.1, 0.1], False),  # minimum too recent
    ],
)
def test_overfitting_by_a_sustained_rise_of_the_validation_loss(val, train, found):
    assert ("overfitting" in kinds(history(loss=train, val_loss=val))) is found


def test_overfitting_evidence():
    h = history(loss=[1.0, 0.9, 0.5, 0.5, 0.5], val_loss=[1.0, 0.5, 0.6, 0.7, 0.65])
    (finding,) = diagnose(h)
    e = finding.evidence
    assert (e["best_val_epoch"], e["best_val_loss"], e["recent_min_val_loss"]) == (2, 0.5, 0.6)
    assert e["val_loss_rise"] == pytest.approx(0.2)
    assert e["train_loss_drop"] == pytest.approx(1 - 0.5 / 0.9)


@pytest.mark.parametrize(("train", "val", "found"), [(0.99, 0.88, True), (0.95, 0.9, False)])
def test_overfitting_by_score_gap(train, val, found):
    h = history(loss=[1.0, 0.1], accuracy=[0.5, train], val_accuracy=[0.5, val])
    assert ("overfitting" in kinds(h)) is found


def test_custom_thresholds_change_the_verdict():
    h = history(loss=[1.0, 0.1], accuracy=[0.5, 0.99], val_accuracy=[0.5, 0.95])
    assert kinds(h) == [] and kinds(h, thresholds=Thresholds(max_gap=0.03)) == ["overfitting"]


# ---------------------------------------------------------------- findings and remedies
def test_findings_come_in_kind_order_and_are_json_able():
    norms = [{"0.weight": 1e-9, "2.weight": 1.0}] * 2
    h = history(loss=[1.0, 0.9], accuracy=[0.3, 0.4], grad_norms=norms,
                layer_stats=stats("Sigmoid", "saturated", [0.9, 0.9]))  # fmt: skip
    findings = diagnose(h)
    assert [f.kind for f in findings] == ["vanishing_gradients", "saturation", "underfitting"]
    assert list(KINDS).index("saturation") < list(KINDS).index("underfitting")
    assert "vanishing gradients, saturation finding(s)" in findings[-1].message
    json.dumps([f.to_dict() for f in findings], allow_nan=False)


def _in_order(remedies, words):
    text = " | ".join(remedies).lower()
    positions = [text.find(w) for w in words]
    return -1 not in positions and positions == sorted(positions)


CHAPTER_ORDER = {  # the chapter's lists, slides 53, 57, 58-59, as keywords
    "vanishing_gradients": ["relu", "clipping", "l1 or l2", "batch normalization"],
    "exploding_gradients": ["relu", "clipping", "l1 or l2", "batch normalization"],
    "underfitting": ["new features", "polynomial", "regularization", "non-linear", "ensemble"],
    "overfitting": [
        "feature selection",
        "pca",
        "l1 or l2",
        "augmentation",
        "early stopping",
        "dropout",
        "cross-validation",
        "ensemble",
    ],
    "saturation": ["relu", "batch normalization"],
    "dead_units": ["leaky relu", "elu"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_remedies_follow_the_chapter_and_mark_the_rest(kind):
    remedies = REMEDIES[kind]
    assert _in_order(remedies, CHAPTER_ORDER[kind])
    extra = [i for i, r in enumerate(remedies) if "not in the chapter" in r]
    assert extra == list(range(len(remedies) - len(extra), len(remedies)))  # extras last
    assert Finding(kind, "warning", "m").remedies == remedies


# ---------------------------------------------------------------- errors
ERRORS = [
    (lambda: diagnose([{"epoch": 1}]), TypeError, "must be a netopt.train.History, got list"),
    (lambda: diagnose(History(), task="ranking"), ValueError, "task must be.*got 'ranking'"),
    (lambda: diagnose(history(loss=[1.0]), thresholds={}), TypeError, "got dict"),
    (lambda: diagnose(History()), ValueError, "no epochs to diagnose"),
    (lambda: diagnose(history(loss=[1.0, "x"])), ValueError, "epoch 2: 'loss' is 'x'"),
    (lambda: diagnose(history(loss=[1.0], grad_norms=[[1.0]])), ValueError, "'grad_norms' is"),
    (lambda: diagnose(history(loss=[1.0], layer_stats=[{}])), ValueError, "no list of 'layers'"),
    (lambda: Thresholds(vanishing_ratio=0), ValueError, r"vanishing_ratio .*got 0"),
    (lambda: Thresholds(exploding_growth=1.0), ValueError, "exploding_growth"),
    (lambda: Thresholds(min_score=True), ValueError, "min_score .*got True"),
    (lambda: Thresholds(patience=2.0), ValueError, "patience must be an int >= 1, got 2.0"),
    (lambda: Finding("overfit", "warning", "m"), ValueError, "unknown finding kind 'overfit'"),
    (lambda: Finding("overfitting", "info", "m"), ValueError, "got 'info'"),
]


@pytest.mark.parametrize(("call", "exc", "message"), ERRORS)
def test_errors_name_the_bad_value(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_underfitting_message_says_which_data_were_not_fit():
    (alone,) = diagnose(history(loss=[1.0, 0.9], accuracy=[0.1, 0.2]))
    (both,) = diagnose(history(loss=[1.0, 0.9], accuracy=[0.1, 0.2], val_accuracy=[0.1, 0.3]))
    assert alone.message.endswith("the model does not fit the training data.")
    assert both.message.endswith("fits neither the training nor the validation data.")
