"""Keyword forms of torch's API that ported code uses, against torch: ``inplace`` on the
activations and dropouts, ``dtype`` on softmax/log_softmax and on ``sum``/``mean``, and
``max``/``min`` with a second tensor (``torch.max(a, b)``, ``a.max(other=b)``)."""

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.random.default_rng(0).standard_normal((4, 5))
Y = np.random.default_rng(1).standard_normal((4, 5))
Y[0, :2] = X[0, :2]  # ties, where max/min split the gradient
DTYPES = [(netopt.float32, torch.float32), (netopt.float64, torch.float64)]


def _close(got, want, rtol=1e-12):
    want = want.detach().numpy()
    got = got.detach().numpy() if hasattr(got, "detach") else got.numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


# ------------------------------------------------------------------ inplace
INPLACE = [
    ("relu", (), {"inplace": True}),
    ("relu", (True,), {}),
    ("leaky_relu", (0.2, True), {}),
    ("leaky_relu", (), {"negative_slope": 0.3, "inplace": True}),
    ("elu", (0.5,), {"inplace": True}),
    ("elu", (1.0, True), {}),
    ("selu", (True,), {}),
    ("silu", (), {"inplace": True}),
    ("dropout", (0.5, False, True), {}),
    ("dropout", (0.5,), {"training": False, "inplace": True}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), INPLACE)
def test_inplace_is_accepted_with_torchs_values_and_gradient(name, args, kwargs):
    x = netopt.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    y = getattr(F, name)(x * 1.0, *args, **kwargs)
    yt = getattr(TF, name)(xt * 1.0, *args, **kwargs)  # a non-leaf: torch allows in place
    _close(y, yt)
    (y * netopt.tensor(Y)).sum().backward()
    (yt * torch.tensor(Y)).sum().backward()
    _close(x.grad, xt.grad)


def test_inplace_is_computed_out_of_place():
    """netopt's documented difference (as nn.ReLU(inplace=True)): the input keeps its
    values; torch overwrites it."""
    x = netopt.tensor(X)
    F.relu(x, inplace=True)
    assert np.array_equal(x.numpy(), X)


@pytest.mark.parametrize(
    ("name", "shape"), [("dropout", (4, 5)), ("dropout1d", (1, 4, 5)), ("dropout2d", (1, 4, 5, 1))]
)
def test_dropout_inplace_in_training_keeps_torchs_structure(name, shape):
    """Each output is 0 or x / (1 - p); with ``inplace`` given by keyword and, in torch's
    order, by position (a bool where netopt's ``rng`` stands)."""
    x = netopt.tensor((np.abs(X) + 1).reshape(shape))
    p = 0.5
    for y in (
        getattr(F, name)(x, p, True, inplace=True),
        getattr(F, name)(x, p, True, True),
    ):
        ratio = y.numpy() / x.numpy()
        assert set(np.unique(ratio).tolist()) <= {0.0, 1 / (1 - p)}
    with pytest.raises(TypeError):
        getattr(TF, name)(torch.tensor(x.numpy()), p, True, True, None)
    with pytest.raises(TypeError):
        getattr(F, name)(x, p, True, True, None)


# ------------------------------------------------------------------ softmax dtype
SOFTMAX = [
    ("F.softmax", lambda lib, f, t, d: f.softmax(t, dim=1, dtype=d)),
    ("F.log_softmax", lambda lib, f, t, d: f.log_softmax(t, 0, dtype=d)),
    ("Tensor.softmax", lambda lib, f, t, d: t.softmax(1, d)),
    ("Tensor.log_softmax", lambda lib, f, t, d: t.log_softmax(dim=-1, dtype=d)),
    ("netopt.softmax", lambda lib, f, t, d: lib.softmax(t, 1, dtype=d)),
]


@pytest.mark.parametrize(("name", "call"), SOFTMAX, ids=[n for n, _ in SOFTMAX])
@pytest.mark.parametrize(("ours", "theirs"), DTYPES, ids=["float32", "float64"])
def test_softmax_dtype_casts_the_input_as_torch(name, call, ours, theirs):
    x = netopt.tensor(X.astype(np.float32), requires_grad=True)
    xt = torch.tensor(X.astype(np.float32), requires_grad=True)
    y, yt = call(netopt, F, x, ours), call(torch, TF, xt, theirs)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", "")
    _close(y, yt, rtol=1e-6)
    (y * netopt.tensor(Y).to(ours)).sum().backward()
    (yt * torch.tensor(Y).to(theirs)).sum().backward()
    assert x.grad.dtype == np.float32 and xt.grad.dtype == torch.float32
    _close(x.grad, xt.grad, rtol=1e-5)


# ------------------------------------------------------------------ sum/mean dtype
REDUCE = [
    ("sum()", lambda t, d: t.sum(dtype=d)),
    ("sum(1)", lambda t, d: t.sum(1, dtype=d)),
    ("sum(dim, keepdim)", lambda t, d: t.sum(dim=0, keepdim=True, dtype=d)),
    ("mean()", lambda t, d: t.mean(dtype=d)),
    ("mean(axis)", lambda t, d: t.mean(axis=1, dtype=d)),
]


@pytest.mark.parametrize(("name", "call"), REDUCE, ids=[n for n, _ in REDUCE])
@pytest.mark.parametrize(("ours", "theirs"), DTYPES, ids=["float32", "float64"])
def test_reduction_dtype_as_torch(name, call, ours, theirs):
    x = netopt.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    y, yt = call(x, ours), call(xt, theirs)
    assert str(y.dtype) == str(yt.dtype).replace("torch.", "")
    _close(y, yt, rtol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    assert x.grad.dtype == np.float64
    _close(x.grad, xt.grad)


def test_reduction_dtype_on_bool_and_int_tensors_as_torch():
    mask, ints = X > 0, (X * 10).astype(np.int64)
    _close(
        netopt.tensor(mask).sum(dtype=netopt.float32), torch.tensor(mask).sum(dtype=torch.float32)
    )
    _close(
        netopt.tensor(ints).mean(1, dtype=netopt.float64),
        torch.tensor(ints).mean(1, dtype=torch.float64),
    )


def test_reduction_dtype_with_both_spellings_is_torchs_error():
    with pytest.raises(TypeError) as want:
        torch.tensor(X).sum(dim=0, axis=0, dtype=torch.float32)
    with pytest.raises(TypeError) as got:
        netopt.tensor(X).sum(dim=0, axis=0, dtype=netopt.float32)
    assert str(got.value) == str(want.value)


# ------------------------------------------------------------------ max/min of two tensors
BINARY = [
    ("torch.max(a, b)", lambda lib, a, b: lib.max(a, b)),
    ("torch.min(a, b)", lambda lib, a, b: lib.min(a, b)),
    ("a.max(b)", lambda lib, a, b: a.max(b)),
    ("a.min(other=b)", lambda lib, a, b: a.min(other=b)),
    ("a.max(other=b)", lambda lib, a, b: a.max(other=b)),
]


@pytest.mark.parametrize(("name", "call"), BINARY, ids=[n for n, _ in BINARY])
def test_max_min_of_two_tensors_as_torch(name, call):
    a, b = netopt.tensor(X, requires_grad=True), netopt.tensor(Y, requires_grad=True)
    at, bt = torch.tensor(X, requires_grad=True), torch.tensor(Y, requires_grad=True)
    y, yt = call(netopt, a, b), call(torch, at, bt)
    _close(y, yt)
    y.sum().backward()
    yt.sum().backward()
    _close(a.grad, at.grad)
    _close(b.grad, bt.grad)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, a, b: a.max(b, True),
        lambda lib, a, b: a.min(b, keepdim=True),
        lambda lib, a, b: a.max(1, other=b),
        lambda lib, a, b: a.max(b, axis=1),
        lambda lib, a, b: a.min(other=b, keepdim=True),
        lambda lib, a, b: a.max(b, True, axis=0),
        lambda lib, a, b: a.min(b, axis=1, keepdims=True),
    ],
)
def test_max_min_of_two_tensors_refuse_more_as_torch(call):
    """torch's own message where its parser has one plausible overload; its opening
    ("received an invalid combination of arguments") where it has none."""
    with pytest.raises(TypeError) as want:
        call(torch, torch.tensor(X), torch.tensor(Y))
    with pytest.raises(TypeError) as got:
        call(netopt, netopt.tensor(X), netopt.tensor(Y))
    theirs, ours = str(want.value), str(got.value)
    if "invalid combination" in theirs:
        assert ours.split(" - got ")[0] == theirs.split(" - got ")[0]
    else:
        assert ours == theirs
