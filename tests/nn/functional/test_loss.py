"""nn.functional's classification losses (cross_entropy, nll_loss): hand-worked values and
gradients and extremes; gradchecks of every loss and option (the element-wise ones too).

Tolerances: hand values at rtol 1e-12 (RTOL, float64); gradcheck at its defaults (eps 1e-6,
atol 1e-5, rtol 1e-3) on float64 inputs, with L1 kept >= 1e-3 away from ties. Every loss,
reduction and option is compared with torch in test_torch_reference.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn.functional.loss import softmax_cross_entropy_grad

RTOL = 1e-12
LN2, LN3, LN4 = math.log(2.0), math.log(3.0), math.log(4.0)


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _ints(values):
    return netopt.tensor(np.asarray(values, dtype=np.int64))


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=RTOL, atol=1e-15)


# ----------------------------------------------------------------------------- hand values
# Two rows of logits [0, ln 3]: softmax [1/4, 3/4]; -log p = [ln 4, ln 4/3].
ROWS = [[0.0, LN3], [0.0, LN3]]
L0, L1 = LN4, math.log(4.0 / 3.0)


def test_cross_entropy_plain_by_hand():
    z = _leaf([[0.0, 0.0]])
    loss = F.cross_entropy(z, _ints([1]))
    _close(loss.item(), LN2)
    loss.backward()
    _close(z.grad, [[0.5, -0.5]])  # softmax - onehot

    z = _leaf(ROWS)
    y = _ints([0, 1])
    _close(F.cross_entropy(z, y, reduction="none").data, [L0, L1])
    _close(F.cross_entropy(z, y, reduction="sum").item(), L0 + L1)
    loss = F.cross_entropy(z, y)
    _close(loss.item(), (L0 + L1) / 2)
    loss.backward()
    _close(z.grad, [[-0.375, 0.375], [0.125, -0.125]])  # (p - onehot) / 2


def test_cross_entropy_weight_and_ignore_index_by_hand():
    z, y = _leaf(ROWS), _ints([0, 1])
    w = netopt.tensor(np.array([2.0, 1.0]))
    # mean divides by the summed weight of the targets: (2 ln 4 + ln 4/3) / 3
    _close(F.cross_entropy(z, y, weight=w).item(), (2 * L0 + L1) / 3)
    _close(F.cross_entropy(z, y, weight=w, reduction="none").data, [2 * L0, L1])
    # an ignored target contributes nothing, to the sum or to the count
    y_ign = _ints([0, -100])
    loss = F.cross_entropy(z, y_ign)
    _close(loss.item(), L0)
    loss.backward()
    _close(z.grad, [[-0.75, 0.75], [0.0, 0.0]])
    _close(F.cross_entropy(z, _ints([0, 1]), ignore_index=1, reduction="none").data, [L0, 0.0])


def test_cross_entropy_label_smoothing_by_hand():
    z, y = _leaf(ROWS), _ints([0, 1])
    eps = 0.2  # t' = (1 - eps) onehot + eps / C = [0.9, 0.1] for class 0 (C = 2)
    logp = [math.log(0.25), math.log(0.75)]
    row0 = -(0.9 * logp[0] + 0.1 * logp[1])
    row1 = -(0.1 * logp[0] + 0.9 * logp[1])
    _close(F.cross_entropy(z, y, label_smoothing=eps, reduction="none").data, [row0, row1])
    loss = F.cross_entropy(z, y, label_smoothing=eps)
    loss.backward()
    _close(z.grad, [[(0.25 - 0.9) / 2, (0.75 - 0.1) / 2], [(0.25 - 0.1) / 2, (0.75 - 0.9) / 2]])
    # uniform logits: every smoothing gives ln C
    for eps in (0.0, 0.3, 1.0):
        loss = F.cross_entropy(netopt.tensor(np.zeros((2, 4))), _ints([1, 3]), label_smoothing=eps)
        _close(loss.item(), LN4)


def test_cross_entropy_probability_targets_by_hand():
    z = _leaf([[0.0, LN3]])
    p = netopt.tensor(np.array([[0.3, 0.7]]))
    loss = F.cross_entropy(z, p)
    _close(loss.item(), -(0.3 * math.log(0.25) + 0.7 * math.log(0.75)))
    loss.backward()
    _close(z.grad, [[0.25 - 0.3, 0.75 - 0.7]])
    # a one-hot probability target is the same as the class index
    onehot = netopt.tensor(np.array([[1.0, 0.0], [0.0, 1.0]]))
    _close(F.cross_entropy(_leaf(ROWS), onehot).item(), (L0 + L1) / 2)


def test_cross_entropy_probability_target_gradient_by_hand():
    # softmax([0, ln 3]) = [1/4, 3/4]; dl/dt_c = -(1 - eps) w_c log softmax(z)_c, divided by
    # N = 2 for "mean" (both rows alike here)
    z = netopt.tensor(np.array([[0.0, LN3], [0.0, LN3]]))
    t = _leaf([[0.3, 0.7], [0.5, 0.5]])
    F.cross_entropy(z, t).backward()
    row = [math.log(4.0) / 2, -math.log(0.75) / 2]
    _close(t.grad, [row, row])
    t.grad = None
    w = netopt.tensor(np.array([2.0, 1.0]))
    F.cross_entropy(z, t, weight=w, label_smoothing=0.2, reduction="sum").backward()
    row = [0.8 * 2.0 * math.log(4.0), -0.8 * math.log(0.75)]
    _close(t.grad, [row, row])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_cross_entropy_probability_target(reduction):
    rng = np.random.default_rng(7)
    z = _leaf(rng.standard_normal((3, 4, 2)))
    t = _leaf(rng.dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1))
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction), [z, t])


def test_cross_entropy_probability_target_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    z, t = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), size=4)
    w = np.array([0.5, 2.0, 1.0])
    ours, theirs = _leaf(t), torch.tensor(t, requires_grad=True)
    F.cross_entropy(netopt.tensor(z), ours, weight=w, label_smoothing=0.1).backward()
    torch.nn.functional.cross_entropy(
        torch.tensor(z), theirs, weight=torch.tensor(w), label_smoothing=0.1
    ).backward()
    _close(ours.grad, theirs.grad.numpy())


def test_nll_loss_by_hand():
    x = _leaf([[-1.0, -2.0], [-3.0, -4.0]])
    y = _ints([1, 0])
    _close(F.nll_loss(x, y).item(), 2.5)  # (2 + 3) / 2
    w = netopt.tensor(np.array([1.0, 3.0]))
    loss = F.nll_loss(x, y, weight=w)
    _close(loss.item(), 9.0 / 4.0)  # (3 * 2 + 1 * 3) / (3 + 1)
    loss.backward()
    _close(x.grad, [[0.0, -0.75], [-0.25, 0.0]])
    _close(F.nll_loss(x, _ints([1, -100]), reduction="sum").item(), 2.0)


def test_cross_entropy_equals_nll_of_log_softmax():
    rng = np.random.default_rng(0)
    z1, z2 = _leaf(rng.standard_normal((5, 4))), None
    z2 = _leaf(z1.data)
    y = _ints([0, 3, -100, 2, 3])
    w = netopt.tensor(rng.uniform(0.5, 2.0, 4))
    for reduction in ("mean", "sum", "none"):
        a = F.cross_entropy(z1, y, weight=w, reduction=reduction)
        b = F.nll_loss(F.log_softmax(z2, 1), y, weight=w, reduction=reduction)
        _close(a.data, b.data)
        a.sum().backward()
        b.sum().backward()
        _close(z1.grad, z2.grad)


# ----------------------------------------------------------------------------- gradchecks
def _logits(seed, *shape):
    return _leaf(np.random.default_rng(seed).standard_normal(shape))


def _probs(seed, *shape, zeros=False):
    p = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    if zeros:
        p[..., 0] = 0.0
    return p / p.sum(axis=1, keepdims=True)


def _away_from(x_seed, t_seed, shape):
    """Input and target whose differences are all >= 1e-2 in size (L1's kink is at 0)."""
    rng = np.random.default_rng(x_seed)
    t = np.random.default_rng(t_seed).standard_normal(shape)
    d = rng.uniform(0.01, 1.0, shape) * rng.choice([-1.0, 1.0], shape)
    return _leaf(t + d), t


Y = np.array([0, 3, 1, 3])
Y_IGN = np.array([0, -100, 1, 3])
W = np.array([0.5, 2.0, 1.0, 1.5])
RED = ("mean", "sum", "none")

LOSS_CASES = []
for r in RED:
    LOSS_CASES += [
        (f"ce_{r}", lambda z, r=r: F.cross_entropy(z, Y, reduction=r)),
        (f"ce_weight_{r}", lambda z, r=r: F.cross_entropy(z, Y, weight=W, reduction=r)),
        (f"ce_ignore_{r}", lambda z, r=r: F.cross_entropy(z, Y_IGN, reduction=r)),
        (f"ce_smooth_{r}", lambda z, r=r: F.cross_entropy(z, Y, reduction=r, label_smoothing=0.2)),
        (
            f"ce_all_{r}",
            lambda z, r=r: F.cross_entropy(
                z, Y_IGN, weight=W, reduction=r, label_smoothing=0.3, ignore_index=-100
            ),
        ),
        (
            f"ce_prob_{r}",
            lambda z, r=r: F.cross_entropy(z, _probs(1, 4, 4, zeros=True), reduction=r),
        ),
        (
            f"ce_prob_all_{r}",
            lambda z, r=r: F.cross_entropy(
                z, _probs(1, 4, 4), weight=W, reduction=r, label_smoothing=0.1
            ),
        ),
        (f"nll_{r}", lambda z, r=r: F.nll_loss(z, Y_IGN, weight=W, reduction=r)),
        (
            f"bce_{r}",
            lambda z, r=r: F.binary_cross_entropy_with_logits(z, _probs(2, 4, 4), reduction=r),
        ),
        (
            f"bce_weights_{r}",
            lambda z, r=r: F.binary_cross_entropy_with_logits(
                z, _probs(2, 4, 4), weight=W, pos_weight=W[::-1].copy(), reduction=r
            ),
        ),
        (f"kl_{r}", lambda z, r=r: F.kl_div(F.log_softmax(z, 1), _probs(3, 4, 4, zeros=True), r)),
        (
            f"kl_log_target_{r}",
            lambda z, r=r: F.kl_div(z, np.log(_probs(3, 4, 4)), reduction=r, log_target=True),
        ),
        (f"mse_{r}", lambda z, r=r: F.mse_loss(z, _probs(4, 4, 4), reduction=r)),
    ]
LOSS_CASES += [
    ("kl_batchmean", lambda z: F.kl_div(F.log_softmax(z, 1), _probs(3, 4, 4), "batchmean")),
    ("ce_unbatched", lambda z: F.cross_entropy(z[0], np.array(2))),
    ("ce_kdim", lambda z: F.cross_entropy(z.reshape(2, 4, 2), Y.reshape(2, 2) % 4)),
    ("ce_module", lambda z: nn.CrossEntropyLoss(W, label_smoothing=0.1)(z, Y)),
    ("nll_module", lambda z: nn.NLLLoss(reduction="sum")(z, Y)),
    ("mse_module", lambda z: nn.MSELoss()(z, np.zeros((4, 4)))),
    ("bce_module", lambda z: nn.BCEWithLogitsLoss(pos_weight=W)(z, _probs(2, 4, 4))),
    ("kl_module", lambda z: nn.KLDivLoss("batchmean", log_target=True)(z, np.log(_probs(5, 4, 4)))),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in LOSS_CASES])
def test_gradcheck_loss_in_the_input(fn):
    assert gradcheck(fn, [_logits(0, 4, 4)])


@pytest.mark.parametrize("reduction", RED)
def test_gradcheck_l1_off_ties(reduction):
    x, t = _away_from(0, 1, (3, 4))
    assert gradcheck(lambda a: F.l1_loss(a, t, reduction=reduction), [x])
    assert gradcheck(lambda b: nn.L1Loss(reduction)(x.detach(), b), [_leaf(t)])


@pytest.mark.parametrize(
    "fn",
    [
        pytest.param(lambda x, t: F.mse_loss(x, t), id="mse"),
        pytest.param(lambda x, t: F.binary_cross_entropy_with_logits(x, t), id="bce"),
        pytest.param(
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=W, pos_weight=W),
            id="bce_weights",
        ),
        pytest.param(lambda x, t: F.kl_div(x, t, reduction="sum"), id="kl"),
        pytest.param(lambda x, t: F.kl_div(x, t.log(), "batchmean", True), id="kl_log_target"),
    ],
)
def test_gradcheck_loss_in_both_input_and_target(fn):
    assert gradcheck(fn, [_logits(0, 3, 4), _leaf(_probs(1, 3, 4))])


# ----------------------------------------------------------------------------- extremes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_at_large_logits(dtype):
    z = _leaf([[1000.0, 0.0], [-1000.0, 1000.0]], dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss = F.cross_entropy(z, _ints([1, 1]), reduction="none")
        loss.sum().backward()
    assert loss.data.tolist() == [1000.0, 0.0]
    assert z.grad.tolist() == [[1.0, -1.0], [0.0, 0.0]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "row", [[np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0]]
)
def test_cross_entropy_mean_with_a_non_finite_row_equals_the_per_sample_path(dtype, row):
    # A "mean" over index targets takes a fused path; a row whose maximum is not finite
    # must leave it quietly (no RuntimeWarning) and give what the per-sample losses give.
    z = np.array([row, [0.5, -1.0, 2.0]], dtype=dtype)
    y = _ints([1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean = F.cross_entropy(netopt.tensor(z), y)
        per_sample = F.cross_entropy(netopt.tensor(z), y, reduction="none")
    np.testing.assert_array_equal(mean.data.numpy(), np.mean(per_sample.data.numpy()).astype(dtype))


# ----------------------------------------------------------------------------- the backward
def test_softmax_cross_entropy_grad_by_hand():
    # plain indices: s (softmax - e_y); softmax rows [1/4, 3/4] and [1/2, 1/2]
    p = np.array([[0.25, 0.75], [0.5, 0.5]])
    _close(
        softmax_cross_entropy_grad(p.copy(), 0.5, ([0, 1], [1, 0]), None),
        [[0.125, -0.125], [-0.25, 0.25]],
    )
    # coefficients a: s (softmax * sum_c a - a); row sums of a are 2 and 1
    a = np.array([[0.5, 1.5], [1.0, 0.0]])
    want = [[0.25 * 2 - 0.5, 0.75 * 2 - 1.5], [0.5 - 1.0, 0.5]]
    _close(softmax_cross_entropy_grad(p.copy(), np.ones((2, 1)), None, a), want)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_plain_and_general_paths_give_the_same_gradient(reduction):
    # weight=ones sends the same problem down the general path; the gradient is softmax - e_y
    # either way (scaled by 1/N for "mean"), so the two agree to rounding.
    z = np.random.default_rng(7).standard_normal((5, 4))
    y = np.array([0, 3, 1, 3, 2])
    grads = []
    for weight in (None, np.ones(4)):
        x = _leaf(z)
        F.cross_entropy(x, y, weight=weight, reduction=reduction).backward()
        grads.append(x.grad)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(5), y] -= 1
    want = p / 5 if reduction == "mean" else p
    np.testing.assert_allclose(grads[0], want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads[1], want, rtol=1e-12, atol=1e-15)
