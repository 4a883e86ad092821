"""The estimators' objective: its gradient (netopt's backward pass plus the penalties') against
central differences, for every output activation, with sample weights and both penalties."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from netopt.estimators import MLPClassifier, MLPRegressor
from netopt.estimators._objective import activate

H = 1e-6  # central-difference step (float64); torch gradcheck's tolerances below


def _fitted(cls, y, **params):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 4))
    est = cls(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs", max_iter=1, **params)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    return est, X


CASES = {
    "softmax": (MLPClassifier, np.array([0, 1, 2, 0, 1, 2, 2]), {}),
    "logistic": (MLPClassifier, np.array([0, 1, 1, 0, 1, 0, 1]), {}),
    "identity": (MLPRegressor, np.linspace(-1, 1, 14).reshape(7, 2), {}),
    "exp": (MLPRegressor, np.arange(7.0), {"loss": "poisson"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_central_differences(name):
    cls, y, extra = CASES[name]
    est, X = _fitted(cls, y, alpha=0.3, alpha_l1=0.2, **extra)
    assert est.out_activation_ == name
    if cls is MLPClassifier:
        Y = est._label_binarizer.transform(y)
    else:
        Y = y.reshape(len(y), -1)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    theta = np.hstack([a.ravel() for a in est.coefs_ + est.intercepts_])
    # keep the weights off the L1 kink at 0
    theta = np.where(np.abs(theta) < 1e-3, 1e-2, theta)
    _, grad = est._loss_grad_lbfgs(theta.copy(), X, Y, w)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = H
        numeric[i] = (
            est._loss_grad_lbfgs(theta + step, X, Y, w)[0]
            - est._loss_grad_lbfgs(theta - step, X, Y, w)[0]
        ) / (2 * H)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-5)


def test_loss_value_by_hand():
    # identity output, no hidden layer: R = (sum_i w_i 1/2 (z_i - y_i)^2 + alpha/2 w^2) / sum w
    est = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", max_iter=1, alpha=0.4)
    X, y, w = np.array([[1.0], [2.0]]), np.array([0.0, 1.0]), np.array([1.0, 3.0])
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    loss, _ = est._loss_grad_lbfgs(np.array([0.5, 0.25]), X, y, w)  # weight 0.5, intercept 0.25
    z = 0.5 * X.ravel() + 0.25
    expected = (np.sum(w * 0.5 * (z - y) ** 2) + 0.2 * 0.5**2) / w.sum()
    assert loss == pytest.approx(expected, rel=1e-14)


def test_activate():
    z = np.array([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(activate("softmax", z), [[0.25, 0.75]])
    np.testing.assert_allclose(activate("logistic", z), [[0.5, 0.75]])
    np.testing.assert_allclose(activate("exp", z), [[1.0, 3.0]])
    assert activate("identity", z) is z
