"""BatchNorm2d, LayerNorm, GroupNorm, the N-D functional batch_norm, Dropout1d/2d and
Embedding: gradchecks, hand-derived properties, reprs and errors (values against torch live
in ``test_conv_reference.py``). Gradchecks run in float64 with netopt's defaults.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn import functional as F
from netopt.nn.functional import normalization as N


def _t(rng, *shape):
    return netopt.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_nd_gradcheck(training):
    rng = np.random.default_rng(0)
    x, w, b = _t(rng, 3, 2, 2, 2), _t(rng, 2), _t(rng, 2)
    rm, rv = rng.standard_normal(2), rng.uniform(0.5, 2, 2)

    def fn(x, w, b):
        return N.batch_norm(x, rm.copy(), rv.copy(), w, b, training=training)

    assert gradcheck(fn, [x, w, b])


def test_layer_norm_gradcheck():
    rng = np.random.default_rng(1)
    x, w, b = _t(rng, 2, 3, 4), _t(rng, 3, 4), _t(rng, 3, 4)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-3), [x, w, b])


def test_group_norm_gradcheck():
    rng = np.random.default_rng(2)
    x, w, b = _t(rng, 2, 4, 3), _t(rng, 4), _t(rng, 4)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, w, b])


def test_embedding_gradcheck():
    rng = np.random.default_rng(3)
    w = _t(rng, 5, 3)
    idx = netopt.tensor(np.array([[0, 4, 4], [2, 0, 1]]))
    # (padding_idx withholds a true gradient on purpose, so it is tested by hand below)
    assert gradcheck(lambda w: F.embedding(idx, w), [w])


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_uses_the_nd_kernel_with_hand_derived_numbers(shape, momentum):
    # F.batch_norm is the N-D kernel (BatchNorm1d's numbers were checked bit-identical to the
    # former 2-D/3-D kernel when it moved); here against the formulas, float64
    assert F.batch_norm is N.batch_norm
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    bn = nn.BatchNorm1d(3, momentum=momentum, dtype=np.float64)
    xt = netopt.tensor(x, requires_grad=True)
    cot = rng.standard_normal(shape)
    (bn(xt) * netopt.tensor(cot)).sum().backward()
    axes = (0,) if x.ndim == 2 else (0, 2)
    n = x.size // 3
    keep = lambda v: v.reshape((1, 3) + (1,) * (x.ndim - 2))  # noqa: E731
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    xhat = (x - keep(mean)) / np.sqrt(keep(var) + 1e-5)
    m = 1.0 if momentum is None else momentum  # cumulative average after one batch: m = 1/1
    np.testing.assert_allclose(bn.running_mean, m * mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bn.running_var, (1 - m) + m * var * n / (n - 1), rtol=1e-12)
    gx = cot - keep(cot.mean(axis=axes)) - xhat * keep((cot * xhat).mean(axis=axes))
    gx /= np.sqrt(keep(var) + 1e-5)
    np.testing.assert_allclose(xt.grad, gx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad, (cot * xhat).sum(axis=axes), rtol=1e-12)


def test_batchnorm2d_normalizes_each_channel_over_batch_and_space():
    x = netopt.tensor(np.random.default_rng(5).normal(3.0, 2.0, (4, 3, 5, 5)))
    bn = nn.BatchNorm2d(3, dtype=np.float64)
    y = bn(x).data.numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)  # eps 1e-5 / var ~4
    # running statistics: (1 - 0.1) * init + 0.1 * batch, unbiased variance (n = 100)
    want_var = 0.9 + 0.1 * x.data.numpy().var(axis=(0, 2, 3)) * 100 / 99
    np.testing.assert_allclose(bn.running_var, want_var, rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1


def test_layer_norm_and_group_norm_by_hand():
    y = F.layer_norm(netopt.tensor([[1.0, 2.0, 3.0]], dtype=np.float64), 3, eps=0.0)
    np.testing.assert_allclose(y.data, [[-(1.5**0.5), 0.0, 1.5**0.5]], rtol=1e-14)
    # one group of all channels = layer norm over (C, L); C groups = instance norm
    x = netopt.tensor(np.random.default_rng(6).standard_normal((2, 4, 3)))
    np.testing.assert_allclose(F.group_norm(x, 1).data, F.layer_norm(x, (4, 3)).data, atol=1e-14)
    inst = (x.data.numpy() - x.data.numpy().mean(2, keepdims=True)) / np.sqrt(
        x.data.numpy().var(2, keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(F.group_norm(x, 4).data, inst, atol=1e-14)


@pytest.mark.parametrize(
    ("cls", "shape"), [(nn.Dropout1d, (6, 5, 7)), (nn.Dropout2d, (6, 5, 3, 4))]
)
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    layer = cls(0.4, rng=np.random.default_rng(7))
    x = netopt.ones(*shape)
    y = layer(x).data.numpy().reshape(shape[0], shape[1], -1)
    per_channel = y[:, :, :1]
    assert np.all(y == per_channel)  # constant over each feature map
    kept = per_channel[per_channel != 0]
    np.testing.assert_allclose(kept, 1 / 0.6, rtol=1e-6)  # inverted dropout: x / (1 - p)
    assert 0 < (per_channel == 0).mean() < 1
    layer.eval()
    assert layer(x) is x


def test_embedding_module():
    emb = nn.Embedding(6, 3, padding_idx=-1, rng=np.random.default_rng(8))
    assert emb.padding_idx == 5 and repr(emb) == "Embedding(6, 3, padding_idx=5)"
    np.testing.assert_array_equal(emb.weight.data[5], 0)
    idx = netopt.tensor([[5, 1, 1]])
    out = emb(idx)
    assert out.shape == (1, 3, 3)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 2, 0, 0, 0, 0])


def test_reprs_match_torch():
    assert repr(nn.BatchNorm2d(3)) == (
        "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    assert repr(nn.LayerNorm((2, 5), bias=False)) == (
        "LayerNorm((2, 5), eps=1e-05, elementwise_affine=True, bias=False)"
    )
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"


ERRORS = [
    (
        lambda: nn.GroupNorm(3, 4),
        ValueError,
        r"num_channels \(4\) must be divisible by num_groups \(3\)",
    ),
    (
        lambda: nn.GroupNorm(2, 4)(netopt.zeros(2, 3, 5)),
        RuntimeError,
        r"Expected number of channels in input to be divisible by num_groups, "
        r"but got input of shape \[2, 3, 5\] and num_groups=2",
    ),
    (
        lambda: nn.LayerNorm(5)(netopt.zeros(2, 4)),
        RuntimeError,
        r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], "
        r"but got input of size\[2, 4\]",
    ),
    (
        lambda: nn.BatchNorm2d(3)(netopt.zeros(2, 3, 4)),
        ValueError,
        r"expected 4D input \(got 3D input\)",
    ),
    (
        lambda: nn.BatchNorm2d(3)(netopt.zeros(1, 3, 1, 1)),
        ValueError,
        "Expected more than 1 value per channel when training, got input size",
    ),
    (lambda: nn.Embedding(5, 2)(netopt.tensor([5])), IndexError, "index out of range in self"),
    (
        lambda: nn.Embedding(5, 2, padding_idx=5),
        ValueError,
        "Padding_idx must be within num_embeddings",
    ),
    (
        lambda: nn.Embedding(5, 2)(netopt.tensor([1.0])),
        RuntimeError,
        "Expected tensor for argument #1 'indices' to have one of the following scalar types",
    ),
    (
        lambda: nn.Dropout2d(2.0),
        ValueError,
        "dropout probability has to be between 0 and 1, but got 2.0",
    ),
    (
        lambda: nn.Dropout1d()(netopt.zeros(2, 3, 4, 5)),
        RuntimeError,
        "dropout1d: Expected 2D or 3D input, but received a 4D input",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
