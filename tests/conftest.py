"""Shared test settings: the hypothesis profile and one BLAS thread.

Each test module states its own tolerances once.
"""

import os

import pytest
from hypothesis import settings

# CI: deterministic examples and no per-example deadline (2 shared cores are slow).
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Run the suite on one BLAS thread: bitwise-reproducible sums, and no
    oversubscription of the two cores by tiny matrix products (OpenBLAS's own
    kernel choice, OPENBLAS_CORETYPE, is left as the machine sets it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is in the test extra
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
