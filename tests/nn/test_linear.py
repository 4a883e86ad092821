"""nn.Linear, F.linear and F.linear_relu (and Sequential's fusing of Linear + ReLU), by
hand (rtol 1e-12 in float64) and by gradcheck; torch's values are in test_torch_reference.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
from netopt.autograd import gradcheck

RTOL = 1e-12


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _close(got, want, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=1e-14)


# ----------------------------------------------------------------------------- Linear
def _linear(w, b=None):
    w = np.asarray(w, dtype=np.float64)
    layer = nn.Linear(w.shape[1], w.shape[0], bias=b is not None, dtype=np.float64)
    layer.weight.data[...] = w
    if b is not None:
        layer.bias.data[...] = b
    return layer


def test_linear_by_hand():
    layer = _linear([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]], [0.5, 0.0, -1.0])
    x = _leaf([[1.0, 1.0], [2.0, 0.0]])
    y = layer(x)  # x W^T + b
    _close(y.data, [[3.5, -1.0, 3.0], [2.5, 0.0, 5.0]])
    y.backward(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    _close(layer.weight.grad, [[1.0, 1.0], [0.0, 0.0], [2.0, 0.0]])  # G^T x
    _close(layer.bias.grad, [1.0, 0.0, 1.0])  # sum of G over the batch
    _close(x.grad, [[1.0, 2.0], [3.0, 1.0]])  # G W
    assert y.shape == (2, 3) and layer.weight.shape == (3, 2)


def test_linear_batch_dimensions_and_no_bias():
    layer = _linear([[1.0, -1.0]])
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = netopt.tensor(np.arange(12.0).reshape(2, 3, 2))
    _close(layer(x).data, -np.ones((2, 3, 1)))


@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_linear(bias):
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2, bias=bias, rng=rng, dtype=np.float64)
    x = _leaf(rng.standard_normal((4, 3)))
    params = list(layer.parameters())
    assert gradcheck(lambda inp, *_: layer(inp), [x, *params])


def test_gradcheck_linear_3d_input():
    rng = np.random.default_rng(1)
    layer = nn.Linear(3, 2, rng=rng, dtype=np.float64)
    x = _leaf(rng.standard_normal((2, 2, 3)))
    assert gradcheck(lambda inp, w, b: F.linear(inp, w, b), [x, layer.weight, layer.bias])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_relu_equals_relu_of_linear_bit_for_bit(dtype, shape, bias):
    rng = np.random.default_rng(2)
    layer = nn.Linear(3, 4, bias=bias, rng=rng, dtype=dtype)
    x = rng.standard_normal(shape).astype(dtype)
    x[..., 0] = 0.0  # some outputs land exactly on the kink when the bias is absent
    grad_out = rng.standard_normal((*shape[:-1], 4)).astype(dtype)
    results = []
    for fused in (True, False):
        layer.zero_grad()
        inp = netopt.tensor(x, requires_grad=True)
        if fused:
            out = F.linear_relu(inp, layer.weight, layer.bias)
        else:
            out = F.relu(F.linear(inp, layer.weight, layer.bias))
        out.backward(grad_out)
        results.append([out.data, inp.grad] + [p.grad for p in layer.parameters()])
    for got, want in zip(*results, strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == dtype


def test_gradcheck_linear_relu():
    rng = np.random.default_rng(3)
    w, b = _leaf(rng.standard_normal((4, 3))), _leaf(rng.standard_normal(4))
    x = _leaf(rng.standard_normal((6, 3)))
    pre = x.data.numpy() @ w.data.numpy().T + b.data.numpy()
    assert np.abs(pre).min() >= 1e-3 and (pre > 0).any() and (pre < 0).any()  # off the kink
    assert gradcheck(F.linear_relu, [x, w, b])


def test_sequential_fuses_exactly_linear_then_relu():
    rng = np.random.default_rng(4)
    net = nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ReLU(), nn.Linear(4, 2, rng=rng), nn.ReLU())
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    out = net(x)
    # two fused nodes: the output's only parent chain is linear_relu -> linear_relu -> x
    inner, w2, b2 = out._parents
    assert w2 is net[2].weight and b2 is net[2].bias
    assert all(a is b for a, b in zip(inner._parents, (x, net[0].weight, net[0].bias)))
    hidden = F.relu(F.linear(x, net[0].weight, net[0].bias))
    want = F.relu(F.linear(hidden, net[2].weight, net[2].bias))
    np.testing.assert_array_equal(out.data, want.data)


def test_sequential_does_not_fuse_subclasses():
    class Doubling(nn.ReLU):  # a subclass may change what the layer does
        def forward(self, input):
            return F.relu(input) * 2.0

    rng = np.random.default_rng(5)
    net = nn.Sequential(nn.Linear(3, 4, rng=rng), Doubling())
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    want = F.relu(F.linear(x, net[0].weight, net[0].bias)).data * 2.0
    np.testing.assert_array_equal(net(x).data, want)


def test_linear_default_init_bounds_and_seeding():
    # torch's default: W, b ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a = sqrt(5))
    layer = nn.Linear(400, 50, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.data.numpy(), layer.bias.data.numpy()
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # 20,000 draws fill the interval
    assert abs(w.var() - bound**2 / 3) < 0.05 * bound**2 / 3  # variance of U(-a, a) is a^2/3
    again = nn.Linear(400, 50, rng=np.random.default_rng(0))
    assert np.array_equal(again.weight.data, w) and np.array_equal(again.bias.data, b)
    other = nn.Linear(400, 50, rng=np.random.default_rng(1))
    assert not np.array_equal(other.weight.data, w)
    netopt.manual_seed(7)
    first = np.array(nn.Linear(3, 2).weight.data)
    netopt.manual_seed(7)
    assert np.array_equal(nn.Linear(3, 2).weight.data, first)


def test_linear_with_zero_features():
    with pytest.warns(UserWarning, match="zero-element"):
        layer = nn.Linear(0, 3)
    assert layer.weight.shape == (3, 0)
    assert np.array_equal(layer.bias.data, np.zeros(3))  # bound 0, as torch
    assert layer(netopt.zeros(2, 0)).shape == (2, 3)


def test_linear_repr():
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
