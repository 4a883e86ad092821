r"""The under/overfitting experiment's claims, each decided by numbers of this run (private).

Thresholds are stated once, here, and repeated in each claim's text.
"""

from __future__ import annotations

import numpy as np

from ...core import Claim
from . import capacity, remedies

UNDERFIT_RATIO = 1.5
"""Degrees 0 and 1 must have at least this multiple of the best test MSE ..."""
OVERFIT_RATIO = 2.0
"""... and the highest degree at least this multiple."""
CHANCE_CEILING = 0.65
"""A linear model 'underfits the spirals' when its training accuracy is at most this."""
FIXED_TRAIN, FIXED_TEST = 0.90, 0.85
OVERFIT_TRAIN, OVERFIT_GAP = 0.98, 0.15
MIN_NARROWING = 0.02
"""A remedy must narrow the train-test accuracy gap by at least this much ..."""
CV_TOLERANCE = 1.25
"""The cross-validated lambda's test MSE is at most this multiple of the grid's best."""
BAGGING_MARGIN = 0.02
PCA_MAX_K95, PCA_MIN_RISE, PCA_MAX_LATE_GAIN = 16, 0.30, 0.05
MNIST1D_MARGIN = 0.20


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def claims_for(m: dict) -> list[Claim]:
    """All claims of the experiment, in the chapter's order."""
    return [
        *_capacity_claims(m["sweep"]),
        *_spiral_claims(m["spirals"]),
        *_remedy_claims(m["remedies"]),
        _cv_claim(m["cv"]),
        _bagging_claim(m["bagging"], m["remedies"][0][1]["no remedy"]),
        _pca_claim(m["pca"]),
        _mnist1d_claim(m["mnist1d"]),
    ]


def _capacity_claims(sweep: dict) -> list[Claim]:
    train, test, best = sweep["train"], sweep["test"], sweep["best"]
    top = capacity.MAX_DEGREE
    rise = float(np.max(np.diff(train)))
    u_shape = (
        0 < best < top
        and min(test[0], test[1]) >= UNDERFIT_RATIO * test[best]
        and test[top] >= OVERFIT_RATIO * test[best]
    )
    return [
        Claim(
            "Training error never increases with capacity: least-squares polynomials of "
            f"degree 0..{top} fit the {capacity.N_TRAIN} training points ever more closely",
            bool(rise <= 1e-9 * train[0]),
            f"train MSE at degree 0: {train[0]:.4f}, {best}: {train[best]:.4f}, {top}: "
            f"{train[top]:.2e}; largest increase between consecutive degrees: {rise:.1e}",
        ),
        Claim(
            "Test error is U-shaped in the degree: too simple a model underfits (training and "
            "test error both high), too flexible a model overfits (low training error, high "
            f"test error); degrees 0 and 1 at least {UNDERFIT_RATIO:g}x and degree {top} at "
            f"least {OVERFIT_RATIO:g}x the best test MSE, the best degree in between",
            bool(u_shape),
            f"test MSE: degree 0 {test[0]:.3f}, 1 {test[1]:.3f}, best degree {best} "
            f"{test[best]:.3f} (noise floor {capacity.NOISE**2:.3f}), degree {top} "
            f"{test[top]:.3g} with train MSE {train[top]:.2e}",
        ),
    ]


def _spiral_claims(spirals: dict) -> list[Claim]:
    models = spirals["models"]
    names = list(models)
    linear, fixes = models[names[0]], [models[n] for n in names[1:]]
    fixed = all(f["train"] >= FIXED_TRAIN and f["test"] >= FIXED_TEST for f in fixes)
    return [
        Claim(
            "A linear model underfits two interleaved spirals: training accuracy near chance "
            f"(at most {CHANCE_CEILING:.0%}; chance is 50%) and test accuracy as poor",
            bool(linear["train"] <= CHANCE_CEILING and linear["test"] <= CHANCE_CEILING + 0.05),
            f"logistic regression: train {_pct(linear['train'])}, test {_pct(linear['test'])}",
        ),
        Claim(
            "Adding polynomial features or hidden layers (slide 57) removes the underfitting: "
            f"training accuracy at least {FIXED_TRAIN:.0%}, test at least {FIXED_TEST:.0%}",
            bool(fixed),
            "; ".join(
                f"{n}: train {_pct(models[n]['train'])}, test {_pct(models[n]['test'])} "
                f"({models[n]['params']} parameters)"
                for n in names[1:]
            ),
        ),
    ]


def _mean(runs: list, method: str, key: str) -> float:
    return float(np.mean([results[method][key] for _, results in runs]))


def _remedy_claims(runs: list) -> list[Claim]:
    base = "no remedy"
    n = len(runs)
    over = "" if n == 1 else f" (means over {n} draws)"
    b_train, b_test, b_gap = (_mean(runs, base, k) for k in ("train_acc", "test_acc", "gap"))
    b_mem = _mean(runs, base, "memorized")
    claims = [
        Claim(
            "Without a remedy, a network overfits a small noisy training set: it learns the "
            f"noise of individual samples (here {remedies.LABEL_NOISE:.0%} wrong labels), "
            f"training accuracy at least {OVERFIT_TRAIN:.0%}, train-test gap at least "
            f"{OVERFIT_GAP:.0%}",
            bool(b_train >= OVERFIT_TRAIN and b_gap >= OVERFIT_GAP),
            f"train {_pct(b_train)}, test {_pct(b_test)}, gap {_pct(b_gap)}; it reproduces "
            f"{_pct(b_mem)} of the wrong training labels{over}",
        )
    ]
    statements = {
        "L2": "L2 regularization (structural risk, eq. 6-11)",
        "dropout": "Dropout (figure 6.17)",
        "early stopping": "Early stopping on a validation set",
        "augmentation": "Data augmentation (shifted copies of the images)",
    }
    for method, statement in statements.items():
        gap, test = _mean(runs, method, "gap"), _mean(runs, method, "test_acc")
        epochs = ""
        if method == "early stopping":
            stops = [results[method]["best_epoch"] for _, results in runs]
            epochs = f"; best epoch {', '.join(str(e) for e in stops)}"
        claims.append(
            Claim(
                f"{statement} narrows the train-test gap of the same network by at least "
                f"{MIN_NARROWING:.0%} without lowering test accuracy",
                bool(gap <= b_gap - MIN_NARROWING and test >= b_test),
                f"gap {_pct(b_gap)} -> {_pct(gap)}, test accuracy {_pct(b_test)} -> "
                f"{_pct(test)}, wrong labels reproduced {_pct(b_mem)} -> "
                f"{_pct(_mean(runs, method, 'memorized'))}{epochs}{over}",
            )
        )
    return claims


def _cv_claim(cv: dict) -> Claim:
    lam, test, train = cv["lambdas"], cv["test"], cv["train"]
    chosen, best = cv["chosen"], cv["best"]
    interior = 0 < chosen < len(lam) - 1
    gap = test - train
    return Claim(
        f"{capacity.FOLDS}-fold cross-validation on the training set alone (slide 59) chooses "
        f"an L2 strength for the degree-{capacity.RIDGE_DEGREE} polynomial whose test error "
        f"is within {CV_TOLERANCE:g}x of the best in the grid, narrowing the train-test gap "
        f"of the least regularized fit",
        bool(interior and test[chosen] <= CV_TOLERANCE * test[best] and gap[chosen] < gap[0]),
        f"CV picks lambda={lam[chosen]:.0e} (test MSE {test[chosen]:.4f}, gap "
        f"{gap[chosen]:.4f}); best in the grid lambda={lam[best]:.0e} ({test[best]:.4f}); "
        f"lambda={lam[0]:.0e} overfits (test {test[0]:.3g}, gap {gap[0]:.3g}), "
        f"lambda={lam[-1]:.0e} underfits ({test[-1]:.3f}); netopt's structural-risk "
        f"gradient at the closed-form solution: {cv['gradient']:.1e}",
    )


def _bagging_claim(bag: dict, single: dict) -> Claim:
    """``single``: the scores of one unremedied network on the same training draw."""
    members, ensemble = bag["member_test"], bag["ensemble"]["test_acc"]
    gap, single_gap = bag["ensemble"]["gap"], single["gap"]
    return Claim(
        f"A bagging ensemble (slide 59) beats its average member by at least "
        f"{BAGGING_MARGIN:.0%} test accuracy, with a narrower train-test gap than one network "
        f"trained on the whole set",
        bool(ensemble >= members.mean() + BAGGING_MARGIN and gap < single_gap),
        f"{len(members)} members on bootstrap resamples: ensemble {_pct(ensemble)}, mean "
        f"member {_pct(members.mean())} (best {_pct(members.max())}, worst "
        f"{_pct(members.min())}); gap {_pct(single_gap)} for one network -> {_pct(gap)}",
    )


def _pca_claim(pca: dict) -> Claim:
    ks, test, k95 = pca["components"], pca["test"], pca["k95"]
    at95 = float(test[ks.index(k95)])
    rise, late = at95 - float(test[0]), pca["full"] - at95
    return Claim(
        "Test accuracy rises with the number of principal components and saturates (slide "
        f"58): 95% of the full 64-pixel accuracy with at most {PCA_MAX_K95} components, a "
        f"rise of at least {PCA_MIN_RISE:.0%} from 1 component, at most "
        f"{PCA_MAX_LATE_GAIN:.0%} more from all the rest",
        bool(k95 <= PCA_MAX_K95 and rise >= PCA_MIN_RISE and late <= PCA_MAX_LATE_GAIN),
        f"1 component {_pct(test[0])}, {k95} components {_pct(at95)} "
        f"({_pct(pca['explained'][ks.index(k95)])} of the variance), all 64 "
        f"{_pct(pca['full'])}",
    )


def _mnist1d_claim(runs: dict) -> Claim:
    log, mlp = runs["logistic regression"], runs["MLP"]
    return Claim(
        "On MNIST-1D a linear model underfits: an MLP beats logistic regression by at least "
        f"{MNIST1D_MARGIN:.0%} test accuracy (published: 32% vs 68%)",
        bool(mlp["test"] - log["test"] >= MNIST1D_MARGIN),
        f"after {mlp['steps']} steps of batch 100: logistic regression {_pct(log['test'])} "
        f"(paper {_pct(log['paper'])}), MLP {_pct(mlp['test'])} (paper {_pct(mlp['paper'])}); "
        f"training accuracy {_pct(log['train'])} and {_pct(mlp['train'])}",
    )
