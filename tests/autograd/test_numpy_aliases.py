"""torch's NumPy-style keywords on reductions: ``axis=`` for ``dim``, ``keepdims=`` for
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


def test_positional_dim_and_axis_raise():
    """A positional dim with axis= is refused (torch says so for sum; other torch
    reductions word it as an invalid combination); netopt names the alias."""
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'axis'"):
        torch.tensor(X).sum(0, axis=0)
    calls = [
        lambda t: t.sum(0, axis=0),
        lambda t: netopt.sum(t, 0, axis=1),
        lambda t: netopt.var(t, 0, axis=0),
        lambda t: netopt.std(t, 0, axis=0),
        lambda t: (t > 0).any(0, axis=0),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="got an unexpected keyword argument 'axis'"):
            call(netopt.tensor(X))


def test_logsumexp_needs_dim_or_axis_as_torch():
    with pytest.raises(TypeError) as want:
        torch.tensor(X).logsumexp()
    with pytest.raises(TypeError) as got:
        netopt.tensor(X).logsumexp()
    assert str(got.value) == str(want.value)


def test_norm_refuses_axis_as_torch():
    with pytest.raises(TypeError, match="axis"):
        torch.tensor(X).norm(axis=1)
    with pytest.raises(TypeError, match="axis"):
        netopt.tensor(X).norm(axis=1)
