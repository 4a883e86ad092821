"""Tensor API that ported torch code reaches for (amax/amin/prod/nansum, clamp_min/max,
add/sub with alpha, div(rounding_mode=), squeeze of several dims, torch's keyword names
on netopt.abs/exp/pow/matmul, the in-place relu_/exp_/clamp_), against torch: values,
dtypes, gradients and error messages."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

# ties in rows 0 and 2 and across the columns, a zero, negatives
X = np.array([[0.5, -1.5, 2.0, 2.0], [1.25, 0.0, -0.75, 3.0], [-2.0, -2.0, 1.0, 0.5]])


def _pair(data=X, requires_grad=True, dtype=np.float64):
    data = np.asarray(data, dtype=dtype)
    return (
        netopt.tensor(data, requires_grad=requires_grad),
        torch.tensor(data, requires_grad=requires_grad),
    )


def _weights(shape):
    """Distinct upstream gradients, so every element's share shows."""
    return np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape) / 7


def _check(call, data=X, rtol=1e-12):
    """Values of ``call(lib, t)`` and the gradient of a weighted sum of them, as torch's."""
    ours, theirs = _pair(data)
    got, want = call(netopt, ours), call(torch, theirs)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol)
    w = _weights(tuple(want.shape))
    (got * netopt.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=1e-15)


REDUCTIONS = [
    lambda lib, t: t.amax(),
    lambda lib, t: t.amax(1),
    lambda lib, t: t.amax(0, keepdim=True),
    lambda lib, t: t.amax((0, 1)),
    lambda lib, t: t.amax(()),
    lambda lib, t: t.amax(dim=None),
    lambda lib, t: t.amax(axis=-1, keepdims=True),
    lambda lib, t: t.amin(),
    lambda lib, t: t.amin(1),
    lambda lib, t: lib.amin(t, dim=0),
    lambda lib, t: lib.amax(t, 1, True),
    lambda lib, t: t.prod(),
    lambda lib, t: t.prod(1),
    lambda lib, t: t.prod(0, keepdim=True),
    lambda lib, t: t.prod(axis=-1),
    lambda lib, t: lib.prod(t, 1, dtype=lib.float32).double(),
    lambda lib, t: t.nansum(),
    lambda lib, t: t.nansum(1, keepdim=True),
    lambda lib, t: lib.nansum(t, axis=0),
    lambda lib, t: t.clamp_min(0.5),
    lambda lib, t: t.clamp_max(0.5),
    lambda lib, t: t.clamp_min(2.0),
]


@pytest.mark.parametrize("call", REDUCTIONS)
def test_reductions_and_clamps_as_torch(call):
    _check(call, rtol=1e-6 if "float32" in str(call.__code__.co_names) else 1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.amax(0, axis=0),
        lambda t: t.amin(dim=None, axis=1),
        lambda t: t.amax(0, keepdim=True, keepdims=True),
        lambda t: t.prod(0, axis=0),
        lambda t: t.nansum(0, axis=0),
    ],
)
def test_a_name_and_its_alias_both_given_is_torchs_error(call):
    with pytest.raises(TypeError) as want:
        call(torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt.tensor(X))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    "data",
    [
        X,
        np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [0.5, -2.0, 0.25]]),  # one, two zeros
        np.array([[0.0, 0.0], [0.0, 4.0]]),
    ],
)
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_with_zeros_as_torch(data, dim):
    _check(lambda lib, t: t.prod() if dim is None else t.prod(dim), data=data)


def test_nansum_skips_nans_and_gives_them_no_gradient_as_torch():
    data = X.copy()
    data[0, 1] = data[2, 3] = np.nan
    for call in (lambda lib, t: t.nansum(), lambda lib, t: t.nansum(0)):
        _check(call, data=data)


def test_prod_dtypes_and_refusals_as_torch():
    ints = np.array([[2, 3], [4, 5]])
    for call in (lambda lib, t: t.prod(), lambda lib, t: t.prod(1), lambda lib, t: t.prod(0)):
        got, want = call(netopt, netopt.tensor(ints)), call(torch, torch.tensor(ints))
        assert str(got.dtype) == str(want.dtype).removeprefix("torch.") == "int64"
        assert got.tolist() == want.tolist()
    got = netopt.tensor(ints > 2).prod(0)
    want = torch.tensor(ints > 2).prod(0)
    assert got.tolist() == want.tolist()
    assert str(want.dtype) == "torch.int64" == f"torch.{got.dtype}"
    for bad in (lambda t: t.prod((0, 1)), lambda t: t.prod(dim=None)):
        with pytest.raises(TypeError):
            bad(torch.tensor(X))
        with pytest.raises(TypeError, match="prod"):
            bad(netopt.tensor(X))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: t.add(t[0], alpha=2),
        lambda lib, t: t.add(t[:, :1] * 3, alpha=-0.5),
        lambda lib, t: t.sub(t[1], alpha=0.25),
        lambda lib, t: t.sub(t.exp(), alpha=3),
        lambda lib, t: t.add(1.5, alpha=2),
        lambda lib, t: t.subtract(t * t, alpha=2),
        lambda lib, t: lib.add(t, t[0], alpha=3),
        lambda lib, t: lib.add(input=t, other=t.exp(), alpha=-2),
        lambda lib, t: lib.sub(t, 2.0, alpha=0.5),
        lambda lib, t: lib.sub(t[1], t),
        lambda lib, t: lib.mul(t, t[:, :1]),
        lambda lib, t: lib.div(t, t.exp()),
        lambda lib, t: lib.div(t, 0.75, rounding_mode="floor"),
    ],
)
def test_add_and_sub_with_alpha_as_torch(call):
    _check(call)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("divisor", [0.75, -1.25, "tensor"])
def test_div_rounding_mode_as_torch(mode, divisor):
    ours, theirs = _pair(X * 3)
    d_ours = netopt.tensor(X[0] + 2.5) if divisor == "tensor" else divisor
    d_theirs = torch.tensor(X[0] + 2.5) if divisor == "tensor" else divisor
    got, want = ours.div(d_ours, rounding_mode=mode), theirs.div(d_theirs, rounding_mode=mode)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("mode", ["trunc", "floor", None])
def test_div_rounding_mode_on_integers_as_torch(mode):
    a, b = np.array([7, -7, 6, -1, 0]), np.array([2, 2, -4, 3, -5])
    got = netopt.tensor(a).div(netopt.tensor(b), rounding_mode=mode)
    want = torch.tensor(a).div(torch.tensor(b), rounding_mode=mode)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_div_unknown_rounding_mode_is_torchs_error():
    with pytest.raises(RuntimeError) as want:
        torch.tensor(X).div(2, rounding_mode="round")
    with pytest.raises(RuntimeError) as got:
        netopt.tensor(X).div(2, rounding_mode="round")
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("dims", [(0, 2), [0, 2], (0, 1), (-1, -2), (2,), (3, 0)])
def test_squeeze_several_dims_as_torch(dims):
    _check(lambda lib, t: t.reshape(1, 3, 1, 4).squeeze(dims))
    _check(lambda lib, t: lib.squeeze(t.reshape(1, 3, 1, 4), dims))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.abs(input=t),
        lambda lib, t: lib.exp(input=t),
        lambda lib, t: lib.pow(input=t, exponent=2),
        lambda lib, t: lib.pow(t, exponent=3.0),
        lambda lib, t: t.pow(exponent=2),
        lambda lib, t: lib.matmul(input=t, other=t.T),
        lambda lib, t: lib.matmul(t, other=t[0]),
    ],
)
def test_torchs_keyword_names_as_torch(call):
    _check(call)


# ------------------------------------------------------------------------- in place
INPLACE = [
    ("relu_", ()),
    ("exp_", ()),
    ("clamp_", (-1.0, 1.0)),
    ("clamp_", (0.5,)),
    ("clamp_min_", (0.5,)),
    ("clamp_max_", (0.5,)),
]


@pytest.mark.parametrize(("name", "args"), INPLACE)
def test_inplace_outside_a_graph_overwrites_the_storage_as_torch(name, args):
    ours, theirs = _pair(requires_grad=False)
    view_ours, view_theirs = ours[1], theirs[1]
    assert getattr(ours, name)(*args) is ours
    assert getattr(theirs, name)(*args) is theirs
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    np.testing.assert_allclose(view_ours.numpy(), view_theirs.numpy(), rtol=1e-15)
    assert ours._version == theirs._version


@pytest.mark.parametrize(("name", "args"), INPLACE)
def test_inplace_on_a_leaf_that_requires_grad_is_torchs_error(name, args):
    ours, theirs = _pair()
    with pytest.raises(RuntimeError) as want:
        getattr(theirs, name)(*args)
    with pytest.raises(RuntimeError) as got:
        getattr(ours, name)(*args)
    assert str(got.value) == str(want.value)
    with torch.no_grad():
        getattr(theirs, name)(*args)
    with netopt.no_grad():
        getattr(ours, name)(*args)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-15)


@pytest.mark.parametrize(("name", "args"), INPLACE)
def test_inplace_on_a_graph_result_as_a_statement_differentiates_as_torch(name, args):
    def call(lib, t):
        h = t * 1.5 - 0.25
        returned = getattr(h, name)(*args)
        assert returned is h
        return h * t

    _check(call)


def test_inplace_after_a_use_that_saved_the_tensor_is_refused_as_torch():
    for lib in (torch, netopt):
        x = lib.tensor(X, requires_grad=True)
        h = x * 2
        used = h * h
        h.relu_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            used.sum().backward()


def test_inplace_errors_as_torch():
    ints = np.array([1, -2, 3])
    with pytest.raises(RuntimeError) as want:
        torch.tensor(ints).exp_()
    with pytest.raises(RuntimeError) as got:
        netopt.tensor(ints).exp_()
    assert "can't be cast to the desired output type" in str(want.value)
    assert "can't be cast to the desired output type" in str(got.value)
    with pytest.raises(RuntimeError) as want:
        torch.tensor(X).clamp_()
    with pytest.raises(RuntimeError) as got:
        netopt.tensor(X).clamp_()
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(2),
        lambda t: t.sum((0, -3)),
        lambda t: t.mean(-3),
        lambda t: t.amax(5),
        lambda t: t.prod(2),
        lambda t: t.nansum(-3),
        lambda t: t.squeeze(2),
        lambda t: t.squeeze((0, 2)),
        lambda t: t[0, 0].sum(1),
        lambda t: t.sum((0, 0)),
        lambda t: t.sum((1, -1)),
    ],
)
def test_a_dim_out_of_range_or_repeated_is_torchs_error(call):
    """Before, netopt took a dim modulo the rank (``t.sum(2)`` of a matrix summed dim 0)."""
    with pytest.raises((IndexError, RuntimeError)) as want:
        call(torch.tensor(X[:2, :3]))
    with pytest.raises(want.type) as got:
        call(netopt.tensor(X[:2, :3]))
    assert str(got.value) == str(want.value)
