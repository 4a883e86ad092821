"""fit's BLAS threading policy: one thread for small products, the user's limits restored."""

from __future__ import annotations

import numpy as np
import pytest

from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.train import fit
from netopt.train.threads import SMALL_PRODUCT, blas_threads, largest_product, threads_for

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads() -> list[int]:
    return [
        c.num_threads
        for c in threadpoolctl.ThreadpoolController().lib_controllers
        if c.user_api == "blas"
    ]


def test_largest_product_is_batch_times_the_largest_weight():
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    assert largest_product(model, 32) == 32 * 64 * 128
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4, 2))
    assert largest_product(conv, 32) is None
    assert threads_for(conv, 32) is None


def test_small_models_get_one_thread_large_ones_are_left_alone():
    small = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    assert threads_for(small, 32) == 1
    assert threads_for(small, None) is None
    large = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    assert 128 * 784 * 512 >= SMALL_PRODUCT
    assert threads_for(large, 128) is None


def test_blas_threads_limits_inside_and_restores_after_an_error():
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with pytest.raises(RuntimeError, match="inside"), blas_threads(1):
            assert all(n == 1 for n in _blas_threads())
            raise RuntimeError("inside")
        assert _blas_threads() == before


def test_fit_trains_small_models_on_one_thread_and_restores():
    seen = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 3)

        def forward(self, x):
            seen.append(max(_blas_threads(), default=1))
            return self.lin(x)

    x = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    y = np.arange(16) % 3
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    model = Probe()
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        opt = optim.SGD(model.parameters(), lr=0.1)
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False)
        assert _blas_threads() == before
    assert seen == [1, 1]
