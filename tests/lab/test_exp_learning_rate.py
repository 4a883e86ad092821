"""The lab's ``learning_rate`` experiment: ravine, conventions, schedules, optimizers.

Every claim must hold in quick mode for seeds 0, 1 and 2, with figures and tables drawn
from the same run.
"""

import pytest

from netopt.lab.core import REGISTRY, Claim, Context, FigureSpec, Result, Table
from netopt.lab.experiments import learning_rate as experiment
from netopt.lab.plotting import close, render_png

SEEDS = (0, 1, 2)
N_CLAIMS, N_FIGURES, N_TABLES = 10, 4, 2


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def result(request):
    res = experiment.run(Context(seed=request.param, quick=True))
    yield request.param, res
    for spec in res.figures:
        close(spec.figure)


def test_registered_in_chapter_order():
    entry = REGISTRY["learning_rate"]
    assert entry.order == 4
    assert entry.run is experiment.run
    assert entry.title and entry.title_zh and entry.reference


def test_every_claim_holds(result):
    seed, res = result
    assert isinstance(res, Result)
    assert len(res.claims) == N_CLAIMS
    for claim in res.claims:
        assert isinstance(claim, Claim)
        assert claim.evidence
        assert claim.holds, f"seed {seed}: {claim.claim!r} failed; evidence: {claim.evidence}"


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
    if seed == SEEDS[0]:
        for spec in res.figures:
            assert render_png(spec.figure).startswith(b"\x89PNG"), spec.name


def test_same_seed_same_evidence():
    a = experiment.run(Context(seed=5, quick=True))
    b = experiment.run(Context(seed=5, quick=True))
    for spec in a.figures + b.figures:
        close(spec.figure)
    assert [c.evidence for c in a.claims[:]] == [c.evidence for c in b.claims[:]]
