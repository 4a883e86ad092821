"""``netopt.autograd.gradcheck`` itself: it passes right gradients and catches wrong ones.

Wrong gradients come from custom ops built with ``make_result``, the way every op is built.
gradcheck's tolerances are its defaults (eps=1e-6, atol=1e-5, rtol=1e-3) unless a test
says otherwise.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import netopt
from netopt.autograd import GradcheckError, gradcheck
from netopt.autograd.tensor import make_result


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def cube_with_slope(factor):
    """x^3 whose backward claims ``factor * 3x^2`` (factor 1 is right)."""

    def cube(t):
        return make_result(t._data**3, (t,), lambda g: (g * factor * 3 * t._data**2,))

    return cube


def test_passes_a_right_gradient():
    assert gradcheck(cube_with_slope(1.0), [_leaf([0.5, -1.5, 2.0])]) is True


@pytest.mark.parametrize("factor", [2.0 / 3.0, 1.01, -1.0, 0.0])
def test_detects_a_wrong_gradient(factor):
    x = _leaf([0.5, -1.5, 2.0])
    with pytest.raises(GradcheckError, match=r"numerical .* vs analytical"):
        gradcheck(cube_with_slope(factor), [x])
    assert gradcheck(cube_with_slope(factor), [x], raise_exception=False) is False


def test_tolerance_is_atol_plus_rtol_times_numerical():
    # at x = 2: numerical 12; |12 f - 12| <= 1e-5 + 1e-3 * 12 = 0.01201 <=> |f - 1| <= 1.0008e-3
    x = _leaf([2.0])
    assert gradcheck(cube_with_slope(1 + 9e-4), [x])
    assert not gradcheck(cube_with_slope(1 + 1.2e-3), [x], raise_exception=False)
    assert gradcheck(cube_with_slope(1 + 1.2e-3), [x], rtol=2e-3)


def test_detects_a_wrong_gradient_for_the_second_input_only():
    def mul_wrong_b(a, b):
        return make_result(a._data * b._data, (a, b), lambda g: (g * b._data, g * b._data))

    a, b = _leaf([1.0, 2.0]), _leaf([3.0, -4.0])
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(mul_wrong_b, [a, b])


def test_detects_a_missing_cross_term_in_the_jacobian():
    # y = cumulative sum; a backward that returns only the diagonal is wrong off it
    def cumsum_diag_only(t):
        return make_result(np.cumsum(t._data), (t,), lambda g: (g,))

    with pytest.raises(GradcheckError, match="output 1, input element 0"):
        gradcheck(cumsum_diag_only, [_leaf([1.0, 2.0, 3.0])])


def test_warns_on_float32_input_and_still_checks_in_float64():
    x = _leaf([0.5, -1.5], np.float32)
    with pytest.warns(UserWarning, match="float32.*float64"):
        assert gradcheck(cube_with_slope(1.0), [x])
    with pytest.warns(UserWarning, match="float64"):
        assert not gradcheck(cube_with_slope(1.1), [x], raise_exception=False)
    assert x.dtype == np.float32  # the caller's tensor is given back as it was


def test_float64_input_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(cube_with_slope(1.0), [_leaf([1.0])])


def test_restores_inputs_and_leaves_no_gradient():
    data = np.array([[0.3, -1.2], [2.0, 0.7]])
    x = _leaf(data)
    original = x.data.numpy()
    gradcheck(lambda t: (t * t).sum(1), [x])
    assert x.data.numpy() is original and np.array_equal(x.data.numpy(), data)
    assert x.grad is None


def test_non_contiguous_input_is_perturbed():
    # a transposed view: the numerical Jacobian must still see every step
    x = netopt.Tensor(np.arange(1.0, 7.0).reshape(2, 3).T, requires_grad=True)
    assert not x.data.numpy().flags.c_contiguous
    assert gradcheck(lambda t: (t * t).sum(), [x])

    def zero_grad_square(t):
        return make_result(t._data**2, (t,), lambda g: (np.zeros_like(t._data),))

    with pytest.raises(GradcheckError):
        gradcheck(zero_grad_square, [x])


def test_multiple_outputs_and_inputs_without_grad():
    a, b = _leaf([1.0, 2.0]), netopt.tensor(np.array([3.0, 4.0]))
    assert gradcheck(lambda s, t: (s * t, s.exp().sum()), [a, b])


def test_refuses_when_nothing_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor with requires_grad"):
        gradcheck(lambda t: t * 2.0, [netopt.tensor(np.array([1.0]))])
