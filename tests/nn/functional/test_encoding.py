"""nn.functional.one_hot, by hand and like torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F

RTOL = 1e-12
LN2, LN3, LN4 = math.log(2.0), math.log(3.0), math.log(4.0)
W = np.array([0.5, 2.0, 1.0, 1.5])
Y = np.array([0, 3, 1, 3])


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL, atol=1e-15)


def test_one_hot_by_hand_and_like_torch():
    out = F.one_hot(netopt.tensor([[1], [0]]), 3)
    assert out.shape == (2, 1, 3) and out.dtype == np.int64
    assert out.data.tolist() == [[[0, 1, 0]], [[1, 0, 0]]]
    assert F.one_hot(netopt.tensor([0, 2, 1])).data.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    with pytest.raises(ValueError, match="non-negative, got -1"):
        F.one_hot(netopt.tensor([0, -1]), 3)
    with pytest.raises(ValueError, match="smaller than num_classes=3, got 3"):
        F.one_hot(netopt.tensor([0, 3]), 3)
    with pytest.raises(TypeError, match="must be integers"):
        F.one_hot(netopt.tensor([0.5]), 3)
    torch = pytest.importorskip("torch")
    y = np.array([[2, 0], [1, 1]])
    np.testing.assert_array_equal(
        F.one_hot(netopt.tensor(y), 4).data, torch.nn.functional.one_hot(torch.tensor(y), 4)
    )
