"""Conv1d/Conv2d and F.pad: full-Jacobian gradchecks, hand-worked values, initialization,
reprs and error messages (values against torch live in ``test_conv_reference.py``).

Gradchecks run in float64 with netopt's defaults (eps 1e-6, atol 1e-5, rtol 1e-3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd import gradcheck
from netopt.nn import functional as F


def _t(rng, *shape):
    return netopt.tensor(rng.standard_normal(shape), requires_grad=True)


GRAD_CASES = [
    (F.conv2d, (2, 2, 5, 4), (3, 2, 3, 2), {"stride": (2, 1), "padding": 1}),
    (F.conv2d, (1, 4, 5, 5), (4, 2, 2, 3), {"dilation": (2, 1), "groups": 2, "padding": "same"}),
    (F.conv2d, (1, 3, 4, 4), (3, 1, 3, 3), {"groups": 3, "stride": 2, "padding": 1}),
    (F.conv2d, (2, 4, 4), (2, 2, 2, 2), {}),
    (F.conv1d, (2, 2, 7), (3, 2, 3), {"stride": 2, "padding": 2, "dilation": 2}),
    (F.conv1d, (1, 4, 6), (2, 2, 4), {"groups": 2, "padding": "same"}),
]


@pytest.mark.parametrize(("fn", "xs", "ws", "kw"), GRAD_CASES)
def test_conv_gradcheck(fn, xs, ws, kw):
    rng = np.random.default_rng(0)
    x, w, b = _t(rng, *xs), _t(rng, *ws), _t(rng, ws[0])
    assert gradcheck(lambda x, w, b: fn(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    x = _t(np.random.default_rng(1), 1, 2, 3, 4)
    assert gradcheck(lambda x: F.pad(x, (2, 1, 1, 2), mode=mode), [x])


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_module_padding_modes_gradcheck(mode):
    conv = nn.Conv2d(2, 2, 3, padding=1, padding_mode=mode, dtype=np.float64)
    x = _t(np.random.default_rng(2), 1, 2, 3, 4)
    assert gradcheck(
        lambda x, w: F.conv2d(
            F.pad(x, (1, 1, 1, 1), mode=mode if mode != "zeros" else "constant"), w
        ),
        [x, conv.weight],
    )
    assert gradcheck(lambda x: conv(x), [x])


def test_conv2d_hand_worked():
    # all-ones 3x3 input and 2x2 kernel of ones: each output sums a 2x2 window (= 4);
    # padding 1 adds border outputs that see 1 (corners) or 2 (edges) ones.
    y = F.conv2d(netopt.ones(1, 1, 3, 3), netopt.ones(1, 1, 2, 2), padding=1)
    assert y.tolist() == [[[[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]]]
    # cross-correlation (not flipped): kernel [1, 0] picks the left element of each pair
    y = F.conv1d(netopt.tensor([[[1.0, 2.0, 3.0]]]), netopt.tensor([[[1.0, 0.0]]]))
    assert y.tolist() == [[[1.0, 2.0]]]


def test_conv_groups_are_independent_convolutions():
    rng = np.random.default_rng(3)
    x, w = (
        netopt.tensor(rng.standard_normal((2, 4, 6, 6))),
        netopt.tensor(rng.standard_normal((6, 2, 3, 3))),
    )
    y = F.conv2d(x, w, groups=2).data
    for g in range(2):
        part = F.conv2d(
            netopt.tensor(x.data[:, 2 * g : 2 * g + 2]), netopt.tensor(w.data[3 * g : 3 * g + 3])
        )
        np.testing.assert_allclose(y[:, 3 * g : 3 * g + 3], part.data, rtol=1e-12, atol=1e-12)


def test_same_padding_keeps_the_length_and_puts_the_odd_pad_at_the_end():
    x = netopt.tensor(np.arange(5.0)[None, None])
    y = F.conv1d(x, netopt.tensor([[[1.0, 0.0, 0.0, 0.0]]]), padding="same")
    # total padding 3 = 1 before + 2 after; the kernel's first tap reads x[i - 1]
    assert y.tolist() == [[[0.0, 0.0, 1.0, 2.0, 3.0]]]


@pytest.mark.parametrize(
    ("cls", "args", "fan_in"),
    [
        (nn.Conv2d, (3, 8, 5), 3 * 25),
        (nn.Conv1d, (6, 4, 3), 6 * 3),
        (nn.Conv2d, (6, 6, (3, 2)), 1 * 6),
    ],
)
def test_default_init_is_torchs_uniform_bound(cls, args, fan_in):
    groups = 6 if args == (6, 6, (3, 2)) else 1
    conv = cls(*args, groups=groups, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(2/6) * sqrt(3/fan_in)
    assert np.abs(conv.weight.data.numpy()).max() <= bound
    assert np.abs(conv.bias.data.numpy()).max() <= bound
    assert np.abs(conv.weight.data.numpy()).max() > 0.8 * bound
    assert conv.weight.dtype == np.float32


def test_reprs_match_torch():
    assert (
        repr(nn.Conv2d(1, 6, 5, padding=2))
        == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    )
    assert (
        repr(
            nn.Conv2d(
                4, 4, 3, padding="same", padding_mode="reflect", bias=False, groups=2, dilation=2
            )
        )
        == "Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), "
        "groups=2, bias=False, padding_mode=reflect)"
    )
    assert repr(nn.Conv1d(1, 25, 5, stride=2)) == "Conv1d(1, 25, kernel_size=(5,), stride=(2,))"


def test_modules_have_torchs_parameter_shapes_and_state_dict():
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert conv.weight.shape == (6, 2, 3, 2) and conv.bias.shape == (6,)
    assert sorted(conv.state_dict()) == ["bias", "weight"]
    assert nn.Conv1d(2, 3, 3, bias=False).bias is None


def _x(*shape):
    return netopt.zeros(*shape)


ERRORS = [
    (
        lambda: F.conv2d(_x(2, 3, 8, 8), _x(4, 1, 3, 3)),
        RuntimeError,
        r"Given groups=1, weight of size \[4, 1, 3, 3\], expected input\[2, 3, 8, 8\] "
        r"to have 1 channels, but got 3 channels instead",
    ),
    (
        lambda: F.conv2d(_x(2, 3), _x(4, 3, 3, 3)),
        RuntimeError,
        r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, "
        r"but got input of size: \[2, 3\]",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 3, 3), padding="foo"),
        RuntimeError,
        r"Invalid padding string: 'foo'",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 3, 3), padding="same", stride=2),
        RuntimeError,
        "padding='same' is not supported for strided convolutions",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 9, 9)),
        RuntimeError,
        r"Calculated padded input size per channel: \(8 x 8\). Kernel size: \(9 x 9\). "
        r"Kernel size can't be greater than actual input size",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 3, 3), stride=0),
        RuntimeError,
        "non-positive stride is not supported",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 3, 3), padding=-1),
        RuntimeError,
        "negative padding is not supported",
    ),
    (
        lambda: F.conv2d(_x(1, 3, 8, 8), _x(4, 3, 3, 3), _x(3)),
        RuntimeError,
        r"expected bias to be 1-dimensional with 4 elements, but got bias of size \[3\] instead",
    ),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, "groups must be a positive integer"),
    (
        lambda: nn.Conv2d(4, 4, 3, padding="foo"),
        ValueError,
        r"Invalid padding string 'foo', should be one of \{'same', 'valid'\}",
    ),
    (
        lambda: nn.Conv2d(4, 4, 3, padding="same", stride=2),
        ValueError,
        "padding='same' is not supported for strided",
    ),
    (
        lambda: nn.Conv2d(4, 4, 3, padding_mode="bad"),
        ValueError,
        r"padding_mode must be one of \{'circular', 'zeros', 'reflect', 'replicate'\}, "
        r"but got padding_mode='bad'",
    ),
    (lambda: nn.Conv2d(True, 4, 3), ValueError, "in_channels must be a positive integer, got True"),
    (
        lambda: nn.Conv1d(2, 2, (3, 3)),
        TypeError,
        r"kernel_size must be an int or a tuple of 1 ints",
    ),
    (
        lambda: F.pad(_x(1, 1, 3), (3, 3), mode="reflect"),
        RuntimeError,
        r"Padding size should be less than the corresponding input dimension, "
        r"but got: padding \(3, 3\) at dimension 2 of input \[1, 1, 3\]",
    ),
    (
        lambda: F.pad(_x(1, 1, 3), (4, 4), mode="circular"),
        RuntimeError,
        "Padding value causes wrapping around more than once.",
    ),
    (lambda: F.pad(_x(1, 1, 3), (1,)), ValueError, "Padding length must be divisible by 2"),
    (
        lambda: F.pad(_x(1, 1, 3), (1, 1), mode="wrap"),
        NotImplementedError,
        "Unsupported padding mode: wrap",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_conv_float32_stays_float32_through_backward():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = netopt.tensor(np.ones((2, 2, 5, 5), np.float32), requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert conv.weight.grad.dtype == np.float32 and conv.bias.grad.dtype == np.float32


def test_gradients_accumulate_over_two_backward_calls():
    rng = np.random.default_rng(4)
    x, w = _t(rng, 1, 2, 5, 5), _t(rng, 3, 2, 3, 3)
    F.conv2d(x, w, padding=1).sum().backward()
    first = np.array(w.grad)
    F.conv2d(x, w, padding=1).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * first, rtol=1e-14)


@pytest.mark.parametrize(("xs", "ws", "kw"), [
    ((3, 2, 3, 8), (3, 2, 3, 3), {"padding": 1}),  # wide rows (stride 1)
    ((5, 4, 7, 6), (6, 2, 3, 2), {"stride": 2, "groups": 2, "dilation": (1, 2)}),  # windows
])  # fmt: skip
def test_chunked_columns_give_the_same_convolution(monkeypatch, xs, ws, kw):
    # a batch whose columns exceed BLOCK is convolved in chunks of samples and its columns
    # rebuilt in the backward pass; the numbers are those of the one-chunk path
    from netopt.nn.functional import _conv_kernels

    rng = np.random.default_rng(5)
    x, w, b = _t(rng, *xs), _t(rng, *ws), _t(rng, ws[0])
    cot = netopt.tensor(rng.standard_normal(F.conv2d(x, w, b, **kw).shape))
    results = []
    for block in (_conv_kernels.BLOCK, 300):
        monkeypatch.setattr(_conv_kernels, "BLOCK", block)
        x.grad = w.grad = b.grad = None
        y = F.conv2d(x, w, b, **kw)
        (y * cot).sum().backward()
        results.append([y.data, x.grad, w.grad, b.grad])
    for ours, ref in zip(*results):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


def test_recycled_column_buffers_never_serve_two_live_graphs():
    # two graphs of the same shapes alive at once, then a third after the first is freed
    # (its column buffer recycled): every gradient equals a lone computation's
    rng = np.random.default_rng(6)
    w = _t(rng, 4, 3, 3, 3)
    xs = [netopt.tensor(rng.standard_normal((2, 3, 9, 9)), requires_grad=True) for _ in range(3)]

    def alone(x):
        xx = netopt.tensor(np.array(x.data), requires_grad=True)
        ww = netopt.tensor(np.array(w.data), requires_grad=True)
        F.conv2d(xx, ww, padding=1).sum().backward()
        return xx.grad, ww.grad

    want = [alone(x) for x in xs]
    y0, y1 = F.conv2d(xs[0], w, padding=1), F.conv2d(xs[1], w, padding=1)
    y1.sum().backward()
    g1 = np.array(w.grad)
    w.grad = None
    y0.sum().backward()
    g0 = np.array(w.grad)
    del y0, y1
    w.grad = None
    F.conv2d(xs[2], w, padding=1).sum().backward()
    for x, gw, (gx_want, gw_want) in zip(xs, (g0, g1, w.grad), want):
        np.testing.assert_array_equal(x.grad, gx_want)
        np.testing.assert_array_equal(gw, gw_want)
