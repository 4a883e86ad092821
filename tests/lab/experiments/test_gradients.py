"""The lab's ``gradients`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

The unclipped run must diverge without leaking floating-point warnings (the test suite
turns netopt's RuntimeWarnings into errors, which the runner would report as a crash).
"""

from netopt.lab.core import REGISTRY
from netopt.lab.experiments import gradients

EXPERIMENT = "gradients"  # the ``outcome`` fixture (tests/lab/experiments/conftest.py) runs it


def test_registered_in_chapter_order():
    exp = REGISTRY["gradients"]
    assert (exp.order, exp.run) == (6, gradients.run)
    assert exp.title_zh == "梯度消失与梯度爆炸" and "figure 6.16" in exp.reference


def test_every_claim_holds(outcome, claims_hold):
    claims_hold(outcome)


def test_figures_and_tables(outcome):
    _, run = outcome
    assert [f.name for f in run.figures] == ["depth", "clipping", "l2"]
    assert "6.16" in run.figures[0].caption
    depth, explode = run.tables
    assert [row[0] for row in depth.rows] == [label for label, *_ in gradients.CONFIGS.values()]
    unclipped = explode.rows[0]
    assert unclipped[1] < 50 and unclipped[-1] != unclipped[-1]  # stopped early, accuracy NaN
