"""The estimators' weights live in the network and, once training starts, in the optimizer's
flat buffers: ``coefs_``/``intercepts_`` are views of them (scikit-learn's layout, C order)
after fit, partial_fit and warm_start; weights set from outside are copied in. (That the
flat update keeps the bits: ``test_update_bits.py``.)"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from netopt import nn
from netopt.estimators import MLPClassifier


@pytest.fixture(scope="module")
def data():
    # 32 features and batches of 25: OpenBLAS's product x @ W.T of shapes (25, 32) and
    # (32, 9) gives other bits when W is C-ordered than when W is F-ordered (the
    # estimators' layout), so a flat buffer that changed the layout would be seen
    X, y = make_classification(
        n_samples=90, n_features=32, n_informative=6, n_classes=3, random_state=0
    )
    return X, y


def _linears(est):
    return [m for m in est.model_ if isinstance(m, nn.Linear)]


def _check_views(est):
    """coefs_[i] is weight.T and intercepts_[i] the bias array, all in one flat buffer."""
    params = list(est.model_.parameters())
    bases = {id(p._data.base) for p in params}
    assert len(bases) == 1 and params[0]._data.base is not None  # one buffer for all
    for lin, coef, intercept in zip(_linears(est), est.coefs_, est.intercepts_, strict=True):
        assert coef.flags.c_contiguous and coef.shape == lin.weight._data.shape[::-1]
        assert coef.base is lin.weight._data.base and np.shares_memory(coef, lin.weight._data)
        assert np.array_equal(coef.T, lin.weight._data) and intercept is lin.bias._data


def _fit(est, *args, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(est, method)(*args, **kwargs)


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop"])
def test_coefs_are_views_of_the_flat_weights(data, solver):
    X, y = data
    est = MLPClassifier((7, 5), solver=solver, max_iter=2, batch_size=20, random_state=0)
    _fit(est, X, y)
    _check_views(est)
    _fit(est, X, y, method="partial_fit")
    _check_views(est)
    est.set_params(warm_start=True)
    _fit(est, X, y)  # a new optimizer: new buffers
    _check_views(est)


def test_set_coefs_are_copied_in_and_training_continues_in_the_buffer(data):
    X, y = data
    est = _fit(MLPClassifier((7,), max_iter=2, batch_size=20, random_state=0), X, y)
    buffer = est.coefs_[0].base
    rng = np.random.default_rng(1)
    new = [rng.standard_normal(c.shape) for c in est.coefs_]
    new_b = [rng.standard_normal(b.shape) for b in est.intercepts_]
    est.coefs_[0], est.coefs_[1] = new[0], np.asfortranarray(new[1])
    est.intercepts_[:] = new_b
    hidden = np.maximum(X @ new[0] + new_b[0], 0)
    z = hidden @ new[1] + new_b[1]
    expected = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(X), expected / expected.sum(1, keepdims=True))
    assert est.coefs_[0].base is buffer and new[0] is not est.coefs_[0]  # copied in
    assert np.array_equal(est.coefs_[1], new[1]) and est.coefs_[1].flags.c_contiguous
    _fit(est, X, y, method="partial_fit")
    _check_views(est)
    assert est.coefs_[0].base is buffer  # the same optimizer's buffers, still used


def test_intercepts_of_the_wrong_shape_are_refused(data):
    X, y = data
    est = _fit(MLPClassifier((7,), max_iter=1, random_state=0), X, y)
    est.intercepts_[0] = np.zeros(6)
    with pytest.raises(ValueError, match=r"intercepts_\[0\] has shape \(6,\); layer 0 has 7"):
        est.predict(X)


def test_a_warm_start_fit_trains_the_same_arrays(data):
    # scikit-learn updates coefs_/intercepts_ in place, so arrays a user holds stay current
    # across a second warm-start fit (its new optimizer adopts the earlier flat buffer)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(9,), max_iter=3, random_state=0,
                            warm_start=True, batch_size=25).fit(X, y)  # fmt: skip
        coefs, intercepts = list(est.coefs_), list(est.intercepts_)
        before = [c.copy() for c in coefs]
        est.fit(X, y)
    assert all(a is b for a, b in zip(coefs, est.coefs_, strict=True))
    assert all(a is b for a, b in zip(intercepts, est.intercepts_, strict=True))
    assert not any(np.array_equal(a, b) for a, b in zip(before, coefs, strict=True))
    assert est._optimizer.optimizer._flat[0] is not None  # one update call, in that buffer
    _check_views(est)


def test_intercepts_keep_their_dtype_when_coefs_are_set_in_another(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(9,), max_iter=2, random_state=0).fit(X, y)
    kept = est.intercepts_[1].copy()
    est.coefs_[1] = est.coefs_[1].astype(np.float32)
    est.predict(X)
    assert est.intercepts_[1].dtype == kept.dtype and np.array_equal(est.intercepts_[1], kept)
