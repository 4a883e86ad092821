"""An epoch of the estimators' Adam against a plain netopt loop, bit for bit.

The loop trains a network holding the same weights in the estimators' layout (each Linear
weight Fortran-ordered, the transpose of a C-ordered ``coefs_[i]``; its gradient slot
alike) with one optimizer update per parameter. The data's shapes are ones where
OpenBLAS's products give other bits when a weight is C-ordered, so a change of the
weights' memory order (flat optimizer buffers that store them C-ordered, say) fails here.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

import netopt
from netopt import nn, optim
from netopt.estimators import MLPClassifier, MLPRegressor
from netopt.estimators._loss import Objective, give_slots


@pytest.fixture(scope="module")
def data():
    # 32 features and batches of 25: OpenBLAS's product x @ W.T of shapes (25, 32) and
    # (32, 9) gives other bits when W is C-ordered than when W is F-ordered (the
    # estimators' layout)
    X, y = make_classification(
        n_samples=90, n_features=32, n_informative=6, n_classes=3, random_state=0
    )
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: one epoch
        return est.fit(X, y)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_epoch_equals_a_per_parameter_netopt_loop_bit_for_bit(data, cls, dtype):
    # One epoch of Adam from given weights, batches in order: the estimator against a
    # netopt loop whose weights are transposed views of C-ordered copies (an optimizer's
    # flat buffers refuse views: one update per parameter), each weight's gradient in a
    # slot of its own layout, as the estimators give them.
    X, y = data
    X = X.astype(dtype)
    target = np.eye(3)[y] if cls is MLPClassifier else np.c_[y, -y].astype(float)
    est = cls(
        hidden_layer_sizes=(9, 4),
        batch_size=25,
        shuffle=False,
        alpha=0.01,
        max_iter=1,
        random_state=0,
    )
    _fit(est, X, y if cls is MLPClassifier else target)
    rng = np.random.default_rng(2)
    coefs = [rng.uniform(-0.5, 0.5, c.shape).astype(dtype) for c in est.coefs_]
    intercepts = [rng.uniform(-0.5, 0.5, b.shape).astype(dtype) for b in est.intercepts_]
    est.coefs_, est.intercepts_ = [c.copy() for c in coefs], [b.copy() for b in intercepts]
    est.set_params(warm_start=True)
    _fit(est, X, y if cls is MLPClassifier else target)  # a fresh optimizer

    layers = []
    for c, b in zip(coefs, intercepts):
        lin = nn.Linear(*c.shape, dtype=dtype)
        lin.weight._data, lin.bias._data = np.ascontiguousarray(c).T, b.copy()
        layers += [lin, nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    give_slots(net)
    opt = optim.Adam(net.parameters(), lr=est.learning_rate_init, eps=est.epsilon)
    objective = Objective(net, "softmax" if cls is MLPClassifier else "identity", 0.01, 0.0)
    losses = []
    for start in range(0, len(X), 25):
        opt.zero_grad()
        loss = objective(net(netopt.tensor(X[start : start + 25])), target[start : start + 25])
        loss.backward()
        opt.step()
        losses.append(float(loss.item()) * len(X[start : start + 25]))
    ref = [lin for lin in net if isinstance(lin, nn.Linear)]
    for lin, coef, intercept in zip(ref, est.coefs_, est.intercepts_, strict=True):
        assert not lin.weight._data.flags.c_contiguous  # still a view: per-parameter updates
        assert np.array_equal(lin.weight._data.T, coef)
        assert np.array_equal(lin.bias._data, intercept)
    assert est.loss_curve_[-1] == sum(losses) / len(X)
