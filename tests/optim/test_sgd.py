"""SGD: the ``sgd`` kernel against its formula, the chapter's momentum and Nesterov
(eq. 6-21..6-24), coupled weight decay, and a convex-descent property.

Expected values are worked by hand (in comments) or computed here from the chapter's
equations in plain float64 NumPy, independently of the kernel.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import netopt
from netopt.nn import Parameter
from netopt.optim import SGD
from netopt.optim.functional import sgd

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


def test_sgd_momentum_dampening_weight_decay_formula(kernel_inputs):
    rng, theta, grad = kernel_inputs(0)
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


def test_sgd_nesterov_and_maximize_formula(kernel_inputs):
    rng, theta, grad = kernel_inputs(1)
    v = rng.standard_normal(6)
    alpha, beta = 0.1, 0.9
    g = -grad
    v_t = beta * v + g
    expected = theta - alpha * (g + beta * v_t)
    sgd(theta, grad, {"momentum_buffer": v}, lr=alpha, momentum=beta, nesterov=True,
        maximize=True)  # fmt: skip
    np.testing.assert_allclose(theta, expected, rtol=RTOL)


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
    assert np.abs(p.data.numpy() - theta).max() > 1e-6  # the look-ahead point, not theta itself


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


def _quartic_loss(W: Parameter, x: netopt.Tensor) -> netopt.Tensor:
    """mean((h*h - 1)^2) with h = x W^T: non-convex, so no linear identity is at work."""
    h = x @ W.T
    return ((h * h - 1.0) ** 2).mean()


def test_sgd_weight_decay_is_l2_on_the_loss():
    rng = np.random.default_rng(5)
    x = netopt.tensor(rng.standard_normal((8, 3)))
    lam = 0.3
    a = Parameter(rng.standard_normal((2, 3)))
    b = Parameter(np.array(a.data))
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


@given(
    m=arrays(np.float64, (3, 3), elements=st.floats(-3, 3)),
    shift=arrays(np.float64, 3, elements=st.floats(-3, 3)),
    theta=arrays(np.float64, 3, elements=st.floats(-10, 10)),
    fraction=st.floats(0.01, 0.9),
)
def test_small_lr_sgd_on_convex_quadratic_decreases_loss_every_step(m, shift, theta, fraction):
    # J = 0.5 (theta - c)^T A (theta - c), A = M^T M + I (so lambda_max >= 1 and A is SPD);
    # with lr < 2 / lambda_max every gradient step lowers J unless theta is the minimum.
    A = m.T @ m + np.eye(3)
    lr = fraction / np.linalg.eigvalsh(A)[-1]

    def loss(x):
        d = x - shift
        return 0.5 * d @ A @ d

    p = Parameter(theta.copy())
    opt = SGD([p], lr=lr)
    previous = loss(p.data)
    for _ in range(10):
        p.grad = A @ (p.data - shift)
        opt.step()
        current = loss(p.data)
        assert current <= previous
        if previous > 1e-12:
            assert current < previous
        previous = current
