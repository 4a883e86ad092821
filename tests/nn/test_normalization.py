"""BatchNorm1d and Dropout (nn/normalization.py, F.batch_norm, F.dropout), by hand and by
gradcheck.

Tolerances: hand values at rtol 1e-12 (RTOL, float64); gradcheck at its defaults. Dropout's
statistics are binomial: a kept fraction is tested within 5 standard deviations
(sqrt(p (1 - p) / n)), so a correct implementation fails with probability < 1e-6 for any
seed. Torch's values and gradients of BatchNorm1d are in test_torch_reference.py; torch's
dropout masks come from its own generator and cannot match.
"""

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
    y = bn(netopt.tensor(x)).data.numpy()
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
    y = F.dropout(x, p, training=True, rng=np.random.default_rng(0)).data.numpy()
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
