"""RMSprop: the ``rmsprop`` kernel against eq. 6-30 as a moving average (plain, centered,
with momentum).

Expected values are computed here from the formula in plain float64 NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from netopt.optim.functional import rmsprop

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("mu", [0.0, 0.6])
def test_rmsprop_formula(centered, mu, kernel_inputs):
    rng, theta, grad = kernel_inputs(3)
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
