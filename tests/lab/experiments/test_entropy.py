"""The lab's ``entropy`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

Also: the worked example's numbers are the chapter's, the run is reproducible to the byte
(claims, tables and PNGs), and the area-proportional Venn geometry is right.
"""

import math

import pytest

from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import REGISTRY, Context
from netopt.lab.experiments import entropy
from netopt.lab.experiments.entropy import measure
from netopt.lab.experiments.entropy.venn import centre_distance, lens_area
from netopt.lab.runner import run_one

EXPERIMENT = "entropy"  # the ``outcome`` fixture (tests/lab/experiments/conftest.py) runs it


def test_registered_in_chapter_order():
    exp = REGISTRY["entropy"]
    assert (exp.order, exp.run) == (1, entropy.run)
    assert exp.title_zh == "信息论中的熵" and "slides 8-9" in exp.reference


def test_every_claim_holds(outcome, claims_hold):
    claims_hold(outcome)


def test_figures_and_tables_cite_the_chapter(outcome):
    _, run = outcome
    assert [f.name for f in run.figures] == [
        "kl_asymmetry",
        "binary_entropy",
        "venn",
        "mi_training",
    ]
    assert all("slide" in f.caption for f in run.figures)
    assert len(run.tables) == 3


def test_worked_example_matches_the_chapter(outcome):
    _, run = outcome
    table = run.tables[0]
    measured = {row[0]: row[1] for row in table.rows}
    assert round(measured["D(A||B)"], 4) == 0.1438
    assert round(measured["D(A||C)"], 4) == 0.4133
    assert round(measured["D(B||A)"], 4) == 0.1308
    assert "chapter says" in table.columns


def test_same_seed_same_bytes():
    with blas_thread_limit(1):
        first = run_one(REGISTRY["entropy"], seed=4, quick=True)
        second = run_one(REGISTRY["entropy"], seed=4, quick=True)
    assert [c.evidence for c in first.claims] == [c.evidence for c in second.claims]
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]
    assert [f.png for f in first.figures] == [f.png for f in second.figures]


@pytest.mark.parametrize(("r1", "r2"), [(1.0, 1.0), (1.2, 0.5), (0.3, 0.9)])
@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 0.99, 1.0])
def test_venn_overlap_has_the_requested_area(r1, r2, share):
    overlap = share * math.pi * min(r1, r2) ** 2
    d = centre_distance(r1, r2, overlap)
    assert abs(r1 - r2) <= d <= r1 + r2
    assert lens_area(r1, r2, d) == pytest.approx(overlap, abs=1e-9)


def test_only_the_training_claim_is_a_finding(outcome):
    _, run = outcome
    findings = run.of_kind("finding")
    assert [c.claim.split(":")[0] for c in findings] == [
        "MI is the information one variable carries about the other (slide 13)"
    ]
    assert len(run.of_kind("check")) == len(run.claims) - 1
    assert {n.title.split()[0] for n in run.notes} >= {"Eq."}


@pytest.mark.parametrize("seed", range(10))
def test_mi_finding_holds_for_seeds_0_to_9(seed):
    ctx = Context(seed=seed, quick=True)
    with blas_thread_limit(1):
        runs = [measure.train_classifier(ctx, run) for run in range(5)]
    claim = measure.mi_claim(runs)
    assert claim.holds, claim.evidence
    assert claim.protocol["seeds"] == 5


def test_mi_finding_fails_without_training():
    """The cause is training: at lr 0 the predictions never change, and I(X;Y) neither."""
    ctx = Context(seed=0, quick=True)
    runs = [measure.train_classifier(ctx, run, lr=0.0) for run in range(5)]
    assert all(measure.mi_gain(r) == (0.0, 0.0) for r in runs)
    assert not measure.mi_claim(runs).holds


def test_cross_entropy_note_numbers():
    """H(P,Q) of equal (1/2, 1/2) is ln 2; of (0.9, 0.1) vs (0.8, 0.2) it is smaller."""
    text = entropy.notes()[0].text
    assert f"{math.log(2):.4f}" in text
    by_hand = -(0.9 * math.log(0.8) + 0.1 * math.log(0.2))
    assert f"{by_hand:.4f}" in text and by_hand < math.log(2)
