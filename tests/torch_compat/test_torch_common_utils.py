"""The harness behind :mod:`torch_suite_shim`: torch's ``assertEqual`` rules and
``parametrize`` naming, checked on cases whose verdicts follow from torch's documented
defaults (python floats compare with float32's ``rtol=1.3e-6, atol=1e-5``; float64
tensors with ``1e-7, 1e-7``; ints exactly)."""

from __future__ import annotations

import unittest

import numpy as np
import pytest

import netopt

from . import torch_common_utils as cu

_case = cu.TestCase("setUp")  # any method name: only assertEqual is used


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (0.05, 0.05 + 5e-6),  # |d| = 5e-6 <= 1e-5 + 1.3e-6 * 0.05
        (1, 1.0),  # number types are not checked
        ((0.9, 0.999), [0.9, 0.999]),  # any two sequences, item by item
        ([0.1, 0.5], [0.1, netopt.tensor(0.5)]),  # a number against a 1-element tensor
        ({"a": [1, 2]}, {"a": (1, 2)}),
        (None, None),
        ("triangular", "triangular"),
        (float("nan"), float("nan")),  # equal_nan=True by default
    ],
)
def test_equal(x, y):
    _case.assertEqual(x, y)


@pytest.mark.parametrize(
    ("x", "y", "kw"),
    [
        (0.05, 0.05 + 2e-5, {}),  # 2e-5 > 1e-5 + 1.3e-6 * 0.05
        (3, 4, {}),
        (0.5, 0.50002, {"atol": 1e-5, "rtol": 0}),
        ([0.1, 0.2], [0.1], {}),
        ({"a": 1}, {"a": 1, "b": 2}, {}),
        (netopt.tensor(0.5, dtype=netopt.float64), netopt.tensor(0.5), {}),  # dtypes differ
        (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]), {}),  # 1e-6 > 1e-7 + 2e-7
        (None, 0, {}),
        (object(), object(), {}),
    ],
)
def test_not_equal(x, y, kw):
    with pytest.raises(AssertionError):
        _case.assertEqual(x, y, **kw)


def test_exact_dtype_false_compares_values_only():
    _case.assertEqual(
        netopt.tensor(0.5, dtype=netopt.float64), netopt.tensor(0.5), exact_dtype=False
    )


def test_atol_without_rtol_is_refused():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified"):
        _case.assertEqual(1.0, 1.0, atol=1e-5)


def test_message_is_appended():
    with pytest.raises(AssertionError, match=r"(?s)Scalars are not close.*LR is wrong"):
        _case.assertEqual(1.0, 2.0, msg="LR is wrong")


def test_assert_close_checks_number_types_and_nan():
    cu.assert_close([0.1, 0.2], [0.1, 0.2])
    with pytest.raises(AssertionError, match="types do not match"):
        cu.assert_close(1, 1.0)
    with pytest.raises(AssertionError):
        cu.assert_close(float("nan"), float("nan"))


def test_parametrize_names_and_product():
    class T(cu.TestCase):
        @cu.parametrize("k", [object(), object()])
        @cu.parametrize("flag", [True, False])
        def test_a(self, k, flag):
            pass

        @cu.parametrize("T_mult", [1, 2.5, "x"])
        def test_b(self, T_mult):
            pass

    cu.instantiate_parametrized_tests(T)
    names = sorted(n for n in dir(T) if n.startswith("test_"))
    assert names == [
        "test_a_flag_False_k0",
        "test_a_flag_False_k1",
        "test_a_flag_True_k0",
        "test_a_flag_True_k1",
        "test_b_T_mult_1",
        "test_b_T_mult_2_5",
        "test_b_T_mult_x",
    ]
    result = unittest.TestResult()
    unittest.TestLoader().loadTestsFromTestCase(T).run(result)
    assert (result.testsRun, result.wasSuccessful()) == (7, True)
