"""MLPClassifier / MLPRegressor: parameters, references (scikit-learn's linear models),
sample weights, early stopping, schedules and reproducibility."""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from netopt import nn
from netopt.estimators import MLPClassifier, MLPRegressor
from netopt.train import History, NonFiniteLossError

# A linear model trained full-batch in float32 reaches scikit-learn's float64 optimum to ~1e-7.
REF_ATOL = 1e-5
# L1's subgradient hovers around zero instead of landing on it: a looser tolerance.
LASSO_ATOL = 2e-3


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        n_samples=120,
        n_features=5,
        n_informative=3,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def line():
    X, y = make_regression(n_samples=100, n_features=6, n_informative=2, noise=5.0, random_state=0)
    return X, (y - y.mean()) / y.std()


def full_batch_linear(cls, **params):
    """A linear model (no hidden layer) trained by full-batch descent to convergence."""
    base = dict(learning_rate_init=0.05, schedule="cosine", max_iter=400, batch_size=10_000)
    return cls((), random_state=0, **{**base, **params})


# ---------------------------------------------------------------------- references
def test_weighted_l2_classifier_is_logistic_regression(blobs):
    # Ours: sum_i w_i CE_i / sum_i w_i + alpha/2 ||W||^2; scikit-learn's LogisticRegression:
    # C sum_i w_i CE_i + 1/2 ||W||^2. Dividing by C sum_i w_i: alpha = 1 / (C sum_i w_i).
    X, y = blobs
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    alpha = 0.05
    clf = full_batch_linear(MLPClassifier, alpha=alpha).fit(X, y, sample_weight=w)
    ref = LogisticRegression(C=1 / (alpha * w.sum()), tol=1e-10, max_iter=10_000)
    ref.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=REF_ATOL)


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.3), ("momentum", 0.1), ("adam", 0.05)])
def test_l2_regressor_is_ridge(line, optimizer, lr):
    # Ours: mean (y - f)^2 + alpha/2 ||w||^2; Ridge: ||y - Xw||^2 + a ||w||^2, so a = alpha n / 2.
    X, y = line
    alpha = 0.05
    reg = full_batch_linear(MLPRegressor, alpha=alpha, optimizer=optimizer, learning_rate_init=lr)
    reg.fit(X, y)
    ref = Ridge(alpha=alpha * len(y) / 2).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), atol=REF_ATOL)


def test_l1_regressor_is_lasso(line):
    # Lasso: 1/(2n) ||y - Xw||^2 + a ||w||_1, half of ours with alpha_l1 = 2a.
    X, y = line
    reg = full_batch_linear(MLPRegressor, alpha=0.0, alpha_l1=0.2).fit(X, y)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), atol=LASSO_ATOL)
    weights = reg.model_[0].weight.data.ravel()
    assert np.all(np.abs(weights[ref.coef_ == 0]) < LASSO_ATOL), (weights, ref.coef_)


# ---------------------------------------------------------------------- sample weights
def test_unit_weights_are_no_weights(blobs):
    X, y = blobs
    est = MLPClassifier((8,), max_iter=5, random_state=0)
    a = clone(est).fit(X, y).predict_proba(X)
    b = clone(est).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_integer_weights_repeat_samples_and_zero_weights_drop_them(blobs, cls):
    # Full batch and no dropout: the weighted risk equals the risk of the edited data set,
    # so the trajectories agree up to float32 summation order.
    X, y = blobs
    counts = np.random.default_rng(1).integers(0, 3, len(y))
    est = cls((8,), max_iter=20, batch_size=10_000, learning_rate_init=0.01, random_state=0)
    weighted = clone(est).fit(X, y, sample_weight=counts)
    edited = clone(est).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    out = "predict_proba" if cls is MLPClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(edited, out)(X), atol=1e-5)


# ---------------------------------------------------------------------- attributes
def test_fitted_attributes(blobs):
    X, y = blobs
    clf = MLPClassifier((8,), max_iter=7, random_state=0)
    assert clf.fit(X, y) is clf
    assert clf.n_iter_ == 7 == clf.best_epoch_ == len(clf.loss_curve_)
    assert isinstance(clf.history_, History)
    assert clf.loss_curve_ == clf.history_["loss"]
    assert clf.validation_loss_curve_ is None and clf.best_validation_loss_ is None
    assert clf.n_features_in_ == 5
    assert clf.classes_.tolist() == [0, 1, 2]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-12)
    assert (clf.predict(X) == clf.classes_[proba.argmax(1)]).all()


def test_string_labels_and_multioutput_regression(blobs):
    X, y = blobs
    names = np.array(["ant", "bee", "cat"])[y]
    clf = MLPClassifier((8,), max_iter=30, learning_rate_init=0.05, random_state=0).fit(X, names)
    assert clf.classes_.tolist() == ["ant", "bee", "cat"]
    assert set(clf.predict(X)) <= set(names)
    Y = np.column_stack([X[:, 0], -X[:, 1]])
    reg = MLPRegressor((8,), max_iter=3, random_state=0).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (len(X), 2)
    assert reg.fit(X, Y[:, 0]).predict(X).shape == (len(X),)


@pytest.mark.parametrize(
    "activation, layer",
    [
        ("logistic", nn.Sigmoid),
        ("sigmoid", nn.Sigmoid),
        ("tanh", nn.Tanh),
        ("relu", nn.ReLU),
        ("leaky_relu", nn.LeakyReLU),
        ("elu", nn.ELU),
    ],
)
def test_architecture(blobs, activation, layer):
    X, y = blobs
    clf = MLPClassifier((6, 4), activation, dropout=0.2, batch_norm=True, max_iter=2)
    kinds = [type(m) for m in clf.fit(X, y).model_]
    block = [nn.Linear, nn.BatchNorm1d, layer, nn.Dropout]
    assert kinds == block + block + [nn.Linear]
    assert [m.weight.shape for m in clf.model_ if isinstance(m, nn.Linear)] == [
        (6, 5),
        (4, 6),
        (3, 4),
    ]
    assert not clf.model_.training


def test_batch_norm_drops_a_last_batch_of_one(blobs):
    X, y = blobs  # 120 = 7 * 17 + 1: the last batch would hold one sample
    clf = MLPClassifier((4,), batch_norm=True, batch_size=17, max_iter=2, random_state=0)
    assert clf.fit(X, y).n_iter_ == 2


# ---------------------------------------------------------------------- schedules
def closed_form(schedule, lr0, e):
    """The learning rate of epoch e (from 1) by PyTorch's documented formulas."""
    return {
        "constant": lr0,
        "step": lr0 * 0.5 ** ((e - 1) // 3),
        "exponential": lr0 * 0.8 ** (e - 1),
        "cosine": 0.5 * lr0 * (1 + math.cos(math.pi * (e - 1) / 10)),
        "cosine_restarts": 0.5 * lr0 * (1 + math.cos(math.pi * ((e - 1) % 4) / 4)),
    }[schedule]


@pytest.mark.parametrize(
    "schedule, params",
    [
        ("constant", None),
        ("step", {"step_size": 3, "gamma": 0.5}),
        ("exponential", {"gamma": 0.8}),
        ("cosine", None),  # T_max defaults to max_iter
        ("cosine_restarts", {"T_0": 4}),
    ],
)
def test_schedule_by_name(blobs, schedule, params):
    X, y = blobs
    clf = MLPClassifier((4,), schedule=schedule, schedule_params=params, max_iter=10)
    lrs = clf.fit(X, y).history_["lr"]
    expected = [closed_form(schedule, 1e-3, e) for e in range(1, 11)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-18)


def test_plateau_schedule_follows_the_training_loss(blobs):
    # ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.1): every epoch whose loss is not
    # below 0.9 * best halves the next epoch's learning rate.
    X, y = blobs
    params = {"factor": 0.5, "patience": 0, "threshold": 0.1}
    clf = MLPClassifier((4,), schedule="plateau", schedule_params=params, max_iter=12)
    history = clf.fit(X, y).history_
    lr, best, expected = 1e-3, math.inf, []
    for loss in history["loss"]:
        expected.append(lr)
        if loss < best * 0.9:
            best = loss
        else:
            lr *= 0.5
    assert history["lr"] == pytest.approx(expected, rel=1e-12)
    assert expected[-1] < expected[0]  # the rule fired at least once


# ---------------------------------------------------------------------- early stopping
def test_early_stopping_keeps_the_best_epoch(blobs):
    X, y = blobs
    est = MLPClassifier(
        (32,),
        learning_rate_init=0.05,
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=5,
        tol=0.0,
        random_state=0,
    )
    clf = clone(est).fit(X, y)
    curve = clf.validation_loss_curve_
    assert clf.n_iter_ < 200, "the task overfits; early stopping should end it"
    assert clf.best_epoch_ == int(np.argmin(curve)) + 1
    assert clf.n_iter_ == clf.best_epoch_ + 5
    assert clf.best_validation_loss_ == min(curve)
    # The same run cut at the best epoch ends with the weights early stopping restored.
    cut = clone(est).set_params(max_iter=clf.best_epoch_, n_iter_no_change=1000).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), cut.predict_proba(X))


# ---------------------------------------------------------------------- randomness
def test_random_state(blobs):
    X, y = blobs
    est = MLPClassifier((8,), dropout=0.3, max_iter=3)
    a, b, c = (clone(est).set_params(random_state=s).fit(X, y) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    for state in (np.random.default_rng(0), np.random.RandomState(0)):
        assert clone(est).set_params(random_state=state).fit(X, y).n_iter_ == 3


def test_divergence_raises(line):
    X, y = line
    reg = MLPRegressor((8,), optimizer="sgd", learning_rate_init=1e4, max_iter=20)
    # NumPy warns of the overflow on the way (an error under this suite's filters).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(NonFiniteLossError, match="epoch"):
            reg.fit(X, 100 * y)


# ---------------------------------------------------------------------- errors
X4 = np.arange(8.0).reshape(4, 2)
Y4 = np.array([0, 1, 0, 1])

ERRORS = [
    ({"hidden_layer_sizes": (0,)}, r"hidden_layer_sizes=\(0,\)"),
    ({"hidden_layer_sizes": "10"}, r"hidden_layer_sizes='10'"),
    ({"activation": "softplus"}, r"activation='softplus'; expected one of"),
    ({"optimizer": "lbfgs"}, r"optimizer='lbfgs'"),
    ({"learning_rate_init": 0}, r"learning_rate_init=0"),
    ({"learning_rate_init": float("nan")}, r"learning_rate_init=nan"),
    ({"optimizer_params": {"lr": 0.1}}, r"no parameter\(s\) \['lr'\] for Adam"),
    ({"optimizer": "momentum", "optimizer_params": {"momentum": -1}}, r"Invalid momentum"),
    ({"optimizer_params": [1]}, r"optimizer_params=\[1\]; expected a dict"),
    ({"schedule": "linear"}, r"schedule='linear'"),
    ({"schedule_params": {"gamma": 0.5}}, r"'constant' takes no schedule_params"),
    ({"schedule": "step", "schedule_params": {"step": 3}}, r"\['step'\] for StepLR"),
    ({"schedule": "step", "schedule_params": {"step_size": 0}}, r"schedule='step' refused"),
    ({"batch_size": 0}, r"batch_size=0"),
    ({"batch_size": True}, r"batch_size=True"),
    ({"batch_size": "big"}, r"batch_size='big'"),
    ({"max_iter": 0}, r"max_iter=0"),
    ({"max_iter": 2.5}, r"max_iter=2.5"),
    ({"alpha": -1.0}, r"alpha=-1.0"),
    ({"alpha_l1": -0.1}, r"alpha_l1=-0.1"),
    ({"dropout": 1.0}, r"dropout=1.0"),
    ({"batch_norm": "yes"}, r"batch_norm='yes'; expected a bool"),
    ({"early_stopping": 1}, r"early_stopping=1"),
    ({"validation_fraction": 1.0}, r"validation_fraction=1.0"),
    ({"validation_fraction": 0.0}, r"validation_fraction=0.0"),
    ({"n_iter_no_change": 0}, r"n_iter_no_change=0"),
    ({"tol": -1.0}, r"tol=-1.0"),
    ({"shuffle": None}, r"shuffle=None"),
    ({"random_state": -1}, r"random_state=-1"),
    ({"random_state": "seed"}, r"random_state='seed'"),
    ({"early_stopping": True, "validation_fraction": 0.9}, r"n_samples=4 is too few"),
]


@pytest.mark.parametrize("params, message", ERRORS)
def test_invalid_parameters(params, message):
    clf = MLPClassifier(**{"max_iter": 1, **params})
    with pytest.raises(ValueError, match=message):
        clf.fit(X4, Y4)
    assert clf.get_params()[next(iter(params))] is params[next(iter(params))]


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        ([1.0, -1.0, 1.0, 1.0], "non-negative"),
        ([1.0, np.nan, 1.0, 1.0], "finite"),
        ([1.0, 1.0], r"shape == \(2,\), expected \(4,\)"),
        ([0.0, 0.0, 0.0, 0.0], "all zero"),
        ([1.0, 0.0, 1.0, 0.0], r"2 classes with positive sample_weight; only class \[0\]"),
    ],
)
def test_invalid_sample_weight(sample_weight, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=1).fit(X4, Y4, sample_weight=sample_weight)


def test_one_class_and_unfitted():
    with pytest.raises(ValueError, match=r"at least 2 classes; got 1 class: \[0\]"):
        MLPClassifier(max_iter=1).fit(X4, np.zeros(4, dtype=int))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X4)
