"""Hypothesis properties of the information measures (RELIABILITY.md, "Property tests")."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from netopt.info import (
    conditional_entropy,
    cross_entropy,
    decompose,
    entropy,
    joint_entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
)

SLACK = 1e-12  # rounding slack for every identity and inequality below

# Weights in {0} or [1e-6, 1]: exact zeros are common, ratios stay below ~1e7.
_weight = st.floats(0.0, 1.0, allow_subnormal=False).map(lambda w: w if w >= 1e-6 else 0.0)


def _normalized(weights):
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


@st.composite
def distributions(draw, n=None):
    n = draw(st.integers(1, 8)) if n is None else n
    w = draw(st.lists(_weight, min_size=n, max_size=n).filter(lambda ws: sum(ws) > 0))
    return _normalized(w)


@st.composite
def pairs(draw):
    n = draw(st.integers(1, 8))
    return draw(distributions(n)), draw(distributions(n))


@st.composite
def tables(draw):
    nx, ny = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return draw(distributions(nx * ny)).reshape(nx, ny)


def _close(a, b):
    return a == b or abs(a - b) <= SLACK


@given(pairs())
def test_kl_is_nonnegative_and_infinite_exactly_on_support_mismatch(pq):
    p, q = pq
    kl = kl_divergence(p, q)
    assert kl >= -SLACK
    assert math.isinf(kl) == bool(np.any((p > 0) & (q == 0)))


@given(pairs())
def test_cross_entropy_is_entropy_plus_kl(pq):
    p, q = pq
    assert _close(cross_entropy(p, q), entropy(p) + kl_divergence(p, q))


@given(distributions())
def test_entropy_is_between_0_and_log_n(p):
    h = entropy(p)
    assert -SLACK <= h <= math.log(p.size) + SLACK
    assert _close(entropy(p, base=2), h / math.log(2))


@given(pairs())
def test_js_is_symmetric_and_bounded_by_ln2(pq):
    p, q = pq
    js = js_divergence(p, q)
    assert _close(js, js_divergence(q, p))
    assert -SLACK <= js <= math.log(2) + SLACK
    assert js_divergence(p, q, base=2) <= 1 + SLACK


@given(tables())
def test_mutual_information_identities(pxy):
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    mi = mutual_information(pxy)
    assert _close(mi, entropy(px) + entropy(py) - joint_entropy(pxy))
    assert _close(mi, kl_divergence(pxy.ravel(), np.outer(px, py).ravel()))
    assert mi >= -SLACK


@given(tables())
def test_conditioning_reduces_entropy_and_chain_rule(pxy):
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    h_x_given_y = conditional_entropy(pxy)
    assert -SLACK <= h_x_given_y <= entropy(px) + SLACK
    # Chain rule: H(X,Y) = H(Y) + H(X|Y) = H(X) + H(Y|X).
    assert _close(joint_entropy(pxy), entropy(py) + h_x_given_y)
    assert _close(joint_entropy(pxy), entropy(px) + conditional_entropy(pxy.T))
    d = decompose(pxy)
    assert _close(d.h_xy, d.h_x_given_y + d.mutual_information + d.h_y_given_x)


@given(distributions())
def test_information_of_a_variable_with_itself_is_its_entropy(px):
    assert _close(mutual_information(np.diag(px)), entropy(px))
    assert _close(conditional_entropy(np.diag(px)), 0.0)


@given(distributions(), distributions())
def test_product_tables_share_no_information(px, py):
    pxy = np.outer(px, py)
    assert _close(mutual_information(pxy), 0.0)
    assert _close(conditional_entropy(pxy), entropy(px))
