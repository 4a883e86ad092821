"""Entropy, cross-entropy, KL and JS: the chapter's example, hand values, SciPy agreement."""

import math
import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats
from scipy.spatial.distance import jensenshannon

from netopt.info import cross_entropy, entropy, js_divergence, kl_divergence

TOL = 1e-12  # absolute agreement with hand-derived values and with SciPy

A = [1 / 2, 1 / 2]
B = [1 / 4, 3 / 4]
C = [1 / 8, 7 / 8]


def _random_pairs(seed, shape, zeros=True):
    """Random distributions p, q along the last axis, some entries exactly 0."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    q = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros:
        p[..., 0] = 0.0  # p = 0 where q > 0: a zero term
        p /= p.sum(-1, keepdims=True)
    return p, q


def test_chapter_worked_example_slides_8_and_9():
    # Slide 8: D(A||B) = 1/2 ln(2) + 1/2 ln(2/3) = 1/2 ln(4/3); D(A||C) = 1/2 ln(16/7).
    d_ab, d_ac, d_ba = kl_divergence(A, B), kl_divergence(A, C), kl_divergence(B, A)
    assert d_ab == pytest.approx(0.5 * math.log(4 / 3), abs=TOL)
    assert d_ac == pytest.approx(0.5 * math.log(16 / 7), abs=TOL)
    # Slide 9: D(B||A) = 1/4 ln(1/2) + 3/4 ln(3/2).
    assert d_ba == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5), abs=TOL)
    # The printed four-decimal values, in nats.
    assert (round(d_ab, 4), round(d_ac, 4), round(d_ba, 4)) == (0.1438, 0.4133, 0.1308)
    # B is closer to A than C is; KL is not symmetric.
    assert d_ab < d_ac
    assert d_ab != pytest.approx(d_ba, abs=1e-3)


def test_hand_values():
    for n in (1, 2, 5, 8):
        uniform = np.full(n, 1 / n)
        assert entropy(uniform) == pytest.approx(math.log(n), abs=TOL)
        assert entropy(uniform, base=2) == pytest.approx(math.log2(n), abs=TOL)
    assert entropy([0.0, 1.0, 0.0]) == 0.0  # 0 log 0 = 0
    # With a one-hot P, cross-entropy keeps only -log Q(true class) (the chapter's CE loss).
    assert cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]) == pytest.approx(-math.log(0.7), abs=TOL)
    # Cross-entropy is entropy plus KL (slide 7).
    assert cross_entropy(A, B) == pytest.approx(math.log(2) + 0.5 * math.log(4 / 3), abs=TOL)
    assert kl_divergence(B, B) == pytest.approx(0.0, abs=TOL)
    assert entropy(A, base=math.e) == entropy(A)
    assert entropy(B, base=10) == pytest.approx(entropy(B) / math.log(10), abs=TOL)


def test_support_mismatch_and_zero_terms_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
        # p = 0 where q = 0 is a zero term, not a NaN.
        assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2), abs=TOL)
        assert kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0
        # JS stays finite: M = (3/4, 1/4), JS = 1/2 * 1/2 ln(4/3) + 1/2 ln(4/3) = 3/4 ln(4/3).
        js = js_divergence([0.5, 0.5], [1.0, 0.0])
        assert js == pytest.approx(0.75 * math.log(4 / 3), abs=TOL)
        assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2), abs=TOL)
        batch = kl_divergence([[0.5, 0.5], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]])
        assert batch[0] == math.inf and batch[1] == 0.0


@pytest.mark.parametrize("base", [None, 2])
@pytest.mark.parametrize("shape", [(2,), (7,), (4, 6), (2, 3, 5)])
def test_agrees_with_scipy(shape, base):
    p, q = _random_pairs(sum(shape), shape)
    np.testing.assert_allclose(
        entropy(p, base=base), scipy.stats.entropy(p, base=base, axis=-1), rtol=0, atol=TOL
    )
    np.testing.assert_allclose(
        kl_divergence(p, q, base=base),
        scipy.stats.entropy(p, q, base=base, axis=-1),
        rtol=0,
        atol=TOL,
    )
    cross = -scipy.special.xlogy(p, q).sum(-1) / math.log(base or math.e)
    np.testing.assert_allclose(cross_entropy(p, q, base=base), cross, rtol=0, atol=TOL)
    # SciPy's jensenshannon is the distance: its square is the divergence.
    np.testing.assert_allclose(
        js_divergence(p, q, base=base),
        jensenshannon(p, q, base=base, axis=-1) ** 2,
        rtol=0,
        atol=TOL,
    )


def test_batches_follow_the_last_axis():
    p, q = _random_pairs(3, (3, 4, 5))
    for fn in (kl_divergence, cross_entropy, js_divergence):
        out = fn(p, q)
        assert isinstance(out, np.ndarray) and out.shape == (3, 4)
        assert out[2, 1] == pytest.approx(fn(p[2, 1], q[2, 1]), abs=TOL)
    assert entropy(p).shape == (3, 4)
    assert isinstance(entropy(p[0, 0]), float)
    assert isinstance(kl_divergence(list(p[0, 0]), list(q[0, 0])), float)


def test_normalize_rescales_counts_like_scipy():
    counts, weights = np.array([1, 3, 0, 4]), np.array([2.0, 2.0, 1.0, 5.0])
    assert entropy(counts, normalize=True) == pytest.approx(scipy.stats.entropy(counts), abs=TOL)
    assert kl_divergence(counts, weights, normalize=True) == pytest.approx(
        scipy.stats.entropy(counts, weights), abs=TOL
    )
    assert js_divergence(counts, weights, normalize=True) == pytest.approx(
        jensenshannon(counts, weights) ** 2, abs=TOL
    )
    # Already normalized input is unchanged by normalize=True.
    assert entropy(B, normalize=True) == pytest.approx(entropy(B), abs=TOL)


def test_sum_tolerance_is_1e_6():
    assert entropy([0.5, 0.5 + 9e-7]) > 0  # within the tolerance: accepted as is
    with pytest.raises(ValueError, match="must sum to 1"):
        entropy([0.5, 0.5 + 2e-6])
    # float32 probabilities normalized in float32 pass (the sum is checked in float64),
    # and are used as given, not renormalized.
    p32 = np.random.default_rng(0).dirichlet(np.ones(1000)).astype(np.float32)
    entr = scipy.special.entr(p32.astype(np.float64)).sum()
    assert entropy(p32) == pytest.approx(entr, abs=TOL)
