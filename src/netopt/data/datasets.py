r"""Datasets that need no network: scikit-learn's digits, MNIST-1D, and synthetic sets.

Every loader returns a :class:`Split` of float32 inputs and int64 class labels (float32
targets for regression), with a documented split and seed; the same arguments give the same
arrays on every machine. Nothing is downloaded: digits ship inside scikit-learn's wheel and
MNIST-1D is generated from its templates by the ``mnist1d`` package (imported lazily, as is
scikit-learn, so ``import netopt.data`` needs only NumPy).
"""

from __future__ import annotations

import math
import random as _pyrandom
import threading
from dataclasses import dataclass

import numpy as np

from .. import random as _random
from .._validate import is_int, is_number
from .dataset import TensorDataset

#: Held while mnist1d's generator runs on NumPy's and Python's global generators, so that
#: two threads loading at once do not restore each other's saved states.
_GLOBAL_RNG_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class Split:
    r"""A train/test split: ``x_train, y_train, x_test, y_test``.

    Attributes
    ----------
    x_train, x_test : ndarray of float32, shape (N, D)
        Inputs.
    y_train, y_test : ndarray of int64 (classes) or float32 (regression), shape (N,)
        Targets.

    Examples
    --------
    >>> s = Split(np.zeros((3, 2), np.float32), np.array([0, 1, 0]), np.ones((1, 2)), np.array([1]))
    >>> len(s.train_set), s.x_test.shape
    (3, (1, 2))
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def train_set(self) -> TensorDataset:
        """The training arrays as a :class:`~netopt.data.TensorDataset`."""
        return TensorDataset(self.x_train, self.y_train)

    @property
    def test_set(self) -> TensorDataset:
        """The test arrays as a :class:`~netopt.data.TensorDataset`."""
        return TensorDataset(self.x_test, self.y_test)


def _check_seed(seed: object) -> int:
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _check_test_size(test_size: object) -> float:
    if not is_number(test_size):
        raise TypeError(f"test_size must be a float in (0, 1), got {test_size!r}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size!r}")
    return float(test_size)


def _check_count(value: object, name: str, minimum: int) -> int:
    if not is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_nonneg(value: object, name: str) -> float:
    if not is_number(value) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator) or seed is None:
        return _random.resolve(seed)
    return np.random.default_rng(_check_seed(seed))


def _split_counts(n_samples: int, test_size: float) -> tuple[int, int]:
    """scikit-learn's rule: n_test = ceil(test_size * n), the rest trains; both >= 1."""
    n_test = math.ceil(test_size * n_samples)
    if not 1 <= n_test < n_samples:
        raise ValueError(
            f"test_size={test_size} of n_samples={n_samples} leaves an empty train or test set"
        )
    return n_samples - n_test, n_test


def load_digits(test_size: float = 0.25, seed: int = 0, scale: bool = True) -> Split:
    r"""scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes), split stratified.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of the images held out; 0.25 gives 1,347 train and 450 test images.
    seed : int, default 0
        ``random_state`` of ``sklearn.model_selection.train_test_split`` (stratified by
        class), so the split equals scikit-learn's for the same seed.
    scale : bool, default True
        Divide the pixel values (0..16) by 16 into [0, 1].

    Returns
    -------
    Split
        ``x`` float32 of shape (N, 64) (rows are the 8x8 images, row-major); ``y`` int64.

    Raises
    ------
    ValueError, TypeError
        On a ``test_size`` outside (0, 1) or a negative or non-int ``seed``.

    Examples
    --------
    >>> s = load_digits()  # doctest: +SKIP
    >>> s.x_train.shape, s.x_test.shape  # doctest: +SKIP
    ((1347, 64), (450, 64))
    """
    test_size, seed = _check_test_size(test_size), _check_seed(seed)
    from sklearn.datasets import load_digits as _sk_load_digits
    from sklearn.model_selection import train_test_split

    x, y = _sk_load_digits(return_X_y=True)
    if scale:
        x = x / 16.0
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    return Split(
        x_tr.astype(np.float32),
        y_tr.astype(np.int64),
        x_te.astype(np.float32),
        y_te.astype(np.int64),
    )


def load_mnist1d(seed: int = 42) -> Split:
    r"""MNIST-1D (Greydanus, 2020): 5,000 one-dimensional digit signals of length 40.

    Built offline from the package's ten templates (pad, scale, translate, correlated and
    i.i.d. noise, shear, resample) with ``mnist1d.data.get_dataset_args()``; ``seed=42`` is the
    paper's dataset. The first 4,000 shuffled samples train and the last 1,000 test.

    Parameters
    ----------
    seed : int, default 42
        Seed of the generator (the paper's logistic regression reaches ~32% test accuracy).

    Returns
    -------
    Split
        ``x`` float32 of shape (4000, 40) and (1000, 40), standardized over the whole set;
        ``y`` int64 labels 0..9.

    Raises
    ------
    ValueError
        On a negative or non-int ``seed``.

    Notes
    -----
    ``mnist1d.data.make_dataset`` seeds NumPy's and Python's global generators; their states
    are saved before the call and restored after it, so the caller's global randomness is left
    as it was. Calls are serialized by a lock, so two threads loading at once each get their
    own seed's data; code in *another* thread that draws from NumPy's or Python's global
    generator during the call sees those generators reseeded (pass generators explicitly
    there). ``make_dataset`` never touches the network (``get_dataset`` would download).

    Examples
    --------
    >>> s = load_mnist1d()  # doctest: +SKIP
    >>> s.x_train.shape, s.x_test.shape  # doctest: +SKIP
    ((4000, 40), (1000, 40))
    """
    seed = _check_seed(seed)
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = seed
    with _GLOBAL_RNG_LOCK:
        np_state, py_state = np.random.get_state(), _pyrandom.getstate()  # noqa: NPY002
        try:
            data = make_dataset(args)
        finally:
            np.random.set_state(np_state)  # noqa: NPY002
            _pyrandom.setstate(py_state)
    return Split(
        data["x"].astype(np.float32),
        data["y"].astype(np.int64),
        data["x_test"].astype(np.float32),
        data["y_test"].astype(np.int64),
    )


def make_spirals(
    n_samples: int = 400,
    *,
    noise: float = 0.05,
    n_turns: float = 1.5,
    test_size: float = 0.25,
    seed: int | np.random.Generator | None = 0,
) -> Split:
    r"""Two interleaved spirals in the plane: a binary problem no linear model can solve.

    .. math::

        r = t,\quad \phi = 2\pi\,T\,t + k\pi,\quad
        x = r\,(\cos\phi, \sin\phi) + \sigma\,\varepsilon,\qquad
        t \sim U[0, 1),\ \varepsilon \sim \mathcal N(0, I_2)

    with :math:`k \in \{0, 1\}` the label and :math:`T` the number of turns.

    Parameters
    ----------
    n_samples : int, default 400
        Total number of points; labels alternate 0, 1, 0, ... before shuffling, so the classes
        differ by at most one point.
    noise : float, default 0.05
        :math:`\sigma`, standard deviation of the Gaussian noise added to each coordinate.
    n_turns : float, default 1.5
        :math:`T`, turns of each spiral.
    test_size : float, default 0.25
        Held-out fraction: ``ceil(test_size * n_samples)`` points test, the rest train.
    seed : int or numpy.random.Generator or None, default 0
        An int seeds a fresh ``default_rng``; a Generator is used as is; None uses netopt's
        default generator.

    Returns
    -------
    Split
        ``x`` float32 of shape (N, 2), ``y`` int64 in {0, 1}.

    Raises
    ------
    ValueError
        On ``n_samples < 2``, a negative ``noise``, a non-positive ``n_turns``, a bad
        ``test_size`` or ``seed``.

    Examples
    --------
    >>> s = make_spirals(8, noise=0.0, seed=0)
    >>> s.x_train.shape, s.x_test.shape, sorted(np.r_[s.y_train, s.y_test].tolist())
    ((6, 2), (2, 2), [0, 0, 0, 0, 1, 1, 1, 1])
    """
    n = _check_count(n_samples, "n_samples", 2)
    sigma = _check_nonneg(noise, "noise")
    turns = _check_nonneg(n_turns, "n_turns")
    if turns == 0:
        raise ValueError("n_turns must be positive, got 0")
    n_train, _ = _split_counts(n, _check_test_size(test_size))
    rng = _generator(seed)
    y = rng.permutation(np.arange(n) % 2)
    t = rng.random(n)
    phi = 2 * np.pi * turns * t + np.pi * y
    x = t[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=1)
    x = (x + sigma * rng.standard_normal((n, 2))).astype(np.float32)
    y = y.astype(np.int64)
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def make_polynomial_regression(
    n_samples: int = 100,
    *,
    degree: int = 3,
    noise: float = 0.1,
    test_size: float = 0.25,
    seed: int | np.random.Generator | None = 0,
) -> Split:
    r"""Noisy samples of the Legendre polynomial :math:`P_d` on :math:`[-1, 1]`.

    .. math::

        y = P_d(x) + \sigma\,\varepsilon,\qquad x \sim U[-1, 1),\ \varepsilon \sim \mathcal N(0,1)

    :math:`P_1 = x`, :math:`P_2 = (3x^2 - 1)/2`, :math:`P_3 = (5x^3 - 3x)/2`, ...; every
    :math:`P_d` stays in :math:`[-1, 1]` on :math:`[-1, 1]`, so the noise level means the same
    at every degree. Fitting polynomials of growing degree to a few of these points shows
    under- and overfitting.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points.
    degree : int, default 3
        :math:`d \ge 0`, degree of the true polynomial.
    noise : float, default 0.1
        :math:`\sigma`, standard deviation of the target noise.
    test_size : float, default 0.25
        Held-out fraction: ``ceil(test_size * n_samples)`` points test, the rest train.
    seed : int or numpy.random.Generator or None, default 0
        As :func:`make_spirals`.

    Returns
    -------
    Split
        ``x`` float32 of shape (N, 1); ``y`` float32 of shape (N,).

    Raises
    ------
    ValueError
        On ``n_samples < 2``, a negative ``degree`` or ``noise``, a bad ``test_size`` or
        ``seed``.

    Examples
    --------
    >>> s = make_polynomial_regression(4, degree=2, noise=0.0, test_size=0.5, seed=1)
    >>> x = s.x_train[:, 0]
    >>> bool(np.allclose(s.y_train, (3 * x**2 - 1) / 2, atol=1e-6))
    True
    """
    n = _check_count(n_samples, "n_samples", 2)
    d = _check_count(degree, "degree", 0)
    sigma = _check_nonneg(noise, "noise")
    n_train, _ = _split_counts(n, _check_test_size(test_size))
    rng = _generator(seed)
    x = rng.uniform(-1.0, 1.0, n)
    y = np.polynomial.legendre.legval(x, np.eye(d + 1)[d]) + sigma * rng.standard_normal(n)
    x = x.astype(np.float32)[:, None]
    y = y.astype(np.float32)
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:])
