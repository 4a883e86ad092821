"""The lab's ``gradients`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

The unclipped run must diverge without leaking floating-point warnings (the test suite
turns netopt's RuntimeWarnings into errors, which the runner would report as a crash).
The two findings' measuring functions hold for seeds 0-9 at quick size and fail when
their cause is removed (a shallow sigmoid net has no vanishing gradient; a run without
clipping is not stabilised).
"""

from netopt.data import load_digits
from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context
from netopt.lab.experiments import gradients
from netopt.lab.experiments.gradients import measure

EXPERIMENT = "gradients"  # the ``outcome`` fixture (tests/lab/experiments/conftest.py) runs it
SEEDS = range(10)


def test_registered_in_chapter_order():
    exp = REGISTRY["gradients"]
    assert (exp.order, exp.run) == (6, gradients.run)
    assert exp.title_zh == "梯度消失与梯度爆炸" and "figure 6.16" in exp.reference


def test_every_claim_holds(outcome, claims_hold):
    claims_hold(outcome)


def test_claims_are_classified(outcome):
    _, run = outcome
    findings = [c for c in run.claims if c.kind == "finding"]
    assert len(findings) == 2 and all(c.kind in ("check", "finding") for c in run.claims)
    for c in findings:
        assert c.protocol["seeds"] == gradients.QUICK.seeds
        assert f"of {gradients.QUICK.seeds} seeds" in c.evidence


def test_figures_and_tables(outcome):
    _, run = outcome
    assert [f.name for f in run.figures] == ["depth", "clipping", "l2"]
    assert "6.16" in run.figures[0].caption
    depth, explode = run.tables
    assert [row[0] for row in depth.rows] == [label for label, *_ in gradients.CONFIGS.values()]
    unclipped = explode.rows[0]
    assert unclipped[1] < 50 and unclipped[-1] == "—"  # stopped early, accuracy not measured


def _split(seed):
    return Context(seed=seed, quick=True), load_digits(seed=seed)


def test_vanishing_stops_learning_for_ten_seeds_and_not_in_a_shallow_net():
    steps = gradients.QUICK.steps
    with blas_thread_limit(1):
        for seed in SEEDS:
            ctx, split = _split(seed)
            best = {
                k: max(measure.depth_run(ctx, split, k, steps)["history"]["accuracy"])
                for k in gradients.LEARNERS
            }
            assert measure.learning_holds(best), (seed, best)
        # cause removed: one hidden layer, no long product of sigmoid derivatives
        shallow = measure.depth_run(ctx, split, "sigmoid", steps, depth=1)
        best["sigmoid"] = max(shallow["history"]["accuracy"])
        assert not measure.learning_holds(best)


def test_clipping_holds_for_ten_seeds_and_not_without_clipping():
    steps = gradients.QUICK.steps
    with blas_thread_limit(1):
        for seed in SEEDS:
            ctx, split = _split(seed)
            runs = {
                label: measure.explode_run(ctx, split, clip, steps)
                for label, clip in measure.CLIPS.items()
            }
            assert measure.clipping_holds(runs), seed
        removed = {label: runs["no clipping"] for label in measure.CLIPS}
        assert not measure.clipping_holds(removed)
