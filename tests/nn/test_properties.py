"""Property tests (hypothesis) for activations, losses and BatchNorm, in float64.

Tolerance: atol/rtol 1e-12 (TOL) for identities that hold up to a few roundings of values of
order 1; logits are drawn from [-50, 50] so every softmax probability is a normal float
(>= e^-100) and log(softmax) stays finite.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import netopt
import netopt.nn.functional as F
from netopt import nn

TOL = 1e-12

logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-50.0, 50.0),
)
shifts = st.floats(-100.0, 100.0)


def _t(a):
    return netopt.tensor(np.asarray(a, dtype=np.float64))


@given(logits, shifts)
def test_softmax_rows_sum_to_one_and_are_shift_invariant(x, c):
    p = F.softmax(_t(x), dim=1).data.numpy()
    assert ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=TOL)
    # shifting a row by c rounds x + c to ~|c| ulp: an absolute error of ~1e-14 in p
    np.testing.assert_allclose(F.softmax(_t(x + c), dim=1).data, p, rtol=0, atol=1e-12)


@given(logits)
def test_log_softmax_is_log_of_softmax(x):
    logp = F.log_softmax(_t(x), dim=1).data.numpy()
    np.testing.assert_allclose(
        logp, np.log(F.softmax(_t(x), dim=1).data.numpy()), rtol=TOL, atol=TOL
    )
    assert (logp <= 0).all()
    # log-sum-exp of the log-probabilities is 0
    np.testing.assert_allclose(netopt.logsumexp(_t(logp), 1).data, 0.0, atol=TOL)


@given(logits)
def test_gradient_of_summed_softmax_is_zero(x):
    t = netopt.tensor(x, requires_grad=True)
    F.softmax(t, dim=1).sum().backward()
    np.testing.assert_allclose(t.grad, 0.0, atol=TOL)


@given(logits)
def test_logsumexp_is_between_max_and_max_plus_log_n(x):
    lse = netopt.logsumexp(_t(x), 1).data.numpy()
    m = x.max(axis=1)
    assert (lse >= m - TOL).all() and (lse <= m + math.log(x.shape[1]) + TOL).all()


@given(logits, st.data())
def test_cross_entropy_is_nonnegative_and_equals_nll_of_log_softmax(x, data):
    n, c = x.shape
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    eps = data.draw(st.floats(0.0, 1.0))
    ce = F.cross_entropy(_t(x), y, reduction="none", label_smoothing=eps).data
    assert (ce >= -TOL).all()
    plain = F.cross_entropy(_t(x), y, reduction="none").data
    nll = F.nll_loss(F.log_softmax(_t(x), 1), y, reduction="none").data
    np.testing.assert_allclose(plain, nll, rtol=TOL, atol=TOL)
    # cross-entropy with a probability target = entropy + KL >= entropy of the target
    p = F.softmax(_t(x[:, ::-1].copy()), 1).data.numpy()
    h = -(p * np.log(p)).sum(1)
    assert (F.cross_entropy(_t(x), _t(p), reduction="none").data >= h - 1e-9).all()


@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-700.0, 700.0)))
def test_sigmoid_bounds_symmetry_and_monotonicity(x):
    s = F.sigmoid(_t(x)).data.numpy()
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s + F.sigmoid(_t(-x)).data, 1.0, rtol=0, atol=1e-15)
    order = np.argsort(x, kind="stable")
    assert (np.diff(s[order]) >= 0).all()


@given(
    hnp.arrays(np.float64, 8, elements=st.floats(-10.0, 10.0)),
    hnp.arrays(np.float64, 8, elements=st.floats(0.0, 1.0)),
)
def test_bce_with_logits_equals_the_naive_formula_where_that_is_safe(z, y):
    s = 1 / (1 + np.exp(-z))
    naive = -(y * np.log(s) + (1 - y) * np.log1p(-s))
    ours = F.binary_cross_entropy_with_logits(_t(z), _t(y), reduction="none").data
    # the naive form loses ~e^|z| ulp in log(1 - s): 2e4 ulp = 2.4e-12 at |z| = 10
    np.testing.assert_allclose(ours, naive, rtol=1e-9, atol=1e-9)
    assert (ours >= 0).all()


@given(logits, st.data())
def test_kl_div_is_nonnegative_and_zero_for_equal_distributions(x, data):
    logq = F.log_softmax(_t(x), 1)
    p = F.softmax(_t(data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-5, 5)))), 1)
    assert F.kl_div(logq, p, reduction="batchmean").item() >= -TOL
    same = F.kl_div(logq, logq.detach(), reduction="sum", log_target=True).item()
    assert abs(same) <= TOL


@given(
    hnp.arrays(np.float64, (6, 3), elements=st.floats(-1e3, 1e3)),
    st.floats(0.1, 10.0),
    st.floats(-10.0, 10.0),
)
def test_batchnorm_output_has_zero_mean_and_unit_variance(x, scale, shift):
    x = x * scale + shift
    spread = x.var(axis=0)
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    y = bn(_t(x)).data.numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-9)
    # biased variance of y is var / (var + eps), so 1 up to eps / var
    np.testing.assert_allclose(y.var(axis=0), spread / (spread + 1e-5), rtol=1e-9, atol=TOL)


@given(hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(-1e6, 1e6)))
def test_relu_family_identities(x):
    t = _t(x)
    np.testing.assert_array_equal(F.relu(t).data - F.relu(-t).data, x)
    np.testing.assert_allclose(F.leaky_relu(t, 1.0).data, x)
    assert (F.elu(t).data >= -1.0).all() and (F.softplus(t).data >= F.relu(t).data).all()
