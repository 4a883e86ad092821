"""The under/overfitting experiment's findings over seeds 0-9 (quick), and with their cause
removed.

Each test calls a finding's measuring function with the streams the quick run uses at each
of seeds 0-9 and applies the claim's own verdict; then it removes the finding's cause and
asserts the verdict no longer holds:

* U-shaped test error: 1,000 training points instead of 25 (nothing left to overfit);
* cross-validation: folds scored on their own training part instead of held-out points;
* the spiral fixes: degree-1 "polynomial" features and an MLP without hidden layers;
* overfitting without a remedy: 1,000 correct labels instead of 100 with 20% wrong;
* L2, dropout, early stopping, augmentation (digits): the remedy off in both arms;
* L1 and L2 against exploding weights: both penalties 0, and 1,000 training points (nothing
  explodes).

The thresholds are the claims' own constants; nothing here is pasted from a run.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import Context
from netopt.lab.experiments import generalization
from netopt.lab.experiments.generalization import capacity, claims, explosion

SEEDS10 = range(10)
QUICK = generalization.QUICK
REMEDIES = ("L2", "dropout", "early stopping", "augmentation")


def _ctx(seed: int) -> Context:
    return Context(seed=seed, quick=True)


def _stream(name: str, r: int) -> str:
    return name if r == 0 else f"{name}-{r}"


@functools.cache
def _polynomial_draws(seed: int) -> tuple[list, list]:
    with blas_thread_limit(1):
        return generalization.polynomial_draws(_ctx(seed), QUICK)


def test_polynomial_findings_hold_for_ten_seeds_and_not_without_their_cause():
    """U-shape and cross-validation: 10 draws per seed, 'at least 80% of the draws'."""
    with blas_thread_limit(1):
        for seed in SEEDS10:
            sweeps, cvs = _polynomial_draws(seed)
            assert len(sweeps) == len(cvs) == QUICK.poly_draws
            assert claims.most([claims.u_shaped(s) for s in sweeps]), seed
            assert claims.most([claims.cv_holds(c) for c in cvs]), seed
        # cause removed: enough data (no overfitting branch), and no held-out points
        # (the training error is least at the smallest lambda, the grid's edge)
        big, _ = generalization.polynomial_draws(_ctx(0), QUICK, n_train=1000)
        assert not any(claims.u_shaped(s) for s in big)
        _, blind = generalization.polynomial_draws(_ctx(0), QUICK, held_out=False)
        assert not any(claims.cv_holds(c) for c in blind)
        assert all(c["chosen"] == 0 for c in blind)


def test_most_needs_four_fifths_of_the_draws():
    assert claims.most([True] * 8 + [False] * 2)
    assert not claims.most([True] * 7 + [False] * 3)
    assert not claims.most([True, True, False])  # 2 of 3 < 80%


def _spirals(seed: int, r: int, **fixes) -> dict:
    ctx = _ctx(seed)
    return capacity.spirals(
        ctx.rng(_stream("spirals-data", r)),
        ctx.rng(_stream("spirals-init", r)),
        ctx.rng(_stream("spirals-shuffle", r)),
        epochs=QUICK.spiral_epochs,
        **fixes,
    )


def test_spiral_fixes_hold_for_ten_seeds_and_not_when_switched_off():
    """Every draw of every seed (the claim's statistic); 30 x 3 small trainings."""
    with blas_thread_limit(1):
        for seed in SEEDS10:
            for r in range(QUICK.repeats):
                assert claims.spirals_fixed(_spirals(seed, r)), (seed, r)
        off = _spirals(0, 0, degree=1, hidden=())
        assert not claims.spirals_fixed(off)
        for model in off["models"].values():  # every model linear: near chance
            assert model["train"] <= claims.CHANCE_CEILING


@functools.cache
def _remedy_draws(seed: int, **kwargs) -> list:
    with blas_thread_limit(1):
        return generalization.remedy_draws(_ctx(seed), QUICK, **kwargs)


@pytest.mark.parametrize("seed", SEEDS10)
def test_overfitting_and_its_remedies_hold(seed):
    runs = _remedy_draws(seed)
    assert all(claims.overfits(results) for _, results in runs)
    for method in REMEDIES:
        assert claims.remedy_narrows(runs, method), (seed, method)


def test_remedies_do_nothing_when_switched_off():
    """Each method trained with its remedy off (L2 0, drop probability 0, no stopping, 0-pixel
    shifts) from the same weights and batches: the gap stays within MIN_NARROWING."""
    off = _remedy_draws(0, remedy=False)
    base = _remedy_draws(0)
    for (_, results), (_, plain) in zip(off, base):
        assert results["no remedy"]["gap"] == plain["no remedy"]["gap"]
    for method in REMEDIES:
        assert not claims.remedy_narrows(off, method), method


def test_no_overfitting_on_many_correct_labels():
    clean = _remedy_draws(0, noise=0.0, per_class=100, methods=("no remedy",))
    for data, results in clean:
        assert len(data["y"]) == 1000 and len(data["flipped"]) == 0
        assert not claims.overfits(results)


def test_penalties_tame_exploding_weights_for_ten_seeds_and_not_without_them():
    for seed in SEEDS10:
        sweeps, _ = _polynomial_draws(seed)
        assert explosion.holds([explosion.penalized(s["split"]) for s in sweeps]), seed
    sweeps, _ = _polynomial_draws(0)
    # cause removed: both penalties 0 (each fit is least squares; L1's the very same one)
    off = [explosion.penalized(s["split"], {"L2": 0.0, "L1": 0.0}) for s in sweeps]
    assert not any(explosion.tamed(r) for r in off)
    assert all(r["L1"]["norm"] == r["none"]["norm"] for r in off)
    # and with 1,000 training points nothing explodes to be tamed
    big, _ = generalization.polynomial_draws(_ctx(0), QUICK, n_train=1000)
    assert not any(explosion.tamed(explosion.penalized(s["split"])) for s in big)


def test_lasso_meets_the_optimality_conditions_of_the_l1_structural_risk():
    """Subgradient of (1/N)||Pw - y||^2 + lam ||w_1:||_1, derived by hand: the bias's
    gradient 0; g_j = -lam sign(w_j) where w_j != 0; |g_j| <= lam where w_j = 0."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 25)
    y = x**3 + 0.2 * rng.standard_normal(25)
    features = capacity.legendre_features(x, 10)
    lam = 1e-2
    w = explosion.lasso(features, y, lam)
    g = 2.0 / len(y) * features.T @ (features @ w - y)
    assert abs(g[0]) < 1e-6
    nonzero = w[1:] != 0
    assert nonzero.any() and not nonzero.all()
    np.testing.assert_allclose(g[1:][nonzero], -lam * np.sign(w[1:][nonzero]), atol=1e-6)
    assert np.all(np.abs(g[1:][~nonzero]) <= lam + 1e-6)
