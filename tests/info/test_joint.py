"""Joint and conditional entropy, mutual information, the Venn decomposition (slides 11-14)."""

import math

import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import mutual_info_score

import netopt
from netopt.info import (
    Decomposition,
    conditional_entropy,
    decompose,
    joint_entropy,
    mutual_information,
)

TOL = 1e-12  # absolute agreement with hand-derived values, SciPy and scikit-learn

# Rows x in {0, 1}, columns y in {0, 1}: p(x) = (1/2, 1/2), p(y) = (3/4, 1/4).
TABLE = [[0.5, 0.0], [0.25, 0.25]]


def _random_counts(seed, shape, high=9):
    """A random contingency table of counts, with some empty cells."""
    return np.random.default_rng(seed).integers(0, high, size=shape)


def test_hand_worked_table():
    ln2 = math.log(2)
    h_y = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    h_xy = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))  # = 1.5 ln 2
    # Slide 12, steps 1 and 2: H(X|Y) = p(y0) H(X|y0) + p(y1) H(X|y1); X|y0 is (2/3, 1/3),
    # and given y1, X = 1 for sure.
    h_x_given_y = 0.75 * -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) + 0.25 * 0.0
    h_y_given_x = 0.5 * 0.0 + 0.5 * ln2  # given x0, Y = 0 for sure; given x1, uniform
    assert joint_entropy(TABLE) == pytest.approx(1.5 * ln2, abs=TOL)
    assert h_xy == pytest.approx(1.5 * ln2, abs=TOL)
    assert conditional_entropy(TABLE) == pytest.approx(h_x_given_y, abs=TOL)
    assert conditional_entropy(np.transpose(TABLE)) == pytest.approx(h_y_given_x, abs=TOL)
    assert mutual_information(TABLE) == pytest.approx(ln2 + h_y - h_xy, abs=TOL)
    d = decompose(TABLE)
    assert isinstance(d, Decomposition)
    expected = (ln2, h_y, h_xy, h_x_given_y, h_y_given_x, ln2 + h_y - h_xy)
    np.testing.assert_allclose(d, expected, rtol=0, atol=TOL)
    assert decompose(TABLE, base=2).h_xy == pytest.approx(1.5, abs=TOL)


def test_extremes():
    # Y a copy of X: all the information is shared.
    copy = np.diag([0.2, 0.3, 0.5])
    assert mutual_information(copy) == pytest.approx(scipy.stats.entropy([0.2, 0.3, 0.5]), abs=TOL)
    assert conditional_entropy(copy) == 0.0
    # Independent: the table is the product of its marginals.
    product = np.outer([0.2, 0.8], [0.1, 0.6, 0.3])
    assert mutual_information(product) == pytest.approx(0.0, abs=TOL)
    assert conditional_entropy(product) == pytest.approx(scipy.stats.entropy([0.2, 0.8]), abs=TOL)
    assert joint_entropy([[1.0]]) == 0.0


@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (6, 4), (1, 7)])
def test_mutual_information_agrees_with_sklearn(shape):
    for seed in range(5):
        counts = _random_counts(seed, shape)
        counts[0, 0] += 1  # never an all-zero table
        reference = mutual_info_score(None, None, contingency=counts)
        assert mutual_information(counts, normalize=True) == pytest.approx(reference, abs=TOL)
        assert mutual_information(counts / counts.sum()) == pytest.approx(reference, abs=TOL)


@pytest.mark.parametrize("seed", range(4))
def test_entropies_agree_with_scipy(seed):
    counts = _random_counts(seed, (4, 3)) + np.eye(4, 3, dtype=int)
    pxy = counts / counts.sum()
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    assert joint_entropy(pxy) == pytest.approx(scipy.stats.entropy(pxy.ravel()), abs=TOL)
    # Slide 12: H(X|Y) = sum_j p(y_j) H(X | Y = y_j), with each H from SciPy.
    h = sum(py[j] * scipy.stats.entropy(pxy[:, j]) for j in range(3) if py[j] > 0)
    assert conditional_entropy(pxy) == pytest.approx(h, abs=TOL)
    # Slide 13, last line: I(X;Y) = KL(p(x,y) || p(x) p(y)), KL from SciPy.
    mi = scipy.stats.entropy(pxy.ravel(), np.outer(px, py).ravel())
    assert mutual_information(pxy) == pytest.approx(mi, abs=TOL)
    d = decompose(pxy, base=2)
    assert d.h_x == pytest.approx(scipy.stats.entropy(px, base=2), abs=TOL)
    assert d.h_y == pytest.approx(scipy.stats.entropy(py, base=2), abs=TOL)


def test_venn_identities_and_fields():
    pxy = _random_counts(7, (5, 4)) / 1.0
    pxy /= pxy.sum()
    d = decompose(pxy)
    assert d.h_xy == pytest.approx(d.h_x_given_y + d.mutual_information + d.h_y_given_x, abs=TOL)
    assert d.h_x == pytest.approx(d.h_x_given_y + d.mutual_information, abs=TOL)
    assert d.h_y == pytest.approx(d.h_y_given_x + d.mutual_information, abs=TOL)
    assert d.h_xy == joint_entropy(pxy)
    assert d.h_x_given_y == conditional_entropy(pxy)
    assert d.h_y_given_x == conditional_entropy(pxy.T)
    assert d.mutual_information == mutual_information(pxy)
    assert d._fields == (
        "h_x", "h_y", "h_xy", "h_x_given_y", "h_y_given_x", "mutual_information"
    )  # fmt: skip


def test_batches_of_tables_use_the_last_two_axes():
    counts = _random_counts(11, (3, 2, 4, 5)) + 1
    pxy = counts / counts.sum(axis=(-2, -1), keepdims=True)
    for fn in (joint_entropy, conditional_entropy, mutual_information):
        out = fn(pxy)
        assert out.shape == (3, 2)
        assert out[2, 1] == pytest.approx(fn(pxy[2, 1]), abs=TOL)
    d = decompose(counts, normalize=True)
    assert all(np.shape(v) == (3, 2) for v in d)
    assert d.h_y[1, 0] == pytest.approx(scipy.stats.entropy(pxy[1, 0].sum(axis=0)), abs=TOL)


def test_tensor_tables_give_tensors():
    t = netopt.tensor(np.array(TABLE), requires_grad=True)
    d = decompose(t)
    assert all(isinstance(v, netopt.Tensor) for v in d)
    np.testing.assert_allclose([v.item() for v in d], decompose(TABLE), rtol=0, atol=TOL)
