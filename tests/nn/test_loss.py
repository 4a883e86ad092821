"""nn's loss modules: the same numbers as their functions, and reprs."""

from __future__ import annotations

import math

import numpy as np

import netopt
import netopt.nn.functional as F
from netopt import nn

RTOL = 1e-12
LN2, LN3, LN4 = math.log(2.0), math.log(3.0), math.log(4.0)
W = np.array([0.5, 2.0, 1.0, 1.5])
Y = np.array([0, 3, 1, 3])


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _logits(seed, *shape):
    return _leaf(np.random.default_rng(seed).standard_normal(shape))


def _probs(seed, *shape):
    p = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return p / p.sum(axis=1, keepdims=True)


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL, atol=1e-15)


def test_loss_modules_equal_their_functions_and_reprs():
    z = _logits(0, 4, 4)
    t = _probs(1, 4, 4)
    pairs = [
        (nn.CrossEntropyLoss(W, 3, "sum", 0.1), F.cross_entropy(z, Y, W, 3, "sum", 0.1)),
        (nn.NLLLoss(W, reduction="none"), F.nll_loss(z, Y, W, reduction="none")),
        (nn.MSELoss("sum"), F.mse_loss(z, t, "sum")),
        (nn.L1Loss(), F.l1_loss(z, t)),
        (
            nn.BCEWithLogitsLoss(W, pos_weight=W),
            F.binary_cross_entropy_with_logits(z, t, W, pos_weight=W),
        ),
        (nn.KLDivLoss("batchmean"), F.kl_div(z, t, "batchmean")),
    ]
    for module, want in pairs:
        target = Y if isinstance(module, (nn.CrossEntropyLoss, nn.NLLLoss)) else t
        assert np.array_equal(module(z, target).data, want.data), module
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    assert repr(nn.KLDivLoss("batchmean")) == "KLDivLoss(reduction='batchmean')"
