"""AdamW: decoupled decay, worked by hand against Adam's coupled L2."""

from __future__ import annotations

import numpy as np

from netopt.nn import Parameter
from netopt.optim import Adam, AdamW

RTOL = 1e-12  # float64: the kernels and the formulas differ only in rounding order


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
    ref = Parameter(np.array(w.data))
    opt_w, opt_ref = AdamW([w], lr=lr, weight_decay=lam), Adam([ref], lr=lr)
    for _ in range(10):
        g = rng.standard_normal(4)
        w.grad, ref.grad = g, g.copy()
        opt_w.step()
        ref.data *= 1 - lr * lam
        opt_ref.step()
        np.testing.assert_array_equal(w.data, ref.data)
