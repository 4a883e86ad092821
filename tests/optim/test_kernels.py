"""The pure kernels against their docstrings' formulas, and the chapter's conventions.

Expected values are either worked by hand (in comments) or computed here from the
chapter's equations, written independently of the kernels in plain float64 NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.nn import Parameter
from netopt.optim import SGD, Adam, AdamW
from netopt.optim.functional import adagrad, adam, rmsprop, sgd

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


def _state_rng(seed: int):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(6)
    grad = rng.standard_normal(6)
    return rng, theta, grad


# ------------------------------------------------------------ formulas, from injected state
def test_sgd_momentum_dampening_weight_decay_formula():
    rng, theta, grad = _state_rng(0)
    v = rng.standard_normal(6)
    alpha, beta, tau, lam = 0.05, 0.8, 0.3, 0.01
    g = grad + lam * theta
    v_t = beta * v + (1 - tau) * g
    expected = theta - alpha * v_t
    state = sgd(theta, grad, {"momentum_buffer": v.copy()}, lr=alpha, momentum=beta,
                dampening=tau, weight_decay=lam)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)
    np.testing.assert_allclose(state["momentum_buffer"], v_t, rtol=RTOL)


def test_sgd_first_buffer_is_the_undamped_gradient():
    theta, grad = np.array([1.0]), np.array([2.0])
    state = sgd(theta, grad, {}, lr=0.1, momentum=0.9, dampening=0.5)
    # torch starts v_1 = g_1 (not (1 - dampening) g_1): theta = 1 - 0.1 * 2
    np.testing.assert_allclose(state["momentum_buffer"], [2.0], rtol=RTOL)
    np.testing.assert_allclose(theta, [0.8], rtol=RTOL)


def test_sgd_nesterov_and_maximize_formula():
    rng, theta, grad = _state_rng(1)
    v = rng.standard_normal(6)
    alpha, beta = 0.1, 0.9
    g = -grad
    v_t = beta * v + g
    expected = theta - alpha * (g + beta * v_t)
    sgd(theta, grad, {"momentum_buffer": v}, lr=alpha, momentum=beta, nesterov=True,
        maximize=True)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)


def test_adagrad_formula():
    rng, theta, grad = _state_rng(2)
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


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("mu", [0.0, 0.6])
def test_rmsprop_formula(centered, mu):
    rng, theta, grad = _state_rng(3)
    G, gbar, b = rng.random(6) + 1.0, 0.1 * rng.standard_normal(6), rng.standard_normal(6)
    alpha, rho, eps, lam = 0.01, 0.9, 1e-8, 0.02
    g = grad + lam * theta
    G_t = rho * G + (1 - rho) * g * g
    gbar_t = rho * gbar + (1 - rho) * g
    sigma = np.sqrt(G_t - gbar_t**2) if centered else np.sqrt(G_t)
    if mu:
        b_t = mu * b + g / (sigma + eps)
        expected = theta - alpha * b_t
    else:
        expected = theta - alpha * g / (sigma + eps)
    state = {"step": 3.0, "square_avg": G.copy(), "grad_avg": gbar.copy(),
             "momentum_buffer": b.copy()}  # fmt: skip
    rmsprop(theta, grad, state, lr=alpha, alpha=rho, eps=eps, weight_decay=lam, momentum=mu,
            centered=centered)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)
    np.testing.assert_allclose(state["square_avg"], G_t, rtol=RTOL)
    if centered:
        np.testing.assert_allclose(state["grad_avg"], gbar_t, rtol=RTOL)


def test_rmsprop_is_a_moving_average_not_the_printed_eq_6_30():
    # g = 1, 1, 1 with rho = 0.5: the EMA gives G = 0.5, 0.75, 0.875; eq. 6-30 as printed
    # (rho * sum of past squares + (1 - rho) g^2) would give 0.5, 1.0, 1.5.
    state = {}
    for expected in (0.5, 0.75, 0.875):
        rmsprop(np.zeros(1), np.ones(1), state, lr=0.0, alpha=0.5)
        np.testing.assert_allclose(state["square_avg"], [expected], rtol=RTOL)


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_formula(amsgrad, decoupled):
    rng, theta, grad = _state_rng(4)
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


def test_kernels_do_not_modify_the_gradient():
    grad = np.array([1.0, -2.0])
    kernels = [
        (sgd, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
        (adagrad, {"weight_decay": 0.1, "maximize": True}),
        (rmsprop, {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
        (adam, {"amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ]
    for kernel, kwargs in kernels:
        state = {}
        for _ in range(2):
            kernel(np.ones(2), grad, state, lr=0.1, **kwargs)
        np.testing.assert_array_equal(grad, [1.0, -2.0])


# ------------------------------------------------------------ the chapter's momentum and NAG
def _ravine_grad(theta: np.ndarray) -> np.ndarray:
    """Gradient of J = 0.5 (theta_0^2 + 25 theta_1^2) + 0.1 sum(theta^4): not quadratic."""
    return np.array([1.0, 25.0]) * theta + 0.4 * theta**3


def test_momentum_is_eq_6_21_to_6_24_exactly():
    alpha, beta = 0.03, 0.9
    theta, v = np.array([1.5, -0.8]), np.zeros(2)
    p = Parameter(theta.copy())
    opt = SGD([p], lr=alpha, momentum=beta)
    for _ in range(40):
        g = _ravine_grad(theta)  # eq. 6-21
        v = g + beta * v  # eq. 6-22 / 6-23
        theta = theta - alpha * v  # eq. 6-24
        p.grad = _ravine_grad(p.data)
        opt.step()
        np.testing.assert_array_equal(p.data, theta)


def test_nesterov_iterates_are_the_chapters_look_ahead_points():
    # chapter: theta' = theta - a b v; v = grad(theta') + b v; theta = theta - a v.
    # torch form, parameter phi: v = b v + grad(phi); phi = phi - a (grad(phi) + b v).
    # With phi_t = theta_t - a b v_t the two are the same recursion (see netopt.optim.sgd).
    alpha, beta = 0.03, 0.9
    theta, v = np.array([1.5, -0.8]), np.zeros(2)
    p = Parameter(theta.copy())
    opt = SGD([p], lr=alpha, momentum=beta, nesterov=True)
    for _ in range(40):
        look_ahead = theta - alpha * beta * v
        v = _ravine_grad(look_ahead) + beta * v
        theta = theta - alpha * v
        p.grad = _ravine_grad(p.data)
        opt.step()
        np.testing.assert_allclose(p.data, theta - alpha * beta * v, rtol=1e-12, atol=1e-15)
    assert np.abs(p.data - theta).max() > 1e-6  # the look-ahead point, not theta itself


def test_momentum_conventions_part_when_lr_changes():
    # constant gradient g = 1, beta = 0.9; lr 1.0 then 0.1.
    # torch / chapter (lr outside v): v = 1, theta = -1; v = 1.9, theta = -1 - 0.19 = -1.19
    # Sutskever / Keras (lr inside v): v = -1, theta = -1; v = -0.9 - 0.1 = -1, theta = -2
    p = Parameter(np.array([0.0]))
    opt = SGD([p], lr=1.0, momentum=0.9)
    v_inside, theta_inside = 0.0, 0.0
    trajectory = []
    for lr in (1.0, 0.1):
        opt.param_groups[0]["lr"] = lr
        p.grad = np.array([1.0])
        opt.step()
        v_inside = 0.9 * v_inside - lr * 1.0
        theta_inside += v_inside
        trajectory.append((p.data[0], theta_inside))
    np.testing.assert_allclose(trajectory[0], [-1.0, -1.0], rtol=RTOL)
    np.testing.assert_allclose(trajectory[1], [-1.19, -2.0], rtol=RTOL)


# ------------------------------------------------------------ weight decay
def _quartic_loss(W: Parameter, x: netopt.Tensor) -> netopt.Tensor:
    """mean((h*h - 1)^2) with h = x W^T: non-convex, so no linear identity is at work."""
    h = x @ W.T
    return ((h * h - 1.0) ** 2).mean()


def test_sgd_weight_decay_is_l2_on_the_loss():
    rng = np.random.default_rng(5)
    x = netopt.tensor(rng.standard_normal((8, 3)))
    lam = 0.3
    a = Parameter(rng.standard_normal((2, 3)))
    b = Parameter(a.data.copy())
    opt_wd = SGD([a], lr=0.05, momentum=0.9, weight_decay=lam)
    opt_l2 = SGD([b], lr=0.05, momentum=0.9)
    for _ in range(15):
        for p, extra in ((a, 0.0), (b, lam / 2)):
            p.grad = None
            loss = _quartic_loss(p, x) + extra * (p * p).sum()
            loss.backward()
        opt_wd.step()
        opt_l2.step()
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-15)


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
    assert np.abs(adamw.data - adam_wd.data).max() > 1e-3


def test_how_adamw_differs_adam_l2_decay_is_normalized_away():
    # No data gradient, theta = 1, lr = 0.1, lambda = 0.01, one step.
    # Adam + L2: g = lambda theta = 0.01, m_hat = g, v_hat = g^2, step = lr g / (|g| + eps)
    #   = 0.1 * 0.01 / (0.01 + 1e-8): the weight moves by ~lr whatever lambda is.
    # AdamW: theta (1 - lr lambda) = 0.999, then a zero Adam step.
    adam_p, adamw_p = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    for p, opt in ((adam_p, Adam([adam_p], lr=0.1, weight_decay=0.01)),
                   (adamw_p, AdamW([adamw_p], lr=0.1, weight_decay=0.01))):  # fmt: skip
        p.grad = np.array([0.0])
        opt.step()
    np.testing.assert_allclose(adam_p.data, [1.0 - 0.1 * 0.01 / (0.01 + 1e-8)], rtol=RTOL)
    np.testing.assert_allclose(adamw_p.data, [0.999], rtol=RTOL)


def test_adamw_is_decay_then_adam_on_the_raw_gradient():
    rng = np.random.default_rng(7)
    lr, lam = 0.01, 0.2
    w = Parameter(rng.standard_normal(4))
    ref = Parameter(w.data.copy())
    opt_w, opt_ref = AdamW([w], lr=lr, weight_decay=lam), Adam([ref], lr=lr)
    for _ in range(10):
        g = rng.standard_normal(4)
        w.grad, ref.grad = g, g.copy()
        opt_w.step()
        ref.data *= 1 - lr * lam
        opt_ref.step()
        np.testing.assert_array_equal(w.data, ref.data)
