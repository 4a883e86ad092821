"""NumPy functions and operators on tensors, against torch 2.13 where torch defines the
behaviour (the decision is written in :mod:`netopt.autograd.storage`'s docstring):
ufuncs return tensors, a tensor that requires grad is refused with torch's message,
``ndarray <op> Tensor`` gives a Tensor with its graph (netopt's own: torch raises), and
``arr += t`` writes the ndarray (netopt's own: torch raises)."""

import warnings

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

# torch's own __array_wrap__ has NumPy 1's signature; NumPy 2 warns about it on every call.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array_wrap__ must accept context:DeprecationWarning"
)

V = [0.5, -1.25, 2.0]


def _both(values=V, dtype=np.float32):
    return netopt.tensor(np.array(values, dtype=dtype)), torch.tensor(np.array(values, dtype=dtype))


UFUNCS = [
    ("exp", lambda x: np.exp(x)),
    ("add_array_left", lambda x: np.add(np.arange(3.0), x)),
    ("add_array_right", lambda x: np.add(x, np.arange(3.0))),
    ("maximum_scalar", lambda x: np.maximum(x, 0.75)),
    ("logaddexp", lambda x: np.logaddexp(x, x)),
    ("negative", lambda x: np.negative(x)),
    ("sqrt_0d", lambda x: np.sqrt(x[2])),
]


@pytest.mark.parametrize(("name", "fn"), UFUNCS, ids=[n for n, _ in UFUNCS])
def test_numpy_functions_return_tensors_as_torchs(name, fn):
    ours, theirs = _both()
    with np.errstate(invalid="ignore"):
        got, want = fn(ours), fn(theirs)
    assert isinstance(got, netopt.Tensor) and isinstance(want, torch.Tensor)
    assert got.shape == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert not got.requires_grad


def test_netopts_path_warns_nothing():
    """netopt's __array__/__array_ufunc__ raise no DeprecationWarning under NumPy 2."""
    t = netopt.tensor(V)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.exp(t)
        np.add(np.ones(3), t)
        np.sqrt(t[0])
        np.greater(t, 0)


def test_integer_tensor_through_exp_is_float64_as_torch():
    got = np.exp(netopt.tensor([1, 2]))
    want = np.exp(torch.tensor([1, 2]))
    assert got.dtype == np.float64 and want.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_two_outputs_are_two_tensors():
    frac, whole = np.modf(netopt.tensor([1.5, -2.25]))
    assert isinstance(frac, netopt.Tensor) and isinstance(whole, netopt.Tensor)
    assert frac.tolist() == [0.5, -0.25] and whole.tolist() == [1.0, -2.0]


def test_other_numpy_functions_give_arrays():
    """np.argmax/np.clip fall back to the array (netopt's methods refuse ``out=``); the
    result stays NumPy's, so the NumPy idiom below works (torch raises TypeError in it)."""
    logits = netopt.tensor([[0.1, 2.0, -1.0], [3.0, 0.5, 0.25]])
    idx = np.argmax(logits, axis=1)
    assert type(idx) is np.ndarray and idx.tolist() == [1, 0]
    accuracy = np.mean(np.argmax(logits, axis=1) == np.array([1, 2]))
    assert type(accuracy) is np.float64 and accuracy == 0.5
    clipped = np.clip(logits, 0, 1)
    assert type(clipped) is np.ndarray
    np.testing.assert_array_equal(clipped, np.clip(logits.numpy(), 0, 1))
    assert clipped.tolist()[1] == [1.0, 0.5, 0.25]
    assert isinstance(np.argmax(logits), np.integer) and np.argmax(logits) == 3
    total = np.add.reduce(netopt.tensor([0.5, 1.25]))  # a ufunc's method: NumPy's scalar
    assert type(total) is np.float32 and total == 1.75


def test_out_array_is_returned_as_torch():
    for t in _both():
        out = np.empty(3, dtype=np.float32)
        assert np.exp(t, out=out) is out
        np.testing.assert_allclose(out, np.exp(np.array(V, dtype=np.float32)), rtol=1e-7)


def test_bool_results_stay_bool():
    """torch's __array_wrap__ turns bool into uint8; netopt keeps bool (documented)."""
    got = np.greater(netopt.tensor(V), 0)
    assert got.dtype == np.bool_ and got.tolist() == [True, False, True]
    assert np.greater(torch.tensor(V), 0).tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    "fn", [lambda x: np.exp(x), lambda x: np.maximum(np.ones(3), x), lambda x: np.sign(x)]
)
def test_a_tensor_that_requires_grad_is_refused_with_torchs_message(fn):
    with pytest.raises(RuntimeError) as want:
        fn(torch.tensor(V, requires_grad=True))
    with pytest.raises(RuntimeError) as got:
        fn(netopt.tensor(V, requires_grad=True))
    assert str(got.value) == str(want.value)


def test_numpy_reductions_by_name_raise_typeerror_as_torch():
    """np.sum(t) calls t.sum(axis=None, out=None); neither library takes out=."""
    with pytest.raises(TypeError):
        np.sum(torch.tensor(V))
    with pytest.raises(TypeError, match="out"):
        np.sum(netopt.tensor(V))


OPERATORS = [
    ("mul", lambda a, x: a * x, lambda a, x: a),  # d/dx sum(a x) = a
    ("add", lambda a, x: a + x, lambda a, x: np.ones_like(a)),
    ("sub", lambda a, x: a - x, lambda a, x: -np.ones_like(a)),
    ("div", lambda a, x: a / x, lambda a, x: -a / x**2),
    ("matmul", lambda a, x: a @ x, lambda a, x: a),
]


@pytest.mark.parametrize(("name", "op", "grad"), OPERATORS, ids=[n for n, _, _ in OPERATORS])
def test_ndarray_on_the_left_keeps_the_graph(name, op, grad):
    a = np.array([1.5, -2.0, 0.25])
    xv = np.array([0.5, 1.25, -2.0])
    x = netopt.tensor(xv, requires_grad=True)
    out = op(a, x)
    assert isinstance(out, netopt.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.detach().numpy(), op(a, xv), rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grad(a, xv), rtol=1e-15)


def test_ndarray_comparisons_give_bool_tensors():
    a = np.array([1.0, 0.0, 3.0])
    t = netopt.tensor([1.0, 2.0, 3.0])
    assert (a < t).tolist() == [False, True, False]
    assert (a == t).tolist() == [True, False, True]


def test_numpy_scalar_on_the_left_keeps_the_graph_as_torch():
    ours = netopt.tensor(V, requires_grad=True)
    theirs = torch.tensor(V, requires_grad=True)
    for t in (ours, theirs):
        (np.float64(3.0) * t).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist() == [3.0, 3.0, 3.0]
    assert (np.float64(3.0) * netopt.tensor(V)).dtype == np.float32  # a Python number's rule


def test_inplace_on_an_ndarray_writes_the_ndarray():
    a = np.array([1.0, 2.0])
    b = a
    b += netopt.tensor([1.0, 1.0])
    assert type(b) is np.ndarray and b is a and a.tolist() == [2.0, 3.0]


def test_inplace_on_an_ndarray_refuses_a_tensor_that_requires_grad():
    # e.g. ``total += model(x)``: refused with torch's message rather than turned into a
    # graph that grows with every iteration
    total = np.zeros(2)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        total += netopt.tensor([1.0, 2.0], requires_grad=True)
    assert total.tolist() == [0.0, 0.0]


def test_operator_ufunc_called_directly_is_the_operator():
    a = np.arange(3)  # int64 ndarray + float32 tensor: netopt's (torch's) rule, float32
    x = netopt.tensor(np.array([0.5, 1.0, 2.0], np.float32), requires_grad=True)
    by_call, by_operator = np.add(a, x), a + x
    assert by_call.dtype == by_operator.dtype == np.float32
    assert by_call.requires_grad and by_call.tolist() == by_operator.tolist() == [0.5, 2.0, 4.0]
    np.multiply(a, x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 2.0]  # d/dx sum(a x) = a


def test_nonzero_gives_numpys_tuple():
    a = np.arange(9).reshape(3, 3)
    got = np.nonzero(netopt.tensor(a > 4))
    want = np.nonzero(a > 4)
    assert isinstance(got, tuple) and len(got) == len(want) == 2
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    assert a[got].tolist() == [5, 6, 7, 8]


def test_numpy_cannot_write_into_a_tensor():
    t = netopt.tensor([0.0, 0.0])
    with pytest.raises(TypeError, match="cannot write into a Tensor"):
        np.exp(np.ones(2), out=t)
    with pytest.raises(TypeError, match="cannot write into a Tensor"):
        np.add.at(t, [0], 1.0)
    assert t.tolist() == [0.0, 0.0]
