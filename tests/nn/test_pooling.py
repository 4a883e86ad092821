"""Pooling layers and Unflatten: gradchecks, hand-worked values (first-maximum ties,
divisors), reprs and errors (values against torch live in ``test_conv_reference.py``).

Gradchecks run in float64 with netopt's defaults; max pooling inputs are distinct values
spaced well apart (>= 1e-3 from a tie, the kink of max).
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn import functional as F


def _distinct(shape, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return netopt.tensor(rng.permutation(n).reshape(shape) * 0.1, requires_grad=True)


POOLS = [
    (F.max_pool2d, (1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (F.max_pool2d, (1, 1, 6, 5), {"kernel_size": (2, 3), "stride": 1, "dilation": (2, 1)}),
    (F.max_pool1d, (2, 2, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (F.avg_pool2d, (1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (F.avg_pool2d, (1, 2, 5, 5), {"kernel_size": 2, "padding": 1, "count_include_pad": False}),
    (F.avg_pool2d, (1, 1, 4, 4), {"kernel_size": 2, "divisor_override": 3}),
    (F.avg_pool1d, (2, 2, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    (F.adaptive_avg_pool2d, (1, 2, 5, 7), {"output_size": (3, 4)}),
    (F.adaptive_avg_pool1d, (2, 2, 7), {"output_size": 3}),
    (F.adaptive_max_pool2d, (1, 2, 5, 7), {"output_size": (2, 3)}),
    (F.adaptive_max_pool1d, (2, 2, 7), {"output_size": 3}),
]


@pytest.mark.parametrize(("fn", "shape", "kw"), POOLS)
def test_pool_gradcheck(fn, shape, kw):
    assert gradcheck(lambda x: fn(x, **kw), [_distinct(shape)])


def test_max_pool_gradient_goes_to_the_first_maximum():
    # all-equal 4x4 input, 3x3 windows at stride 1: each of the four windows' first element
    # in row-major order is its top-left corner, (0,0), (0,1), (1,0), (1,1).
    x = netopt.zeros(1, 1, 4, 4, requires_grad=True)
    F.max_pool2d(x, 3, stride=1).sum().backward()
    want = np.zeros((4, 4))
    want[:2, :2] = 1
    np.testing.assert_array_equal(x.grad[0, 0], want)
    # overlapping windows that share one maximum both send it their gradient
    x = netopt.tensor([[[0.0, 5.0, 0.0, 1.0]]], requires_grad=True)
    F.max_pool1d(x, 2, stride=1).sum().backward()
    assert x.grad.tolist() == [[[0.0, 2.0, 0.0, 1.0]]]


def test_max_pool_indices_are_flat_positions_in_the_unpadded_input():
    x = netopt.tensor([[[[1.0, 9.0, 2.0], [3.0, 4.0, 8.0], [7.0, 5.0, 6.0]]]])
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert y.tolist() == [[[[9.0, 9.0], [7.0, 8.0]]]]
    assert idx.tolist() == [[[[1, 1], [6, 5]]]]


def test_avg_pool_divisors_by_hand():
    x = netopt.ones(1, 1, 3, 3)
    # kernel 2, padding 1: corner windows hold one input and three padded zeros
    assert F.avg_pool2d(x, 2, padding=1).tolist()[0][0][0] == [0.25, 0.5]
    assert F.avg_pool2d(x, 2, padding=1, count_include_pad=False).tolist()[0][0][0] == [1, 1]
    assert F.avg_pool2d(x, 3, divisor_override=2).tolist() == [[[[4.5]]]]
    # ceil mode: length 3, kernel 2, stride 2 -> 2 windows; the last covers 1 input only
    assert F.avg_pool1d(netopt.ones(1, 1, 3), 2, ceil_mode=True).tolist() == [[[1.0, 1.0]]]


def test_adaptive_windows_follow_torchs_floor_ceil_rule():
    # length 5 to 3 cells: [0, 2), [1, 4), [3, 5)
    x = netopt.tensor([[[0.0, 1.0, 2.0, 3.0, 4.0]]])
    assert F.adaptive_avg_pool1d(x, 3).tolist() == [[[0.5, 2.0, 3.5]]]
    assert F.adaptive_max_pool1d(x, 3).tolist() == [[[1.0, 3.0, 4.0]]]


def test_module_reprs_match_torch():
    assert repr(nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"


def test_modules_equal_their_functions():
    x = _distinct((2, 3, 6, 6))
    pairs = [
        (nn.MaxPool2d(3, 2, 1), F.max_pool2d(x, 3, 2, 1)),
        (nn.AvgPool2d(3, 2, 1, count_include_pad=False), F.avg_pool2d(x, 3, 2, 1, False, False)),
        (nn.AdaptiveAvgPool2d(2), F.adaptive_avg_pool2d(x, 2)),
        (nn.AdaptiveMaxPool2d((None, 2)), F.adaptive_max_pool2d(x, (6, 2))),
    ]
    for module, want in pairs:
        np.testing.assert_array_equal(module(x).data, want.data)
    x1 = _distinct((2, 3, 8))
    np.testing.assert_array_equal(nn.MaxPool1d(2)(x1).data, F.max_pool1d(x1, 2).data)
    np.testing.assert_array_equal(nn.AvgPool1d(2)(x1).data, F.avg_pool1d(x1, 2).data)
    np.testing.assert_array_equal(
        nn.AdaptiveAvgPool1d(3)(x1).data, F.adaptive_avg_pool1d(x1, 3).data
    )
    y, i = nn.MaxPool2d(2, return_indices=True)(x)
    assert i.dtype == np.int64 and y.shape == i.shape == (2, 3, 3, 3)


def test_unflatten_and_flatten_round_trip():
    x = netopt.tensor(np.arange(24.0).reshape(2, 12), requires_grad=True)
    y = nn.Unflatten(1, (3, -1))(x)
    assert y.shape == (2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(y).data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 12)))


ERRORS = [
    (
        lambda: F.max_pool2d(netopt.zeros(2, 3, 8, 8), 3, padding=2),
        RuntimeError,
        "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 "
        "and dilation=1",
    ),
    (
        lambda: F.avg_pool2d(netopt.zeros(2, 3, 8, 8), 3, padding=2),
        RuntimeError,
        "pad should be at most half of effective kernel size",
    ),
    (
        lambda: F.max_pool2d(netopt.zeros(2, 3, 8, 8), 9),
        RuntimeError,
        r"Given input size: \(3x8x8\). Calculated output size: \(3x0x0\). Output size is too small",
    ),
    (
        lambda: F.max_pool2d(netopt.zeros(2, 3, 8, 8), 3, stride=0),
        RuntimeError,
        "stride should not be zero",
    ),
    (lambda: F.max_pool2d(netopt.zeros(8, 8), 2), RuntimeError, "Expected 3D or 4D"),
    (
        lambda: F.avg_pool2d(netopt.zeros(1, 1, 4, 4), 2, divisor_override=0),
        RuntimeError,
        "divisor must be not zero",
    ),
    (
        lambda: F.adaptive_avg_pool2d(netopt.zeros(1, 1, 4, 4), (0, 2)),
        RuntimeError,
        "elements of output_size must be greater than or equal to 1",
    ),
    (
        lambda: nn.Unflatten(1, (2, 2))(netopt.zeros(3, 5)),
        RuntimeError,
        r"unflatten: Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(5\)",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
