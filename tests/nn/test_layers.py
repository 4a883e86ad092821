"""Layers: Linear, BatchNorm1d, Dropout and the containers, by hand and by gradcheck.

Tolerances: hand values at rtol 1e-12 (RTOL, float64); gradcheck at its defaults. Dropout's
statistics are binomial: a kept fraction is tested within 5 standard deviations
(sqrt(p (1 - p) / n)), so a correct implementation fails with probability < 1e-6 for any
seed. Torch's values and gradients of Linear and BatchNorm1d are in
test_torch_reference.py; torch's dropout masks come from its own generator and cannot match.
"""

from __future__ import annotations

import math
from collections import OrderedDict

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
    pre = x.data @ w.data.T + b.data
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
    w, b = layer.weight.data, layer.bias.data
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # 20,000 draws fill the interval
    assert abs(w.var() - bound**2 / 3) < 0.05 * bound**2 / 3  # variance of U(-a, a) is a^2/3
    again = nn.Linear(400, 50, rng=np.random.default_rng(0))
    assert np.array_equal(again.weight.data, w) and np.array_equal(again.bias.data, b)
    other = nn.Linear(400, 50, rng=np.random.default_rng(1))
    assert not np.array_equal(other.weight.data, w)
    netopt.manual_seed(7)
    first = nn.Linear(3, 2).weight.data.copy()
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


# ----------------------------------------------------------------------------- BatchNorm1d
X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0], [7.0, 12.0]])
# channel 0: mean 4, biased var 5, unbiased 20/3; channel 1: mean 12, biased var 6, unbiased 8


def test_batchnorm_train_step_by_hand():
    bn = nn.BatchNorm1d(2, dtype=np.float64)
    y = bn(netopt.tensor(X))
    xhat = (X - [4.0, 12.0]) / np.sqrt(np.array([5.0, 6.0]) + 1e-5)  # biased variance
    _close(y.data, xhat)
    # running = 0.9 * running + 0.1 * batch, with the unbiased variance
    _close(bn.running_mean, [0.4, 1.2])
    _close(bn.running_var, [0.9 + 0.1 * 20 / 3, 0.9 + 0.1 * 8])
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn(netopt.tensor(X))
    _close(bn.running_mean, [0.4 * 0.9 + 0.4, 1.2 * 0.9 + 1.2])
    assert bn.num_batches_tracked.item() == 2


def test_batchnorm_affine_and_eval_by_hand():
    bn = nn.BatchNorm1d(2, eps=0.0 + 1e-5, dtype=np.float64)
    bn.weight.data[...] = [2.0, 0.5]
    bn.bias.data[...] = [1.0, -1.0]
    bn.running_mean[...] = [1.0, 2.0]
    bn.running_var[...] = [4.0 - 1e-5, 9.0 - 1e-5]  # so that sqrt(var + eps) = [2, 3]
    bn.eval()
    x = _leaf([[3.0, 5.0], [-1.0, 2.0]])
    y = bn(x)
    _close(y.data, [[2.0 * 1.0 + 1.0, 0.5 * 1.0 - 1.0], [2.0 * -1.0 + 1.0, -1.0]])
    y.sum().backward()
    _close(x.grad, [[1.0, 0.5 / 3.0], [1.0, 0.5 / 3.0]])  # gamma / sqrt(var + eps)
    _close(bn.weight.grad, [0.0, 1.0])  # sum of xhat
    _close(bn.bias.grad, [2.0, 2.0])
    assert bn.num_batches_tracked.item() == 0  # eval leaves the statistics alone
    _close(bn.running_mean, [1.0, 2.0])


def test_batchnorm_momentum_none_is_the_cumulative_average():
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((5, 3)) * (k + 1) + k for k in range(4)]
    bn = nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    for b in batches:
        bn(netopt.tensor(b))
    _close(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0))
    # the cumulative average starts from the initial running_var = 1 only at t = 1 (m = 1)
    _close(bn.running_var, np.mean([b.var(0, ddof=1) for b in batches], axis=0))
    assert bn.num_batches_tracked.item() == 4


def test_batchnorm_3d_input_normalizes_over_batch_and_length():
    x = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    bn = nn.BatchNorm1d(3, momentum=1.0, dtype=np.float64)
    y = bn(netopt.tensor(x)).data
    flat = x.transpose(1, 0, 2).reshape(3, -1)
    _close(y.mean(axis=(0, 2)), np.zeros(3))
    _close(bn.running_mean, flat.mean(1))  # momentum 1: the last batch's statistics
    _close(bn.running_var, flat.var(1, ddof=1))


def test_batchnorm_without_affine_or_running_stats():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False, dtype=np.float64)
    assert list(bn.parameters()) == [] and list(bn.state_dict()) == []
    bn.eval()  # without running statistics, eval still uses the batch statistics (torch)
    _close(bn(netopt.tensor(X)).data, (X - [4.0, 12.0]) / np.sqrt(np.array([5.0, 6.0]) + 1e-5))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2)])
def test_gradcheck_batchnorm(training, shape):
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(shape[1], dtype=np.float64)
    bn.weight.data[...] = rng.uniform(0.5, 1.5, shape[1])
    bn.bias.data[...] = rng.standard_normal(shape[1])
    bn.running_var[...] = rng.uniform(0.5, 2.0, shape[1])
    bn.train(training)
    x = _leaf(rng.standard_normal(shape))
    assert gradcheck(lambda inp, *_: bn(inp), [x, bn.weight, bn.bias])


def test_batchnorm_two_rows_is_enough():
    bn = nn.BatchNorm1d(1, dtype=np.float64)
    _close(
        bn(netopt.tensor(np.array([[0.0], [2.0]]))).data,
        [[-1 / math.sqrt(1 + 1e-5)], [1 / math.sqrt(1 + 1e-5)]],
    )
    _close(bn.running_var, [0.9 + 0.1 * 2.0])  # unbiased: 2 / (2 - 1)


def test_batchnorm_repr():
    # torch 2.13's strings, bias (keyword-only) included
    assert repr(nn.BatchNorm1d(3)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    assert repr(nn.BatchNorm1d(3, affine=False, momentum=None)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, bias=False, "
        "track_running_stats=True)"
    )


def test_batchnorm_without_bias_learns_only_the_scale():
    bn = nn.BatchNorm1d(2, bias=False)
    assert [n for n, _ in bn.named_parameters()] == ["weight"] and bn.bias is None
    assert list(bn.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]
    x = _leaf([[1.0, 2.0], [3.0, 6.0]])
    bn.weight.data[...] = [2.0, 1.0]
    # batch mean [2, 4], biased var [1, 4]: xhat = [[-1, -1], [1, 1]] (eps aside), y = gamma xhat
    np.testing.assert_allclose(bn(x).data, [[-2.0, -1.0], [2.0, 1.0]], rtol=1e-5)


def test_batchnorm_repr_and_parameters_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"bias": False}, {"affine": False}, {"affine": False, "bias": False}):
        ours, theirs = nn.BatchNorm1d(4, **kwargs), torch.nn.BatchNorm1d(4, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())


# ----------------------------------------------------------------------------- Dropout
def test_dropout_inverted_scaling_and_statistics():
    n, p = 100_000, 0.3
    x = netopt.tensor(np.full(n, 2.0))
    y = F.dropout(x, p, training=True, rng=np.random.default_rng(0)).data
    kept = y != 0
    assert np.all(y[kept] == 2.0 / (1 - p))  # survivors scaled by 1/(1 - p)
    assert abs(kept.mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    assert abs(y.mean() - 2.0) < 5 * 2.0 / (1 - p) * math.sqrt(p * (1 - p) / n)


def test_dropout_gradient_is_the_mask():
    x = _leaf(np.linspace(1.0, 2.0, 50))
    y = F.dropout(x, 0.5, rng=np.random.default_rng(3))
    y.sum().backward()
    mask = y.data / x.data
    assert set(np.unique(mask)) == {0.0, 2.0}
    assert np.array_equal(x.grad, mask)


def test_dropout_p0_p1_and_eval():
    x = _leaf(np.arange(1.0, 7.0))
    assert np.array_equal(F.dropout(x, 0.0).data, x.data)
    zeros = F.dropout(x, 1.0)
    assert np.array_equal(zeros.data, np.zeros(6))
    zeros.sum().backward()
    assert np.array_equal(x.grad, np.zeros(6))
    drop = nn.Dropout(0.9)
    drop.eval()
    assert np.array_equal(drop(x).data, x.data)  # identity in eval mode
    assert np.array_equal(F.dropout(x, 0.9, training=False).data, x.data)


def test_dropout_is_deterministic_under_a_seeded_generator():
    x = netopt.tensor(np.ones((8, 8)))
    a = nn.Dropout(0.5, rng=np.random.default_rng(42))
    b = nn.Dropout(0.5, rng=np.random.default_rng(42))
    first = a(x).data
    assert np.array_equal(first, b(x).data)
    assert not np.array_equal(first, a(x).data)  # the stream moves on
    c = nn.Dropout(0.5, rng=np.random.default_rng(43))
    assert not np.array_equal(first, c(x).data)


def test_dropout_keeps_float32():
    x = _leaf(np.ones(10), np.float32)
    y = F.dropout(x, 0.25, rng=np.random.default_rng(0))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert set(np.unique(y.data)) <= {np.float32(0.0), np.float32(1 / 0.75)}
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"


def test_gradcheck_dropout_with_a_fixed_mask():
    # a generator seeded anew on every call draws the same mask, so the map is linear
    x = _leaf(np.random.default_rng(0).standard_normal((3, 4)))
    assert gradcheck(lambda t: F.dropout(t, 0.4, rng=np.random.default_rng(5)), [x])
    assert gradcheck(lambda t: nn.Dropout(0.4, rng=np.random.default_rng(5))(t) * t, [x])


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
