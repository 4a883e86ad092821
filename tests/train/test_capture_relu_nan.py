"""A captured step's ReLU backward at a NaN upstream gradient: the eager and the captured
step agree bit for bit, and both give torch's gradients (a unit ReLU blocked gets +0
where the product with the derivative 0 would give NaN)."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn, optim
from netopt.train.capture import capture_step

torch = pytest.importorskip("torch")


def _model():
    rng = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(5, 12, rng=rng), nn.ReLU(), nn.Linear(12, 3, rng=rng))


def _torch_grads(model, x, y):
    """torch's gradients of the MSE loss for ``model``'s weights, on ``(x, y)``."""
    lin1, lin2 = model[0], model[2]
    params = [
        torch.tensor(p.detach().numpy(), requires_grad=True)
        for p in (lin1.weight, lin1.bias, lin2.weight, lin2.bias)
    ]
    w1, b1, w2, b2 = params
    out = torch.relu(torch.tensor(x) @ w1.T + b1) @ w2.T + b2
    torch.nn.functional.mse_loss(out, torch.tensor(y)).backward()
    return [p.grad.numpy() for p in params]


def test_relu_backward_at_a_nan_target_is_torchs_eager_and_captured():
    rng = np.random.default_rng(1)
    data = [
        (
            rng.standard_normal((8, 5)).astype(np.float32),
            rng.standard_normal((8, 3)).astype(np.float32),
        )
        for _ in range(2)
    ]
    data[1][1][3, 0] = np.nan  # sample 3's loss, and so its upstream gradients, are NaN
    m1, m2 = _model(), _model()
    o1, o2 = optim.SGD(m1.parameters(), lr=0.1), optim.SGD(m2.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    step = capture_step(m2, loss_fn, o2)
    for i, (x, y) in enumerate(data):
        if i == 1:
            want = _torch_grads(m1, x, y)
        o1.zero_grad()
        loss_fn(m1(netopt.tensor(x)), netopt.tensor(y)).backward()
        o1.step()
        step(x, y)
    assert step.captured
    for p, q, w in zip(m1.parameters(), m2.parameters(), want, strict=True):
        got = p.grad.numpy()
        assert np.array_equal(got, q.grad.numpy(), equal_nan=True)
        assert np.array_equal(np.isnan(got), np.isnan(w))
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)
    # the derived check the NaN rule is about: sample 3's blocked units keep finite rows
    assert np.isfinite(m1[0].weight.grad.numpy()).any()
