"""Activations: hand-worked values and slopes, gradchecks, and behaviour at the extremes.

Tolerances: hand values in float64 at rtol 1e-12 (RTOL); gradcheck at its defaults (eps 1e-6,
atol 1e-5, rtol 1e-3) on float64 inputs kept >= 1e-3 from the kinks (0 for the ReLU family,
``beta * x == threshold`` for softplus). Torch's values and gradients for every activation
are compared in test_torch_reference.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn
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
    ("sigmoid", F.sigmoid, [0.0, LN3, -LN3], [0.5, 0.75, 0.25], [0.25, 0.1875, 0.1875]),
    ("tanh", F.tanh, [0.0, LN2, -LN2], [0.0, 0.6, -0.6], [1.0, 0.64, 0.64]),
    ("relu", F.relu, [-1.0, 0.0, 2.0], [0.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    (
        "leaky_relu",
        lambda t: F.leaky_relu(t, 0.1),
        [-2.0, 0.0, 3.0],
        [-0.2, 0.0, 3.0],
        [0.1, 0.1, 1.0],
    ),
    ("leaky_relu_default", F.leaky_relu, [-2.0], [-0.02], [0.01]),
    # alpha (e^x - 1) at x = -ln 2: 2 (1/2 - 1) = -1; slope alpha e^x = 1; at 0 the left one
    ("elu", lambda t: F.elu(t, alpha=2.0), [-LN2, 0.0, 1.0], [-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]),
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


def test_softmax_and_log_softmax_hand_values():
    x = _leaf([[0.0, LN3], [5.0, 5.0]])
    np.testing.assert_allclose(F.softmax(x, dim=1).data, [[0.25, 0.75], [0.5, 0.5]], rtol=RTOL)
    logp = F.log_softmax(x, dim=1)
    np.testing.assert_allclose(
        logp.data, [[math.log(0.25), math.log(0.75)], [-LN2, -LN2]], rtol=RTOL
    )
    # d/dx of log_softmax_0 = onehot_0 - softmax: [0.75, -0.75]
    logp[0, 0].backward()
    np.testing.assert_allclose(x.grad, [[0.75, -0.75], [0.0, 0.0]], rtol=RTOL)


def _off_kinks(shape, seed, kinks=(0.0,)):
    x = np.random.default_rng(seed).uniform(-3.0, 3.0, shape)
    for k in kinks:
        near = np.abs(x - k) < 2e-3
        x[near] = k + 2e-3
    return _leaf(x)


ACTIVATIONS = [
    ("sigmoid", F.sigmoid, (0.0,)),
    ("tanh", F.tanh, ()),
    ("relu", F.relu, (0.0,)),
    ("leaky_relu", F.leaky_relu, (0.0,)),
    ("leaky_relu_0.3", lambda t: F.leaky_relu(t, negative_slope=0.3), (0.0,)),
    ("elu", F.elu, (0.0,)),
    ("elu_0.5", lambda t: F.elu(t, 0.5), (0.0,)),
    ("softplus", F.softplus, ()),
    ("softplus_threshold", lambda t: F.softplus(t, beta=2.0, threshold=2.0), (1.0,)),
    ("gelu", F.gelu, ()),
    ("gelu_tanh", lambda t: F.gelu(t, "tanh"), ()),
    ("selu", F.selu, (0.0,)),
    ("silu", F.silu, ()),
    ("softmax_dim1", lambda t: F.softmax(t, 1), ()),
    ("softmax_dim0", lambda t: F.softmax(t, dim=0), ()),
    ("log_softmax_dim1", lambda t: F.log_softmax(t, 1), ()),
    ("log_softmax_dim_neg", lambda t: F.log_softmax(t, dim=-2), ()),
    ("Sigmoid", nn.Sigmoid(), ()),
    ("Tanh", nn.Tanh(), ()),
    ("ReLU", nn.ReLU(), (0.0,)),
    ("LeakyReLU", nn.LeakyReLU(0.2), (0.0,)),
    ("ELU", nn.ELU(alpha=1.5), (0.0,)),
    ("Softplus", nn.Softplus(beta=0.5, threshold=1.0), (2.0,)),
    ("GELU", nn.GELU(), ()),
    ("GELU_tanh", nn.GELU(approximate="tanh"), ()),
    ("SELU", nn.SELU(), (0.0,)),
    ("SiLU", nn.SiLU(), ()),
    ("Softmax", nn.Softmax(dim=1), ()),
    ("LogSoftmax", nn.LogSoftmax(dim=0), ()),
]


@pytest.mark.parametrize(("fn", "kinks"), [pytest.param(f, k, id=i) for i, f, k in ACTIVATIONS])
def test_gradcheck_activation(fn, kinks):
    assert gradcheck(fn, [_off_kinks((3, 4), seed=len(kinks), kinks=kinks)])


# ----------------------------------------------------------------------------- extremes
def _strict():
    """Warnings become errors and NumPy raises on overflow, invalid and divide-by-zero.

    Underflow is left at NumPy's default (ignore): e^{-1000} rounding to 0 is the intended
    result of every stable formula here, not an error.
    """
    stack = warnings.catch_warnings()
    stack.__enter__()
    warnings.simplefilter("error")
    state = np.errstate(over="raise", invalid="raise", divide="raise")
    state.__enter__()
    return stack, state


@pytest.fixture
def strict_numerics():
    stack, state = _strict()
    yield
    state.__exit__(None, None, None)
    stack.__exit__(None, None, None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_is_exact_at_large_logits(dtype, strict_numerics):
    out = F.log_softmax(netopt.tensor(np.array([1000.0, 1.0], dtype=dtype)), dim=0)
    assert out.dtype == dtype
    assert out.data.tolist() == [0.0, -999.0]
    big = F.log_softmax(netopt.tensor(np.array([[-1e4, 0.0, 1e4]], dtype=dtype)), dim=1)
    assert big.data.tolist() == [[-2e4, -1e4, 0.0]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_of_minus_infinity(dtype, strict_numerics):
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 0.0]], dtype=dtype)
    out = F.log_softmax(netopt.tensor(x), dim=1).data
    assert out[0].tolist() == [-np.inf] * 3  # a row of -inf gives -inf, not NaN
    assert out[1, 1] == -np.inf
    np.testing.assert_allclose(out[1, [0, 2]], [-LN2, -LN2], rtol=1e-6)
    p = F.softmax(netopt.tensor(x[1:]), dim=1).data
    assert p.tolist() == [[0.5, 0.0, 0.5]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("fn", "at_minus", "at_plus"),
    [
        pytest.param(F.sigmoid, 0.0, 1.0, id="sigmoid"),
        pytest.param(F.tanh, -1.0, 1.0, id="tanh"),
        pytest.param(F.softplus, 0.0, 1000.0, id="softplus"),
        pytest.param(lambda t: F.softplus(t, threshold=1e9), 0.0, 1000.0, id="softplus_no_thr"),
        pytest.param(F.silu, 0.0, 1000.0, id="silu"),
        pytest.param(F.elu, -1.0, 1000.0, id="elu"),
        pytest.param(F.gelu, 0.0, 1000.0, id="gelu"),
        pytest.param(lambda t: F.gelu(t, "tanh"), 0.0, 1000.0, id="gelu_tanh"),
        pytest.param(F.relu, 0.0, 1000.0, id="relu"),
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
    assert np.isfinite(x.grad).all() and x.grad.dtype == dtype


def test_sigmoid_is_piecewise_and_accurate_in_both_tails():
    x = np.array([-40.0, -1.0, 0.0, 1.0, 40.0])
    s = F.sigmoid(netopt.tensor(x)).data
    np.testing.assert_allclose(s + s[::-1], 1.0, rtol=RTOL)  # sigma(-x) = 1 - sigma(x)
    # e^-40 / (1 + e^-40) = 4.2e-18, which 1 - sigma(40) (= 0 in float64) would lose
    assert math.isclose(s[0], math.exp(-40.0) / (1 + math.exp(-40.0)), rel_tol=RTOL)
    assert F.sigmoid(netopt.tensor(np.array([-745.0]))).data[0] > 0.0  # e^-745, subnormal


def test_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU(0.5)) == "ELU(alpha=0.5)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"


def test_activation_modules_have_no_parameters_and_equal_their_functions():
    x = netopt.tensor(np.linspace(-2.0, 2.0, 5))
    for module, fn in [
        (nn.Sigmoid(), F.sigmoid),
        (nn.LeakyReLU(0.3), lambda t: F.leaky_relu(t, 0.3)),
        (nn.Softplus(2.0, 1.0), lambda t: F.softplus(t, 2.0, 1.0)),
        (nn.Softmax(0), lambda t: F.softmax(t, 0)),
    ]:
        assert list(module.parameters()) == []
        assert np.array_equal(module(x).data, fn(x).data)
