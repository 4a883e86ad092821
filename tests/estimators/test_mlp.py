"""MLPClassifier / MLPRegressor: references (scikit-learn's linear models), sample weights,
weights layout and dtype, partial_fit/warm_start, schedules, early stopping, netopt's extras,
reproducibility and errors. scikit-learn's own tests run in ``sklearn_mlp/``."""

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from netopt import nn
from netopt.estimators import MLPClassifier, MLPRegressor

# A convex problem solved by L-BFGS to a gradient of 1e-10 matches scikit-learn's optimum.
REF_ATOL = 1e-6
# L1's subgradient steps hover around zero instead of landing on it.
LASSO_ATOL = 1e-3


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


def linear_lbfgs(cls, **params):
    """A model without hidden layers, minimized by L-BFGS to a tiny gradient."""
    base = dict(
        hidden_layer_sizes=(),
        solver="lbfgs",
        tol=1e-10,
        max_iter=2000,
        random_state=0,
        optimizer_params={"tolerance_change": 0.0},
    )
    return cls(**{**base, **params})


# ---------------------------------------------------------------------- references
@pytest.mark.parametrize("n_classes", [2, 3])
def test_weighted_l2_classifier_is_logistic_regression(blobs, n_classes):
    # Ours: (sum_i w_i CE_i + alpha/2 ||W||^2) / sum_i w_i; LogisticRegression:
    # C sum_i w_i CE_i + 1/2 ||W||^2, the same minimizer for C = 1 / alpha. Two classes: one
    # logistic output, as LogisticRegression's binary model.
    X, y = blobs
    keep = y < n_classes
    X, y = X[keep], y[keep]
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    alpha = 0.5
    clf = linear_lbfgs(MLPClassifier, alpha=alpha).fit(X, y, sample_weight=w)
    ref = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=REF_ATOL)


def test_l2_regressor_is_ridge(line):
    # Ours: (1/2 sum (y - f)^2 + alpha/2 ||w||^2) / n; Ridge: ||y - Xw||^2 + a ||w||^2: a = alpha.
    X, y = line
    reg = linear_lbfgs(MLPRegressor, alpha=3.0).fit(X, y)
    ref = Ridge(alpha=3.0).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), atol=REF_ATOL)
    np.testing.assert_allclose(reg.coefs_[0].ravel(), ref.coef_, atol=REF_ATOL)


def test_l1_regressor_is_lasso(line):
    # Ours: (1/2 sum (y - f)^2 + a1 ||w||_1) / n; Lasso: 1/(2n) ||y - Xw||^2 + a ||w||_1,
    # the same for a = a1 / n. L1's kink needs a decaying step: full-batch Nesterov descent
    # with a cosine schedule (a smooth method like L-BFGS hovers around the kink).
    X, y = line
    n = len(y)
    reg = MLPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        learning_rate_init=0.05,
        schedule="cosine",
        batch_size=n,
        max_iter=400,
        n_iter_no_change=np.inf,
        alpha=0.0,
        alpha_l1=0.1 * n,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        reg.fit(X, y)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), atol=LASSO_ATOL)
    coef = reg.coefs_[0].ravel()
    assert np.all(np.abs(coef[ref.coef_ == 0]) < LASSO_ATOL), (coef, ref.coef_)


def test_sgd_first_step_by_hand():
    # One sample, no hidden layer, squared error: z = w x + b, grad_w = (z - y) x + alpha w,
    # grad_b = z - y (n = 1); plain SGD moves by -lr * grad.
    reg = MLPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=0.0,
        alpha=0.5,
        learning_rate_init=0.1,
        max_iter=1,
        shuffle=False,
        random_state=0,
    )
    x, y = np.array([[2.0, -1.0]]), np.array([3.0])
    reg.partial_fit(x, y)
    # the initial weights are scikit-learn's draws: U(-r, r), r = sqrt(6 / (2 + 1))
    rng = np.random.RandomState(0)
    r = np.sqrt(6 / 3)
    w0, b0 = rng.uniform(-r, r, (2, 1)), rng.uniform(-r, r, 1)
    z = x @ w0 + b0
    np.testing.assert_allclose(reg.coefs_[0], w0 - 0.1 * (x.T * (z - y) + 0.5 * w0), rtol=1e-12)
    np.testing.assert_allclose(reg.intercepts_[0], b0 - 0.1 * (z - y).ravel(), rtol=1e-12)
    assert reg.loss_curve_ == [pytest.approx(0.5 * (z - y).item() ** 2 + 0.25 * np.sum(w0**2))]


@pytest.mark.parametrize(
    "params",
    [
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterovs_momentum": False},
        {"momentum": 0.0, "alpha": 0.1},
        {"momentum": 0.9, "early_stopping": True, "validation_fraction": 0.2},
    ],
    ids=["nesterov", "momentum", "plain-l2", "early-stopping"],
)
def test_sgd_reproduces_scikit_learns_run(blobs, params):
    # Same initial draws, shuffles and validation split as scikit-learn for an int seed, and
    # with a constant learning rate torch's momentum is scikit-learn's: the same run, to
    # rounding (float64).
    from sklearn.neural_network import MLPClassifier as Reference

    X, y = blobs
    common = dict(
        hidden_layer_sizes=(7,),
        solver="sgd",
        batch_size=16,
        max_iter=6,
        learning_rate_init=0.05,
        random_state=3,
        **params,
    )
    with pytest.warns(ConvergenceWarning):
        ours = MLPClassifier(**common).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        ref = Reference(**common).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-12)
    assert ours.validation_scores_ == ref.validation_scores_


# ---------------------------------------------------------------------- sample weights
def test_unit_weights_are_no_weights(blobs):
    X, y = blobs
    est = MLPClassifier((8,), max_iter=5, random_state=0)
    a = clone(est).fit(X, y).predict_proba(X)
    b = clone(est).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_integer_weights_repeat_samples_and_zero_weights_drop_them(blobs, cls):
    # A convex full-batch objective: the weighted risk is the risk of the edited data set,
    # so both reach the same minimum.
    X, y = blobs
    counts = np.random.default_rng(1).integers(0, 3, len(y))
    est = linear_lbfgs(cls, alpha=1.0)
    weighted = clone(est).fit(X, y, sample_weight=counts)
    edited = clone(est).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    out = "predict_proba" if cls is MLPClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(edited, out)(X), atol=1e-6)


# ---------------------------------------------------------------------- attributes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_layout_and_dtype(blobs, dtype):
    X, y = blobs
    clf = MLPClassifier((8, 4), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        assert clf.fit(X.astype(dtype), y) is clf
    assert [c.shape for c in clf.coefs_] == [(5, 8), (8, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (4,), (3,)]
    assert {a.dtype for a in clf.coefs_ + clf.intercepts_} == {np.dtype(dtype)}
    # the network trains these very arrays: coefs_ are views of its weights (torch's layout)
    for lin, coef, b in zip(
        [m for m in clf.model_ if isinstance(m, nn.Linear)], clf.coefs_, clf.intercepts_
    ):
        w = lin.weight.data.numpy()
        assert np.shares_memory(coef, w) and np.array_equal(coef.T, w)
        assert coef.flags.c_contiguous and lin.bias.data.numpy() is b
    assert clf.n_iter_ == 3 == len(clf.loss_curve_) and clf.t_ == 3 * len(y)
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.validation_scores_ is None
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (clf.predict(X) == clf.classes_[proba.argmax(1)]).all()


def test_binary_has_one_logistic_output_and_multilabel_one_per_label(blobs):
    X, y = blobs
    clf = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y == 1)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert clf.predict_proba(X).shape == (len(y), 2)
    Y = np.column_stack([y == 0, y == 1, y != 1]).astype(int)
    clf.fit(X, Y)
    assert clf.n_outputs_ == 3 and clf.predict(X).shape == (len(y), 3)


def test_string_labels_and_multioutput_regression(blobs):
    X, y = blobs
    names = np.array(["ant", "bee", "cat"])[y]
    clf = MLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0).fit(X, names)
    assert clf.classes_.tolist() == ["ant", "bee", "cat"]
    assert set(clf.predict(X)) <= set(names)
    Y = np.column_stack([X[:, 0], -X[:, 1]])
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (len(X), 2)
    assert reg.fit(X, Y[:, 0]).predict(X).shape == (len(X),)


# ---------------------------------------------------------------------- continuing
@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_partial_fit_k_times_is_fit_with_k_epochs(line, solver):
    # Without shuffling the epochs see the data in the same order, and partial_fit keeps
    # the optimizer's state between calls: the same run, bit for bit.
    X, y = line
    est = MLPRegressor(
        hidden_layer_sizes=(8,),
        solver=solver,
        batch_size=32,
        shuffle=False,
        learning_rate_init=0.01,
        max_iter=4,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        fitted = clone(est).fit(X, y)
    stepped = clone(est)
    for _ in range(4):
        stepped.partial_fit(X, y)
    for a, b in zip(fitted.coefs_ + fitted.intercepts_, stepped.coefs_ + stepped.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert stepped.loss_curve_ == fitted.loss_curve_ and stepped.t_ == fitted.t_


def test_warm_start_continues_and_cold_start_restarts(line):
    X, y = line
    est = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 5"):
        cold = [clone(est).fit(X, y).loss_ for _ in range(2)]
    assert cold[0] == cold[1]
    warm = clone(est).set_params(warm_start=True)
    with pytest.warns(ConvergenceWarning):
        losses = [warm.fit(X, y).loss_ for _ in range(3)]
    assert losses[0] == cold[0] and losses[2] < losses[1] < losses[0]


# ---------------------------------------------------------------------- learning rates
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
        ("cosine", {"T_max": 10}),
        ("cosine_restarts", {"T_0": 4}),
    ],
)
def test_schedule_by_name(blobs, schedule, params):
    # After epoch e the schedule has stepped e times: the rate is epoch e+1's.
    X, y = blobs
    clf = MLPClassifier((4,), schedule=schedule, schedule_params=params, random_state=0)
    for e in range(1, 8):
        clf.partial_fit(X, y, classes=[0, 1, 2])
        assert clf._optimizer.learning_rate == pytest.approx(
            closed_form(schedule, 1e-3, e + 1), rel=1e-12, abs=1e-18
        )


def test_plateau_schedule_follows_the_training_loss(blobs):
    # ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.1): every epoch whose loss is not
    # below 0.9 * best halves the rate.
    X, y = blobs
    params = {"factor": 0.5, "patience": 0, "threshold": 0.1}
    clf = MLPClassifier(
        (4,),
        schedule="plateau",
        schedule_params=params,
        max_iter=12,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    lr, best = 1e-3, math.inf
    for loss in clf.loss_curve_:
        if loss < best * 0.9:
            best = loss
        else:
            lr *= 0.5
    assert clf._optimizer.learning_rate == pytest.approx(lr, rel=1e-12)
    assert lr < 1e-3  # the rule fired at least once


def test_invscaling_rate(blobs):
    X, y = blobs
    clf = MLPClassifier(
        (4,),
        solver="sgd",
        learning_rate="invscaling",
        power_t=0.25,
        learning_rate_init=0.1,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf._optimizer.learning_rate == 0.1 / (3 * len(y) + 1) ** 0.25


# ---------------------------------------------------------------------- stopping
def test_tol_stops_on_the_training_loss(blobs):
    # The first epoch sets the best loss; then n_iter_no_change + 1 epochs in a row without a
    # gain of tol on it stop the run (scikit-learn's count).
    X, y = blobs
    clf = MLPClassifier((8,), tol=1.0, n_iter_no_change=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == 5 and clf._no_improvement_count == 4


def test_early_stopping_restores_the_best_epoch(blobs):
    X, y = blobs
    est = MLPClassifier(
        (32,),
        learning_rate_init=0.05,
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=5,
        random_state=0,
    )
    clf = clone(est).fit(X, y)
    scores = clf.validation_scores_
    assert clf.n_iter_ < 200 and len(scores) == clf.n_iter_ and clf.best_loss_ is None
    assert clf.best_validation_score_ == max(scores)
    best_epoch = int(np.argmax(scores)) + 1
    # The same run cut at the best epoch ends with the weights early stopping restored.
    cut = clone(est).set_params(max_iter=best_epoch, n_iter_no_change=np.inf)
    with pytest.warns(ConvergenceWarning):
        cut.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), cut.predict_proba(X))


def test_verbose_prints_scikit_learns_line(blobs, capsys):
    X, y = blobs
    clf = MLPClassifier((4,), max_iter=2, verbose=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Iteration {i}, loss = {clf.loss_curve_[i - 1]:.8f}" for i in (1, 2)]


# ---------------------------------------------------------------------- netopt's extras
@pytest.mark.parametrize(
    "activation, layer",
    [
        ("identity", nn.Identity),
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
    clf = MLPClassifier(
        (6, 4), activation, dropout=0.2, batch_norm=True, max_iter=2, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        kinds = [type(m) for m in clf.fit(X, y).model_]
    block = [nn.Linear, nn.BatchNorm1d, layer, nn.Dropout]
    assert kinds == block + block + [nn.Linear]


@pytest.mark.parametrize("solver", ["adagrad", "rmsprop", "adamw", "nadam", "radam", "adamax"])
def test_other_chapter_optimizers_train(blobs, solver):
    X, y = blobs
    clf = MLPClassifier((16,), solver=solver, learning_rate_init=0.01, random_state=0)
    clf.fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


def test_clip_grad_norm_bounds_the_first_step(line):
    # Plain SGD: the first step is -lr * g with ||g|| <= clip, so no weight moves further.
    X, y = line
    est = MLPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1.0,
        batch_size=len(y),
        clip_grad_norm=1e-3,
        random_state=0,
    )
    before = [a.copy() for a in clone(est).partial_fit(X, y).coefs_]  # fresh init, one step
    first = clone(est).set_params(learning_rate_init=1e-300)
    start = [a.copy() for a in first.partial_fit(X, y).coefs_]
    step = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(before, start)))
    assert 0 < step <= 1e-3 * (1 + 1e-9)


# ---------------------------------------------------------------------- randomness
def test_random_state(blobs):
    X, y = blobs
    est = MLPClassifier((8,), dropout=0.3, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        a, b, c = (clone(est).set_params(random_state=s).fit(X, y) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    for state in (np.random.default_rng(0), np.random.RandomState(0)):
        with pytest.warns(ConvergenceWarning):
            assert clone(est).set_params(random_state=state).fit(X, y).n_iter_ == 3


# ---------------------------------------------------------------------- errors
X4 = np.arange(8.0).reshape(4, 2)
Y4 = np.array([0, 1, 0, 1])

ERRORS = [
    ({"hidden_layer_sizes": (0,)}, r"hidden_layer_sizes must be > 0, got \[0\]"),
    ({"hidden_layer_sizes": "10"}, r"hidden_layer_sizes='10'"),
    ({"activation": "softplus"}, r"activation='softplus'; expected one of"),
    ({"solver": "momentum"}, r"solver='momentum'"),
    ({"learning_rate": "cosine"}, r"learning_rate='cosine'"),
    ({"learning_rate_init": 0}, r"learning_rate_init=0"),
    ({"learning_rate_init": float("nan")}, r"learning_rate_init=nan"),
    ({"momentum": 1.5}, r"momentum=1.5"),
    ({"beta_1": 1.0}, r"beta_1=1.0"),
    ({"epsilon": 0.0}, r"epsilon=0.0"),
    ({"power_t": -1.0}, r"power_t=-1.0"),
    ({"max_fun": 0}, r"max_fun=0"),
    ({"n_iter_no_change": 0}, r"n_iter_no_change=0"),
    ({"n_iter_no_change": 2.5}, r"n_iter_no_change=2.5"),
    ({"verbose": -1}, r"verbose=-1"),
    ({"warm_start": "no"}, r"warm_start='no'"),
    ({"optimizer_params": {"lr": 0.1}}, r"no parameter\(s\) \['lr'\] for Adam"),
    ({"solver": "sgd", "optimizer_params": {"momentum": -1}}, r"Invalid momentum"),
    ({"optimizer_params": [1]}, r"optimizer_params=\[1\]; expected a dict"),
    ({"schedule": "linear"}, r"schedule='linear'"),
    ({"schedule_params": {"gamma": 0.5}}, r"'constant' takes no schedule_params"),
    ({"schedule": "step", "schedule_params": {"step": 3}}, r"\['step'\] for StepLR"),
    ({"schedule": "step", "schedule_params": {"step_size": 0}}, r"schedule='step' refused"),
    ({"schedule": "cosine", "learning_rate": "adaptive"}, r"needs learning_rate='constant'"),
    ({"batch_size": 0}, r"batch_size=0"),
    ({"batch_size": True}, r"batch_size=True"),
    ({"max_iter": 2.5}, r"max_iter=2.5"),
    ({"alpha": -1.0}, r"alpha=-1.0"),
    ({"alpha_l1": -0.1}, r"alpha_l1=-0.1"),
    ({"dropout": 1.0}, r"dropout=1.0"),
    ({"batch_norm": "yes"}, r"batch_norm='yes'; expected a bool"),
    ({"clip_grad_norm": 0.0}, r"clip_grad_norm=0.0"),
    ({"early_stopping": 1}, r"early_stopping=1"),
    ({"validation_fraction": 1.0}, r"validation_fraction=1.0"),
    ({"tol": -1.0}, r"tol=-1.0"),
    ({"random_state": -1}, r"random_state=-1"),
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
    ],
)
def test_invalid_sample_weight(sample_weight, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=1).fit(X4, Y4, sample_weight=sample_weight)


def test_validation_split_too_small():
    with pytest.raises(ValueError, match="The validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.2).fit(X4, Y4)


def test_partial_fit_is_for_stochastic_solvers_and_unfitted_raises():
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        MLPRegressor(solver="lbfgs").partial_fit  # noqa: B018 (the access raises)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X4)
