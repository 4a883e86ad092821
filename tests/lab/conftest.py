"""Shared by the per-experiment lab tests: one quick run per seed, and the claims check.

A test module names its registered experiment in ``EXPERIMENT`` and takes ``outcome``:
``(seed, run)`` for a module-scoped quick run (one BLAS thread) at each of seeds 0, 1, 2.
``claims_hold(outcome, count)`` asserts the run finished, made ``count`` claims, and that
every one holds, listing the failures with their evidence.
"""

from __future__ import annotations

import pytest

from netopt.lab.core import REGISTRY
from netopt.lab.runner import blas_thread_limit, run_one

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def outcome(request):
    with blas_thread_limit(1):
        experiment = REGISTRY[request.module.EXPERIMENT]
        return request.param, run_one(experiment, seed=request.param, quick=True)


def _claims_hold(outcome, count: int) -> None:
    seed, run = outcome
    assert run.error is None, run.traceback
    assert len(run.claims) == count
    failed = [f"{c.claim} ({c.evidence})" for c in run.claims if not c.holds]
    assert not failed, f"seed {seed}: " + "; ".join(failed)


@pytest.fixture
def claims_hold():
    return _claims_hold
