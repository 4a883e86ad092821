"""Sequential, ModuleList, Identity and Flatten: order, indexing, names, gradcheck of an MLP."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

import netopt
from netopt import nn
from netopt.autograd import gradcheck

RTOL = 1e-12


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _close(got, want, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=1e-14)


# ----------------------------------------------------------------------------- containers
def test_gradcheck_sequential_mlp():
    rng = np.random.default_rng(0)
    net = nn.Sequential(
        nn.Linear(3, 4, rng=rng, dtype=np.float64),
        nn.BatchNorm1d(4, dtype=np.float64),
        nn.Tanh(),
        nn.Linear(4, 2, rng=rng, dtype=np.float64),
        nn.LogSoftmax(dim=1),
    )
    x = _leaf(rng.standard_normal((5, 3)))
    assert gradcheck(lambda inp, *_: net(inp), [x, *net.parameters()])


def test_sequential_order_indexing_and_names():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = netopt.randn(4, 2, rng=np.random.default_rng(0))
    assert np.array_equal(seq(x).data, c(b(a(x))).data)
    named = nn.Sequential(OrderedDict([("fc", a), ("act", b)]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert named.append(nn.Identity()) is named and len(named) == 3


def test_module_list_identity_flatten():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    assert [n for n, _ in layers.named_parameters()][-1] == "2.bias"
    x = netopt.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Identity()(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
