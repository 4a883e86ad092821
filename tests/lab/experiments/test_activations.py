"""The lab's ``activations`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

Also: derivatives come from the backward pass, and the saturation edges used to shade the
figure are where the derivative is exactly the saturation threshold.
"""

import numpy as np
import pytest

from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context
from netopt.lab.experiments import activations
from netopt.lab.experiments.activations import training
from netopt.lab.experiments.activations.figures import saturation_edges
from netopt.nn import functional as F

EXPERIMENT = "activations"  # the ``outcome`` fixture (tests/lab/experiments/conftest.py) runs it


def test_registered_in_chapter_order():
    exp = REGISTRY["activations"]
    assert (exp.order, exp.run) == (5, activations.run)
    assert exp.title_zh == "激活函数"
    for number in ("6.10", "6.11", "6.13", "6.14", "6.15"):
        assert number in exp.reference


def test_every_claim_holds(outcome, claims_hold):
    claims_hold(outcome)


def test_figures_and_tables(outcome):
    _, run = outcome
    assert [f.name for f in run.figures] == ["curves", "saturation_training"]
    assert "6.10" in run.figures[0].caption and "6.15" in run.figures[0].caption
    classes = {row[0]: row[-1] for row in run.tables[0].rows}
    assert classes["sigmoid"] == classes["tanh"] == "fully saturating"
    assert classes["ReLU"] == "left-saturating"


def test_derivative_is_the_backward_pass():
    x = np.array([-3.0, -0.5, 0.5, 3.0])
    y, dy = activations.derivative(lambda t: F.elu(t, 2.0), x)
    assert np.allclose(y, np.where(x > 0, x, 2.0 * np.expm1(x)))
    assert np.allclose(dy, np.where(x > 0, 1.0, 2.0 * np.exp(x)))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturation_edges(name):
    edge = saturation_edges(activations.SATURATION)[name]
    function = F.sigmoid if name == "sigmoid" else F.tanh
    _, d = activations.derivative(function, np.array([0.0, -edge, edge]))
    assert d[1] == pytest.approx(activations.SATURATION * d[0], rel=1e-9)
    assert d[2] == pytest.approx(activations.SATURATION * d[0], rel=1e-9)


def test_kinds_and_the_flagged_definition(outcome):
    _, run = outcome
    findings = [c.claim.split(":")[0].split(" (")[0] for c in run.of_kind("finding")]
    assert findings == [
        "Sigmoid's small derivative",
        "So saturation persists through training",
    ]
    assert all(c.protocol["seeds"] == 5 for c in run.of_kind("finding"))
    assert "n \u2192 \u221e" in run.notes[0].text


@pytest.fixture(scope="module", params=range(10), ids=lambda s: f"seed{s}")
def trained(request):
    with blas_thread_limit(1):
        ctx = Context(seed=request.param, quick=True)
        return request.param, training.training_runs(ctx, 5)


def test_training_findings_hold_for_seeds_0_to_9(trained):
    seed, runs = trained
    slower, _, _, persists = training.training_claims(runs)
    assert slower.holds, f"seed {seed}: {slower.evidence}"
    assert persists.holds, f"seed {seed}: {persists.evidence}"


def test_sigmoid_finding_fails_when_the_sigmoid_arm_uses_tanh():
    """The cause is sigmoid's derivative: the same weights and batches with tanh do not lag."""
    ctx = Context(seed=0, quick=True)
    with blas_thread_limit(1):
        arms = [training.train_one(ctx, "sigmoid", 1.0, 300, r, kind="tanh") for r in range(5)]
        tanh = [training.train_one(ctx, "tanh", 1.0, 300, r) for r in range(5)]
    assert not any(training.slower(a, t) for a, t in zip(arms, tanh))


def test_persistence_fails_without_large_weights():
    """The cause of the saturation is the scaled weights: at scale 1 nothing is saturated."""
    ctx = Context(seed=0, quick=True)
    with blas_thread_limit(1):
        runs = [training.train_one(ctx, "sigmoid", 1.0, 300, r) for r in range(3)]
    assert not any(training.persists(r) for r in runs)
