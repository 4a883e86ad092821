"""The array kernels of mse_loss (mse_loss_array, mse_loss_grad_array): values worked by
hand and the same bits with and without ``out=`` buffers (step capture passes buffers).

Hand values: x = [1, 2, 4], y = [0, 0, 1]: d = [1, 2, 3], squares [1, 4, 9], sum 14,
mean 14/3; the gradient of the mean (2 d) / 3 = [2/3, 4/3, 2].
"""

from __future__ import annotations

import numpy as np
import pytest

from netopt.nn.functional.loss_elementwise import mse_loss_array, mse_loss_grad_array

X = np.array([1.0, 2.0, 4.0])
Y = np.array([0.0, 0.0, 1.0])


def test_forward_and_gradient_by_hand():
    loss, d = mse_loss_array(X, Y)
    assert loss.shape == () and loss == pytest.approx(14.0 / 3.0, rel=1e-15)
    np.testing.assert_array_equal(d, [1.0, 2.0, 3.0])
    assert mse_loss_array(X, Y, "sum")[0] == 14.0
    np.testing.assert_array_equal(mse_loss_array(X, Y, "none")[0], [1.0, 4.0, 9.0])
    grad = mse_loss_grad_array(d, 1.0 / 3.0)
    np.testing.assert_allclose(grad, [2.0 / 3.0, 4.0 / 3.0, 2.0], rtol=1e-15)
    np.testing.assert_array_equal(d, [1.0, 2.0, 3.0])  # d is not written


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_buffers_give_the_same_bits(reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((17, 3)).astype(np.float32)
    y = rng.standard_normal((17, 3)).astype(np.float32)
    want, d0 = mse_loss_array(x, y, reduction)
    d, sq, g = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    got, d1 = mse_loss_array(x, y, reduction, d=d, sq=sq)
    assert d1 is d and np.array_equal(d0, d1)
    assert want.dtype == got.dtype == np.float32 and np.array_equal(want, got)
    scale = np.ones((), np.float32) / (x.size if reduction == "mean" else 1)
    fresh = mse_loss_grad_array(d0, scale)
    assert mse_loss_grad_array(d1, scale, out=g) is g
    assert fresh.dtype == np.float32 and np.array_equal(fresh, g)
