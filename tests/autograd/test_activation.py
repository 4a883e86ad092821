"""netopt.autograd.activation: sigmoid, tanh, relu, leaky_relu, elu, softmax and log_softmax.

Hand-worked values and slopes, gradchecks, behaviour at the extremes, and the ways in:
``Tensor.relu`` and friends, ``netopt.relu`` and friends and ``netopt.nn.functional`` are
these functions. Tolerances: hand values in float64 at rtol 1e-12 (RTOL); gradcheck at its
defaults (eps 1e-6, atol 1e-5, rtol 1e-3) on float64 inputs kept >= 1e-3 from the kinks (0
for the ReLU family). Torch's values and gradients are compared in
tests/nn/test_torch_reference.py.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import netopt
import netopt.autograd.activation as A
import netopt.nn.functional as F
from netopt.autograd import gradcheck

RTOL = 1e-12
LN2, LN3 = math.log(2.0), math.log(3.0)


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# (id, fn, x, value f(x), slope f'(x)) worked out by hand
HAND = [
    ("sigmoid", A.sigmoid, [0.0, LN3, -LN3], [0.5, 0.75, 0.25], [0.25, 0.1875, 0.1875]),
    ("tanh", A.tanh, [0.0, LN2, -LN2], [0.0, 0.6, -0.6], [1.0, 0.64, 0.64]),
    ("relu", A.relu, [-1.0, 0.0, 2.0], [0.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    (
        "leaky_relu",
        lambda t: A.leaky_relu(t, 0.1),
        [-2.0, 0.0, 3.0],
        [-0.2, 0.0, 3.0],
        [0.1, 0.1, 1.0],
    ),
    ("leaky_relu_default", A.leaky_relu, [-2.0], [-0.02], [0.01]),
    # alpha (e^x - 1) at x = -ln 2: 2 (1/2 - 1) = -1; slope alpha e^x = 1; at 0 the left one
    ("elu", lambda t: A.elu(t, alpha=2.0), [-LN2, 0.0, 1.0], [-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]),
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
    np.testing.assert_allclose(A.softmax(x, dim=1).data, [[0.25, 0.75], [0.5, 0.5]], rtol=RTOL)
    logp = A.log_softmax(x, dim=1)
    np.testing.assert_allclose(
        logp.data, [[math.log(0.25), math.log(0.75)], [-LN2, -LN2]], rtol=RTOL
    )
    # d/dx of log_softmax_0 = onehot_0 - softmax: [0.75, -0.75]
    logp[0, 0].backward()
    np.testing.assert_allclose(x.grad, [[0.75, -0.75], [0.0, 0.0]], rtol=RTOL)


ACTIVATIONS = [
    ("sigmoid", A.sigmoid, (0.0,)),
    ("tanh", A.tanh, ()),
    ("relu", A.relu, (0.0,)),
    ("leaky_relu", A.leaky_relu, (0.0,)),
    ("leaky_relu_0.3", lambda t: A.leaky_relu(t, negative_slope=0.3), (0.0,)),
    ("elu", A.elu, (0.0,)),
    ("elu_0.5", lambda t: A.elu(t, 0.5), (0.0,)),
    ("softmax_dim1", lambda t: A.softmax(t, 1), ()),
    ("softmax_dim0", lambda t: A.softmax(t, dim=0), ()),
    ("log_softmax_dim1", lambda t: A.log_softmax(t, 1), ()),
    ("log_softmax_dim_neg", lambda t: A.log_softmax(t, dim=-2), ()),
]


@pytest.mark.parametrize(("fn", "kinks"), [pytest.param(f, k, id=i) for i, f, k in ACTIVATIONS])
def test_gradcheck_activation(fn, kinks, off_kinks):
    assert gradcheck(fn, [off_kinks((3, 4), seed=len(kinks), kinks=kinks)])


# ----------------------------------------------------------------------------- extremes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_is_exact_at_large_logits(dtype, strict_numerics):
    out = A.log_softmax(netopt.tensor(np.array([1000.0, 1.0], dtype=dtype)), dim=0)
    assert out.dtype == dtype
    assert out.data.tolist() == [0.0, -999.0]
    big = A.log_softmax(netopt.tensor(np.array([[-1e4, 0.0, 1e4]], dtype=dtype)), dim=1)
    assert big.data.tolist() == [[-2e4, -1e4, 0.0]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_of_minus_infinity(dtype, strict_numerics):
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 0.0]], dtype=dtype)
    out = A.log_softmax(netopt.tensor(x), dim=1).data
    assert out[0].tolist() == [-np.inf] * 3  # a row of -inf gives -inf, not NaN
    assert out[1, 1] == -np.inf
    np.testing.assert_allclose(out[1, [0, 2]], [-LN2, -LN2], rtol=1e-6)
    p = A.softmax(netopt.tensor(x[1:]), dim=1).data
    assert p.tolist() == [[0.5, 0.0, 0.5]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("fn", "at_minus", "at_plus"),
    [
        pytest.param(A.sigmoid, 0.0, 1.0, id="sigmoid"),
        pytest.param(A.tanh, -1.0, 1.0, id="tanh"),
        pytest.param(A.elu, -1.0, 1000.0, id="elu"),
        pytest.param(A.relu, 0.0, 1000.0, id="relu"),
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


def test_sigmoid_is_piecewise_and_accurate_in_both_tails():
    x = np.array([-40.0, -1.0, 0.0, 1.0, 40.0])
    s = A.sigmoid(netopt.tensor(x)).data
    np.testing.assert_allclose(s + s[::-1], 1.0, rtol=RTOL)  # sigma(-x) = 1 - sigma(x)
    # e^-40 / (1 + e^-40) = 4.2e-18, which 1 - sigma(40) (= 0 in float64) would lose
    assert math.isclose(s[0], math.exp(-40.0) / (1 + math.exp(-40.0)), rel_tol=RTOL)
    assert A.sigmoid(netopt.tensor(np.array([-745.0]))).data[0] > 0.0  # e^-745, subnormal


def test_array_kernels_keep_the_dtype_and_match_the_tensor_functions():
    x = np.array([[-3.0, 0.5, 2.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    s = A.sigmoid_array(x)
    assert s.dtype == np.float32
    np.testing.assert_array_equal(s, A.sigmoid(netopt.tensor(x)).data)
    lp = A.log_softmax_array(x, 1)
    assert lp.dtype == np.float32
    np.testing.assert_allclose(lp[1], [-math.log(3.0)] * 3, rtol=1e-6)  # three equal logits
    np.testing.assert_array_equal(lp, A.log_softmax(netopt.tensor(x), 1).data)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "log_softmax"])
def test_tensor_methods_top_level_and_functional_are_the_autograd_functions(name):
    fn = getattr(A, name)
    # softmax/log_softmax: the method and netopt.* add torch's axis= alias (a thin wrapper
    # over the same function); nn.functional's takes none, as torch's
    front = getattr(A, f"{name}_method", fn)
    assert getattr(netopt.Tensor, name) is front
    assert getattr(netopt, name) is front
    assert getattr(F, name) is fn


def test_autograd_activations_need_no_nn():
    code = (
        "import sys, netopt; x = netopt.tensor([[1.0, -2.0]], requires_grad=True); "
        "(x.relu() + x.sigmoid() + x.tanh() + x.softmax(1) + x.log_softmax(1)).sum().backward(); "
        "print(sorted(m for m in sys.modules if m.startswith('netopt.nn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("fn", "x", "want"),
    [
        # d f(2w)/dw at w = 0.5 (sigmoid, tanh) or w = -0.5 (leaky ReLU, ELU), by hand
        (netopt.sigmoid, 0.5, 2 / (1 + math.exp(-1)) * (1 - 1 / (1 + math.exp(-1)))),
        (netopt.tanh, 0.5, 2 * (1 - math.tanh(1) ** 2)),
        (lambda t: F.leaky_relu(t, 0.1), -0.5, 2 * 0.1),
        (lambda t: F.elu(t, 1.0), -0.5, 2 * math.exp(-1)),
    ],
    ids=["sigmoid", "tanh", "leaky_relu", "elu"],
)
def test_zero_dimensional_activation_gradients(fn, x, want):
    w = netopt.tensor(np.array(x), requires_grad=True)
    fn(w * 2.0).backward()
    assert w.grad.shape == () and w.grad.item() == pytest.approx(want, rel=1e-14)
