"""Hypothesis properties: clipping bounds the norm and keeps the direction; a zero gradient
is a no-op for every optimizer; small-lr gradient descent on a convex quadratic decreases
the loss at every step. float64 throughout; RTOL bounds rounding in the norm identities.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from netopt.nn import Parameter
from netopt.nn.utils import clip_grad_norm_
from netopt.optim import SGD, Adagrad, Adam, AdamW, RMSprop

RTOL = 1e-12

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
grad_lists = st.lists(
    arrays(np.float64, st.integers(1, 6), elements=finite), min_size=1, max_size=4
)


@given(grads=grad_lists, max_norm=st.floats(1e-3, 1e3))
def test_clipped_norm_is_bounded_and_direction_kept(grads, max_norm):
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.copy()
    total = clip_grad_norm_(params, max_norm)
    flat = np.concatenate(grads)
    np.testing.assert_allclose(total, np.sqrt(np.sum(flat * flat)), rtol=RTOL, atol=1e-300)
    clipped = np.concatenate([p.grad for p in params])
    assert np.linalg.norm(clipped) <= max_norm * (1 + RTOL)
    coef = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(clipped, coef * flat, rtol=RTOL, atol=0)


OPTIMIZERS = st.sampled_from(
    [
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (SGD, {"lr": 0.1, "momentum": 0.5, "dampening": 0.5}),
        (Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
        (RMSprop, {"lr": 0.1, "centered": True, "momentum": 0.9}),
        (Adam, {"lr": 0.1, "amsgrad": True}),
        (AdamW, {"lr": 0.1, "weight_decay": 0.0}),
    ]
)


@given(row=OPTIMIZERS, theta=arrays(np.float64, st.integers(1, 8), elements=finite),
       steps=st.integers(1, 4), maximize=st.booleans())  # fmt: skip
def test_zero_gradient_is_a_no_op(row, theta, steps, maximize):
    cls, config = row
    p = Parameter(theta.copy())
    opt = cls([p], **config, maximize=maximize)
    for _ in range(steps):
        p.grad = np.zeros_like(theta)
        opt.step()
    np.testing.assert_array_equal(p.data, theta)


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
