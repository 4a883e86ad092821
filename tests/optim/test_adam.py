"""Adam: the ``adam`` kernel against its formula (amsgrad, decoupled decay), and coupled
weight decay as L2 on the loss.

Expected values are computed here from the formula in plain float64 NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.nn import Parameter
from netopt.optim import Adam, AdamW
from netopt.optim.functional import adam

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_formula(amsgrad, decoupled, kernel_inputs):
    rng, theta, grad = kernel_inputs(4)
    m, v = 0.1 * rng.standard_normal(6), rng.random(6)
    vmax = v + rng.random(6) * (rng.random(6) < 0.5)
    alpha, b1, b2, eps, lam, t = 0.01, 0.8, 0.99, 1e-8, 0.1, 5
    g = grad if decoupled else grad + lam * theta
    base = theta * (1 - alpha * lam) if decoupled else theta
    m_t = b1 * m + (1 - b1) * g
    v_t = b2 * v + (1 - b2) * g * g
    v_use = np.maximum(vmax, v_t) if amsgrad else v_t
    m_hat, v_hat = m_t / (1 - b1**t), v_use / (1 - b2**t)
    expected = base - alpha * m_hat / (np.sqrt(v_hat) + eps)
    state = {"step": t - 1.0, "exp_avg": m.copy(), "exp_avg_sq": v.copy(),
             "max_exp_avg_sq": vmax.copy()}  # fmt: skip
    adam(theta, grad, state, lr=alpha, beta1=b1, beta2=b2, eps=eps, weight_decay=lam,
         amsgrad=amsgrad, decoupled_weight_decay=decoupled)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)
    np.testing.assert_allclose(state["exp_avg"], m_t, rtol=RTOL)
    np.testing.assert_allclose(state["exp_avg_sq"], v_t, rtol=RTOL)
    assert state["step"] == t


def _quartic_loss(W: Parameter, x: netopt.Tensor) -> netopt.Tensor:
    """mean((h*h - 1)^2) with h = x W^T: non-convex, so no linear identity is at work."""
    h = x @ W.T
    return ((h * h - 1.0) ** 2).mean()


def test_adam_weight_decay_is_l2_but_adamw_is_not():
    rng = np.random.default_rng(6)
    x = netopt.tensor(rng.standard_normal((8, 3)))
    lam, lr = 0.1, 0.01
    init = rng.standard_normal((2, 3))
    params = [Parameter(init.copy()) for _ in range(3)]
    adam_wd, adam_l2, adamw = params
    opts = [Adam([adam_wd], lr=lr, weight_decay=lam), Adam([adam_l2], lr=lr),
            AdamW([adamw], lr=lr, weight_decay=lam)]  # fmt: skip
    for _ in range(15):
        for p in params:
            p.grad = None
            extra = lam / 2 * (p * p).sum() if p is adam_l2 else 0.0
            (_quartic_loss(p, x) + extra).backward()
        for opt in opts:
            opt.step()
    np.testing.assert_allclose(adam_wd.data, adam_l2.data, rtol=1e-10, atol=1e-13)
    assert np.abs(adamw.data.numpy() - adam_wd.data.numpy()).max() > 1e-3
