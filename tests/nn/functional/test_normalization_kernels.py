"""The array kernels of batch_norm (batch_norm_stats_array, batch_norm_array,
batch_norm_backward_array): values worked by hand, and the same bits with and without
``out=`` buffers (step capture passes buffers, the eager function does not).

Hand values: x = [[1, 2], [3, 6]] has per-channel means [2, 4] and biased variances [1, 4];
with eps = 0, s = [1, 1/2] and x_hat = [[-1, -1], [1, 1]]. A single channel
x = [-1, -1, 1, 1] has mean 0, variance 1, x_hat = x; for g = [1, 0, 0, 0]:
S1/n = 1/4, S2/n = -1/4, dL/dx = (g - 1/4) + x_hat / 4 = [1/2, -1/2, 0, 0].
"""

from __future__ import annotations

import numpy as np
import pytest

from netopt.nn.functional.normalization import (
    batch_norm_array,
    batch_norm_backward_array,
    batch_norm_stats_array,
)

X = np.array([[1.0, 2.0], [3.0, 6.0]])


def test_stats_and_running_update_by_hand():
    rm, rv = np.zeros(2), np.ones(2)
    mean, var = batch_norm_stats_array(X, rm, rv, 0.1, None)
    np.testing.assert_allclose(mean, [2.0, 4.0], rtol=1e-15)
    np.testing.assert_allclose(var, [1.0, 4.0], rtol=1e-15)
    # r <- 0.9 r + 0.1 s; the variance unbiased: s * n / (n - 1) with n = 2.
    np.testing.assert_allclose(rm, [0.2, 0.4], rtol=1e-15)
    np.testing.assert_allclose(rv, [0.9 + 0.2, 0.9 + 0.8], rtol=1e-15)


def test_cumulative_momentum_counts_batches():
    x = np.array([[-1.0], [-1.0], [1.0], [1.0]])
    rm, rv, nbt = np.full(1, 5.0), np.full(1, 5.0), np.array(0)
    batch_norm_stats_array(x, rm, rv, None, nbt)
    # t = 1 after the increment, m = 1/t = 1: r = s (variance 1 * 4/3).
    assert nbt == 1
    np.testing.assert_allclose(rm, [0.0], atol=1e-15)
    np.testing.assert_allclose(rv, [4.0 / 3.0], rtol=1e-15)


def test_stats_without_running_statistics():
    mean, var = batch_norm_stats_array(X, None, None, 0.1, None)
    np.testing.assert_allclose(mean, [2.0, 4.0], rtol=1e-15)
    np.testing.assert_allclose(var, [1.0, 4.0], rtol=1e-15)


def test_normalize_by_hand():
    y, xhat, s = batch_norm_array(X, np.array([2.0, 4.0]), np.array([1.0, 4.0]), 0.0,
                                  np.array([2.0, 3.0]), np.array([0.5, -1.0]))  # fmt: skip
    np.testing.assert_allclose(s, [1.0, 0.5], rtol=1e-15)
    np.testing.assert_allclose(xhat, [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-15)
    np.testing.assert_allclose(y, [[-1.5, -4.0], [2.5, 2.0]], rtol=1e-15)
    y, xhat, _ = batch_norm_array(X, np.array([2.0, 4.0]), np.array([1.0, 4.0]), 0.0)
    assert y is not xhat
    np.testing.assert_allclose(y, [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-15)


def test_backward_by_hand():
    xhat = np.array([[-1.0], [-1.0], [1.0], [1.0]])
    g = np.array([[1.0], [0.0], [0.0], [0.0]])
    g_before = g.copy()
    gx, gw, gb = batch_norm_backward_array(g, xhat, np.ones(1), None, True)
    np.testing.assert_allclose(gx, [[0.5], [-0.5], [0.0], [0.0]], atol=1e-15)
    np.testing.assert_allclose(gw, [-1.0], rtol=1e-15)  # sum g * x_hat
    np.testing.assert_allclose(gb, [1.0], rtol=1e-15)  # sum g
    assert np.array_equal(g, g_before)
    # Running statistics (evaluation): gamma g s, with gamma = 3, s = 1/2.
    gx, gw, gb = batch_norm_backward_array(g, xhat, np.full(1, 0.5), np.full(1, 3.0), False,
                                           True, False, False)  # fmt: skip
    np.testing.assert_allclose(gx, [[1.5], [0.0], [0.0], [0.0]], rtol=1e-15)
    assert gw is None and gb is None


@pytest.mark.parametrize("shape", [(16, 5), (4, 3, 6), (3, 2, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_buffers_give_the_same_bits(shape, affine):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    c = shape[1]
    gamma = rng.standard_normal(c).astype(np.float32) if affine else None
    beta = rng.standard_normal(c).astype(np.float32) if affine else None
    keep = (1, c) + (1,) * (len(shape) - 2)
    mean, var = batch_norm_stats_array(x, None, None, 0.1, None)
    fresh = batch_norm_array(x, mean, var, 1e-5, gamma, beta)
    out, xhat = np.empty_like(x), np.empty_like(x)
    buffered = batch_norm_array(x, mean, var, 1e-5, gamma, beta, out=out, xhat=xhat)
    assert buffered[0] is out and buffered[1] is xhat
    for a, b in zip(fresh, buffered):
        assert np.array_equal(a, b)
    for use_batch in (True, False):
        want = batch_norm_backward_array(g, fresh[1], fresh[2], gamma, use_batch)
        bufs = dict(gx=np.empty_like(x), gw=np.empty(c, x.dtype), gb=np.empty(c, x.dtype),
                    gg=np.empty_like(x), tmp=np.empty_like(x), s1=np.empty(keep, x.dtype),
                    s2=np.empty(keep, x.dtype))  # fmt: skip
        got = batch_norm_backward_array(g, fresh[1], fresh[2], gamma, use_batch, **bufs)
        assert got[0] is bufs["gx"] and got[1] is bufs["gw"] and got[2] is bufs["gb"]
        for a, b in zip(want, got):
            assert a.dtype == b.dtype == np.float32 and np.array_equal(a, b)
