"""The lab's ``objectives`` experiment: claims, figures, determinism, its findings' causes.

Every finding holds over seeds 0-9 in quick mode (tested on its measuring function) and
fails when its cause is removed.
"""

import numpy as np
import pytest

from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context
from netopt.lab.experiments import objectives
from netopt.lab.experiments.objectives import race as racing
from netopt.lab.experiments.objectives import risk
from netopt.lab.plotting import close

EXPERIMENT = "objectives"  # the ``result`` fixture (tests/lab/experiments/conftest.py) runs it
QUICK = objectives.settings(True)


def test_registered_in_chapter_order():
    entry = REGISTRY[EXPERIMENT]
    assert entry.order == 2
    assert entry.run is objectives.run
    assert entry.title and entry.title_zh and entry.reference


def test_every_claim_holds(result, claims_hold, result_claims_hold):
    claims_hold(result)
    result_claims_hold(result)
    _, res = result
    assert [c.kind for c in res.claims] == ["finding", "finding", "check", "finding", "check"]


def test_figures_and_tables(result, result_figures_and_tables):
    result_figures_and_tables(result)


def test_same_seed_same_evidence():
    a = objectives.run(Context(seed=5, quick=True))
    b = objectives.run(Context(seed=5, quick=True))
    for spec in a.figures + b.figures:
        close(spec.figure)
    assert [c.evidence for c in a.claims] == [c.evidence for c in b.claims]


def _race(seed: int, losses=None) -> dict:
    with blas_thread_limit(1):
        ctx = Context(seed=seed, quick=True)
        return racing.race(ctx, QUICK["grid"], QUICK["epochs"], QUICK["tune"], QUICK["seeds"],
                           losses=losses)  # fmt: skip


@pytest.mark.parametrize("seed", range(10))
def test_findings_hold_for_seeds_0_to_9(seed):
    race = _race(seed)
    shared, own_rate = objectives.race_claims(race, {"cross-entropy": 1.0, "MSE": 0.1}, 2)
    assert shared.holds, f"seed {seed}: {shared.evidence}"
    assert own_rate.holds, f"seed {seed}: {own_rate.evidence}"
    ctx = Context(seed=seed, quick=True)
    draws = objectives.risk_draws(ctx, QUICK["draws"], np.logspace(-7, 2, QUICK["lambdas"]))
    check, u_shape = objectives.risk_claims(draws)
    assert check.holds and u_shape.holds, f"seed {seed}: {u_shape.evidence}"


def test_race_findings_fail_with_the_same_loss_on_both_arms():
    """The cause is the loss: MSE against MSE never wins, and gets the same rate."""
    same = {"cross-entropy": racing.mse_on_softmax, "MSE": racing.mse_on_softmax}
    race = _race(0, losses=same)
    assert racing.ahead_count(race, "cross-entropy", "MSE") == 0
    shared, own_rate = objectives.race_claims(race, {"cross-entropy": 1.0, "MSE": 1.0}, 2)
    assert not shared.holds and not own_rate.holds


def test_u_shape_fails_without_noise():
    """The cause of overfitting at small lambda is the noise: noise-free points do not."""
    ctx = Context(seed=0, quick=True)
    draws = objectives.risk_draws(ctx, 5, np.logspace(-7, 2, 10), noise=0.0)
    assert not any(risk.u_shaped(d["rows"]) for d in draws)
    assert not objectives.risk_claims(draws)[1].holds
