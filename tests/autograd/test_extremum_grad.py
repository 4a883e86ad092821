"""Gradients of maximum/minimum (and max/min of two tensors) against torch's, NaN and ties."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

A = [1.0, np.nan, 3.0, 2.0, np.nan, -np.inf, 0.0]
B = [2.0, 2.0, np.nan, 2.0, np.nan, -np.inf, -0.0]


@pytest.mark.parametrize("name", ["maximum", "minimum", "max", "min"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradients_follow_torch_with_nan_and_ties(name, dtype):
    upstream = np.array([1.0, -2.0, 3.0, 4.0, 5.0, np.inf, -1.0], dtype)
    ours = [netopt.tensor(np.array(v, dtype), requires_grad=True) for v in (A, B)]
    theirs = [torch.tensor(np.array(v, dtype), requires_grad=True) for v in (A, B)]
    out = getattr(netopt, name)(*ours)
    ref = getattr(torch, name)(*theirs)
    np.testing.assert_array_equal(out.data.numpy(), ref.detach().numpy())
    out.backward(netopt.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())
