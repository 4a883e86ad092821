"""Offline datasets: digits and MNIST-1D against their sources, synthetic sets by hand."""

import random
import socket
import warnings

import numpy as np
import pytest

import netopt
from netopt.data import (
    Split,
    TensorDataset,
    load_digits,
    load_mnist1d,
    make_polynomial_regression,
    make_spirals,
)

ATOL32 = 1e-6  # float32 storage of values computed in float64


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Pin BLAS to one thread: scikit-learn fits on shared cores run 30x faster, identically."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def mnist1d():
    return load_mnist1d()


def test_digits_equal_sklearns_stratified_split(digits):
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    x, y = sk_load_digits(return_X_y=True)
    ref = train_test_split(x / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    assert isinstance(digits, Split)
    assert digits.x_train.shape == (1347, 64) and digits.x_test.shape == (450, 64)  # ceil(.25*1797)
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    for ours, theirs in zip((digits.x_train, digits.x_test, digits.y_train, digits.y_test), ref):
        np.testing.assert_allclose(ours, theirs, atol=ATOL32)
    assert digits.x_train.min() == 0.0 and digits.x_train.max() == 1.0  # pixels 0..16, / 16
    # stratified: each class holds a quarter of its images in the test set, up to rounding
    per_class = np.bincount(y)
    assert np.all(np.abs(np.bincount(digits.y_test) - 0.25 * per_class) <= 1)


def test_digits_options():
    raw = load_digits(test_size=0.5, seed=3, scale=False)
    assert len(raw.x_test) == 899  # ceil(0.5 * 1797)
    assert raw.x_train.max() == 16.0
    np.testing.assert_array_equal(raw.x_train, np.round(raw.x_train))
    other = load_digits(test_size=0.5, seed=4, scale=False)
    assert not np.array_equal(raw.y_train, other.y_train)


def test_mnist1d_shapes_and_the_papers_linear_baseline(mnist1d):
    from sklearn.linear_model import LogisticRegression

    assert mnist1d.x_train.shape == (4000, 40) and mnist1d.x_test.shape == (1000, 40)
    assert mnist1d.x_train.dtype == np.float32 and mnist1d.y_test.dtype == np.int64
    assert set(np.unique(mnist1d.y_train)) == set(range(10))
    both = np.concatenate([mnist1d.x_train, mnist1d.x_test])
    assert abs(both.mean()) < 1e-5 and abs(both.std() - 1) < 1e-5  # standardized by mnist1d
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(max_iter=300, tol=1e-3).fit(mnist1d.x_train, mnist1d.y_train)
    accuracy = clf.score(mnist1d.x_test, mnist1d.y_test)
    assert 0.25 < accuracy < 0.40, accuracy  # Greydanus (2020): logistic regression ~32%


def test_mnist1d_is_offline_deterministic_and_keeps_global_random_state(mnist1d, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a dataset loader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    np_before, py_before = np.random.get_state(), random.getstate()  # noqa: NPY002
    again = load_mnist1d(seed=42)
    other = load_mnist1d(seed=7)
    load_digits()
    np_after = np.random.get_state()  # noqa: NPY002
    assert np_after[0] == np_before[0] and np.array_equal(np_after[1], np_before[1])
    assert np_after[2:] == np_before[2:]
    assert random.getstate() == py_before
    np.testing.assert_array_equal(again.x_train, mnist1d.x_train)
    np.testing.assert_array_equal(again.y_test, mnist1d.y_test)
    assert not np.array_equal(other.x_train, mnist1d.x_train)


def test_mnist1d_loads_in_threads_give_each_seed_its_own_data(mnist1d):
    """Two threads at once: each gets what a load alone gives (the lock keeps their saved
    global states from being restored over each other's generation)."""
    from concurrent.futures import ThreadPoolExecutor

    alone = {seed: load_mnist1d(seed=seed) for seed in (1, 2)}
    with ThreadPoolExecutor(2) as pool:
        for _ in range(2):
            both = dict(zip((1, 2), pool.map(lambda s: load_mnist1d(seed=s), (1, 2))))
            for seed in (1, 2):
                np.testing.assert_array_equal(both[seed].x_train, alone[seed].x_train)
                np.testing.assert_array_equal(both[seed].y_test, alone[seed].y_test)


def test_spirals_lie_on_the_documented_curves():
    turns = 1.5
    s = make_spirals(200, noise=0.0, n_turns=turns, seed=0)
    x = np.concatenate([s.x_train, s.x_test]).astype(np.float64)
    y = np.concatenate([s.y_train, s.y_test])
    assert len(s.x_test) == 50 and s.x_train.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100]
    r = np.hypot(x[:, 0], x[:, 1])  # r = t in [0, 1)
    assert r.max() < 1.0
    # phi = 2*pi*T*r + k*pi (mod 2*pi): the residual angle is a multiple of 2*pi
    residual = np.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * turns * r - np.pi * y
    wrapped = np.angle(np.exp(1j * residual))
    assert np.all(np.abs(wrapped[r > 1e-3]) < 1e-4)  # float32 points, angle ill-posed at r=0


def test_spirals_need_a_nonlinear_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    s = make_spirals(400, noise=0.05, seed=0)
    linear = LogisticRegression().fit(s.x_train, s.y_train).score(s.x_test, s.y_test)
    local = KNeighborsClassifier(3).fit(s.x_train, s.y_train).score(s.x_test, s.y_test)
    assert linear < 0.75 < 0.9 < local, (linear, local)


@pytest.mark.parametrize(
    ("degree", "poly"),
    [
        (0, lambda x: np.ones_like(x)),
        (1, lambda x: x),
        (2, lambda x: (3 * x**2 - 1) / 2),
        (3, lambda x: (5 * x**3 - 3 * x) / 2),
        (4, lambda x: (35 * x**4 - 30 * x**2 + 3) / 8),
    ],
)
def test_polynomial_regression_is_legendre(degree, poly):
    s = make_polynomial_regression(40, degree=degree, noise=0.0, seed=1)
    assert s.x_train.shape == (30, 1) and s.y_train.shape == (30,)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.float32
    for x, y in ((s.x_train, s.y_train), (s.x_test, s.y_test)):
        assert np.all(np.abs(x) <= 1.0)
        np.testing.assert_allclose(y, poly(x[:, 0].astype(np.float64)), atol=1e-5)


def test_polynomial_noise_level():
    sigma = 0.3
    s = make_polynomial_regression(20000, degree=3, noise=sigma, test_size=0.5, seed=2)
    x = s.x_train[:, 0].astype(np.float64)
    residual = s.y_train - (5 * x**3 - 3 * x) / 2
    assert abs(residual.std() / sigma - 1) < 0.03  # standard error of the std: 1/sqrt(2n) = 0.7%
    assert abs(residual.mean()) < 4 * sigma / np.sqrt(len(x))


def test_seeds_generators_and_default_generator():
    a, b = make_spirals(50, seed=3), make_spirals(50, seed=3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    rng = np.random.default_rng(3)
    c, d = make_spirals(50, seed=rng), make_spirals(50, seed=rng)
    np.testing.assert_array_equal(c.x_train, a.x_train)  # int seed = fresh default_rng(seed)
    assert not np.array_equal(c.x_train, d.x_train)  # a Generator advances
    netopt.manual_seed(11)
    e = make_polynomial_regression(20, seed=None)
    netopt.manual_seed(11)
    f = make_polynomial_regression(20, seed=None)
    np.testing.assert_array_equal(e.y_test, f.y_test)
    train = a.train_set
    assert isinstance(train, TensorDataset) and len(train) == len(a.x_train)
    assert len(a.test_set) == 13  # ceil(0.25 * 50)


ERRORS = [
    (load_digits, dict(test_size=0.0), ValueError, "test_size"),
    (load_digits, dict(test_size=True), TypeError, "test_size"),
    (load_digits, dict(seed=-1), ValueError, "seed.*-1"),
    (load_mnist1d, dict(seed=1.5), ValueError, r"seed.*1\.5"),
    (make_spirals, dict(n_samples=1), ValueError, "n_samples.*1"),
    (make_spirals, dict(n_samples=True), ValueError, "n_samples"),
    (make_spirals, dict(noise=-0.1), ValueError, "noise"),
    (make_spirals, dict(noise=float("nan")), ValueError, "noise"),
    (make_spirals, dict(n_turns=0), ValueError, "n_turns"),
    (make_spirals, dict(n_samples=3, test_size=0.9), ValueError, "empty"),
    (make_spirals, dict(seed="0"), ValueError, "seed"),
    (make_polynomial_regression, dict(degree=-1), ValueError, "degree"),
    (make_polynomial_regression, dict(noise=float("inf")), ValueError, "finite"),
    (make_polynomial_regression, dict(test_size=1.0), ValueError, "test_size"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
