"""Shared test settings: the hypothesis profile and one BLAS thread; one shared check.

Each test module states its own tolerances once.
"""

import os
import shutil
import warnings

import numpy as np
import pytest
from hypothesis import settings

# CI: deterministic examples and no per-example deadline (2 shared cores are slow).
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="session")
def chromium() -> tuple[str, tuple[str, ...]]:
    """``(path, flags)`` of a headless Chromium on PATH (the browser tests of the lab's report
    and of the playground); skips the test when none is installed."""
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path, CHROMIUM_FLAGS
    pytest.skip(
        f"no Chromium found (looked for {', '.join(CHROMIUM_CANDIDATES)}); apt-get install chromium"
    )


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


def _float32_graph_problems(root) -> list[str]:
    """Every forward value and every gradient an op's backward returns must be float32.

    Walks the graph below ``root``, calling each node's backward with ones; returns one
    line per float value or gradient of another float dtype (empty: all float32).
    """
    problems, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.dtype.kind == "f" and node.dtype != np.float32:
            problems.append(f"forward value {node.shape} is {node.dtype}")
        if node._backward is None:
            continue
        for parent, grad in zip(node._parents, node._backward(np.ones_like(node.data))):
            if parent is not None and grad is not None and np.asarray(grad).dtype != np.float32:
                problems.append(f"gradient for {parent.shape} is {np.asarray(grad).dtype}")
        stack.extend(p for p in node._parents if p is not None and p.requires_grad)
    return problems


@pytest.fixture
def float32_graph_problems():
    """The float32 graph check (tests/nn/test_float32.py, tests/autograd/test_engine.py)."""
    return _float32_graph_problems


@pytest.fixture
def strict_numerics():
    """Warnings become errors and NumPy raises on overflow, invalid and divide-by-zero.

    Underflow is left at NumPy's default (ignore): e^{-1000} rounding to 0 is the intended
    result of every stable formula the activation tests check, not an error.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


@pytest.fixture
def off_kinks():
    """``make(shape, seed, kinks=(0.0,))``: a float64 leaf drawn from U(-3, 3) with every
    entry kept at least 2e-3 from the kinks (RELIABILITY.md's rule for gradient checks)."""
    import netopt

    def make(shape, seed, kinks=(0.0,)):
        x = np.random.default_rng(seed).uniform(-3.0, 3.0, shape)
        for k in kinks:
            x[np.abs(x - k) < 2e-3] = k + 2e-3
        return netopt.tensor(x, requires_grad=True)

    return make
