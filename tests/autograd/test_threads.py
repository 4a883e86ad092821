"""Grad mode is per thread (as in PyTorch), and training in threads is deterministic."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import netopt
from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.train import fit


@pytest.fixture(autouse=True)
def _switch_often():
    """Let threads interleave every few microseconds, so races show up in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _in_thread(fn):
    """Run ``fn`` in a new thread; return its result or re-raise its exception."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:
            box["error"] = err

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_no_grad_in_one_thread_leaves_another_recording():
    inside, done = threading.Event(), threading.Event()

    def evaluator() -> None:
        with netopt.no_grad():
            inside.set()
            done.wait(10)

    t = threading.Thread(target=evaluator)
    t.start()
    try:
        assert inside.wait(10)
        w = netopt.tensor([1.0, 2.0], requires_grad=True)
        assert netopt.is_grad_enabled()
        (w * w).sum().backward()
        np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    finally:
        done.set()
        t.join()


def test_a_new_thread_starts_recording_whatever_its_parent_does():
    with netopt.no_grad():
        assert _in_thread(netopt.is_grad_enabled) is True
        assert not netopt.is_grad_enabled()
    assert netopt.is_grad_enabled()


def test_many_threads_entering_and_leaving_no_grad_leave_recording_on():
    start = threading.Barrier(8)
    seen: list[bool] = []

    def worker() -> None:
        start.wait()
        w = netopt.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(500):
            with netopt.no_grad():
                assert not (w * 2).requires_grad
                with netopt.enable_grad():
                    seen.append((w * 2).requires_grad)
            seen.append((w * 2).requires_grad)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(seen)  # no thread saw another one's no_grad
    assert netopt.is_grad_enabled()
    assert _in_thread(netopt.is_grad_enabled)


def _train(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(
        nn.Linear(5, 16, rng=np.random.default_rng(seed + 1)),
        nn.ReLU(),
        nn.Linear(16, 2, rng=np.random.default_rng(seed + 2)),
    )
    loader = DataLoader(
        TensorDataset(x, y), batch_size=8, shuffle=True, rng=np.random.default_rng(seed + 3)
    )
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    # evaluation under no_grad every epoch (val_loader) is what used to switch the other
    # thread's recording off
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, val_loader=loader, progress=False)
    return [np.array(p.data) for p in model.parameters()]


def _train_in_threads(seeds: tuple[int, ...]) -> dict[int, list[np.ndarray]]:
    """Train one model per seed, all at once, each in its own thread."""
    results: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(seeds))

    def run(seed: int) -> None:
        try:
            start.wait()
            results[seed] = _train(seed)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_two_threads_fitting_match_fitting_one_after_the_other():
    sequential = {0: _train(0), 10: _train(10)}
    for _ in range(3):
        results = _train_in_threads((0, 10))
        for seed, want in sequential.items():
            for a, b in zip(results[seed], want):
                np.testing.assert_array_equal(a, b)


def test_grid_search_with_joblib_threads():
    pytest.importorskip("sklearn")
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV

    from netopt.estimators import MLPClassifier

    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-2, 3e-2]}
    # early stopping evaluates under no_grad every epoch while the other fits record
    est = MLPClassifier(
        hidden_layer_sizes=(8,),
        max_iter=12,
        batch_size=4,
        early_stopping=True,
        n_iter_no_change=100,
        random_state=0,
    )
    with parallel_backend("threading", n_jobs=4):
        threaded = GridSearchCV(est, grid, cv=2).fit(x, y)
    serial = GridSearchCV(est, grid, cv=2, n_jobs=1).fit(x, y)
    np.testing.assert_array_equal(
        threaded.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


# ------------------------------------------------------------------ the managers (torch's API)
def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    try:
        netopt.set_grad_enabled(False)
        assert not netopt.is_grad_enabled()
    finally:
        netopt.set_grad_enabled(True)
    with netopt.set_grad_enabled(False):
        assert not netopt.is_grad_enabled()
    assert netopt.is_grad_enabled()

    @netopt.set_grad_enabled(False)
    def f() -> bool:
        return netopt.is_grad_enabled()

    assert netopt.is_grad_enabled()  # decorating changed nothing
    assert f() is False
    assert netopt.is_grad_enabled()


def test_no_grad_and_enable_grad_decorate_with_and_without_parentheses():
    @netopt.no_grad
    def a() -> bool:
        return netopt.is_grad_enabled()

    @netopt.no_grad()
    def b() -> bool:
        return netopt.is_grad_enabled()

    @netopt.enable_grad
    def c() -> bool:
        return netopt.is_grad_enabled()

    assert a() is False and b() is False
    with netopt.no_grad():
        assert c() is True
        assert not netopt.is_grad_enabled()


def test_no_grad_decorates_a_generator_each_resumption():
    @netopt.no_grad()
    def gen():
        yield netopt.is_grad_enabled()
        yield netopt.is_grad_enabled()
        return "done"

    g = gen()
    assert next(g) is False
    assert netopt.is_grad_enabled()  # between resumptions the caller's mode holds
    assert next(g) is False
    with pytest.raises(StopIteration):
        next(g)


def test_inference_mode_is_no_grad_and_reports_itself():
    w = netopt.tensor([1.0], requires_grad=True)
    with netopt.inference_mode():
        assert netopt.is_inference_mode_enabled()
        assert not (w * 2).requires_grad
        with netopt.inference_mode(False):
            assert (w * 2).requires_grad
    assert not netopt.is_inference_mode_enabled()

    @netopt.inference_mode
    def f() -> bool:
        return netopt.is_grad_enabled()

    assert f() is False


def test_set_grad_enabled_refuses_a_non_bool():
    with pytest.raises(TypeError, match="mode must be a bool"):
        netopt.set_grad_enabled(1)
