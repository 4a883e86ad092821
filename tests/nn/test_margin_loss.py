"""multi_margin_loss / MultiMarginLoss: by hand, by central differences, against torch live."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn import functional as F

# torch's documentation example: scores of one sample, true class 3, margin 1; the hinges
# of classes 0, 1, 2 are 1 - 0.8 + x_i = 0.3, 0.4, 0.6.
ROW = [[0.1, 0.2, 0.4, 0.8]]


def _loss(x, y, **kwargs):
    xt = netopt.tensor(np.array(x), requires_grad=True)
    out = F.multi_margin_loss(xt, netopt.tensor(np.array(y)), **kwargs)
    out.sum().backward()
    return out.detach().numpy(), xt.grad.numpy() if hasattr(xt.grad, "numpy") else xt.grad


def test_by_hand_p1():
    value, grad = _loss(ROW, [3])
    assert value == pytest.approx((0.3 + 0.4 + 0.6) / 4, abs=1e-15)
    np.testing.assert_allclose(grad, [[0.25, 0.25, 0.25, -0.75]], atol=1e-15)


def test_by_hand_p2_margin_and_weight():
    value, grad = _loss(ROW, [3], p=2, weight=np.array([1.0, 1.0, 1.0, 2.0]))
    # hinges 0.3, 0.4, 0.6 squared, times w_3 = 2, over C = 4
    assert value == pytest.approx(2 * (0.09 + 0.16 + 0.36) / 4, abs=1e-15)
    np.testing.assert_allclose(grad, [[0.3, 0.4, 0.6, -1.3]], atol=1e-15)  # 2 * 2h / 4
    value, _ = _loss(ROW, [3], margin=0.5)  # hinges 0.5 - 0.8 + x_i: only 0.1 > 0
    assert value == pytest.approx(0.1 / 4, abs=1e-15)


def test_satisfied_margins_and_the_kink_give_zero():
    value, grad = _loss([[3.0, 0.0, 1.0]], [0])  # hinges -2 and -1
    assert value == 0 and not grad.any()
    value, grad = _loss([[2.0, 1.0, 0.0]], [0])  # class 1 sits on the margin: h = 0
    assert value == 0 and not grad.any()


def test_reductions_over_a_batch_by_hand():
    x, y = [[0.1, 0.2, 0.4, 0.8], [3.0, 0.0, 1.0, 2.5]], [3, 0]
    # row 0: 1.3 / 4; row 1 (true class 0): hinges 1 - 3 + 2.5 = 0.5 only, / 4
    rows = [1.3 / 4, 0.5 / 4]
    np.testing.assert_allclose(_loss(x, y, reduction="none")[0], rows, atol=1e-15)
    assert _loss(x, y, reduction="sum")[0] == pytest.approx(sum(rows), abs=1e-15)
    value, grad = _loss(x, y)
    assert value == pytest.approx(sum(rows) / 2, abs=1e-15)
    np.testing.assert_allclose(grad[1], [-0.125, 0, 0, 0.125], atol=1e-15)


def test_one_sample_and_empty_batch():
    value, _ = _loss(ROW[0], 3)
    assert value.shape == () and value == pytest.approx(1.3 / 4, abs=1e-15)
    assert _loss(ROW[0], 3, reduction="none")[0].shape == ()
    empty = F.multi_margin_loss(netopt.zeros(0, 4), netopt.tensor(np.zeros(0, np.int64)))
    assert empty.item() == 0  # torch: 0, not NaN


def test_float32_stays_float32():
    x = netopt.tensor(ROW, requires_grad=True)
    out = F.multi_margin_loss(x, netopt.tensor([3]), p=2, weight=netopt.ones(4))
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck(p, reduction):
    rng = np.random.default_rng(1)
    x = netopt.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    y = netopt.tensor(rng.integers(0, 4, 5))
    w = rng.uniform(0.5, 2.0, 4)
    # the hinges stay >= 1e-3 from 0 for this draw (checked below), so no kink is crossed
    xd, yd = x.detach().numpy(), y.numpy()
    h = 0.7 - xd[np.arange(5), yd][:, None] + xd
    h[np.arange(5), yd] = 1.0
    assert np.abs(h).min() > 1e-3

    def f(t):
        return F.multi_margin_loss(t, y, p=p, margin=0.7, weight=w, reduction=reduction)

    assert gradcheck(f, (x,))


def test_module():
    loss = nn.MultiMarginLoss(p=2, margin=0.5, reduction="sum")
    x, y = netopt.tensor(ROW), netopt.tensor([3])
    expected = F.multi_margin_loss(x, y, p=2, margin=0.5, reduction="sum")
    assert loss(x, y).item() == expected.item()
    assert "reduction='sum'" in repr(loss)


X = netopt.tensor([[0.1, 0.2], [0.3, 0.4]])
ERRORS = [
    (lambda: F.multi_margin_loss(X, netopt.tensor([0, 1]), p=3), ValueError, "only p == 1"),
    (lambda: nn.MultiMarginLoss(p=0), ValueError, "only p == 1 and p == 2 supported"),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0, 1]), weight=np.ones((2, 1))),
        ValueError,
        "weight must be one-dimensional",
    ),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0, 1]), weight=np.ones(3)),
        RuntimeError,
        r"inconsistent weight size, expected 2 but got \[3\]",
    ),
    (lambda: F.multi_margin_loss(X, netopt.tensor([0, 2])), RuntimeError, "target out of range"),
    (lambda: F.multi_margin_loss(X, netopt.tensor([-1, 0])), RuntimeError, "out of range"),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0])),
        RuntimeError,
        r"Expected target size \[2\], but got \[1\]",
    ),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0.0, 1.0])),
        RuntimeError,
        "expected scalar type Long",
    ),
    (
        lambda: F.multi_margin_loss(netopt.zeros(2, 2, 2), netopt.tensor([0, 1])),
        RuntimeError,
        r"Expected non-empty vector or matrix .* got: \[2, 2, 2\]",
    ),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0, 1]), 1, 1.0, None, True),
        ValueError,
        "size_average and reduce are deprecated",
    ),
    (lambda: nn.MultiMarginLoss(reduce=False), ValueError, "deprecated; use reduction="),
    (
        lambda: F.multi_margin_loss(X, netopt.tensor([0, 1]), reduction="avg"),
        ValueError,
        "avg is not a valid value for reduction",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_against_torch(p, reduction, weighted, margin):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 5))
    y = rng.integers(0, 5, 6)
    w = rng.uniform(0.5, 2.0, 5) if weighted else None
    xt = netopt.tensor(x, requires_grad=True)
    ours = F.multi_margin_loss(
        xt, netopt.tensor(y), p=p, margin=margin, weight=w, reduction=reduction
    )
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.multi_margin_loss(
        tx,
        torch.tensor(y),
        p=p,
        margin=margin,
        weight=None if w is None else torch.tensor(w),
        reduction=reduction,
    )
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=1e-13)
    ours.sum().backward()
    ref.sum().backward()
    grad = xt.grad.numpy() if hasattr(xt.grad, "numpy") else xt.grad
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-13, atol=1e-16)


def test_one_sample_against_torch():
    torch = pytest.importorskip("torch")
    ours = F.multi_margin_loss(netopt.tensor(ROW[0]), netopt.tensor(3), p=2)
    ref = torch.nn.functional.multi_margin_loss(torch.tensor(ROW[0]), torch.tensor(3), p=2)
    assert ours.item() == pytest.approx(ref.item(), rel=1e-6)
