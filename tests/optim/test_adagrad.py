"""AdaGrad: the ``adagrad`` kernel against eq. 6-29 (and where eps goes), and a group's own
``initial_accumulator_value`` (netopt honours it, torch does not).

Expected values are worked by hand (in comments) or computed here from the formula in
plain float64 NumPy, independently of the kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

from netopt.nn import Parameter
from netopt.optim import Adagrad
from netopt.optim.functional import adagrad

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


def test_adagrad_formula(kernel_inputs):
    rng, theta, grad = kernel_inputs(2)
    G = rng.random(6)
    alpha, eta, lam, eps, t = 0.1, 0.05, 0.01, 1e-6, 4
    g = grad + lam * theta
    G_t = G + g * g
    expected = theta - alpha / (1 + (t - 1) * eta) * g / (np.sqrt(G_t) + eps)
    state = adagrad(theta, grad, {"step": t - 1.0, "sum": G.copy()}, lr=alpha, lr_decay=eta,
                    weight_decay=lam, eps=eps)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)
    np.testing.assert_allclose(state["sum"], G_t, rtol=RTOL)
    assert state["step"] == t


def test_adagrad_initial_accumulator_and_chapter_eps_placement():
    theta, grad = np.array([0.0]), np.array([1e-5])
    adagrad(theta, grad, {}, lr=1.0, eps=0.0, initial_accumulator_value=0.0)
    # sqrt(G) + 0 = |g|: the first step is exactly -lr * sign(g)
    np.testing.assert_allclose(theta, [-1.0], rtol=RTOL)
    theta = np.array([0.0])
    adagrad(theta, np.array([3.0]), {}, lr=1.0, eps=0.0, initial_accumulator_value=16.0)
    np.testing.assert_allclose(theta, [-3.0 / 5.0], rtol=RTOL)  # G = 16 + 9
    # chapter (eq. 6-29) puts eps inside the root: with g = 1e-5 and eps = 1e-10 its step is
    # 1e-5 / sqrt(1e-10 + 1e-10) = 0.707..., torch's 1e-5 / (1e-5 + 1e-10) = 0.99999
    theta = np.array([0.0])
    adagrad(theta, np.array([1e-5]), {}, lr=1.0, eps=1e-10)
    np.testing.assert_allclose(theta, [-1e-5 / (1e-5 + 1e-10)], rtol=RTOL)


def test_adagrad_honours_a_groups_initial_accumulator_value():
    # group G_0 = 3, g = 1: G = 4, theta = -lr * 1 / (2 + eps). torch ignores a group's value
    # and starts from the constructor's (0 here): theta = -lr * 1 / (1 + eps).
    p = Parameter(np.zeros(1))
    opt = Adagrad([{"params": [p], "initial_accumulator_value": 3.0}], lr=0.1)
    p.grad = np.ones(1)
    opt.step()
    np.testing.assert_allclose(p.data, [-0.1 / (2 + 1e-10)], rtol=1e-12, atol=1e-13)
    torch = pytest.importorskip("torch")
    t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    t_opt = torch.optim.Adagrad([{"params": [t], "initial_accumulator_value": 3.0}], lr=0.1)
    t.grad = torch.ones(1, dtype=torch.float64)
    t_opt.step()
    np.testing.assert_allclose(t.detach().numpy(), [-0.1 / (1 + 1e-10)], rtol=1e-12, atol=1e-13)
