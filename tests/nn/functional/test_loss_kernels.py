"""The array kernels of the plain fused cross-entropy (cross_entropy_plain_array,
cross_entropy_plain_grad_array): values worked by hand, the cases that leave the plain
path, and the same bits with and without ``out=`` buffers (step capture passes buffers).

Hand values: z = [[0, 0], [ln 3, 0]], y = [1, 0]. Row 0: e = [1, 1], total 2, loss ln 2;
row 1: m = ln 3, e = [1, 1/3], total 4/3, loss ln(4/3). Sum ln(8/3), mean ln(8/3) / 2.
Softmax rows [1/2, 1/2] and [3/4, 1/4]; minus the one-hot targets and times s = 1/2 (the
mean): [[1/4, -1/4], [-1/8, 1/8]].
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from netopt.nn.functional.loss import cross_entropy_plain_array, cross_entropy_plain_grad_array

Z = np.array([[0.0, 0.0], [math.log(3.0), 0.0]])
Y = np.array([1, 0])


def test_forward_and_gradient_by_hand():
    loss, e, total, at = cross_entropy_plain_array(Z, Y, True)
    assert loss.shape == () and loss.dtype == np.float64
    assert loss == pytest.approx(math.log(8.0 / 3.0) / 2.0, rel=1e-15)
    np.testing.assert_allclose(e, [[1.0, 1.0], [1.0, 1.0 / 3.0]], rtol=1e-15)
    np.testing.assert_allclose(total, [[2.0], [4.0 / 3.0]], rtol=1e-15)
    grad = cross_entropy_plain_grad_array(e, total, 0.5, at)
    np.testing.assert_allclose(grad, [[0.25, -0.25], [-0.125, 0.125]], rtol=1e-14)
    loss, *_ = cross_entropy_plain_array(Z, Y, False)
    assert loss == pytest.approx(math.log(8.0 / 3.0), rel=1e-15)


@pytest.mark.parametrize(
    "z, y",
    [
        (Z, np.array([-1, 0])),  # a negative index
        (Z, np.array([2, 0])),  # an index >= C
        (np.array([[np.inf, 0.0], [0.0, 0.0]]), Y),  # an infinite row maximum
        (np.array([[np.nan, 0.0], [0.0, 0.0]]), Y),  # a NaN row maximum
    ],
)
def test_outside_the_plain_case(z, y):
    assert cross_entropy_plain_array(z, y, True) is None


@pytest.mark.parametrize("mean", [True, False])
def test_buffers_give_the_same_bits(mean):
    rng = np.random.default_rng(0)
    n, c = 33, 7
    z = (3 * rng.standard_normal((n, c))).astype(np.float32)
    y = rng.integers(0, c, n)
    want = cross_entropy_plain_array(z, y, mean)
    bufs = dict(rows=np.arange(n), m=np.empty((n, 1), z.dtype), e=np.empty_like(z),
                total=np.empty((n, 1), z.dtype), log=np.empty(n, z.dtype))  # fmt: skip
    got = cross_entropy_plain_array(z, y, mean, **bufs)
    assert got[1] is bufs["e"] and got[2] is bufs["total"]
    for a, b in zip(want[:3], got[:3]):
        assert a.dtype == b.dtype == np.float32 and np.array_equal(a, b)
    scale = np.ones((), np.float32) / (float(n) if mean else 1.0)
    p = np.empty_like(z)
    g_fresh = cross_entropy_plain_grad_array(want[1], want[2], scale, want[3])
    g_buf = cross_entropy_plain_grad_array(got[1], got[2], scale, got[3], out=p)
    assert g_buf is p and np.array_equal(g_fresh, g_buf)
