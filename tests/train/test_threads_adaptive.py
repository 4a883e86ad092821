"""fit(..., blas_threads="adaptive"): the probe's choice, its period, the restore, the results.

Durations are handed to the policy by the tests (its ``observe``), so every choice checked
here is derived by hand; the end-to-end tests compare fits with each other, not with time.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest

from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.train import Callback, fit
from netopt.train.adaptive_threads import (
    MIN_PERIOD,
    TIMED,
    WARMUP,
    AdaptiveThreads,
    choose,
    probe_period,
)
from netopt.train.threads import SMALL_PRODUCT, fit_threads

threadpoolctl = pytest.importorskip("threadpoolctl")
PROBE = WARMUP + TIMED  # steps per candidate
_NUMPY_BLAS = [  # loaded with NumPy, before any test (fit may load scipy's later)
    c for c in threadpoolctl.ThreadpoolController().lib_controllers if c.user_api == "blas"
]


def _blas_threads() -> list[int]:
    return [
        c.num_threads
        for c in threadpoolctl.ThreadpoolController().lib_controllers
        if c.user_api == "blas"
    ]


def _drive(policy: AdaptiveThreads, seconds: dict[int, float], steps: int) -> list[int]:
    """Run ``steps`` steps, each 'taking' seconds[limit]; return the limits BLAS reported."""
    seen = []
    for _ in range(steps):
        n = policy.next_limit()
        seen.append(max(_blas_threads()))
        assert seen[-1] == n
        policy.observe(seconds[n])
    return seen


def test_choose_takes_the_smaller_median_and_the_larger_count_on_a_tie():
    # medians 0.26 and 0.006: the one-off outlier 0.5 at 1 thread does not move the median
    assert choose({2: [0.30, 0.24, 0.26], 1: [0.006, 0.5, 0.006]}) == 1
    assert choose({2: [0.003, 0.003, 0.004], 1: [0.0055, 0.0054, 0.0056]}) == 2
    assert choose({1: [0.01, 0.01, 0.01], 2: [0.01, 0.01, 0.01]}) == 2


def test_probe_period_keeps_the_slower_steps_under_two_percent():
    # busy core: 4 steps lose 0.244 s each -> 0.976 s; 2 % of 0.006 s per step -> 8133.3
    assert probe_period({1: [0.006] * 3, 2: [0.25] * 3}, chosen=1, steps_each=4) == 8134
    # quiet: 2 threads 1.8x faster -> 4 * 0.8 / 0.02 = 160 steps, raised to MIN_PERIOD
    assert probe_period({2: [0.01] * 3, 1: [0.018] * 3}, chosen=2, steps_each=4) == MIN_PERIOD
    assert MIN_PERIOD == 200


def test_busy_probe_chooses_one_thread_reprobes_after_the_period_and_restores():
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        policy = AdaptiveThreads()
        busy = {2: 0.25, 1: 0.006}
        assert _drive(policy, busy, 2 * PROBE) == [2] * PROBE + [1] * PROBE
        assert (policy.choice, policy.period) == (1, 8134)
        assert _drive(policy, busy, 8134) == [1] * 8134
        # the next probe starts at the current choice; this time two threads are faster
        quiet = {2: 0.010, 1: 0.018}
        assert _drive(policy, quiet, 2 * PROBE) == [1] * PROBE + [2] * PROBE
        assert (policy.choice, policy.period, policy.choices) == (2, MIN_PERIOD, [1, 2])
        assert _drive(policy, quiet, MIN_PERIOD) == [2] * MIN_PERIOD
        policy.next_limit()  # the third probe begins at 2 threads
        policy.observe(0.01)
        assert _drive(policy, busy, PROBE)[-1] == 1  # mid-probe, at one thread
        policy.close()
        assert _blas_threads() == [2] * len(_blas_threads())


def test_a_single_thread_start_is_left_alone():
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        policy = AdaptiveThreads()
        assert _drive(policy, {1: 0.01}, 20) == [1] * 20
        assert policy.choices == []
        policy.close()


def test_run_times_with_the_given_clock():
    ticks = itertools.count()
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        policy = AdaptiveThreads(clock=lambda: float(next(ticks)))
        out = [policy.run(lambda k: k * 2, k) for k in range(2 * PROBE)]
        policy.close()
    assert out == [2 * k for k in range(2 * PROBE)]
    assert policy.choice == 2  # every step took one tick: a tie goes to the larger count


def _data(n=1024, d=512, classes=10):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(np.float32)
    return DataLoader(TensorDataset(x, rng.integers(0, classes, n)), batch_size=128)


class _Threads(Callback):
    """Records NumPy's BLAS thread count after each batch (the count its step ran at)."""

    def __init__(self):
        self.seen = []

    def on_batch_end(self, epoch, batch, logs):
        self.seen.append(max((c.num_threads for c in _NUMPY_BLAS), default=1))


def _model():
    """512-256-10: largest product 128 * 512 * 256 >= SMALL_PRODUCT; capture supports it."""
    rng = np.random.default_rng(1)
    return nn.Sequential(nn.Linear(512, 256, rng=rng), nn.ReLU(), nn.Linear(256, 10, rng=rng))


def _fit(mode, capture=True):
    model, record = _model(), _Threads()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    h = fit(
        model, nn.CrossEntropyLoss(), opt, _data(), epochs=2, progress=False,
        capture=capture, blas_threads=mode, callbacks=[record],
    )  # fmt: skip
    return h, [p.detach().numpy().copy() for p in model.parameters()], record.seen


def _products_agree(shapes) -> bool:
    """Whether this BLAS gives the same bits at 1 and 2 threads for fit's products."""
    rng = np.random.default_rng(2)
    for n, a, b in shapes:
        x = rng.standard_normal((n, a), dtype=np.float32)
        w = rng.standard_normal((b, a), dtype=np.float32)
        g = rng.standard_normal((n, b), dtype=np.float32)
        out = {}
        for t in (1, 2):
            with threadpoolctl.threadpool_limits(limits=t, user_api="blas"):
                out[t] = (x @ w.T, g @ w, g.T @ x)
        if not all(np.array_equal(u, v) for u, v in zip(out[1], out[2], strict=True)):
            return False
    return True


@pytest.mark.parametrize("capture", [True, False])
def test_adaptive_fit_probes_both_counts_and_gives_the_same_history(capture):
    assert 128 * 512 * 256 >= SMALL_PRODUCT
    if not _products_agree([(128, 512, 256), (128, 256, 10)]):
        pytest.skip("this BLAS's products differ between 1 and 2 threads")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        runs = {mode: _fit(mode, capture) for mode in (1, 2, "adaptive")}
        assert set(_blas_threads()) == {2}  # fit may load another BLAS (scipy's) on the way
    # 16 steps: the first probe (2 threads, then 1), then the run at whichever was faster
    adaptive_seen = runs["adaptive"][2]
    assert adaptive_seen[: 2 * PROBE] == [2] * PROBE + [1] * PROBE
    assert len(set(adaptive_seen[2 * PROBE :])) == 1
    assert set(runs[1][2]) == {1} and set(runs[2][2]) == {2}
    ref_h, ref_p, _ = runs[1]
    for mode in (2, "adaptive"):
        h, params, _ = runs[mode]
        assert h["loss"] == ref_h["loss"] and h["grad_norms"] == ref_h["grad_norms"]
        for p, q in zip(params, ref_p, strict=True):
            np.testing.assert_array_equal(p, q)


def test_small_models_keep_one_thread_under_adaptive_and_limits_come_back_after_an_error():
    model = nn.Sequential(nn.Linear(4, 3))
    loader = DataLoader(TensorDataset(np.zeros((8, 4), np.float32), np.zeros(8, int)), batch_size=4)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with fit_threads(model, loader, "adaptive") as runner:
            assert runner.run(_blas_threads) == [1] * len(_blas_threads())
        big = _model()
        with pytest.raises(RuntimeError, match="inside"):
            with fit_threads(big, _data(), "adaptive") as runner:
                runner.run(lambda: None)
                for _ in range(2 * PROBE):
                    runner.run(lambda: None)
                raise RuntimeError("inside")
        assert _blas_threads() == [2] * len(_blas_threads())


@pytest.mark.parametrize("bad", [0, -1, True, 1.0, "fast", "Auto"])
def test_bad_blas_threads_is_named(bad):
    model = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(np.zeros((4, 2), np.float32), np.zeros(4, int)), batch_size=2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=f"blas_threads must be .* got {bad!r}"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False, blas_threads=bad)


def test_the_default_is_static_where_thread_counts_change_the_bits():
    # fit's layer shapes (batch, in, out): 784-512-512-10 @128, 64-128-128-10 @32
    shapes = [(128, 784, 512), (128, 512, 512), (128, 512, 10), (32, 64, 128), (32, 128, 128)]
    default = inspect.signature(fit).parameters["blas_threads"].default
    if not _products_agree(shapes):
        assert default != "adaptive"  # a timing-dependent default would change results
    assert default in ("auto", "adaptive")
