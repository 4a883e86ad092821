"""netopt.train.metrics.classification against scikit-learn (random inputs) and by hand."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

import netopt
from netopt.train import metrics as M

RTOL, ATOL = 1e-12, 1e-15  # ours vs scikit-learn: same formulas, summation order may differ
PRF = ("precision_score", "recall_score", "f1_score")


def _close(ours, ref):
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL, equal_nan=True)
    assert np.shape(ours) == np.shape(ref), (np.shape(ours), np.shape(ref))


def _outcome(fn, *args, **kwargs):
    """The value, or the exception type, so errors can be compared with scikit-learn's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except ValueError:
            return ValueError


@st.composite
def label_pairs(draw, max_classes=5):
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, max_classes))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, k), min_size=n, max_size=n)))
    weights = draw(st.none() | st.lists(st.floats(0.1, 3.0), min_size=n, max_size=n))
    return y_true, y_pred, None if weights is None else np.array(weights)


@given(
    pair=label_pairs(),
    average=st.sampled_from([None, "binary", "micro", "macro", "weighted"]),
    zero_division=st.sampled_from([0, 1, np.nan]),
    labels=st.none() | st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True),
)
def test_precision_recall_f1_match_sklearn(pair, average, zero_division, labels):
    y_true, y_pred, w = pair
    kw = dict(average=average, zero_division=zero_division, labels=labels, sample_weight=w)
    for name in PRF:
        ours = _outcome(getattr(M, name), y_true, y_pred, **kw)
        ref = _outcome(getattr(skm, name), y_true, y_pred, **kw)
        if ref is ValueError or ours is ValueError:
            assert ours is ref, (name, ours, ref)
        else:
            _close(ours, ref)


@given(
    pair=label_pairs(),
    labels=st.none() | st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True),
    normalize=st.sampled_from([None, "true", "pred", "all"]),
)
def test_confusion_matrix_and_accuracy_match_sklearn(pair, labels, normalize):
    y_true, y_pred, w = pair
    kw = dict(labels=labels, sample_weight=w, normalize=normalize)
    ours = _outcome(M.confusion_matrix, y_true, y_pred, **kw)
    ref = _outcome(skm.confusion_matrix, y_true, y_pred, **kw)
    if ref is ValueError or ours is ValueError:
        assert ours is ref
    else:
        _close(ours, ref)
        assert ours.dtype == ref.dtype
    for normalize_acc in (True, False):
        _close(
            M.accuracy_score(y_true, y_pred, normalize=normalize_acc, sample_weight=w),
            skm.accuracy_score(y_true, y_pred, normalize=normalize_acc, sample_weight=w),
        )


def test_string_labels_match_sklearn():
    rng = np.random.default_rng(0)
    names = np.array(["ant", "bird", "cat", "dog"])
    for _ in range(50):
        y_true, y_pred = names[rng.integers(0, 3, 30)], names[rng.integers(0, 4, 30)]
        for average in (None, "micro", "macro", "weighted"):
            for name in PRF:
                _close(
                    getattr(M, name)(y_true, y_pred, average=average),
                    getattr(skm, name)(y_true, y_pred, average=average, zero_division=0),
                )
        labels = ["dog", "ant"]
        _close(
            M.confusion_matrix(y_true, y_pred, labels=labels),
            skm.confusion_matrix(y_true, y_pred, labels=labels),
        )
    binary_true, binary_pred = names[rng.integers(0, 2, 30)], names[rng.integers(0, 2, 30)]
    _close(
        M.f1_score(binary_true, binary_pred, pos_label="bird"),
        skm.f1_score(binary_true, binary_pred, pos_label="bird"),
    )


def test_hand_worked_binary_example():
    # TP = 2 (samples 2, 3), FP = 1 (sample 1), FN = 1 (sample 4), TN = 1 (sample 0)
    y_true, y_pred = [0, 0, 1, 1, 1], [0, 1, 1, 1, 0]
    assert M.precision_score(y_true, y_pred) == pytest.approx(2 / 3, rel=RTOL)
    assert M.recall_score(y_true, y_pred) == pytest.approx(2 / 3, rel=RTOL)
    assert M.f1_score(y_true, y_pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1), rel=RTOL)
    assert M.accuracy_score(y_true, y_pred) == pytest.approx(3 / 5, rel=RTOL)
    assert M.precision_score(y_true, y_pred, average="micro") == pytest.approx(3 / 5, rel=RTOL)
    np.testing.assert_array_equal(M.confusion_matrix(y_true, y_pred), [[1, 1], [1, 2]])
    # class 0: P = 1/2, R = 1/2; class 1: P = 2/3, R = 2/3; support 2 and 3
    weighted = (2 * 0.5 + 3 * (2 / 3)) / 5
    assert M.recall_score(y_true, y_pred, average="weighted") == pytest.approx(weighted, rel=RTOL)


@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
def test_zero_division_and_labels_absent_from_predictions(zero_division):
    # class 2 is never predicted (precision 0/0); class 3 is in neither input (all three 0/0)
    y_true, y_pred = [0, 1, 2, 2], [0, 1, 1, 1]
    labels = [0, 1, 2, 3]
    zd = zero_division
    expected = {
        "precision_score": [1.0, 1 / 3, zd, zd],
        "recall_score": [1.0, 1.0, 0.0, zd],
        "f1_score": [1.0, 2 * 1 / (2 * 1 + 2 + 0), 0.0, zd],
    }
    for name, hand in expected.items():
        kw = dict(labels=labels, zero_division=zero_division)
        ours = getattr(M, name)(y_true, y_pred, average=None, **kw)
        _close(ours, np.array(hand, dtype=float))
        for average in ("macro", "weighted", "micro"):
            _close(
                getattr(M, name)(y_true, y_pred, average=average, **kw),
                getattr(skm, name)(y_true, y_pred, average=average, **kw),
            )
    # every score NaN: the average is NaN, as scikit-learn
    nan_only = M.precision_score([0], [1], labels=[0], average="macro", zero_division=np.nan)
    assert np.isnan(nan_only)


def test_scores_tensors_and_argmax():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(50, 4))
    y_true = rng.integers(0, 4, 50)
    y_hat = scores.argmax(axis=1)
    assert M.accuracy_score(y_true, scores) == skm.accuracy_score(y_true, y_hat)
    assert M.accuracy_score(netopt.tensor(y_true), netopt.tensor(scores)) == skm.accuracy_score(
        y_true, y_hat
    )
    np.testing.assert_array_equal(
        M.confusion_matrix(netopt.tensor(y_true), scores), skm.confusion_matrix(y_true, y_hat)
    )
    _close(
        M.f1_score(netopt.tensor(y_true), netopt.tensor(scores), average="macro"),
        skm.f1_score(y_true, y_hat, average="macro"),
    )
    assert M.accuracy_score([1.0, 0.0], [1, 1]) == 0.5  # integral floats are labels


def test_accuracy_is_piecewise_constant_in_a_weight():
    # the module's claim: d(accuracy)/dw = 0 almost everywhere, while the loss moves
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    h = 1e-7
    grid = np.linspace(-2.0, 2.0, 101)
    flat = 0
    for w1 in grid:
        acc = [M.accuracy_score(y, (x @ [1.0, w] > 0).astype(int)) for w in (w1, w1 + h)]
        mse = [M.mean_squared_error(y, x @ [1.0, w]) for w in (w1, w1 + h)]
        flat += acc[0] == acc[1]
        assert mse[0] != mse[1]
    assert flat >= 99  # a jump can fall inside at most a couple of the 101 tiny intervals


ONE_LABEL_SCORES = np.zeros((2, 1))
ERRORS = [
    (M.accuracy_score, dict(y_true=[0, 1], y_pred=[0]), ValueError, r"inconsistent.*\[2, 1\]"),
    (M.accuracy_score, dict(y_true=[], y_pred=[]), ValueError, "empty"),
    (M.accuracy_score, dict(y_true=[0, 1], y_pred=[0.5, 1]), ValueError, "continuous"),
    (M.accuracy_score, dict(y_true=[0, 1], y_pred=[np.nan, 1]), ValueError, "y_pred.*NaN"),
    (M.accuracy_score, dict(y_true=[0, 1], y_pred=ONE_LABEL_SCORES), ValueError, "ambiguous"),
    (M.accuracy_score, dict(y_true=[[0, 1]], y_pred=[[0, 1]]), ValueError, "1-D"),
    (M.accuracy_score, dict(y_true=["a", "b"], y_pred=[0, 1]), TypeError, "string and number"),
    (M.accuracy_score, dict(y_true=[0], y_pred=[0], sample_weight=[-1]), ValueError, "weight"),
    (M.accuracy_score, dict(y_true=[0], y_pred=[0], sample_weight=[1, 2]), ValueError, "weight"),
    (M.precision_score, dict(y_true=[0, 1, 2], y_pred=[0, 1, 2]), ValueError, "multiclass"),
    (M.precision_score, dict(y_true=[0, 2], y_pred=[0, 2]), ValueError, "pos_label=1"),
    (M.recall_score, dict(y_true=[0, 1], y_pred=[0, 1], average="mean"), ValueError, "average"),
    (M.f1_score, dict(y_true=[0, 1], y_pred=[0, 1], zero_division=2), ValueError, "zero_div"),
    (M.f1_score, dict(y_true=[0, 1], y_pred=[0, 1], zero_division=True), ValueError, "zero_div"),
    (M.confusion_matrix, dict(y_true=[0, 1], y_pred=[0, 1], labels=[5]), ValueError, "in y_true"),
    (M.confusion_matrix, dict(y_true=[0, 1], y_pred=[0, 1], labels=[]), ValueError, "at least"),
    (M.confusion_matrix, dict(y_true=[0], y_pred=[0], labels=[0, 0]), ValueError, "duplicates"),
    (M.confusion_matrix, dict(y_true=[0], y_pred=[0], normalize="row"), ValueError, "'row'"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
