r"""Fewer features against overfitting, ERM's sample size, L1 sparsity, boosting (private).

Slides 57-58: :func:`fewer_features`, :func:`erm_sweep`, :func:`sparsity` on the data below;
:func:`boosting` on the two spirals.

Constructed but honest data: :data:`DIM` features, of which :data:`INFORMATIVE` carry the
class (their standard deviation is :data:`SIGNAL_STD`, the rest are unit-variance noise,
as the strokes of an image vary more than its pixel noise) and the label is the sign of
a random linear function of the informative ones, with :data:`LABEL_NOISE` of the labels
flipped. A softmax regression (netopt ``nn.Linear``, Adam, full batch) on few samples and
all features fits the noise; keeping fewer features, either the first principal
components (fitted on the training inputs) or the features most correlated with the
training labels (feature selection), leaves less to overfit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import netopt
from netopt import nn
from netopt.nn import functional as F
from netopt.optim import SGD, Adam

from .common import accuracy

DIM, INFORMATIVE, SIGNAL_STD, LABEL_NOISE = 100, 5, 3.0, 0.1
N_TRAIN, N_TEST = 60, 1000
KEEP = (5, 10, 20)
"""Numbers of components / features kept; all :data:`DIM` is the comparison."""
EPOCHS, LR = 200, 0.05
MIN_GAIN = 0.1
"""Fewer features must gain at least this much test accuracy over all of them."""
SIZES = (25, 100, 400, 1600)
"""Training-set sizes of the ERM sweep."""


def make_data(rng: np.random.Generator, n_train: int = N_TRAIN) -> dict[str, np.ndarray]:
    """``n_train`` training and :data:`N_TEST` test samples (module docstring)."""
    w = rng.normal(size=INFORMATIVE)
    scale = np.ones(DIM)
    scale[:INFORMATIVE] = SIGNAL_STD
    perm = rng.permutation(DIM)  # the informative features sit at random columns
    out = {}
    for part, n in (("train", n_train), ("test", N_TEST)):
        z = rng.normal(size=(n, DIM)) * scale
        y = (z[:, :INFORMATIVE] @ w > 0).astype(np.int64)
        flip = rng.random(n) < LABEL_NOISE
        y[flip] = 1 - y[flip]
        x = z[:, perm]
        out[f"x_{part}"], out[f"y_{part}"] = x.astype(np.float32), y
    return out


def _fit(x, y, xt, yt, rng: np.random.Generator) -> tuple[float, float]:
    """Softmax regression, :data:`EPOCHS` full-batch Adam steps; (train, test) accuracy."""
    model = nn.Linear(x.shape[1], 2, rng=rng)
    opt = Adam(model.parameters(), lr=LR)
    inputs, targets = netopt.tensor(x), netopt.tensor(y)
    for _ in range(EPOCHS):
        loss = F.cross_entropy(model(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return accuracy(model, x, y), accuracy(model, xt, yt)


def pca(x: np.ndarray, xt: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Project both sets on the first ``k`` principal components of the training inputs."""
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    basis = vt[:k].T
    return ((x - mean) @ basis).astype(np.float32), ((xt - mean) @ basis).astype(np.float32)


def select(x: np.ndarray, y: np.ndarray, xt: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Keep the ``k`` features most correlated (in absolute value) with the training labels."""
    xc, yc = x - x.mean(axis=0), y - y.mean()
    corr = np.abs(xc.T @ yc) / (np.linalg.norm(xc, axis=0) * np.linalg.norm(yc) + 1e-12)
    keep = np.argsort(corr)[::-1][:k]
    return x[:, keep], xt[:, keep]


def fewer_features(
    rng: np.random.Generator, keep: Sequence[int] = KEEP, n_train: int = N_TRAIN
) -> dict:
    """Train and test accuracy with all features, with PCA and with feature selection.

    Returns
    -------
    dict
        ``all``: (train, test); ``pca`` and ``select``: k -> (train, test).
    """
    d = make_data(rng, n_train)
    x, y, xt, yt = d["x_train"], d["y_train"], d["x_test"], d["y_test"]
    init = int(rng.integers(2**31))
    out: dict = {"all": _fit(x, y, xt, yt, np.random.default_rng(init)), "pca": {}, "select": {}}
    for k in keep:
        out["pca"][k] = _fit(*_pair(pca(x, xt, k), y, yt), np.random.default_rng(init))
        out["select"][k] = _fit(*_pair(select(x, y, xt, k), y, yt), np.random.default_rng(init))
    return out


def _pair(xs: tuple[np.ndarray, np.ndarray], y, yt) -> tuple:
    return xs[0], y, xs[1], yt


def gain(run: dict, method: str) -> float:
    """Best test accuracy of ``method`` (``"pca"`` or ``"select"``) minus all features'."""
    return max(t for _, t in run[method].values()) - run["all"][1]


def fewer_helps(run: dict) -> bool:
    """The best number of principal components beats all features by :data:`MIN_GAIN`."""
    return gain(run, "pca") >= MIN_GAIN


def erm_sweep(
    rng: np.random.Generator, sizes: Sequence[int] = SIZES
) -> list[tuple[int, float, float]]:
    """``(N, train accuracy, test accuracy)`` of the all-feature model for each size."""
    init = int(rng.integers(2**31))
    out = []
    for i, n in enumerate(sizes):
        d = make_data(np.random.default_rng([init, i]), n)
        tr, te = _fit(
            d["x_train"], d["y_train"], d["x_test"], d["y_test"], np.random.default_rng(init)
        )
        out.append((int(n), tr, te))
    return out


def gap_shrinks(sweep: list[tuple[int, float, float]]) -> bool:
    """The train-test gap at the largest size is below a third of the smallest size's, and
    the second largest size's below the smallest's (at the small sizes every model fits its
    training set exactly, so their gaps differ only by test-set noise)."""
    gaps = [tr - te for _, tr, te in sweep]
    return bool(gaps[-1] < gaps[0] / 3 and gaps[-2] < gaps[0])


BOOST_ROUNDS = 300
"""Depth-1 trees (stumps) in the boosted ensemble. 150 left one quick draw of 30 (seeds 0-9,
three draws each) at 79% test accuracy, one point under the bound on 100 test points; with
300 every draw reached at least 86% (train at least 91%)."""


def boosting(split, rounds: int = BOOST_ROUNDS, seed: int = 0) -> dict[str, tuple[float, float]]:
    r"""One decision stump against gradient boosting of ``rounds`` stumps (scikit-learn's
    ``GradientBoostingClassifier(max_depth=1)``) on a split: (train, test) accuracy each.

    A stump splits the plane once along one axis: it underfits two spirals. Boosting adds
    stumps one at a time, each fitted to what the ensemble still gets wrong (slide 57:
    ensembles against underfitting).
    """
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.tree import DecisionTreeClassifier

    x, y, xt, yt = split.x_train, split.y_train, split.x_test, split.y_test
    stump = DecisionTreeClassifier(max_depth=1, random_state=seed).fit(x, y)
    boosted = GradientBoostingClassifier(max_depth=1, n_estimators=rounds, random_state=seed).fit(
        x, y
    )
    return {
        "stump": (float(stump.score(x, y)), float(stump.score(xt, yt))),
        "boosted": (float(boosted.score(x, y)), float(boosted.score(xt, yt))),
    }


def boosting_helps(run: dict[str, tuple[float, float]]) -> bool:
    """One stump underfits (train <= 70%); the boosted stumps reach train >= 85% and test
    >= 80%."""
    return bool(run["stump"][0] <= 0.7 and run["boosted"][0] >= 0.85 and run["boosted"][1] >= 0.8)


PENALTIES = {"none": 0.0, "L1": 0.02, "L2": 0.2}
"""Penalty strengths of the sparsity measurement (``lambda * l1_penalty`` or ``l2_penalty``)."""
SPARSE_STEPS, SPARSE_LR, NEAR_ZERO = 400, 0.05, 0.05


def sparsity(rng: np.random.Generator, penalties: dict[str, float] | None = None) -> dict:
    r"""Fraction of near-zero weights after full-batch SGD with an L1, an L2 or no penalty.

    Softmax regression on one draw of the fewer-features data (:func:`make_data`), loss
    ``cross_entropy + lambda * penalty`` with :func:`netopt.regularization.l1_penalty`
    (eq. 6-12: its subgradient pushes every weight toward 0 by the same amount) or
    :func:`~netopt.regularization.l2_penalty` (eq. 6-11: a pull proportional to the
    weight). A feature's weight is the difference of its two class weights; "near zero"
    is below :data:`NEAR_ZERO` times the largest.

    Returns
    -------
    dict
        name -> ``{"near_zero": fraction, "test": test accuracy}``.
    """
    from netopt.regularization import l1_penalty, l2_penalty

    d = make_data(rng)
    x, y = netopt.tensor(d["x_train"]), netopt.tensor(d["y_train"])
    init = int(rng.integers(2**31))
    out = {}
    for name, lam in (PENALTIES if penalties is None else penalties).items():
        model = nn.Linear(DIM, 2, rng=np.random.default_rng(init))
        opt = SGD(model.parameters(), lr=SPARSE_LR)
        penalty = l1_penalty if name == "L1" else l2_penalty
        for _ in range(SPARSE_STEPS):
            loss = F.cross_entropy(model(x), y)
            if lam:
                loss = loss + lam * penalty(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
        w = np.abs(model.weight._data[1] - model.weight._data[0])
        out[name] = {
            "near_zero": float(np.mean(w < NEAR_ZERO * w.max())),
            "test": accuracy(model, d["x_test"], d["y_test"]),
        }
    return out


def l1_sparser(run: dict) -> bool:
    """L1 leaves at least half the weights near zero, and at least twice L2's share."""
    l1, l2 = run["L1"]["near_zero"], run["L2"]["near_zero"]
    return bool(l1 >= 0.5 and l1 >= 2 * l2)
