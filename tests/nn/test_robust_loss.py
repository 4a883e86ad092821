"""smooth_l1_loss / SmoothL1Loss, huber_loss / HuberLoss and nll_loss with class weights,
against torch live; gradients also by central differences."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

X = np.array([[0.3, -2.5, 1.2], [4.0, 0.05, -0.7]])
Y = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 0.25]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("smooth_l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 3.0}),
        ("smooth_l1_loss", {"beta": 0.0}),
        ("huber_loss", {}),
        ("huber_loss", {"delta": 0.3}),
        ("huber_loss", {"delta": 2.0}),
    ],
)
def test_value_and_gradient_match_torch(name, kwargs, reduction):
    x, tx = netopt.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out = getattr(F, name)(x, netopt.tensor(Y), reduction=reduction, **kwargs)
    ref = getattr(tF, name)(tx, torch.tensor(Y), reduction=reduction, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    assert gradcheck(
        lambda t: getattr(F, name)(t, netopt.tensor(Y), reduction=reduction, **kwargs),
        [netopt.tensor(X, requires_grad=True)],
    )


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [(nn.SmoothL1Loss, torch.nn.SmoothL1Loss, {"beta": 0.5}),
     (nn.HuberLoss, torch.nn.HuberLoss, {"delta": 0.5, "reduction": "sum"})],
)  # fmt: skip
def test_modules_match_torch(ours, theirs, kwargs):
    a = ours(**kwargs)(
        netopt.tensor(X, dtype=netopt.float32), netopt.tensor(Y, dtype=netopt.float32)
    )
    b = theirs(**kwargs)(torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32))
    assert a.dtype == np.float32
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)


def test_target_gradient_matches_torch():
    y, ty = netopt.tensor(Y, requires_grad=True), torch.tensor(Y, requires_grad=True)
    F.huber_loss(netopt.tensor(X), y, delta=0.5).backward()
    tF.huber_loss(torch.tensor(X), ty, delta=0.5).backward()
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_with_class_weights_matches_torch(reduction):
    logp = np.log(np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.25, 0.25, 0.5]]))
    target, weight = np.array([1, 0, 2]), np.array([0.2, 1.0, 3.0])
    x, tx = netopt.tensor(logp, requires_grad=True), torch.tensor(logp, requires_grad=True)
    out = F.nll_loss(x, netopt.tensor(target), weight=netopt.tensor(weight), reduction=reduction)
    ref = tF.nll_loss(tx, torch.tensor(target), weight=torch.tensor(weight), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: F.smooth_l1_loss(netopt.zeros(2), netopt.zeros(2), beta=-1.0),
         "smooth_l1_loss does not support negative values for beta"),
        (lambda: F.huber_loss(netopt.zeros(2), netopt.zeros(2), delta=0.0),
         "huber_loss does not support non-positive values for delta"),
        (lambda: F.huber_loss(netopt.zeros(2), netopt.zeros(2), reduction="avg"),
         "avg is not a valid value for reduction"),
        (lambda: F.smooth_l1_loss(netopt.zeros(2), netopt.zeros(3)), "differ"),
    ],
)  # fmt: skip
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
