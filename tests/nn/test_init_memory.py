"""Initialization writes in place: Linear's peak memory is about its weight, values unchanged."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np

from netopt import nn
from netopt.nn import init


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_linear_initializes_in_place():
    n = 1200  # 5.8 MB of float32 weight
    layer, peak = _peak(lambda: nn.Linear(n, n, rng=np.random.default_rng(0)))
    weight = layer.weight.data.nbytes
    # the weight itself, its bias, and at most a small drawing buffer (was 4x: a float64
    # draw, its float32 copy, and the weight)
    assert peak < 1.25 * weight, peak / weight


def test_in_place_draws_equal_numpys_draws_of_the_whole_shape():
    shape = (300, 700)  # more than one chunk of draws
    bound = 1 / math.sqrt(shape[1])
    w = nn.Parameter(np.empty(shape, dtype=np.float32))
    init.uniform_(w, -bound, bound, rng=np.random.default_rng(3))
    want = np.random.default_rng(3).uniform(-bound, bound, shape).astype(np.float32)
    np.testing.assert_array_equal(w.data, want)
    init.normal_(w, 0.5, 2.0, rng=np.random.default_rng(4))
    want = np.random.default_rng(4).normal(0.5, 2.0, shape).astype(np.float32)
    np.testing.assert_array_equal(w.data, want)


def test_linear_draws_equal_torchs_recipe_from_numpy():
    layer = nn.Linear(500, 300, rng=np.random.default_rng(7))
    rng = np.random.default_rng(7)
    bound = 1 / math.sqrt(500)  # kaiming_uniform_(a=sqrt(5)) on fan_in 500
    np.testing.assert_array_equal(
        layer.weight.data, rng.uniform(-bound, bound, (300, 500)).astype(np.float32)
    )
    np.testing.assert_array_equal(
        layer.bias.data, rng.uniform(-bound, bound, 300).astype(np.float32)
    )


def test_init_of_a_non_contiguous_view_writes_through():
    base = np.zeros((4, 6), dtype=np.float32)
    view = nn.Parameter(base.T)  # not C-contiguous
    init.uniform_(view, 1.0, 2.0, rng=np.random.default_rng(0))
    want = np.random.default_rng(0).uniform(1.0, 2.0, (6, 4)).astype(np.float32)
    np.testing.assert_array_equal(base.T, want)


def test_init_bumps_the_version_as_torch():
    w = nn.Parameter(np.zeros((2, 2), dtype=np.float32))
    init.uniform_(w, rng=np.random.default_rng(0))
    init.zeros_(w)
    assert w._version == 2  # torch.nn.init writes in place under no_grad: two writes
