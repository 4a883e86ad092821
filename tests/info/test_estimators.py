"""Tables from samples, binning, plug-in and Miller-Madow estimators."""

import math

import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

from netopt.info import (
    METHODS,
    conditional_entropy_from_samples,
    contingency_table,
    discretize,
    entropy,
    entropy_from_samples,
    joint_distribution,
    joint_entropy_from_samples,
    mutual_information,
    mutual_information_from_samples,
)

TOL = 1e-12  # absolute agreement with hand-derived values, SciPy and scikit-learn

# A known joint table (rows x, columns y), every cell at least 0.04.
TRUE_PXY = np.array(
    [
        [0.10, 0.05, 0.04, 0.11],
        [0.06, 0.12, 0.08, 0.04],
        [0.04, 0.08, 0.20, 0.08],
    ]
)


def _draw(rng, n, reps=None):
    """Paired samples (x, y) of size n from TRUE_PXY (arrays of shape (reps, n) if reps)."""
    flat = rng.choice(TRUE_PXY.size, size=n if reps is None else (reps, n), p=TRUE_PXY.ravel())
    return flat // TRUE_PXY.shape[1], flat % TRUE_PXY.shape[1]


def test_contingency_table_agrees_with_sklearn():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, size=60), rng.integers(-2, 3, size=60)
    np.testing.assert_array_equal(contingency_table(x, y), contingency_matrix(x, y))
    labels = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, size=30)]
    flags = rng.integers(0, 2, size=30).astype(bool)
    np.testing.assert_array_equal(
        contingency_table(labels, flags), contingency_matrix(labels, flags)
    )
    pxy = joint_distribution(x, y)
    np.testing.assert_allclose(pxy, contingency_matrix(x, y) / 60, rtol=0, atol=TOL)
    # Integer-valued floats are labels too.
    np.testing.assert_array_equal(contingency_table(x.astype(float), y), contingency_table(x, y))


def test_discretize_bins_as_numpy_histogram():
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    for bins in (1, 3, 10):
        np.testing.assert_array_equal(
            np.bincount(discretize(x, bins), minlength=bins), np.histogram(x, bins)[0]
        )
    edges = [-5.0, -1.0, 0.0, 0.5, 5.0]
    np.testing.assert_array_equal(
        np.bincount(discretize(x, edges), minlength=4), np.histogram(x, edges)[0]
    )
    # Left-closed bins, the last one closed on both sides.
    np.testing.assert_array_equal(discretize([0, 1, 2, 3], [0, 1, 2, 3]), [0, 1, 2, 2])
    # Equal samples: numpy's range of +-0.5 around the value.
    np.testing.assert_array_equal(discretize([2.0, 2.0], 2), [1, 1])


def test_binned_estimates_equal_estimates_of_the_bin_indices():
    rng = np.random.default_rng(2)
    x = rng.normal(size=300)
    y = x + rng.normal(size=300)
    for method in METHODS:
        assert mutual_information_from_samples(x, y, bins=8, method=method) == pytest.approx(
            mutual_information_from_samples(discretize(x, 8), discretize(y, 8), method=method),
            abs=TOL,
        )
        assert entropy_from_samples(x, bins=8, method=method) == pytest.approx(
            entropy_from_samples(discretize(x, 8), method=method), abs=TOL
        )
    np.testing.assert_array_equal(
        contingency_table(x, y, bins=5),
        np.histogram2d(x, y, bins=5)[0].astype(np.int64),
    )


@pytest.mark.parametrize("base", [None, 2])
def test_plugin_agrees_with_scipy_and_sklearn(base):
    rng = np.random.default_rng(3)
    x, y = _draw(rng, 200)
    counts_x = np.unique(x, return_counts=True)[1]
    assert entropy_from_samples(x, base=base) == pytest.approx(
        scipy.stats.entropy(counts_x, base=base), abs=TOL
    )
    to_base = math.log(base or math.e)
    assert mutual_information_from_samples(x, y, base=base) == pytest.approx(
        mutual_info_score(x, y) / to_base, abs=TOL
    )
    table = contingency_matrix(x, y)
    assert joint_entropy_from_samples(x, y, base=base) == pytest.approx(
        scipy.stats.entropy(table.ravel(), base=base), abs=TOL
    )
    h_y = scipy.stats.entropy(table.sum(axis=0), base=base)
    assert conditional_entropy_from_samples(x, y, base=base) == pytest.approx(
        scipy.stats.entropy(table.ravel(), base=base) - h_y, abs=TOL
    )


def test_miller_madow_hand_values():
    # x = (0, 0, 1): N = 3, m = 2, H = ln 3 - (2/3) ln 2, correction (m - 1)/(2N) = 1/6.
    h = math.log(3) - 2 / 3 * math.log(2)
    assert entropy_from_samples([0, 0, 1]) == pytest.approx(h, abs=TOL)
    assert entropy_from_samples([0, 0, 1], method="miller-madow") == pytest.approx(
        h + 1 / 6, abs=TOL
    )
    assert entropy_from_samples(["a", "a", "b"], method="miller-madow", base=2) == pytest.approx(
        (h + 1 / 6) / math.log(2), abs=TOL
    )
    # One symbol: H = 0 and no correction (m - 1 = 0).
    assert entropy_from_samples([7, 7, 7], method="miller-madow") == 0.0
    # Pairs (0,0), (0,1), (1,1), (1,1): N = 4, m_X = 2, m_Y = 2, m_XY = 3.
    x, y = [0, 0, 1, 1], [0, 1, 1, 1]
    h_x = math.log(2)
    h_y = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    h_xy = -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5))
    mm = {"x": h_x + 1 / 8, "y": h_y + 1 / 8, "xy": h_xy + 2 / 8}
    assert joint_entropy_from_samples(x, y, method="miller-madow") == pytest.approx(
        mm["xy"], abs=TOL
    )
    assert conditional_entropy_from_samples(x, y, method="miller-madow") == pytest.approx(
        mm["xy"] - mm["y"], abs=TOL
    )
    assert mutual_information_from_samples(x, y, method="miller-madow") == pytest.approx(
        mm["x"] + mm["y"] - mm["xy"], abs=TOL
    )


def test_plugin_converges_to_the_truth():
    rng = np.random.default_rng(4)
    px = TRUE_PXY.sum(axis=1)
    true_h, true_mi = entropy(px), mutual_information(TRUE_PXY)
    # Asymptotic standard deviations (delta method): Var = (E[s^2] - E[s]^2) / N, with
    # s = -log p(x) for the entropy and s = log p(x,y)/(p(x)p(y)) for the information.
    log_ratio = np.log(TRUE_PXY / np.outer(px, TRUE_PXY.sum(axis=0)))
    var_h = px @ np.log(px) ** 2 - true_h**2
    var_mi = (TRUE_PXY * log_ratio**2).sum() - true_mi**2
    errors = []
    for n in (1_000, 100_000):
        x, y = _draw(rng, n)
        err_h = entropy_from_samples(x) - true_h
        err_mi = mutual_information_from_samples(x, y) - true_mi
        assert abs(err_h) < 5 * math.sqrt(var_h / n) + 11 / (2 * n)  # 5 sd + bias bound
        assert abs(err_mi) < 5 * math.sqrt(var_mi / n) + 11 / (2 * n)
        errors.append(abs(err_h) + abs(err_mi))
    assert errors[1] < errors[0]


def test_miller_madow_has_smaller_bias_over_repeated_draws():
    rng = np.random.default_rng(5)
    reps, n = 400, 60
    xs, ys = _draw(rng, n, reps)
    true_h = entropy(TRUE_PXY.sum(axis=1))
    true_hxy = entropy(TRUE_PXY.ravel())
    true_mi = mutual_information(TRUE_PXY)
    bias = {}
    for method in METHODS:
        est = np.array(
            [
                (
                    entropy_from_samples(x, method=method),
                    joint_entropy_from_samples(x, y, method=method),
                    mutual_information_from_samples(x, y, method=method),
                )
                for x, y in zip(xs, ys, strict=True)
            ]
        )
        bias[method] = est.mean(axis=0) - (true_h, true_hxy, true_mi)
    plugin, mm = bias["plugin"], bias["miller-madow"]
    # Plug-in entropies are biased low, plug-in information high (first order:
    # -(m-1)/(2N) for the entropies, +(m_X-1)(m_Y-1)/(2N) for the information).
    assert plugin[0] < 0 and plugin[1] < 0 and plugin[2] > 0
    np.testing.assert_array_less(np.abs(mm), np.abs(plugin) / 2)
