"""torch's surface on netopt: devices, dtype names, casts, constructors, printing and the
top-level math of :mod:`netopt.autograd.more_ops`, each against torch live."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.autograd import gradcheck

torch = pytest.importorskip("torch")

RTOL = 1e-6  # float64 math: netopt and torch agree to rounding


# ---------------------------------------------------------------- devices
def test_cpu_is_the_device_everywhere():
    dev = netopt.device("cpu")
    assert (repr(dev), str(dev)) == (repr(torch.device("cpu")), str(torch.device("cpu")))
    assert str(netopt.device("cpu", 0)) == str(torch.device("cpu", 0)) == "cpu:0"
    assert netopt.device("cpu:0") == netopt.device("cpu", 0)
    assert netopt.cuda.is_available() is torch.cuda.is_available() is False
    assert netopt.accelerator.is_available() is False
    assert netopt.accelerator.current_accelerator() is None
    assert netopt.backends.mps.is_available() is False
    x = netopt.zeros(2, device=dev)
    assert x.device == dev and x.is_cuda is False
    assert x.to(dev) is x and x.to("cpu") is x
    assert x.to(dev, netopt.float64).dtype == np.float64
    netopt.set_default_device("cpu")
    assert netopt.get_default_device() == dev


@pytest.mark.parametrize(
    "make",
    [
        lambda: netopt.device("cuda"),
        lambda: netopt.zeros(2, device="cuda"),
        lambda: netopt.tensor([1.0], device="cuda:0"),
        lambda: netopt.tensor([1.0]).to("mps"),
        lambda: netopt.tensor([1.0]).cuda(),
        lambda: netopt.set_default_device("cuda"),
        lambda: netopt.randn(2, device=netopt.device("cpu")).to(device="cuda"),
    ],
)
def test_other_devices_raise_one_clear_error(make):
    with pytest.raises(RuntimeError, match="netopt computes on the CPU only; device '"):
        make()


def test_unknown_device_string_gets_torchs_error():
    with pytest.raises(RuntimeError) as theirs:
        torch.device("foo")
    with pytest.raises(RuntimeError) as ours:
        netopt.device("foo")
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- dtypes and casts
@pytest.mark.parametrize(
    "name", ["float", "double", "long", "int", "bool", "float32", "float64", "int64", "half"]
)
def test_dtype_names_match_torch(name):
    ours = netopt.zeros(2, dtype=getattr(netopt, name))
    theirs = torch.zeros(2, dtype=getattr(torch, name))
    assert ours.dtype == np.dtype(str(theirs.numpy().dtype))


@pytest.mark.parametrize("method", ["long", "float", "double", "int", "bool", "half"])
def test_cast_methods_match_torch(method):
    values = [-1.7, 0.0, 2.5]
    ours = getattr(netopt.tensor(values), method)()
    theirs = getattr(torch.tensor(values), method)()
    assert ours.dtype == np.dtype(str(theirs.numpy().dtype))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_type_names_and_type_casts_match_torch():
    for values in ([1.5], [1], [True]):
        assert netopt.tensor(values).type() == torch.tensor(values).type()
    assert netopt.tensor([1.7]).type(netopt.long).tolist() == [1]
    assert netopt.tensor([1]).type("torch.DoubleTensor").dtype == np.float64
    with pytest.raises(ValueError, match=r"invalid type: 'torch\.Nope'"):
        netopt.tensor([1]).type("torch.Nope")


# ---------------------------------------------------------------- constructors, formatting
def test_factories_take_requires_grad_and_device_as_torch():
    eye = netopt.eye(3, requires_grad=True, device="cpu")
    assert eye.requires_grad and eye.dtype == np.float32
    with pytest.raises(RuntimeError, match="floating point dtype can require gradients"):
        netopt.eye(2, dtype=netopt.long, requires_grad=True)
    assert netopt.arange(3, requires_grad=False).dtype == np.int64
    assert netopt.linspace(0, 1, 3, requires_grad=True).requires_grad


def test_as_tensor_shares_an_ndarray_and_keeps_a_tensor():
    arr = np.zeros(3)
    t = netopt.as_tensor(arr)
    arr[0] = 5
    assert t.tolist()[0] == 5 and t.dtype == torch.as_tensor(arr).numpy().dtype
    assert netopt.as_tensor(t) is t
    assert netopt.as_tensor([1, 2]).dtype == np.int64
    assert netopt.as_tensor([1.0], dtype=netopt.double).dtype == np.float64


def test_format_of_one_element_tensors_as_torch():
    for value, spec in [(1.2345, "+.2f"), (-3.0, ".3e"), (7.0, ""), (2.5, ">8.1f")]:
        assert format(netopt.tensor(value), spec) == format(torch.tensor(value), spec)
    assert format(netopt.tensor([1.5]), "") == format(torch.tensor([1.5]), "")
    with pytest.raises(TypeError, match=r"unsupported format string passed to Tensor\.__format__"):
        format(netopt.tensor([1.0, 2.0]), ".2f")


REPR_CASES = [
    [0.1, 2.0],
    [1.0, 2.0],
    [1e-5, 1.0],
    [1e9, 1.0],
    [[1.5, -2.25], [1e3, 4.0]],
    [0.0, 0.0],
    [1.0, float("nan"), float("inf"), -float("inf")],
    [[1, 2], [3, 40]],
    [True, False],
    3.14159,
    np.linspace(0, 1, 30).tolist(),
    list(range(1200)),
    np.arange(1200.0, dtype=np.float32).reshape(2, 3, 200) / 7,
    [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
]


@pytest.mark.parametrize("values", REPR_CASES, ids=range(len(REPR_CASES)))
def test_repr_is_torchs(values):
    ours = netopt.tensor(values)
    theirs = torch.tensor(np.asarray(values) if isinstance(values, np.ndarray) else values)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def test_repr_with_requires_grad_is_torchs():
    ours = netopt.tensor([0.1, 2.0], requires_grad=True)
    assert repr(ours) == repr(torch.tensor([0.1, 2.0], requires_grad=True))


def test_argmax_takes_axis_as_torch():
    values = [[1.0, 5.0, 2.0], [7.0, 2.0, 9.0]]
    for method in ("argmax", "argmin"):
        ours = getattr(netopt.tensor(values), method)(axis=1)
        theirs = getattr(torch.tensor(values), method)(axis=1)
        assert ours.tolist() == theirs.tolist()
    with pytest.raises(TypeError, match="argmax\\(\\) got an unexpected keyword argument 'axis'"):
        netopt.tensor(values).argmax(1, axis=1)


# ---------------------------------------------------------------- top-level math
X = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.6]])
UNARY = ["sin", "cos", "tan", "sinh", "cosh", "exp", "square", "sign", "abs", "sqrt"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_math_and_gradient_match_torch(name):
    data = np.abs(X) if name == "sqrt" else X
    ours = netopt.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    out, ref = getattr(netopt, name)(ours), getattr(torch, name)(theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=RTOL)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=RTOL, atol=1e-15)
    if hasattr(netopt.Tensor, name):
        np.testing.assert_allclose(getattr(ours, name)().detach().numpy(), ref.detach().numpy())


PRODUCTS = [
    ("mm", [(2, 3), (3, 4)], ()),
    ("bmm", [(2, 3, 4), (2, 4, 5)], ()),
    ("dot", [(3,), (3,)], ()),
    ("einsum", [(2, 3), (3, 4)], ("ij,jk->ik",)),
    ("einsum", [(2, 3, 4), (2, 4, 5)], ("bij,bjk->bik",)),
    ("einsum", [(3, 4)], ("ij->j",)),
    ("einsum", [(3,), (4,)], ("i,j",)),
    ("einsum", [(2, 3), (2, 3)], ("ij,ij->",)),
]


@pytest.mark.parametrize(("name", "shapes", "head"), PRODUCTS)
def test_products_and_gradients_match_torch(name, shapes, head):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [netopt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(netopt, name)(*head, *ours)
    ref = getattr(torch, name)(*head, *theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=RTOL)
    weights = rng.standard_normal(ref.shape)
    (out * netopt.tensor(weights)).sum().backward()
    (ref * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=RTOL)
    assert gradcheck(lambda *t: getattr(netopt, name)(*head, *t), ours)


@pytest.mark.parametrize(
    ("name", "shapes"),
    [("mm", [(2, 3), (2, 3)]), ("mm", [(2, 3, 1), (3, 2)]), ("bmm", [(2, 3, 4), (3, 4, 5)])],
)
def test_product_shape_errors_match_torch(name, shapes):
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch, name)(*[torch.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError) as ours:
        getattr(netopt, name)(*[netopt.zeros(s) for s in shapes])
    assert str(ours.value) == str(theirs.value)


def test_normal_draws_with_the_given_moments():
    netopt.manual_seed(0)
    draws = netopt.normal(2.0, 3.0, size=(20000,))
    assert draws.dtype == np.float32 and draws.shape == (20000,)
    # 20,000 draws: the sample mean is within 4 standard errors (3/sqrt(20000) ~ 0.021)
    assert abs(draws.mean().item() - 2.0) < 0.09
    assert abs(draws.std().item() - 3.0) < 0.09
    shaped = netopt.normal(netopt.zeros(3, 2), 1.0)
    assert shaped.shape == (3, 2)
    with pytest.raises(RuntimeError, match=r"normal expects all elements of std >= 0\.0"):
        netopt.normal(0.0, -1.0, size=(2,))


def test_like_factories_keep_shape_and_dtype():
    base = netopt.zeros(2, 3, dtype=netopt.float64)
    for made in (netopt.randn_like(base), netopt.rand_like(base), netopt.full_like(base, 4)):
        assert made.shape == (2, 3) and made.dtype == np.float64
    assert netopt.full_like(base, 4).tolist() == torch.full_like(torch.zeros(2, 3), 4).tolist()


@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__pow__"])
@pytest.mark.parametrize("order", ["float-int", "int-float"])
def test_float_with_integer_tensor_keeps_the_float_dtype_as_torch(op, order):
    f, i = [1.5, 2.5], [1, 2]
    a, b = (f, i) if order == "float-int" else (i, f)
    ours = getattr(netopt.tensor(a), op)(netopt.tensor(b))
    theirs = getattr(torch.tensor(a), op)(torch.tensor(b))
    assert ours.dtype == np.dtype(str(theirs.numpy().dtype))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_device_objects_pass_where_device_names_do():
    layer = netopt.nn.Linear(2, 1).to(netopt.device("cpu"))
    assert layer.weight.device == netopt.device("cpu")
    t = netopt.tensor([[1.0, 2.0]])
    assert t.view_as(netopt.zeros(2, 1)).shape == (2, 1)
    assert t.type_as(netopt.zeros(1, dtype=netopt.double)).dtype == np.float64
