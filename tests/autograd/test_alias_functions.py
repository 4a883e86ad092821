"""The ``netopt.*`` function forms of the reductions with torch's NumPy-style keywords
(``axis=``/``keepdims=``, :mod:`netopt.autograd.aliases`) against torch: both spellings
refused, defaults written out accepted, ``dtype=``; ``logsumexp`` and ``norm``'s refusals.
The method forms: ``test_numpy_aliases.py``."""

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 0.7, 2.0], [1.1, 0.4, -0.6, 0.0], [0.5, 0.5, -2.0, 1.5]])


def _plain(result):
    """Values of a tensor or of a (values, indices) pair, as nested lists."""
    if isinstance(result, tuple):
        return [_plain(r) for r in result]
    return np.asarray(result.detach().numpy(), dtype=np.float64).tolist()


# The function forms with a name and its alias both written, the default's own value
# included: torch refuses every one (its function form words some as "received an invalid
# combination"; netopt gives the method's wording, see netopt.autograd.aliases).
FUNCTION_CONFLICTS = [
    ("sum", lambda lib, t: lib.sum(t, dim=None, axis=0), "axis"),
    ("sum", lambda lib, t: lib.sum(t, None, axis=0), "axis"),
    ("sum", lambda lib, t: lib.sum(t, 0, False, keepdims=True), "keepdims"),
    ("mean", lambda lib, t: lib.mean(t, dim=None, axis=1), "axis"),
    ("mean", lambda lib, t: lib.mean(t, 0, keepdim=False, keepdims=True), "keepdims"),
    ("max", lambda lib, t: lib.max(t, 0, axis=0), "axis"),
    ("max", lambda lib, t: lib.max(t, 0, keepdim=True, keepdims=True), "keepdims"),
    ("min", lambda lib, t: lib.min(t, None, axis=1), "axis"),
    ("argmax", lambda lib, t: lib.argmax(t, dim=None, axis=0), "axis"),
    ("argmin", lambda lib, t: lib.argmin(t, 0, keepdim=False, keepdims=True), "keepdims"),
]


@pytest.mark.parametrize(
    ("name", "call", "alias"),
    FUNCTION_CONFLICTS,
    ids=[f"{n}{i}" for i, (n, _, _) in enumerate(FUNCTION_CONFLICTS)],
)
def test_netopt_functions_refuse_both_spellings_as_torch(name, call, alias):
    with pytest.raises(TypeError) as want:
        call(torch, torch.tensor(X))
    with pytest.raises(TypeError) as got:
        call(netopt, netopt.tensor(X))
    assert str(want.value).startswith(f"{name}() ")
    assert str(got.value).startswith(f"{name}() ")
    assert alias in str(got.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.sum(t, dim=None),
        lambda lib, t: lib.sum(t, dim=None, keepdim=True),
        lambda lib, t: lib.mean(t, None, True),
        lambda lib, t: lib.argmax(t, dim=None),
        lambda lib, t: lib.argmin(t, None, keepdims=True),
        lambda lib, t: lib.max(t, other=lib.zeros_like(t)),
        lambda lib, t: lib.min(t, lib.zeros_like(t)),
        lambda lib, t: lib.max(input=t, dim=0),
        lambda lib, t: lib.sum(input=t, axis=1),
    ],
)
def test_netopt_functions_take_defaults_written_out_as_torch(call):
    got = call(netopt, netopt.tensor(X))
    want = call(torch, torch.tensor(X))
    np.testing.assert_allclose(_plain(got), _plain(want), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("sum", (), {}),
        ("sum", (0,), {}),
        ("sum", (), {"axis": 1, "keepdims": True}),
        ("mean", (), {}),
        ("mean", (1,), {"keepdim": True}),
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_netopt_sum_and_mean_take_dtype_as_torch(name, args, kwargs, dtype):
    """``dtype=`` casts first: values, result dtype and the gradient (in the input's
    dtype) as torch's."""
    data = X.astype(np.float32)
    ours = netopt.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    got = getattr(netopt, name)(ours, *args, dtype=getattr(netopt, dtype), **kwargs)
    want = getattr(torch, name)(theirs, *args, dtype=getattr(torch, dtype), **kwargs)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
    weights = np.arange(1.0, 1.0 + got.numel()).reshape(got.shape)
    (got * netopt.tensor(weights.astype(got.dtype))).sum().backward()
    (want * torch.tensor(weights, dtype=want.dtype)).sum().backward()
    assert ours.grad.dtype == ours.dtype
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_netopt_sum_of_integers_with_a_float_dtype_as_torch():
    ints = np.array([[1, 2], [3, 4]])
    for name in ("sum", "mean"):
        got = getattr(netopt, name)(netopt.tensor(ints), dtype=netopt.float32)
        want = getattr(torch, name)(torch.tensor(ints), dtype=torch.float32)
        assert str(got.dtype) == "float32"
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7)


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
