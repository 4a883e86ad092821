"""netopt.nn.functional's own activations: softplus, gelu, selu and silu.

Hand-worked values and slopes, gradchecks and behaviour at the extremes. Tolerances: hand
values in float64 at rtol 1e-12 (RTOL); gradcheck at its defaults (eps 1e-6, atol 1e-5,
rtol 1e-3) on float64 inputs kept >= 1e-3 from the kinks (0 for SELU, ``beta * x ==
threshold`` for softplus). The activations that live in autograd are tested in
tests/autograd/test_activation.py; torch's values and gradients in test_torch_reference.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt.autograd import gradcheck

RTOL = 1e-12
LN2, LN3 = math.log(2.0), math.log(3.0)
SELU_ALPHA = 1.6732632423543772848170429916717  # torch.nn.SELU's documented constants
SELU_SCALE = 1.0507009873554804934193349852946


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def _phi(x):  # standard normal cdf and pdf, for GELU
    return 0.5 * (1 + math.erf(x / math.sqrt(2))), math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


_GELU1 = _phi(1.0)
_K = math.sqrt(2 / math.pi)
_T1 = math.tanh(_K * (1 + 0.044715))

# (id, fn, x, value f(x), slope f'(x)) worked out by hand
HAND = [
    ("softplus", F.softplus, [0.0, LN3], [LN2, math.log(4.0)], [0.5, 0.75]),
    # beta = 2: ln(1 + e^{2x}) / 2 at x = ln(3)/2 is ln(4)/2; slope sigma(2x) = 3/4;
    # above the threshold (beta x > 20) it is x itself with slope 1
    (
        "softplus_beta",
        lambda t: F.softplus(t, beta=2.0),
        [LN3 / 2, 30.0],
        [LN2, 30.0],
        [0.75, 1.0],
    ),
    (
        "gelu",
        F.gelu,
        [0.0, 1.0],
        [0.0, _GELU1[0]],
        [0.5, _GELU1[0] + _GELU1[1]],
    ),
    (
        "gelu_tanh",
        lambda t: F.gelu(t, approximate="tanh"),
        [0.0, 1.0],
        [0.0, 0.5 * (1 + _T1)],
        [0.5, 0.5 * (1 + _T1) + 0.5 * (1 - _T1**2) * _K * (1 + 3 * 0.044715)],
    ),
    (
        "selu",
        F.selu,
        [1.0, -LN2],
        [SELU_SCALE, -0.5 * SELU_SCALE * SELU_ALPHA],
        [SELU_SCALE, 0.5 * SELU_SCALE * SELU_ALPHA],
    ),
    ("silu", F.silu, [0.0, LN3], [0.0, 0.75 * LN3], [0.5, 0.75 * (1 + 0.25 * LN3)]),
]


@pytest.mark.parametrize(
    ("fn", "x", "value", "slope"), [pytest.param(*h[1:], id=h[0]) for h in HAND]
)
def test_hand_worked_values_and_slopes(fn, x, value, slope):
    t = _leaf(x)
    y = fn(t)
    np.testing.assert_allclose(y.data, value, rtol=RTOL, atol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(t.grad, slope, rtol=RTOL, atol=1e-15)


ACTIVATIONS = [
    ("softplus", F.softplus, ()),
    ("softplus_threshold", lambda t: F.softplus(t, beta=2.0, threshold=2.0), (1.0,)),
    ("gelu", F.gelu, ()),
    ("gelu_tanh", lambda t: F.gelu(t, "tanh"), ()),
    ("selu", F.selu, (0.0,)),
    ("silu", F.silu, ()),
]


@pytest.mark.parametrize(("fn", "kinks"), [pytest.param(f, k, id=i) for i, f, k in ACTIVATIONS])
def test_gradcheck_activation(fn, kinks, off_kinks):
    assert gradcheck(fn, [off_kinks((3, 4), seed=len(kinks), kinks=kinks)])


# ----------------------------------------------------------------------------- extremes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("fn", "at_minus", "at_plus"),
    [
        pytest.param(F.softplus, 0.0, 1000.0, id="softplus"),
        pytest.param(lambda t: F.softplus(t, threshold=1e9), 0.0, 1000.0, id="softplus_no_thr"),
        pytest.param(F.silu, 0.0, 1000.0, id="silu"),
        pytest.param(F.gelu, 0.0, 1000.0, id="gelu"),
        pytest.param(lambda t: F.gelu(t, "tanh"), 0.0, 1000.0, id="gelu_tanh"),
    ],
)
def test_activations_at_plus_minus_1000_are_finite_without_warnings(
    fn, at_minus, at_plus, dtype, strict_numerics
):
    x = _leaf([-1000.0, 1000.0], dtype)
    y = fn(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, [at_minus, at_plus], rtol=1e-6, atol=0)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and x.grad.numpy().dtype == dtype
