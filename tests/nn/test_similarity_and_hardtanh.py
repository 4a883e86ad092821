"""F.normalize, F.cosine_similarity, F.hardtanh/F.relu6 and nn.Hardtanh/nn.ReLU6 against
torch: values, gradients (at zero vectors and at the clipping bounds too), reprs, errors."""

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.array([[0.5, -1.5, 2.0, 2.0], [1.25, 0.0, -0.75, 3.0], [0.0, 0.0, 0.0, 0.0]])
Y = np.array([[1.0, 0.25, -0.5, 2.0], [-1.0, 2.0, 0.5, 1.5], [0.75, -1.25, 1.0, 0.5]])


def _check(call, *arrays, rtol=1e-10):
    """Values of ``call(lib_F, *tensors)`` and the gradients of a weighted sum, as torch's."""
    ours = [netopt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = call(F, *ours), call(TF, *theirs)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol)
    w = np.arange(1.0, 1.0 + want.numel()).reshape(tuple(want.shape)) / 5
    (got * netopt.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f.normalize(x),
        lambda f, x: f.normalize(x, dim=0),
        lambda f, x: f.normalize(x, p=1, dim=1),
        lambda f, x: f.normalize(x, p=2.0, dim=-1, eps=1e-3),
    ],
)
def test_normalize_as_torch(call):
    _check(call, X)  # the zero row: 0 out, gradient 1/eps, as torch


@pytest.mark.parametrize(
    ("call", "arrays"),
    [
        (lambda f, a, b: f.cosine_similarity(a, b), (X, Y)),
        (lambda f, a, b: f.cosine_similarity(a, b, dim=0), (X, Y)),
        (lambda f, a, b: f.cosine_similarity(a, b, dim=-1, eps=1e-2), (X, Y)),
        (lambda f, a, b: f.cosine_similarity(a, b), (X, Y[:1])),  # broadcast
        (lambda f, a, b: f.cosine_similarity(a[:, None], b[None], dim=-1), (X, Y)),
    ],
)
def test_cosine_similarity_as_torch(call, arrays):
    _check(call, *arrays)


def test_cosine_similarity_of_unbroadcastable_shapes_raises():
    with pytest.raises(RuntimeError):
        TF.cosine_similarity(torch.tensor(X), torch.tensor(Y[:2]))
    with pytest.raises(RuntimeError, match=r"\(3, 4\) and \(2, 4\)"):
        F.cosine_similarity(netopt.tensor(X), netopt.tensor(Y[:2]))


# the bounds themselves, either side of them, and inside
EDGES = np.array([-7.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0, 6.5])


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f.hardtanh(x),
        lambda f, x: f.hardtanh(x, -0.5, 2.0),
        lambda f, x: f.hardtanh(x, min_val=0.0, max_val=6.0),
        lambda f, x: f.relu6(x),
        lambda f, x: f.relu6(x, inplace=False),
    ],
)
def test_hardtanh_and_relu6_as_torch(call):
    _check(call, EDGES)


def test_hardtanh_keeps_the_dtype_and_refuses_crossed_bounds_as_torch():
    ints = np.array([-3, 0, 2])
    got, want = F.hardtanh(netopt.tensor(ints)), TF.hardtanh(torch.tensor(ints))
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert got.tolist() == want.tolist()
    f32 = F.relu6(netopt.tensor(EDGES.astype(np.float32)))
    assert f32.dtype == np.float32
    for lib_f, lib in ((TF, torch), (F, netopt)):
        with pytest.raises(ValueError) as err:
            lib_f.hardtanh(lib.tensor(EDGES), 1.0, -1.0)
        assert str(err.value) == "min_val cannot be greater than max_val"
    with pytest.raises(AssertionError) as want:  # torch's module asserts
        torch.nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError) as got:
        nn.Hardtanh(1.0, -1.0)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.ReLU6(),
        lambda m: m.ReLU6(inplace=True),
        lambda m: m.Hardtanh(),
        lambda m: m.Hardtanh(-2.0, 2.0),
        lambda m: m.Hardtanh(0.0, 1.0, inplace=True),
    ],
)
def test_modules_as_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    got = ours(netopt.tensor(EDGES))
    want = theirs(torch.tensor(EDGES))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
