"""float32 stays float32 through every activation, loss and layer: no silent float64 upcast.

Checked on the whole graph: every forward value and every gradient that a node's backward
returns must be float32, and so must the leaves' and parameters' ``.grad``. (The golden
float32 cases in test_torch_reference.py compare the values with torch.)
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn


def _f32(*shape, seed=0, low=-2.0, high=2.0):
    x = np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)
    return netopt.tensor(x, requires_grad=True)


def _c(values):  # float32 constants, given as tensors as a torch user would
    return netopt.tensor(np.asarray(values, dtype=np.float32))


Y = netopt.tensor(np.array([0, 3, -100, 1]))
P = _c(np.full((4, 4), 0.25))
W = _c([0.5, 1.0, 2.0, 1.5])

CASES = [
    ("sigmoid", F.sigmoid),
    ("tanh", F.tanh),
    ("relu", F.relu),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 0.5)),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.0)),
    ("gelu", F.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, "tanh")),
    ("selu", F.selu),
    ("silu", F.silu),
    ("softmax", lambda x: F.softmax(x, 1)),
    ("log_softmax", lambda x: F.log_softmax(x, 0)),
    ("modules", lambda x: nn.Sequential(nn.SELU(), nn.GELU(), nn.Softplus(), nn.LogSoftmax(1))(x)),
    ("cross_entropy", lambda x: F.cross_entropy(x, Y)),
    ("cross_entropy_all", lambda x: F.cross_entropy(x, Y, W, reduction="sum", label_smoothing=0.1)),
    ("cross_entropy_prob", lambda x: F.cross_entropy(x, P, weight=W, label_smoothing=0.2)),
    ("nll_loss", lambda x: F.nll_loss(x, Y, weight=W)),
    ("mse_loss", lambda x: F.mse_loss(x, P)),
    ("l1_loss", lambda x: F.l1_loss(x, P, reduction="sum")),
    ("bce_logits", lambda x: F.binary_cross_entropy_with_logits(x, P, weight=W, pos_weight=W)),
    ("kl_div", lambda x: F.kl_div(F.log_softmax(x, 1), P, reduction="batchmean")),
    ("kl_div_log_target", lambda x: F.kl_div(x, P.log(), reduction="none", log_target=True)),
    ("loss_modules", lambda x: nn.CrossEntropyLoss(W)(x, Y) + nn.KLDivLoss()(x, P)),
    ("dropout", lambda x: F.dropout(x, 0.3, rng=np.random.default_rng(0))),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in CASES])
def test_activations_and_losses_keep_float32(fn, float32_graph_problems):
    x = _f32(4, 4)
    out = fn(x)
    assert out.dtype == np.float32
    assert float32_graph_problems(out) == []
    out.sum().backward()
    assert x.grad.dtype == np.float32


LAYERS = [
    ("linear", lambda: nn.Linear(4, 3)),
    ("linear_no_bias", lambda: nn.Linear(4, 3, bias=False)),
    ("batchnorm_train", lambda: nn.BatchNorm1d(4)),
    ("batchnorm_eval", lambda: nn.BatchNorm1d(4).eval()),
    ("batchnorm_momentum_none", lambda: nn.BatchNorm1d(4, momentum=None)),
    ("batchnorm_no_affine", lambda: nn.BatchNorm1d(4, affine=False, track_running_stats=False)),
    ("dropout", lambda: nn.Dropout(0.5, rng=np.random.default_rng(1))),
    ("mlp", lambda: nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))),
    ("mlp_fused_linear_relu", lambda: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))),
]


@pytest.mark.parametrize("make", [pytest.param(f, id=i) for i, f in LAYERS])
def test_layers_keep_float32_in_outputs_gradients_and_buffers(make, float32_graph_problems):
    layer = make()
    x = _f32(6, 4)
    for _ in range(2):  # a second step goes through updated running statistics
        out = layer(x)
    assert out.dtype == np.float32
    assert float32_graph_problems(out) == []
    (out * out).sum().backward()
    assert x.grad.dtype == np.float32
    for name, p in layer.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
    for name, buf in layer.named_buffers():
        assert buf.dtype == (np.int64 if name.endswith("num_batches_tracked") else np.float32)
