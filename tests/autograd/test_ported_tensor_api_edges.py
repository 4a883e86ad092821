"""Edge cases of the ported Tensor API found in review, against torch: prod's gradient on
0-d and empty tensors, div(rounding_mode=) on integer and bool tensors, dims out of range
in flatten/permute/nn.Flatten/nn.Unflatten, and the gradient of relu-like activations at
a NaN input."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")


def _grad(lib, data, call):
    """The gradient of ``call(t).sum()`` with respect to ``t = lib.tensor(data)``."""
    t = lib.tensor(data, requires_grad=True)
    call(t).sum().backward()
    return t.grad.numpy()


@pytest.mark.parametrize(
    ("data", "call"),
    [
        (2.5, lambda t: t.prod(0)),
        (-1.5, lambda t: t.prod(-1, keepdim=True)),
        (np.zeros((0, 4)), lambda t: t.prod()),
        (np.zeros((0, 4)), lambda t: t.prod(0)),
        (np.zeros((0, 4)), lambda t: t.prod(1)),
        (np.zeros((3, 0)), lambda t: t.prod(1, keepdim=True)),
    ],
)
def test_prod_gradient_of_0d_and_empty_tensors_as_torch(data, call):
    got, want = _grad(netopt, data, call), _grad(torch, data, call)
    assert got.shape == tuple(want.shape)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
