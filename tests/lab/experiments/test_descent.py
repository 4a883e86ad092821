"""The lab's ``descent`` experiment: every claim holds in quick mode for seeds 0, 1, 2.

Figures and tables are drawn from the same run; the same seed gives the same evidence
(its first three claims time training steps).
"""

from netopt.lab.core import REGISTRY, Claim, Context, FigureSpec, Result, Table
from netopt.lab.experiments import descent
from netopt.lab.plotting import close, render_png

EXPERIMENT = "descent"  # the ``result`` fixture (tests/lab/experiments/conftest.py) runs it
N_FIGURES, N_TABLES = 3, 1
#: the claims whose evidence is deterministic (the timed ones excepted)
DETERMINISTIC = slice(3, None)


def test_registered_in_chapter_order():
    entry = REGISTRY[EXPERIMENT]
    assert entry.order == 3
    assert entry.run is descent.run
    assert entry.title and entry.title_zh and entry.reference


def test_every_claim_holds(result, claims_hold):
    claims_hold(result)
    seed, res = result
    assert isinstance(res, Result)
    for claim in res.claims:
        assert isinstance(claim, Claim)
        assert claim.evidence
        assert claim.holds, f"seed {seed}: {claim.claim!r} failed; {claim.evidence}"


def test_figures_and_tables(result):
    seed, res = result
    assert len(res.figures) == N_FIGURES
    names = [f.name for f in res.figures]
    assert len(set(names)) == len(names)
    for spec in res.figures:
        assert isinstance(spec, FigureSpec)
        assert spec.caption
        assert spec.figure.axes, spec.name
    assert len(res.tables) == N_TABLES
    for table in res.tables:
        assert isinstance(table, Table)
        assert table.rows
        assert all(len(row) == len(table.columns) for row in table.rows), table.title
    if seed == 0:
        for spec in res.figures:
            assert render_png(spec.figure).startswith(b"\x89PNG"), spec.name


def test_same_seed_same_evidence():
    a = descent.run(Context(seed=5, quick=True))
    b = descent.run(Context(seed=5, quick=True))
    for spec in a.figures + b.figures:
        close(spec.figure)
    evidence_a = [c.evidence for c in a.claims[DETERMINISTIC]]
    assert evidence_a == [c.evidence for c in b.claims[DETERMINISTIC]]
