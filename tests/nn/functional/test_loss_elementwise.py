"""nn.functional's element-wise losses (MSE, L1, BCE with and without logits, KL):
hand-worked values and gradients (rtol 1e-12 in float64), extremes, torch's clamps."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
from netopt.autograd import gradcheck

RTOL = 1e-12
LN2, LN3, LN4 = math.log(2.0), math.log(3.0), math.log(4.0)
W = np.array([0.5, 2.0, 1.0, 1.5])
Y = np.array([0, 3, 1, 3])


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL, atol=1e-15)


def test_mse_and_l1_by_hand():
    x, t = _leaf([1.0, 2.0, 3.0]), netopt.tensor(np.array([1.0, 0.0, 5.0]))  # d = [0, 2, -2]
    _close(F.mse_loss(x, t, reduction="none").data, [0.0, 4.0, 4.0])
    _close(F.mse_loss(x, t, reduction="sum").item(), 8.0)
    loss = F.mse_loss(x, t)
    _close(loss.item(), 8.0 / 3.0)
    loss.backward()
    _close(x.grad, [0.0, 4.0 / 3.0, -4.0 / 3.0])  # 2 d / n
    x.grad = None
    loss = F.l1_loss(x, t)
    _close(loss.item(), 4.0 / 3.0)
    loss.backward()
    _close(x.grad, [0.0, 1.0 / 3.0, -1.0 / 3.0])  # sign(d) / n, 0 at a tie (torch)
    # the target gets the opposite gradient when it requires grad
    x2, t2 = _leaf([1.0, 2.0]), _leaf([0.0, 4.0])
    F.mse_loss(x2, t2, reduction="sum").backward()
    _close(t2.grad, -x2.grad)


def test_bce_with_logits_by_hand():
    z = _leaf([0.0, LN3, LN3])
    y = netopt.tensor(np.array([1.0, 1.0, 0.0]))
    # -ln sigma(z) for y = 1, -ln(1 - sigma(z)) for y = 0; sigma(ln 3) = 3/4
    want = [LN2, math.log(4.0 / 3.0), LN4]
    _close(F.binary_cross_entropy_with_logits(z, y, reduction="none").data, want)
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    loss.backward()
    _close(z.grad, [-0.5, -0.25, 0.75])  # sigma(z) - y
    z.grad = None
    # pos_weight multiplies the y = 1 term; weight multiplies everything
    pw = netopt.tensor(np.array([2.0, 2.0, 2.0]))
    w = netopt.tensor(np.array([1.0, 0.5, 3.0]))
    loss = F.binary_cross_entropy_with_logits(z, y, weight=w, reduction="none", pos_weight=pw)
    _close(loss.data, [2 * LN2, 0.5 * 2 * math.log(4.0 / 3.0), 3 * LN4])
    loss.sum().backward()
    # (1 - y) + (1 + (pw - 1) y)(sigma - 1), times w
    _close(z.grad, [2 * (0.5 - 1), 0.5 * 2 * (0.75 - 1), 3 * 0.75])


def test_kl_div_by_hand_and_reductions():
    logq = netopt.tensor(np.log(np.array([[0.25, 0.75]])))
    p = netopt.tensor(np.array([[0.5, 0.5]]))
    pointwise = [0.5 * math.log(2.0), 0.5 * math.log(2.0 / 3.0)]  # p (ln p - ln q)
    _close(F.kl_div(logq, p, reduction="none").data, [pointwise])
    total = sum(pointwise)
    _close(F.kl_div(logq, p, reduction="sum").item(), total)
    _close(F.kl_div(logq, p, reduction="mean").item(), total / 2)  # over elements, as torch
    _close(F.kl_div(logq, p, reduction="batchmean").item(), total)  # over the batch of 1
    logp = netopt.tensor(np.log(p.data.numpy()))
    _close(F.kl_div(logq, logp, reduction="sum", log_target=True).item(), total)
    # 0 log 0 = 0: a zero target contributes nothing (and no NaN)
    zero = netopt.tensor(np.array([[0.0, 1.0]]))
    _close(F.kl_div(logq, zero, reduction="sum").item(), math.log(4.0 / 3.0))


def test_kl_div_gradient_in_the_input_is_minus_target_over_batch():
    logq = _leaf(np.log(np.array([[0.25, 0.75], [0.5, 0.5]])))
    p = netopt.tensor(np.array([[0.5, 0.5], [0.0, 1.0]]))
    F.kl_div(logq, p, reduction="batchmean").backward()
    _close(logq.grad, -p.data / 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_plus_minus_1000_is_finite_without_warnings(dtype):
    z = _leaf([-1000.0, 1000.0, -1000.0, 1000.0], dtype)
    y = netopt.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")  # underflow (e^-1000 -> 0) is intended, left ignored
        loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        loss.sum().backward()
    assert loss.dtype == dtype and z.grad.dtype == dtype
    assert loss.data.tolist() == [1000.0, 1000.0, 0.0, 0.0]  # wrong side costs |z|
    assert z.grad.tolist() == [-1.0, 1.0, 0.0, 0.0]  # sigma(z) - y


def test_binary_cross_entropy_by_hand_with_torchs_clamps():
    x = _leaf([0.5, 0.25, 0.0, 1.0])
    y = netopt.tensor(np.array([1.0, 0.0, 1.0, 1.0]))
    loss = F.binary_cross_entropy(x, y, reduction="none")
    # -ln 0.5, -ln 0.75, the clamp -max(ln 0, -100) = 100, -ln 1 = 0
    _close(loss.data, [math.log(2.0), math.log(4.0 / 3.0), 100.0, 0.0])
    loss.sum().backward()
    # (x - y) / max(x (1 - x), eps) with torch's eps = float32(1e-12): -0.5/0.25,
    # 0.25/0.1875, -1/eps, 0/eps
    _close(x.grad, [-2.0, 4.0 / 3.0, -1 / float(np.float32(1e-12)), 0.0])
    w = netopt.tensor(np.array([2.0, 1.0, 0.0, 1.0]))
    _close(F.binary_cross_entropy(x, y, weight=w).item(), (2 * math.log(2.0) + math.log(4 / 3)) / 4)


def test_gradcheck_binary_cross_entropy_in_input_and_target():
    rng = np.random.default_rng(11)
    x = _leaf(rng.uniform(0.1, 0.9, (3, 2)))
    y = _leaf(rng.uniform(0.0, 1.0, (3, 2)))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b), [x, y])


def test_binary_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x = rng.uniform(0.0, 1.0, 6)
    x[:2] = [0.0, 1.0]
    y, w = rng.uniform(0.0, 1.0, 6), rng.uniform(0.5, 2.0, 6)
    for reduction in ("none", "mean", "sum"):
        ours, theirs = _leaf(x), torch.tensor(x, requires_grad=True)
        yo, yt = _leaf(y), torch.tensor(y, requires_grad=True)
        a = F.binary_cross_entropy(ours, yo, weight=w, reduction=reduction)
        b = torch.nn.functional.binary_cross_entropy(
            theirs, yt, weight=torch.tensor(w), reduction=reduction
        )
        _close(a.data, b.detach().numpy())
        a.sum().backward()
        b.sum().backward()
        _close(ours.grad, theirs.grad.numpy())
        _close(yo.grad, yt.grad.numpy())  # +-inf at x = 0 and 1


def test_binary_cross_entropy_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match=r"between 0 and 1.*got 1\.5"):
        F.binary_cross_entropy(netopt.tensor([0.5, 1.5]), netopt.tensor([1.0, 0.0]))
    assert repr(nn.BCELoss()) == "BCELoss()"
    loss = nn.BCELoss(reduction="sum")
    _close(loss(_leaf([0.5, 0.5]), netopt.tensor(np.array([1.0, 0.0]))).item(), 2 * math.log(2.0))
