"""The chapter's remedies from scikit-learn, with netopt networks inside.

k-fold cross-validation, polynomial features, PCA, feature selection by mutual information,
grid search over the L2 strength, bagging and boosting: each runs on small data and is
checked against what scikit-learn computes or against the same steps done by hand.
"""

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_moons
from sklearn.decomposition import PCA
from sklearn.ensemble import AdaBoostClassifier, BaggingClassifier
from sklearn.feature_selection import SelectKBest, mutual_info_classif
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from netopt.estimators import MLPClassifier, MLPRegressor

# The small networks here stop at max_iter on purpose (scikit-learn then warns).
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def chance_bound(y_train, n_test):
    """Accuracy that always guessing the majority class exceeds with ~3e-5 probability:
    its rate p0 plus four binomial standard deviations on n_test samples."""
    p0 = np.bincount(y_train).max() / len(y_train)
    return p0 + 4 * math.sqrt(p0 * (1 - p0) / n_test)


def small_mlp(**params):
    base = dict(learning_rate_init=0.01, max_iter=20, random_state=0)  # 20 epochs: not converged
    return MLPClassifier((16,), **{**base, **params})


def test_cross_val_score_with_kfold(digits):
    X, y = digits
    est = small_mlp()
    cv = KFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(est, X, y, cv=cv)
    by_hand = [
        clone(est).fit(X[train], y[train]).score(X[test], y[test]) for train, test in cv.split(X)
    ]
    np.testing.assert_array_equal(scores, by_hand)
    assert scores.min() > chance_bound(y, len(y) // 5), scores


def test_polynomial_features_pipeline_is_polynomial_ridge():
    # A network without hidden layers on polynomial features is polynomial ridge
    # regression (Ridge's a = alpha, see test_mlp), so the pipelines agree.
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(80, 1))
    y = x[:, 0] ** 3 - 2 * x[:, 0] + rng.normal(0, 0.3, 80)
    y = (y - y.mean()) / y.std()
    alpha = 0.5
    net = MLPRegressor(
        hidden_layer_sizes=(),
        solver="lbfgs",  # the polynomial columns are correlated: an ill-conditioned fit
        tol=1e-10,
        optimizer_params={"tolerance_change": 0.0},
        alpha=alpha,
    )
    ours = make_pipeline(PolynomialFeatures(3), StandardScaler(), net.set_params(random_state=0))
    ref = make_pipeline(PolynomialFeatures(3), StandardScaler(), Ridge(alpha=alpha))
    np.testing.assert_allclose(ours.fit(x, y).predict(x), ref.fit(x, y).predict(x), atol=1e-6)
    linear = make_pipeline(StandardScaler(), clone(net)).fit(x, y)
    assert ours.score(x, y) > 0.95 > linear.score(x, y)  # the cubic needs the features


def test_pca_pipeline(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    pipe = make_pipeline(PCA(n_components=16, random_state=0), small_mlp()).fit(X_train, y_train)
    assert pipe.named_steps["mlpclassifier"].n_features_in_ == 16
    assert pipe.score(X_test, y_test) > chance_bound(y_train, len(y_test))


def test_select_k_best_by_mutual_information():
    # Five informative features among 25 (shuffle=False puts them first).
    X, y = make_classification(
        n_samples=300, n_features=25, n_informative=5, n_redundant=0, shuffle=False, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

    def mutual_info(X, y):
        return mutual_info_classif(X, y, random_state=0)

    select = SelectKBest(mutual_info, k=5)
    pipe = make_pipeline(StandardScaler(), select, small_mlp(max_iter=40)).fit(X_train, y_train)
    kept = np.flatnonzero(select.get_support())
    expected = np.argsort(-mutual_info(StandardScaler().fit_transform(X_train), y_train))[:5]
    assert sorted(kept) == sorted(expected)
    assert pipe.named_steps["mlpclassifier"].n_features_in_ == 5
    assert pipe.score(X_test, y_test) > chance_bound(y_train, len(y_test))


def test_grid_search_over_l2_strength(digits):
    X, y = digits
    grid = [1e-4, 1e-2, 100.0]
    search = GridSearchCV(small_mlp(), {"alpha": grid}, cv=3).fit(X, y)
    assert search.best_params_["alpha"] in grid
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == means.max() == means[search.best_index_]
    # The reported mean is cross_val_score's with the best alpha on the same folds.
    best = small_mlp(alpha=search.best_params_["alpha"])
    np.testing.assert_allclose(search.best_score_, cross_val_score(best, X, y, cv=3).mean())
    # The refit estimator is the best setting trained on all the data.
    np.testing.assert_array_equal(
        search.best_estimator_.predict_proba(X), best.fit(X, y).predict_proba(X)
    )
    # alpha = 100 (scikit-learn's scale: the penalty is divided by the batch size) shrinks
    # the weights so hard that the network underfits.
    assert means[grid.index(100.0)] < means[grid.index(1e-4)]


def test_bagging_classifier_averages_its_networks(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    bag = BaggingClassifier(small_mlp(random_state=None), n_estimators=5, random_state=0)
    bag.fit(X_train, y_train)
    assert len(bag.estimators_) == 5
    assert all(isinstance(e, MLPClassifier) for e in bag.estimators_)
    seeds = {e.random_state for e in bag.estimators_}
    assert len(seeds) == 5, "each member gets its own seed"
    manual = np.mean([e.predict_proba(X_test) for e in bag.estimators_], axis=0)
    np.testing.assert_allclose(bag.predict_proba(X_test), manual, rtol=1e-12)
    assert bag.score(X_test, y_test) > chance_bound(y_train, len(y_test))


def test_adaboost_needs_sample_weight_and_boosts_a_weak_network():
    X, y = make_moons(300, noise=0.2, random_state=0)
    weak = MLPClassifier((4,), "tanh", learning_rate_init=0.1, max_iter=20, random_state=0)
    boost = AdaBoostClassifier(weak, n_estimators=10, random_state=0).fit(X, y)
    assert len(boost.estimators_) >= 2
    assert np.all(boost.estimator_weights_[: len(boost.estimators_)] > 0)
    # Reweighting the samples changes what the second network learns ...
    first, second = boost.estimators_[:2]
    assert not np.array_equal(first.predict_proba(X), second.predict_proba(X))
    # ... and the weighted vote beats a single network on the training set (what boosting
    # minimizes).
    assert boost.score(X, y) > clone(weak).fit(X, y).score(X, y)
