"""netopt.train.metrics.regression against scikit-learn (random inputs) and by hand."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

import netopt
from netopt.train import metrics as M

RTOL, ATOL = 1e-12, 1e-15  # ours vs scikit-learn: same formulas, summation order may differ
REGRESSION = ("mean_absolute_error", "mean_squared_error", "root_mean_squared_error", "r2_score")


def _close(ours, ref):
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL, equal_nan=True)
    assert np.shape(ours) == np.shape(ref), (np.shape(ours), np.shape(ref))


@st.composite
def regression_pairs(draw):
    n = draw(st.integers(1, 30))
    m = draw(st.sampled_from([0, 1, 3]))  # 0: 1-D targets
    shape = (n,) if m == 0 else (n, m)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y_true = rng.normal(size=shape)
    y_pred = rng.normal(size=shape)
    case = draw(st.sampled_from(["random", "perfect", "constant", "constant-perfect"]))
    if case.startswith("constant"):
        y_true = np.full(shape, 1.5)
    if case.endswith("perfect"):
        y_pred = y_true.copy()
    weights = rng.uniform(0.1, 2.0, n) if draw(st.booleans()) else None
    return y_true, y_pred, weights


@given(
    pair=regression_pairs(),
    multioutput=st.sampled_from(["raw_values", "uniform_average"]),
    force_finite=st.booleans(),
)
def test_regression_metrics_match_sklearn(pair, multioutput, force_finite):
    y_true, y_pred, w = pair
    kw = dict(sample_weight=w, multioutput=multioutput)
    for name in REGRESSION:
        extra = dict(force_finite=force_finite) if name == "r2_score" else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn warns on R^2 with one sample
            ref = getattr(skm, name)(y_true, y_pred, **kw, **extra)
        _close(getattr(M, name)(y_true, y_pred, **kw, **extra), ref)


def test_regression_hand_worked():
    y_true, y_pred = [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]  # errors .5, .5, 0, 1
    assert M.mean_absolute_error(y_true, y_pred) == pytest.approx(2.0 / 4, rel=RTOL)
    assert M.mean_squared_error(y_true, y_pred) == pytest.approx(1.5 / 4, rel=RTOL)
    assert M.root_mean_squared_error(y_true, y_pred) == pytest.approx(np.sqrt(1.5 / 4), rel=RTOL)
    # mean 2.875; total sum of squares 0.125^2 + 3.375^2 + 0.875^2 + 4.125^2 = 29.1875
    assert M.r2_score(y_true, y_pred) == pytest.approx(1 - 1.5 / 29.1875, rel=RTOL)
    t = netopt.tensor([[1.0], [2.0]])
    assert M.mean_squared_error(t, netopt.tensor([1.0, 4.0])) == pytest.approx(2.0, rel=RTOL)


ERRORS = [
    (M.mean_squared_error, dict(y_true=[1.0], y_pred=[[1.0, 2.0]]), ValueError, "shapes"),
    (M.mean_squared_error, dict(y_true=[1.0], y_pred=[np.inf]), ValueError, "infinity"),
    (M.mean_absolute_error, dict(y_true=[1.0], y_pred=[1.0], multioutput="x"), ValueError, "'x'"),
    (M.r2_score, dict(y_true=["a"], y_pred=["b"]), ValueError, "numbers"),
    (M.r2_score, dict(y_true=np.ones((1, 1, 1)), y_pred=[1.0]), ValueError, r"\(1, 1, 1\)"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
