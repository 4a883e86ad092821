"""The lab's experiments for chapter sections 2-4: objectives, descent, learning_rate.

Every claim must hold in quick mode for seeds 0, 1 and 2, with figures and tables drawn
from the same run; the same seed gives the same evidence (timed claims excepted).
"""

import pytest

from netopt.lab.core import REGISTRY, Claim, Context, FigureSpec, Result, Table
from netopt.lab.experiments import descent, learning_rate, objectives
from netopt.lab.plotting import close, render_png

SEEDS = (0, 1, 2)

#: name -> (module, chapter order, claims, figures, tables, claims whose evidence is
#: deterministic: descent's first three claims time training steps)
EXPERIMENTS = {
    "objectives": (objectives, 2, 5, 3, 2, slice(None)),
    "descent": (descent, 3, 6, 3, 1, slice(3, None)),
    "learning_rate": (learning_rate, 4, 10, 4, 2, slice(None)),
}


@pytest.fixture(
    scope="module",
    params=[(name, seed) for name in EXPERIMENTS for seed in SEEDS],
    ids=lambda p: f"{p[0]}-seed{p[1]}",
)
def result(request):
    name, seed = request.param
    res = EXPERIMENTS[name][0].run(Context(seed=seed, quick=True))
    yield name, seed, res
    for spec in res.figures:
        close(spec.figure)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_registered_in_chapter_order(name):
    module, order = EXPERIMENTS[name][:2]
    entry = REGISTRY[name]
    assert entry.order == order
    assert entry.run is module.run
    assert entry.title and entry.title_zh and entry.reference


def test_every_claim_holds(result):
    name, seed, res = result
    assert isinstance(res, Result)
    assert len(res.claims) == EXPERIMENTS[name][2]
    for claim in res.claims:
        assert isinstance(claim, Claim)
        assert claim.evidence
        assert claim.holds, f"{name} seed {seed}: {claim.claim!r} failed; {claim.evidence}"


def test_figures_and_tables(result):
    name, seed, res = result
    n_figures, n_tables = EXPERIMENTS[name][3:5]
    assert len(res.figures) == n_figures
    names = [f.name for f in res.figures]
    assert len(set(names)) == len(names)
    for spec in res.figures:
        assert isinstance(spec, FigureSpec)
        assert spec.caption
        assert spec.figure.axes, spec.name
    assert len(res.tables) == n_tables
    for table in res.tables:
        assert isinstance(table, Table)
        assert table.rows
        assert all(len(row) == len(table.columns) for row in table.rows), table.title
    if seed == SEEDS[0]:
        for spec in res.figures:
            assert render_png(spec.figure).startswith(b"\x89PNG"), spec.name


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_same_seed_same_evidence(name):
    module, deterministic = EXPERIMENTS[name][0], EXPERIMENTS[name][5]
    a = module.run(Context(seed=5, quick=True))
    b = module.run(Context(seed=5, quick=True))
    for spec in a.figures + b.figures:
        close(spec.figure)
    evidence_a = [c.evidence for c in a.claims[deterministic]]
    assert evidence_a == [c.evidence for c in b.claims[deterministic]]
