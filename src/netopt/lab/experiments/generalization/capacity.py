r"""Capacity: under- and overfitting as the hypothesis space grows (private).

Three measurements of the chapter's slides 56-57 and 59:

* :func:`degree_sweep` fits polynomials of degree 0..20 to 25 noisy samples of a cubic by
  least squares: training error falls with every degree, test error is U-shaped.
* :func:`cross_validate_ridge` chooses the L2 strength :math:`\lambda` of the degree-20
  polynomial by k-fold cross-validation on the training set only, and checks that the
  closed-form ridge solution is where netopt's structural risk (eq. 6-11) has zero gradient.
* :func:`spirals` shows a linear classifier underfitting two spirals and the two fixes the
  chapter names: polynomial features, and a non-linear model (hidden layers).
"""

from __future__ import annotations

import numpy as np

import netopt
from netopt import nn
from netopt.data import make_polynomial_regression, make_spirals
from netopt.regularization import StructuralRisk

from .._shared.nets import mlp
from .common import accuracy, logits, train_classifier

TRUE_DEGREE = 3
"""The data are a Legendre polynomial :math:`P_3` plus noise."""
NOISE = 0.2
"""Standard deviation of the target noise; the best possible test MSE is its square."""
N_TRAIN, N_TEST = 25, 1000
MAX_DEGREE = 20
RIDGE_DEGREE = MAX_DEGREE
"""The most flexible polynomial of the sweep, whose L2 strength cross-validation chooses."""
LAMBDAS = np.logspace(-9, 1, 21)
"""The grid of L2 strengths: structural risk MSE + :math:`\\lambda \\frac12 \\|w\\|^2`."""
FOLDS, CV_REPEATS = 5, 10
"""Repeated k-fold: 10 different 5-fold splits, averaged (less noisy on 25 points)."""
SPIRAL_TURNS = 1.25
SPIRAL_DEGREE = 7
"""Degree of the monomial features :math:`x_1^i x_2^j,\\ 1 \\le i + j \\le 7` (35 features)."""


def legendre_features(x: np.ndarray, degree: int) -> np.ndarray:
    """Columns :math:`P_0(x), ..., P_d(x)` (float64): the polynomials of degree <= d, in a
    basis that stays well conditioned on [-1, 1]."""
    return np.polynomial.legendre.legvander(np.asarray(x, dtype=np.float64).reshape(-1), degree)


def polynomial_data(rng: np.random.Generator, n_train: int = N_TRAIN):
    """``n_train`` (25) training and 1,000 test samples of :math:`P_3(x) + 0.2\\,\\varepsilon`.

    With many training samples (the cause of overfitting removed) the top degree no longer
    overfits."""
    return make_polynomial_regression(
        n_train + N_TEST,
        degree=TRUE_DEGREE,
        noise=NOISE,
        test_size=N_TEST / (n_train + N_TEST),
        seed=rng,
    )


def _mse(features: np.ndarray, w: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((features @ w - y) ** 2))


def degree_sweep(split) -> dict:
    r"""Least-squares polynomial fits of degree 0..20: train and test MSE for each.

    Returns
    -------
    dict
        ``degrees``, ``train`` and ``test`` MSE arrays, ``best`` (the degree of least test
        MSE), ``coef`` (the coefficients of every degree), ``split``.
    """
    y_train = split.y_train.astype(np.float64)
    y_test = split.y_test.astype(np.float64)
    degrees = np.arange(MAX_DEGREE + 1)
    train, test, coef = [], [], []
    for d in degrees:
        features = legendre_features(split.x_train, d)
        w = np.linalg.lstsq(features, y_train, rcond=None)[0]
        coef.append(w)
        train.append(_mse(features, w, y_train))
        test.append(_mse(legendre_features(split.x_test, d), w, y_test))
    test_arr = np.array(test)
    return {
        "degrees": degrees,
        "train": np.array(train),
        "test": test_arr,
        "best": int(test_arr.argmin()),
        "coef": coef,
        "split": split,
    }


def ridge(features: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    r"""Minimize :math:`\frac1N\|\Phi w - y\|^2 + \lambda\,\frac12\sum_{j\ge1} w_j^2` exactly.

    Column 0 (the constant :math:`P_0`) is the bias and is not penalized, as in
    :func:`netopt.regularization.l2_penalty`. Setting the gradient to zero gives
    :math:`(\Phi^\top\Phi + \tfrac{N\lambda}{2} D)\,w = \Phi^\top y` with
    :math:`D = \mathrm{diag}(0, 1, \dots, 1)`.
    """
    penalty = np.ones(features.shape[1])
    penalty[0] = 0.0
    gram = features.T @ features + 0.5 * len(y) * lam * np.diag(penalty)
    return np.linalg.solve(gram, features.T @ y)


def _structural_risk_gradient(features: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float):
    """Largest |gradient| of netopt's MSE + lam * l2_penalty at the closed-form ``w``."""
    model = nn.Linear(features.shape[1] - 1, 1, dtype=np.float64)
    model.weight._data[...] = w[1:].reshape(1, -1)
    model.bias._data[...] = w[:1]
    risk = StructuralRisk(nn.MSELoss(), model, l2=lam)
    risk(model(netopt.tensor(features[:, 1:])), netopt.tensor(y.reshape(-1, 1))).backward()
    return max(float(np.abs(p._grad).max()) for p in model.parameters())


def cross_validate_ridge(split, rng: np.random.Generator, *, held_out: bool = True) -> dict:
    r"""Repeated k-fold cross-validation of :math:`\lambda` for the degree-20 polynomial.

    The folds split the training points only (slide 59: "split the training set
    further"); the test set just measures what the chosen :math:`\lambda` (least mean
    validation MSE) is worth, and how far it is from the best :math:`\lambda` in the grid,
    which only the test set could reveal. With ``held_out=False`` (the cause removed) each
    fold is scored on its own training part instead of its validation part.

    Returns
    -------
    dict
        ``lambdas``, ``cv`` (mean validation MSE) and ``cv_q25``, ``cv_q75`` (its quartiles
        over the folds), ``train`` and
        ``test`` MSE of the fit on the whole training set, ``chosen`` and ``best`` (indices),
        ``gradient`` (netopt's structural-risk gradient at the chosen solution).
    """
    from sklearn.model_selection import RepeatedKFold

    x_tr = legendre_features(split.x_train, RIDGE_DEGREE)
    x_te = legendre_features(split.x_test, RIDGE_DEGREE)
    y_tr, y_te = split.y_train.astype(np.float64), split.y_test.astype(np.float64)
    splitter = RepeatedKFold(
        n_splits=FOLDS, n_repeats=CV_REPEATS, random_state=int(rng.integers(2**31))
    )
    folds = list(splitter.split(x_tr))
    cv = np.array(
        [
            [
                _mse(x_tr[score], ridge(x_tr[tr], y_tr[tr], lam), y_tr[score])
                for tr, va in folds
                for score in [va if held_out else tr]
            ]
            for lam in LAMBDAS
        ]
    )
    fits = [ridge(x_tr, y_tr, lam) for lam in LAMBDAS]
    test = np.array([_mse(x_te, w, y_te) for w in fits])
    chosen = int(cv.mean(axis=1).argmin())
    return {
        "lambdas": LAMBDAS,
        "cv": cv.mean(axis=1),
        "cv_q25": np.percentile(cv, 25, axis=1),
        "cv_q75": np.percentile(cv, 75, axis=1),
        "train": np.array([_mse(x_tr, w, y_tr) for w in fits]),
        "test": test,
        "chosen": chosen,
        "best": int(test.argmin()),
        "gradient": _structural_risk_gradient(x_tr, y_tr, fits[chosen], LAMBDAS[chosen]),
    }


def monomials(x: np.ndarray, degree: int) -> np.ndarray:
    r"""Features :math:`x_1^i x_2^j` for :math:`1 \le i + j \le` ``degree`` (float64)."""
    x = np.asarray(x, dtype=np.float64)
    columns = [
        x[:, 0] ** i * x[:, 1] ** (k - i) for k in range(1, degree + 1) for i in range(k + 1)
    ]
    return np.stack(columns, axis=1)


class PolynomialClassifier:
    """A linear softmax classifier on standardized monomial features (the 'added polynomial
    features' fix of slide 57): ``predict_logits(x)`` maps raw 2-D points to logits."""

    def __init__(self, x_train: np.ndarray, degree: int, rng: np.random.Generator) -> None:
        features = monomials(x_train, degree)
        self.degree = degree
        self.mean, self.std = features.mean(axis=0), features.std(axis=0)
        self.model = nn.Linear(features.shape[1], 2, rng=rng)

    def features(self, x: np.ndarray) -> np.ndarray:
        """Standardized monomials of ``x`` (float32)."""
        return ((monomials(x, self.degree) - self.mean) / self.std).astype(np.float32)


def spirals(
    rng_data,
    rng_init,
    rng_shuffle,
    *,
    epochs: int,
    degree: int = SPIRAL_DEGREE,
    hidden: tuple[int, ...] = (64, 64),
) -> dict:
    r"""A linear model, polynomial features, and a two-hidden-layer MLP on two spirals.

    ``degree`` (7) is the degree of the polynomial features and ``hidden`` the MLP's hidden
    widths; ``degree=1, hidden=()`` switches both fixes off (two more linear models).

    Returns
    -------
    dict
        ``split``; ``models``: name -> (predict-logits function, parameter count, train
        accuracy, test accuracy).
    """
    split = make_spirals(400, noise=0.05, n_turns=SPIRAL_TURNS, seed=rng_data)
    x_tr, y_tr, x_te, y_te = split.x_train, split.y_train, split.x_test, split.y_test
    models = {}

    linear = nn.Linear(2, 2, rng=rng_init)
    train_classifier(linear, x_tr, y_tr, epochs=epochs // 2, lr=0.05, rng=rng_shuffle)
    models["linear (logistic regression)"] = (linear, lambda x: x)

    poly = PolynomialClassifier(x_tr, degree, rng_init)
    train_classifier(poly.model, poly.features(x_tr), y_tr, epochs=epochs, lr=0.05, rng=rng_shuffle)
    models[f"linear on degree-{degree} polynomial features"] = (poly.model, poly.features)

    net = mlp([2, *hidden, 2], rng=rng_init)
    train_classifier(net, x_tr, y_tr, epochs=epochs, lr=0.01, rng=rng_shuffle)
    widths = "-".join(str(w) for w in (2, *hidden, 2))
    models[f"MLP {widths} (ReLU)"] = (net, lambda x: x)

    out = {}
    for name, (model, transform) in models.items():
        n_params = sum(p._data.size for p in model.parameters())
        out[name] = {
            "logits": lambda x, m=model, t=transform: logits(m, t(x)),
            "params": int(n_params),
            "train": accuracy(model, transform(x_tr), y_tr),
            "test": accuracy(model, transform(x_te), y_te),
        }
    return {"split": split, "models": out}
