"""The lab's ``gradients`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

The unclipped run must diverge without leaking floating-point warnings (the test suite
turns netopt's RuntimeWarnings into errors, which the runner would report as a crash).
The three findings' measuring functions hold for seeds 0-9 at quick size and fail when
their cause is removed (a shallow sigmoid net has no vanishing gradient; a run without
clipping is not stabilised, on the deep net or on the recurrent cliff). The cliff's
gradient is checked against the forward-mode chain rule written out here, and its
unclipped first step against that gradient.
"""

import math

import numpy as np
import pytest

from netopt.data import load_digits
from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context
from netopt.lab.experiments import gradients
from netopt.lab.experiments.gradients import cliff, measure

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
    assert len(findings) == 3 and all(c.kind in ("check", "finding") for c in run.claims)
    for c in findings:
        assert c.protocol["seeds"] == gradients.QUICK.seeds
        held = c.protocol["per_seed"]
        assert len(held) == gradients.QUICK.seeds
        assert f"holds on {sum(held)} of {len(held)} seeds" in c.evidence


def test_figures_and_tables(outcome):
    _, run = outcome
    assert [f.name for f in run.figures] == ["depth", "clipping", "cliff", "l2"]
    assert "6.16" in run.figures[0].caption
    depth, explode, recurrent = run.tables
    assert [row[0] for row in recurrent.rows] == [cliff.clip_label(k) for k in cliff.CLIPS]
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


def _hand_gradient(w, b, y):
    """L = (h_T - y)^2 and its gradient by the forward-mode chain rule: with
    a_t = w h_(t-1) + b and s_t = sigma'(a_t) = h_t (1 - h_t),
    dh_t/dw = s_t (h_(t-1) + w dh_(t-1)/dw), dh_t/db = s_t (1 + w dh_(t-1)/db), dh_0 = 0."""
    h, dw, db = 0.5, 0.0, 0.0
    for _ in range(cliff.T):
        new = 1.0 / (1.0 + math.exp(-(w * h + b)))
        s = new * (1.0 - new)
        dw, db = s * (h + w * dw), s * (1.0 + w * db)
        h = new
    return (h - y) ** 2, np.array([2.0 * (h - y) * dw, 2.0 * (h - y) * db])


@pytest.mark.parametrize(
    "w, b, y",
    [(7.0, -3.5 + 3e-4, 0.5), (7.0, -3.5 - 2e-4, 0.4), (6.6, -3.0, 0.6), (2.0, -1.3, 0.35)],
)
def test_cliff_gradient_is_the_chain_rule(w, b, y):
    loss, grad = cliff.loss_and_grad(w, b, y)
    want_loss, want_grad = _hand_gradient(w, b, y)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9)


def test_cliff_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    w = torch.tensor(7.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-3.5 + 3e-4, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(cliff.H0, dtype=torch.float64)
    for _ in range(cliff.T):
        h = torch.sigmoid(w * h + b)
    loss = (h - 0.45) ** 2
    loss.backward()
    _, grad = cliff.loss_and_grad(7.0, -3.5 + 3e-4, 0.45)
    np.testing.assert_allclose(grad, [w.grad.item(), b.grad.item()], rtol=1e-9)


def test_the_start_is_on_the_cliff_and_the_unclipped_first_step_is_its_gradient():
    d = cliff.run(Context(seed=0, quick=True), "")
    s = d["start"]
    _, g = _hand_gradient(s["w0"], s["b0"], s["y"])
    side = math.copysign(1.0, s["b0"] + s["w0"] / 2)
    _, g_plateau = _hand_gradient(s["w0"], -s["w0"] / 2 + side * cliff.PLATEAU_OFFSET, s["y"])
    assert np.linalg.norm(g) > 100 * np.linalg.norm(g_plateau)  # orders of magnitude
    free, norm, value = (d["runs"][k]["path"] for k in ("no clipping", "norm", "value"))
    np.testing.assert_allclose(free[1] - free[0], -cliff.LR * g, rtol=1e-9)
    # clipped: the same gradient, rescaled to max_norm, or cut to +-clip_value per coordinate
    unit = g / (np.linalg.norm(g) + 1e-6)
    np.testing.assert_allclose(norm[1] - norm[0], -cliff.LR * cliff.MAX_NORM * unit, rtol=1e-9)
    cut = np.clip(g, -cliff.CLIP_VALUE, cliff.CLIP_VALUE)
    np.testing.assert_allclose(value[1] - value[0], -cliff.LR * cut, rtol=1e-9)


def test_cliff_finding_holds_for_ten_seeds_and_not_without_clipping():
    streams = [""] + [f"-{i}" for i in range(1, gradients.QUICK.seeds)]
    for seed in SEEDS:
        for stream in streams:
            d = cliff.run(Context(seed=seed, quick=True), stream)
            assert cliff.holds(d["runs"]), (seed, stream, d["start"])
    # cause removed: the "clipped" runs descend without clipping, from the same start
    removed = {label: cliff.descend(d["start"], None) for label in cliff.CLIPS}
    assert not cliff.holds(removed)
