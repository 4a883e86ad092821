"""Shared by the per-experiment lab tests: quick runs per seed, and the claims check.

A test module names its registered experiment in ``EXPERIMENT`` and takes either
``outcome``: ``(seed, run)`` for a module-scoped quick :func:`~netopt.lab.runner.run_one`
(one BLAS thread, figures rendered to PNG), or ``result``: ``(seed, Result)`` for a
module-scoped quick call of the experiment itself (figures still open, closed afterwards);
both at each of seeds 0, 1, 2.

``result_claims_hold(result)`` and ``result_figures_and_tables(result)`` check a
``result``: every claim a :class:`Claim` with evidence that holds; figures with unique names,
captions and axes (rendered to PNG at seed 0), tables with rows as wide as their columns.

``claims_hold(outcome)`` asserts the run finished, made claims, every claim has a kind
(``"check"`` or ``"finding"``) and every finding a protocol (seeds, tuning, statistic),
every one holds (listing the failures with their evidence), and that it made as many
claims as at the first seed this session ran: the count comes from the experiment's own
results, not from the test. It also reads the run back from its ``results.json`` document:
a finding that counts seeds words the count "N of M seeds" (never "N/M", "runs" or
"draws"), and where it records ``per_seed`` the count stated is the one derived from that
list.
"""

from __future__ import annotations

import functools
import json
import re

import pytest

from netopt.lab._threads import blas_thread_limit
from netopt.lab.core import (
    KINDS,
    PROTOCOL_KEYS,
    REGISTRY,
    Claim,
    Context,
    FigureSpec,
    Result,
    Table,
)
from netopt.lab.plotting import close, render_png
from netopt.lab.report import results_document, run_metadata
from netopt.lab.runner import ExperimentRun, run_one

SEEDS = (0, 1, 2)

OTHER_COUNTS = re.compile(r"\b\d+ ?/ ?\d+ seeds\b|\b\d+ of \d+ (?:runs|draws|data draws)\b")
"""Count wordings other than "N of M seeds"."""

_CLAIM_COUNTS: dict[str, tuple[int, int]] = {}
"""Experiment name -> (first seed run, its number of claims)."""


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def outcome(request):
    with blas_thread_limit(1):
        experiment = REGISTRY[request.module.EXPERIMENT]
        return request.param, run_one(experiment, seed=request.param, quick=True)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def result(request):
    res = REGISTRY[request.module.EXPERIMENT].run(Context(seed=request.param, quick=True))
    yield request.param, res
    for spec in res.figures:
        close(spec.figure)


def _claims_hold(name: str, outcome) -> None:
    seed, run = outcome
    assert getattr(run, "error", None) is None, run.traceback
    assert run.claims
    first_seed, count = _CLAIM_COUNTS.setdefault(name, (seed, len(run.claims)))
    assert len(run.claims) == count, f"seed {seed}: {len(run.claims)}, seed {first_seed}: {count}"
    unclassified = [c.claim for c in run.claims if c.kind not in KINDS]
    assert not unclassified, f"claims without a kind: {unclassified}"
    for claim in run.claims:
        if claim.kind == "finding":
            missing = [k for k in PROTOCOL_KEYS if k not in (claim.protocol or {})]
            assert not missing, f"finding {claim.claim!r} lacks protocol {missing}"
            assert claim.protocol["seeds"] >= 3, f"finding {claim.claim!r} repeats < 3 times"
        else:
            assert claim.protocol is None, claim.claim
    failed = [f"{c.claim} ({c.evidence})" for c in run.claims if not c.holds]
    assert not failed, f"seed {seed}: " + "; ".join(failed)
    _seed_counts_stated(name, seed, run)


def _seed_counts_stated(name: str, seed: int, run) -> None:
    if not isinstance(run, ExperimentRun):  # a Result: the runner's record without figures
        run = ExperimentRun(REGISTRY[name], claims=run.claims, tables=run.tables)
    meta = run_metadata(seed=seed, quick=True, started="-", total_seconds=0.0)
    document = json.loads(json.dumps(results_document([run], meta), allow_nan=False))
    for claim in document["experiments"][0]["claims"]:
        if claim["kind"] != "finding":
            continue
        assert not OTHER_COUNTS.search(claim["evidence"]), claim["evidence"]
        held = claim["protocol"].get("per_seed")
        if held is not None:
            assert len(held) == claim["protocol"]["seeds"], claim["claim"]
            count = sum(1 for h in held if h is True)
            assert f"{count} of {len(held)} seeds" in claim["evidence"], claim["evidence"]


@pytest.fixture
def claims_hold(request):
    return functools.partial(_claims_hold, request.module.EXPERIMENT)


def _result_claims_hold(result) -> None:
    seed, res = result
    assert isinstance(res, Result)
    for claim in res.claims:
        assert isinstance(claim, Claim)
        assert claim.evidence
        assert claim.holds, f"seed {seed}: {claim.claim!r} failed; {claim.evidence}"


def _result_figures_and_tables(result) -> None:
    seed, res = result
    names = [f.name for f in res.figures]
    assert names and len(set(names)) == len(names)
    for spec in res.figures:
        assert isinstance(spec, FigureSpec)
        assert spec.caption
        assert spec.figure.axes, spec.name
    assert res.tables
    for table in res.tables:
        assert isinstance(table, Table)
        assert table.rows
        assert all(len(row) == len(table.columns) for row in table.rows), table.title
    if seed == 0:
        for spec in res.figures:
            assert render_png(spec.figure).startswith(b"\x89PNG"), spec.name


@pytest.fixture
def result_claims_hold():
    return _result_claims_hold


@pytest.fixture
def result_figures_and_tables():
    return _result_figures_and_tables
