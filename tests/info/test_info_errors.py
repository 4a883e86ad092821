"""The safety policy's error paths, as one table: (callable, kwargs, exception, message)."""

import numpy as np
import pytest

import netopt
from netopt import info

GOOD = [0.5, 0.5]
TABLE = [[0.25, 0.25], [0.25, 0.25]]

CASES = [
    # Distributions: NaN, inf, negative, sum, empty, scalar, dtype.
    (info.entropy, {"p": [0.5, np.nan]}, ValueError, r"^p contains NaN$"),
    (info.entropy, {"p": [np.inf, 0.5]}, ValueError, r"^p contains infinite values$"),
    (info.entropy, {"p": [1.5, -0.5]}, ValueError, r"^p has negative entries \(smallest -0.5\)"),
    (info.entropy, {"p": [0.5, 0.4]}, ValueError, r"must sum to 1 .*got a sum of 0.9.*normalize"),
    (info.entropy, {"p": [[0.5, 0.5], [0.5, 0.6]]}, ValueError, r"got a sum of 1.1"),
    (info.entropy, {"p": []}, ValueError, r"^p is empty"),
    (info.entropy, {"p": 1.0}, ValueError, r"at least 1 dimension.*got shape \(\)"),
    (info.entropy, {"p": ["a", "b"]}, TypeError, r"p must hold real numbers, got dtype <U1"),
    (info.entropy, {"p": [True, False]}, TypeError, r"got dtype bool"),
    (info.entropy, {"p": [1 + 0j]}, TypeError, r"got dtype complex128"),
    (info.entropy, {"p": [0, 0], "normalize": True}, ValueError, r"sums to 0; cannot normalize"),
    (info.entropy, {"p": [1, -1, 2], "normalize": True}, ValueError, r"negative entries"),
    (info.entropy, {"p": GOOD, "normalize": 1}, TypeError, r"normalize must be True or False"),
    (info.kl_divergence, {"p": GOOD, "q": [0.5, -0.5]}, ValueError, r"^q has negative"),
    (info.kl_divergence, {"p": GOOD, "q": [0.2, 0.2]}, ValueError, r"^q must sum to 1"),
    (info.cross_entropy, {"p": GOOD, "q": [np.nan, 1.0]}, ValueError, r"^q contains NaN$"),
    # Shapes must match exactly (no broadcasting).
    (
        info.kl_divergence,
        {"p": GOOD, "q": [0.2, 0.3, 0.5]},
        ValueError,
        r"shapes must match: p has shape \(2,\) and q has shape \(3,\)",
    ),
    (info.js_divergence, {"p": [GOOD, GOOD], "q": GOOD}, ValueError, r"shapes must match"),
    (info.cross_entropy, {"p": GOOD, "q": [[0.5, 0.5]]}, ValueError, r"shapes must match"),
    # base.
    (info.entropy, {"p": GOOD, "base": 1}, ValueError, r"other than 1, got 1$"),
    (info.entropy, {"p": GOOD, "base": 0}, ValueError, r"finite positive number.*got 0$"),
    (info.entropy, {"p": GOOD, "base": -2.0}, ValueError, r"got -2.0$"),
    (info.entropy, {"p": GOOD, "base": float("inf")}, ValueError, r"got inf$"),
    (info.entropy, {"p": GOOD, "base": "2"}, TypeError, r"base must be a real number or None"),
    (info.entropy, {"p": GOOD, "base": True}, TypeError, r"got bool"),
    # Joint tables.
    (info.mutual_information, {"pxy": GOOD}, ValueError, r"pxy must have at least 2 dim"),
    (info.joint_entropy, {"pxy": [[0.5, 0.6]]}, ValueError, r"pxy must sum to 1 over its last two"),
    (info.conditional_entropy, {"pxy": np.zeros((2, 0))}, ValueError, r"^pxy is empty"),
    (info.decompose, {"pxy": [[0.5, -0.25], [0.5, 0.25]]}, ValueError, r"^pxy has negative"),
    (info.decompose, {"pxy": TABLE, "base": 1.0}, ValueError, r"other than 1"),
    # The Tensor path checks the same values.
    (info.entropy, {"p": netopt.tensor([0.5, 0.6])}, ValueError, r"must sum to 1"),
    (
        info.kl_divergence,
        {"p": netopt.tensor([0.5, 0.5]), "q": [1.5, -0.5]},
        ValueError,
        r"^q has negative",
    ),
    # Samples and bins.
    (
        info.contingency_table,
        {"x": [1, 2], "y": [1, 2, 3]},
        ValueError,
        r"equal length, got 2 and 3",
    ),
    (info.contingency_table, {"x": [], "y": []}, ValueError, r"^x is empty: no samples$"),
    (info.contingency_table, {"x": [[1, 2]], "y": [1]}, ValueError, r"^x must be a 1-D sequence"),
    (info.joint_distribution, {"x": [1.0, np.nan], "y": [1, 2]}, ValueError, r"^x contains NaN$"),
    (info.joint_distribution, {"x": [1, 2], "y": [1, np.inf]}, ValueError, r"^y contains infinite"),
    (
        info.entropy_from_samples,
        {"x": [0.3, 1.7]},
        ValueError,
        r"x holds non-integer floats \(e\.g\. 0\.3\).*pass bins=",
    ),
    (info.entropy_from_samples, {"x": [None, 1]}, TypeError, r"x must hold numbers or strings"),
    (
        info.entropy_from_samples,
        {"x": [1, 2], "method": "mm"},
        ValueError,
        r"method must be one of",
    ),
    (info.entropy_from_samples, {"x": [1, 2], "base": 1}, ValueError, r"other than 1"),
    (info.entropy_from_samples, {"x": [0.5], "bins": 0}, ValueError, r"positive integer, got 0$"),
    (
        info.entropy_from_samples,
        {"x": [0.5], "bins": "auto"},
        TypeError,
        r"bins must be a positive",
    ),
    (info.entropy_from_samples, {"x": [0.5], "bins": True}, TypeError, r"bins must be a positive"),
    (info.entropy_from_samples, {"x": ["a"], "bins": 2}, TypeError, r"real numbers to be binned"),
    (info.discretize, {"x": [0.5], "bins": [0, 1, 1]}, ValueError, r"strictly increasing"),
    (info.discretize, {"x": [0.5], "bins": [0.0]}, ValueError, r"at least 2"),
    (info.discretize, {"x": [0.5], "bins": [[0, 1]]}, TypeError, r"1-D sequence of edges"),
    (info.discretize, {"x": [0.5, 3.0], "bins": [0, 1, 2]}, ValueError, r"outside .*\[0, 2\]: 3.0"),
    (
        info.mutual_information_from_samples,
        {"x": [0.1, 0.2], "y": [1, 2], "bins": [0, 1], "method": "plugin"},
        ValueError,
        r"^y has values outside the bin edges",
    ),
    (info.conditional_entropy_from_samples, {"x": [1], "y": []}, ValueError, r"^y is empty"),
]


@pytest.mark.parametrize(
    ("fn", "kwargs", "exception", "message"),
    CASES,
    ids=[f"{fn.__name__}-{i}" for i, (fn, *_rest) in enumerate(CASES)],
)
def test_bad_input_raises_with_a_clear_message(fn, kwargs, exception, message):
    with pytest.raises(exception, match=message):
        fn(**kwargs)
