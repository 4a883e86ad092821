"""torch's NumPy-style keywords on reductions and the other ops that take ``dim``
(softmax, cat, stack, squeeze, unsqueeze, gather): ``axis=`` for ``dim``, ``keepdims=`` for
``keepdim`` (:mod:`netopt.autograd.aliases`), against torch: values, shapes and the
TypeError when both spellings are given. Where torch does not take them (``norm``),
netopt refuses them too."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 0.7, 2.0], [1.1, 0.4, -0.6, 0.0], [0.5, 0.5, -2.0, 1.5]])

# (method, kwargs): every call torch 2.13 accepts, found by trying them on torch.
CALLS = [
    ("sum", {"axis": 0}),
    ("sum", {"axis": 1, "keepdims": True}),
    ("sum", {"dim": 0, "keepdims": True}),
    ("sum", {"axis": (0, 1)}),
    ("sum", {"axis": [0, 1], "keepdims": True}),
    ("sum", {"axis": None}),
    ("mean", {"axis": 1, "keepdims": True}),
    ("mean", {"axis": -1}),
    ("mean", {"axis": None}),
    ("var", {"axis": 0}),
    ("var", {"axis": 0, "correction": 0, "keepdims": True}),
    ("var", {"axis": 1, "unbiased": False}),
    ("std", {"axis": 1, "keepdims": True}),
    ("std", {"axis": 0, "unbiased": False}),
    ("logsumexp", {"axis": 1}),
    ("logsumexp", {"axis": 0, "keepdims": True}),
    ("max", {"axis": 1}),
    ("max", {"axis": 0, "keepdims": True}),
    ("max", {"axis": 1, "keepdim": True}),
    ("min", {"axis": 1, "keepdims": True}),
    ("argmax", {"axis": 1}),
    ("argmax", {"axis": 0, "keepdims": True}),
    ("argmin", {"axis": 1, "keepdims": True}),
    ("any", {"axis": 0}),
    ("all", {"axis": 1, "keepdims": True}),
]


def _plain(result):
    """Values of a tensor or of a (values, indices) pair, as nested lists."""
    if isinstance(result, tuple):
        return [_plain(r) for r in result]
    return np.asarray(result.detach().numpy(), dtype=np.float64).tolist()


def _args(method):
    data = X > 0.4 if method in ("any", "all") else X
    return netopt.tensor(data), torch.tensor(data)


@pytest.mark.parametrize(("method", "kwargs"), CALLS)
def test_method_takes_torchs_numpy_names(method, kwargs):
    ours, theirs = _args(method)
    got = getattr(ours, method)(**kwargs)
    want = getattr(theirs, method)(**kwargs)
    np.testing.assert_allclose(_plain(got), _plain(want), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [(m, k) for m, k in CALLS if m in ("sum", "mean", "var", "std", "logsumexp", "max", "min")]
    + [(m, k) for m, k in CALLS if m in ("argmax", "argmin")],
)
def test_function_takes_torchs_numpy_names(method, kwargs):
    ours, theirs = _args(method)
    got = getattr(netopt, method)(ours, **kwargs)
    want = getattr(torch, method)(theirs, **kwargs)
    np.testing.assert_allclose(_plain(got), _plain(want), rtol=1e-12, atol=1e-15)


def test_gradient_through_axis_equals_through_dim():
    x = netopt.tensor(X, requires_grad=True)
    (x.mean(axis=1, keepdims=True) * x).sum(axis=(0, 1)).backward()
    by_axis = x.grad.numpy().copy()
    x.grad = None
    (x.mean(dim=1, keepdim=True) * x).sum(dim=(0, 1)).backward()
    np.testing.assert_array_equal(by_axis, x.grad.numpy())


# Both spellings given: torch's TypeError, same message (torch reports these exact calls so).
CONFLICTS = [
    ("sum", {"dim": 0, "axis": 0}, "axis"),
    ("sum", {"dim": 0, "keepdim": True, "keepdims": True}, "keepdims"),
    ("mean", {"dim": 0, "axis": 1}, "axis"),
    ("max", {"dim": 1, "axis": 1}, "axis"),
    ("argmax", {"dim": 1, "axis": 1}, "axis"),
    ("argmax", {"dim": 1, "keepdim": True, "keepdims": True}, "keepdims"),
    ("logsumexp", {"dim": 1, "axis": 1}, "axis"),
]


@pytest.mark.parametrize(("method", "kwargs", "name"), CONFLICTS)
def test_both_spellings_raise_torchs_error(method, kwargs, name):
    ours, theirs = _args(method)
    with pytest.raises(TypeError) as want:
        getattr(theirs, method)(**kwargs)
    with pytest.raises(TypeError) as got:
        getattr(ours, method)(**kwargs)
    assert str(got.value) == str(want.value)
    assert str(got.value) == f"{method}() got an unexpected keyword argument '{name}'"


# Both spellings given in any form (positional, keyword, the default's own value): torch
# refuses all. Where its parser has one plausible overload it names the alias ("sum() got
# an unexpected keyword argument 'axis'"), and netopt's message is the same; otherwise it
# says "var() received an invalid combination of arguments - got (...)" and lists its
# overloads, and netopt's message opens the same way and then names the two spellings.
ANY_FORM_CONFLICTS = [
    ("sum", lambda lib, t: t.sum(dim=None, axis=0)),
    ("sum", lambda lib, t: t.sum(None, axis=0)),
    ("sum", lambda lib, t: t.sum(0, axis=0)),
    ("sum", lambda lib, t: t.sum(dim=0, axis=None)),
    ("sum", lambda lib, t: t.sum(0, keepdim=False, keepdims=True)),
    ("sum", lambda lib, t: t.sum(0, False, keepdims=True)),
    ("sum", lambda lib, t: t.sum(dim=0, axis=0, keepdim=True, keepdims=True)),
    ("mean", lambda lib, t: t.mean(dim=None, axis=1)),
    ("mean", lambda lib, t: t.mean(None, axis=1, keepdim=True)),
    ("var", lambda lib, t: t.var(dim=None, axis=0)),
    ("var", lambda lib, t: lib.var(t, 0, axis=0)),
    ("std", lambda lib, t: lib.std(t, 0, axis=0)),
    ("std", lambda lib, t: t.std(0, keepdim=True, keepdims=True)),
    ("max", lambda lib, t: t.max(dim=0, axis=1)),
    ("max", lambda lib, t: t.max(0, keepdim=True, keepdims=True)),
    ("min", lambda lib, t: t.min(1, axis=1)),
    ("logsumexp", lambda lib, t: t.logsumexp(0, axis=0)),
    ("logsumexp", lambda lib, t: t.logsumexp(0, False, keepdims=True)),
    ("logsumexp", lambda lib, t: lib.logsumexp(t, dim=1, axis=1)),
    ("argmax", lambda lib, t: t.argmax(dim=None, axis=0)),
    ("argmin", lambda lib, t: t.argmin(None, axis=1)),
    ("argmax", lambda lib, t: t.argmax(0, keepdim=False, keepdims=True)),
    ("any", lambda lib, t: (t > 0).any(0, axis=0)),
    ("all", lambda lib, t: (t > 0).all(dim=None, axis=0)),
    ("cat", lambda lib, t: lib.cat([t, t], 0, axis=1)),
    ("cat", lambda lib, t: lib.cat([t, t], dim=0, axis=0)),
    ("stack", lambda lib, t: lib.stack([t, t], 0, axis=1)),
    ("squeeze", lambda lib, t: t[None].squeeze(dim=None, axis=0)),
    ("squeeze", lambda lib, t: lib.squeeze(t[None], 0, axis=0)),
    ("unsqueeze", lambda lib, t: lib.unsqueeze(t, 0, axis=0)),
    ("gather", lambda lib, t: lib.gather(t, 1, lib.tensor(IDX), axis=1)),
    ("softmax", lambda lib, t: lib.softmax(t, 1, axis=1)),
    ("log_softmax", lambda lib, t: t.log_softmax(dim=1, axis=0)),
]


def _opening(message):
    """torch's message up to the argument list it formats (its own dict order)."""
    return message.split(" - got ")[0]


@pytest.mark.parametrize(
    ("name", "call"),
    ANY_FORM_CONFLICTS,
    ids=[f"{n}{i}" for i, (n, _) in enumerate(ANY_FORM_CONFLICTS)],
)
def test_both_spellings_in_any_form_raise_as_torch(name, call):
    with pytest.raises(TypeError) as want:
        call(torch, torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt, netopt.tensor(X))
    theirs, ours = str(want.value), str(got.value)
    assert theirs.startswith(f"{name}() ")
    if "unexpected keyword argument" in theirs:
        assert ours == theirs
    else:
        assert (
            _opening(ours)
            == _opening(theirs)
            == (f"{name}() received an invalid combination of arguments")
        )
        assert "both 'dim' and its alias 'axis'" in ours or "both 'keepdim'" in ours


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.cat([t, t], axis=None),
        lambda lib, t: lib.stack([t, t], axis=None),
        lambda lib, t: t.sum(0, keepdims=None),
        lambda lib, t: t.mean(axis=1, keepdim=None),
    ],
)
def test_none_where_torch_wants_a_value_is_its_typeerror(call):
    with pytest.raises(TypeError) as want:
        call(torch, torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt, netopt.tensor(X))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    "fn",
    [
        netopt.Tensor.sum,
        netopt.Tensor.var,
        netopt.Tensor.argmax,
        netopt.Tensor.any,
        netopt.cat,
        netopt.squeeze,
        netopt.softmax,
    ],
)
def test_signatures_show_torchs_defaults(fn):
    """The parameters default to a marker (to tell a written ``dim=None`` from none); the
    signature ``help`` shows carries torch's documented defaults instead."""
    import inspect

    defaults = {p.name: p.default for p in inspect.signature(fn).parameters.values()}
    assert defaults["axis"] is None
    assert defaults["dim"] == (0 if fn is netopt.cat else None)
    assert "NOT_GIVEN" not in str(inspect.signature(fn))


def test_netopt_functions_forwarding_to_methods_still_take_either_spelling():
    """``netopt.sum`` & co. pass what they were given on to the method; calls that give
    one spelling of each are torch's values, one that gives both is torch's error."""
    ours, theirs = netopt.tensor(X), torch.tensor(X)
    for name in ("sum", "mean", "max", "min", "argmax", "argmin"):
        for kwargs in ({"axis": 1}, {"dim": 1, "keepdims": True}, {"axis": 0, "keepdim": True}):
            got = getattr(netopt, name)(ours, **kwargs)
            want = getattr(torch, name)(theirs, **kwargs)
            np.testing.assert_allclose(_plain(got), _plain(want), rtol=1e-12, atol=1e-15)
        with pytest.raises(TypeError, match="axis"):
            getattr(torch, name)(theirs, 1, axis=1)
        with pytest.raises(TypeError, match="axis"):
            getattr(netopt, name)(ours, 1, axis=1)


# ------------------------------------------------------- dim-taking ops beyond reductions
IDX = np.array([[0], [3], [2]])
OPS = [
    ("softmax", lambda lib, t: t.softmax(axis=1)),
    ("torch.softmax", lambda lib, t: lib.softmax(t, axis=0)),
    ("log_softmax", lambda lib, t: t.log_softmax(axis=1)),
    ("torch.log_softmax", lambda lib, t: lib.log_softmax(t, axis=1)),
    ("cat", lambda lib, t: lib.cat([t, t], axis=1)),
    ("stack", lambda lib, t: lib.stack([t, t], axis=1)),
    ("squeeze", lambda lib, t: t[None].squeeze(axis=0)),
    ("torch.squeeze", lambda lib, t: lib.squeeze(t[:, None], axis=1)),
    ("unsqueeze", lambda lib, t: t.unsqueeze(axis=1)),
    ("torch.unsqueeze", lambda lib, t: lib.unsqueeze(t, axis=-1)),
    ("gather", lambda lib, t: t.gather(axis=1, index=lib.tensor(IDX))),
    ("torch.gather", lambda lib, t: lib.gather(t, axis=1, index=lib.tensor(IDX))),
]


@pytest.mark.parametrize(("name", "call"), OPS, ids=[n for n, _ in OPS])
def test_dim_taking_ops_take_axis_as_torch(name, call):
    got = call(netopt, netopt.tensor(X))
    want = call(torch, torch.tensor(X))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-15)


OP_CONFLICTS = [
    ("softmax", lambda lib, t: t.softmax(1, axis=1)),
    ("cat", lambda lib, t: lib.cat([t, t], dim=1, axis=1)),
    ("stack", lambda lib, t: lib.stack([t], dim=1, axis=0)),
    ("unsqueeze", lambda lib, t: t.unsqueeze(dim=0, axis=0)),
    ("gather", lambda lib, t: t.gather(1, lib.tensor(IDX), axis=1)),
]


@pytest.mark.parametrize(("name", "call"), OP_CONFLICTS, ids=[n for n, _ in OP_CONFLICTS])
def test_dim_taking_ops_refuse_both_spellings_as_torch(name, call):
    with pytest.raises(TypeError) as want:
        call(torch, torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt, netopt.tensor(X))
    assert (
        str(got.value) == str(want.value) == f"{name}() got an unexpected keyword argument 'axis'"
    )


@pytest.mark.parametrize(
    "call", [lambda t: t.softmax(), lambda t: t.unsqueeze(), lambda t: t.log_softmax()]
)
def test_missing_dim_is_torchs_typeerror(call):
    with pytest.raises(TypeError) as want:
        call(torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt.tensor(X))
    assert str(got.value) == str(want.value)


def test_functional_softmax_refuses_axis_as_torch():
    from netopt.nn import functional as F

    for lib_f, t in ((torch.nn.functional, torch.tensor(X)), (F, netopt.tensor(X))):
        for fn in (lib_f.softmax, lib_f.log_softmax):
            with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
                fn(t, axis=1)


def test_gradient_flows_through_cat_and_softmax_by_axis():
    x = netopt.tensor(X, requires_grad=True)
    netopt.cat([x, x * 2], axis=1).softmax(axis=1)[:, 0].sum().backward()
    by_axis = x.grad.numpy().copy()
    xt = torch.tensor(X, requires_grad=True)
    torch.cat([xt, xt * 2], dim=1).softmax(dim=1)[:, 0].sum().backward()
    np.testing.assert_allclose(by_axis, xt.grad.numpy(), rtol=1e-12, atol=1e-15)
