"""Edge cases of the ported Tensor API found in review, against torch: prod's gradient on
0-d and empty tensors, div(rounding_mode=) on integer and bool tensors, dims out of range
in flatten/permute/nn.Flatten/nn.Unflatten, and the gradient of relu-like activations at
a NaN input."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")


def _grad(lib, data, call):
    """The gradient of ``call(t).sum()`` with respect to ``t = lib.tensor(data)``."""
    t = lib.tensor(data, requires_grad=True)
    call(t).sum().backward()
    return t.grad.numpy()


@pytest.mark.parametrize(
    ("data", "call"),
    [
        (2.5, lambda t: t.prod(0)),
        (-1.5, lambda t: t.prod(-1, keepdim=True)),
        (np.zeros((0, 4)), lambda t: t.prod()),
        (np.zeros((0, 4)), lambda t: t.prod(0)),
        (np.zeros((0, 4)), lambda t: t.prod(1)),
        (np.zeros((3, 0)), lambda t: t.prod(1, keepdim=True)),
    ],
)
def test_prod_gradient_of_0d_and_empty_tensors_as_torch(data, call):
    got, want = _grad(netopt, data, call), _grad(torch, data, call)
    assert got.shape == tuple(want.shape)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _outcome(lib, call):
    """``(dtype name, values)`` of ``call(lib)``, or ``(error type, message)``."""
    try:
        r = call(lib)
    except Exception as e:  # the error is the outcome compared
        return type(e).__name__, str(e)
    return str(r.dtype).removeprefix("torch."), r.tolist()


I8 = np.array([-7, 7, -6, 5, 0], np.int8)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: lib.tensor(I8).div(2, rounding_mode=m),
        lambda lib, m: lib.tensor(I8).div(-4, rounding_mode=m),
        lambda lib, m: lib.tensor(I8.astype(np.int32)).div(3, rounding_mode=m),
        lambda lib, m: lib.tensor(I8).div(lib.tensor(I8[::-1] + 1), rounding_mode=m),
        lambda lib, m: lib.tensor(I8 > 0).div(2, rounding_mode=m),
        lambda lib, m: lib.tensor(I8 > 0).div(lib.tensor(I8 < 0), rounding_mode=m),
        lambda lib, m: lib.tensor([1, -2]).div(0, rounding_mode=m),
        lambda lib, m: lib.tensor(I8).div(lib.tensor(I8), rounding_mode=m),
        lambda lib, m: lib.tensor([1.5, -2.5]).div(0, rounding_mode=m),
    ],
)
def test_div_rounding_mode_on_integer_and_bool_tensors_as_torch(call, mode):
    got, want = (
        _outcome(netopt, lambda lib: call(lib, mode)),
        _outcome(torch, lambda lib: call(lib, mode)),
    )
    assert got == want


T3 = np.arange(4.0).reshape(1, 2, 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: t.flatten(0, 5),
        lambda lib, t: t.flatten(4),
        lambda lib, t: t.flatten(2, 1),
        lambda lib, t: t.flatten(-1, 2),
        lambda lib, t: t.flatten(-2),
        lambda lib, t: lib.flatten(t, -4),
        lambda lib, t: lib.flatten(t, 1, -4),
        lambda lib, t: t[0, 0, 0].flatten(-1, 0),
        lambda lib, t: t[0, 0, 0].flatten(1),
        lambda lib, t: lib.nn.Flatten(1, 7)(t),
        lambda lib, t: lib.nn.Flatten(2, 1)(t),
        lambda lib, t: lib.nn.Flatten()(t[0, 0, 0]),
        lambda lib, t: lib.nn.Unflatten(3, (2, 1))(t),
        lambda lib, t: lib.nn.Unflatten(-4, (2, 1))(t),
        lambda lib, t: lib.nn.Unflatten(-1, (2, 1))(t),
        lambda lib, t: lib.nn.Unflatten(-1, (3, 1))(t),
        lambda lib, t: t.permute(0, 1, 5),
        lambda lib, t: t.permute(0, 1, -4),
        lambda lib, t: t.permute(2, 0, -2),
        lambda lib, t: t.permute(0, 1, 1),
        lambda lib, t: t.permute(0, 1, -2),
        lambda lib, t: t.permute(0, 1),
        lambda lib, t: t.permute((0, 1, 2, 3)),
        lambda lib, t: t[0, 0, 0].permute(0),
    ],
)
def test_dims_out_of_range_in_flatten_and_permute_are_torchs_errors(call):
    def outcome(lib):
        try:
            r = call(lib, lib.tensor(T3))
        except Exception as e:  # the error is the outcome compared
            return type(e).__name__, str(e).split("\n")[0]
        return tuple(r.shape), r.tolist()

    assert outcome(netopt) == outcome(torch)


def test_permute_with_negative_dims_differentiates_as_torch():
    w = np.arange(24.0).reshape(4, 3, 2)
    grads = [
        _grad(lib, np.ones((2, 3, 4)), lambda t, lib=lib: t.permute(-1, 1, -3) * lib.tensor(w))
        for lib in (netopt, torch)
    ]
    np.testing.assert_array_equal(grads[0], grads[1])


# 64 values (whole vectors of torch's CPU kernels in float32 and float64): torch's
# hardtanh backward gives a NaN input 0 in its vectorized loop but passes the gradient in
# its scalar tail, so only whole vectors are compared
NAN_X = np.tile(np.array([0.5, np.nan, -2.0, 0.0, 6.0, 7.0, -1.0, 1.0]), 8)
# negative, infinite and NaN upstream gradients where the derivative is 0: torch gives +0
NAN_G = np.tile(np.array([-1.5, -2.0, -np.inf, np.nan, 3.0, -4.0, np.inf, -0.0]), 8)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, F, t: F.relu(t),
        lambda lib, F, t: t.relu(),
        lambda lib, F, t: (t * 1).relu_(),
        lambda lib, F, t: lib.nn.ReLU()(t),
        lambda lib, F, t: F.hardtanh(t),
        lambda lib, F, t: F.hardtanh(t, -0.5, 6.0),
        lambda lib, F, t: F.relu6(t),
        lambda lib, F, t: lib.nn.ReLU6()(t),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_like_gradients_at_nan_and_bounds_are_torchs_bit_for_bit(call, dtype):
    grads = []
    for lib in (netopt, torch):
        F = netopt.nn.functional if lib is netopt else torch.nn.functional
        t = lib.tensor(NAN_X.astype(dtype), requires_grad=True)
        call(lib, F, t).backward(lib.tensor(NAN_G.astype(dtype)))
        grads.append(t.grad.numpy())
    got, want = grads
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))  # +0, not -0


INTS = np.array([-3, 0, 2, 7, 123456789])


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: t * 1.5,
        lambda lib, t: 1.5 * t,
        lambda lib, t: t + 0.25,
        lambda lib, t: 2.5 - t,
        lambda lib, t: t / 2.0,
        lambda lib, t: 3.0 / (t + 4),
        lambda lib, t: (t + 4) ** 1.5,
        lambda lib, t: 1.5 ** t.clamp(0, 7),
        lambda lib, t: t.div(2.5, rounding_mode="floor"),
        lambda lib, t: t.div(-2.5, rounding_mode="trunc"),
        lambda lib, t: t.clamp_min(0.5),
        lambda lib, t: t.clamp(-1.5, 3),
        lambda lib, t: t.clamp(0, 3),
        lambda lib, t: lib.sub(t, 1.5),
        lambda lib, t: lib.add(t, 1.5, alpha=2),
        lambda lib, t: lib.add(t, t, alpha=2.5),
        lambda lib, t: lib.sub(t, 1, alpha=2.5),
        lambda lib, t: lib.add(t, t, alpha=np.float32(2.5)),  # a NumPy float is a float
        lambda lib, t: t.add(t, alpha=True),
        lambda lib, t: (t > 0) * 1.5,
        lambda lib, t: (t > 0) + 0.5,
        lambda lib, t: lib.add(t > 0, t < 0, alpha=2.5),
        lambda lib, t: lib.add(t > 0, t < 0, alpha=True),
        lambda lib, t: t.to(lib.int8) * 1.5,
        lambda lib, t: t * 2,
    ],
)
def test_integer_and_bool_tensors_with_a_python_float_as_torch(call):
    got = _outcome(netopt, lambda lib: call(lib, lib.tensor(INTS)))
    want = _outcome(torch, lambda lib: call(lib, lib.tensor(INTS)))
    assert got == want
