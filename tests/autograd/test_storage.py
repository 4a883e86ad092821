"""``Tensor.data`` / ``Tensor.grad`` as tensors sharing memory, ``__array__``, and torch's
legacy constructor ``Tensor([...])`` / ``Tensor(2, 3)``.

Expected values are worked by hand (a gradient of ``sum(x * x)`` is ``2x``) or taken from
torch itself where torch is installed.
"""

from __future__ import annotations

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.autograd.grad_slots import grad_slot


def _leaf(values, dtype=np.float32):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_grad_is_a_tensor_sharing_the_gradient_memory():
    x = _leaf([1.0, 2.0, 3.0])
    assert x.grad is None
    (x * x).sum().backward()
    g = x.grad
    assert isinstance(g, netopt.Tensor) and not g.requires_grad and g.is_leaf
    assert g.tolist() == [2.0, 4.0, 6.0]  # d sum(x^2)/dx = 2x
    assert x.grad is g  # the same tensor while it is held
    g.zero_()  # writes the gradient the optimizer reads
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    (x * x).sum().backward()  # accumulates into the same memory
    assert g.tolist() == [2.0, 4.0, 6.0]


def test_data_is_a_detached_tensor_writing_the_values():
    x = _leaf([1.0, 2.0])
    d = x.data
    assert isinstance(d, netopt.Tensor) and not d.requires_grad and d.is_leaf
    d.add_(1.0)
    assert x.tolist() == [2.0, 3.0]
    x.data[0] = 10.0
    assert x.tolist() == [10.0, 3.0]
    x.data.mul_(0.5)
    assert x.tolist() == [5.0, 1.5]
    assert x._version == 0  # writes through .data are not counted, as torch's


def test_a_view_never_outlives_a_rebinding_of_the_storage():
    x = _leaf([1.0, 2.0])
    (x * 1.0).sum().backward()
    old = x.grad
    x.grad = None
    assert x.grad is None
    (x * 3.0).sum().backward()  # a new gradient array
    assert x.grad.tolist() == [3.0, 3.0] and old.tolist() == [1.0, 1.0]
    before = x.data
    x.data = netopt.tensor([7.0, 8.0])
    assert x.tolist() == [7.0, 8.0] and before.tolist() == [1.0, 2.0]
    # the cached grad view follows the array the engine holds
    x._grad = np.array([4.0, 4.0], dtype=np.float32)
    assert x.grad.tolist() == [4.0, 4.0]


def test_a_dropped_grad_view_does_not_keep_the_old_gradient_alive():
    x = _leaf(np.zeros(4))
    (x * 2.0).sum().backward()
    x.grad.zero_()  # a view made and dropped; the tensor remembers it weakly
    old = weakref.ref(x._grad)
    x._grad = None  # what zero_grad(set_to_none=True) does
    gc.collect()
    assert old() is None and x.grad is None


def test_grad_setter_takes_tensors_arrays_and_none_and_checks_like_torch():
    x = _leaf([1.0, 2.0])
    g = netopt.tensor([0.5, -0.5])
    x.grad = g
    assert x.grad is g
    x.grad = np.array([1.0, 1.0], dtype=np.float32)  # netopt's extension: an ndarray
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match=r"gradient of size '\[3\]' to a tensor of size '\[2\]'"):
        x.grad = netopt.zeros(3)
    with pytest.raises(RuntimeError, match="gradient with dtype 'float64' to a tensor with"):
        x.grad = netopt.tensor(np.zeros(2))
    with pytest.raises(
        TypeError, match="expected to be a Tensor or None but got grad of type list"
    ):
        x.grad = [1.0, 2.0]


def test_data_setter_rebinds_and_refuses_what_torch_refuses():
    w = nn.Parameter(netopt.tensor([1.0, 2.0]))
    w.data = netopt.zeros(3)  # torch allows another shape
    assert w.shape == (3,) and w.requires_grad
    w.data = np.ones(2, dtype=np.float32)  # netopt's extension: an ndarray
    assert w.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        w.data = [1.0]
    with pytest.raises(RuntimeError, match="must be floating point"):
        w.data = netopt.tensor([1, 2])


def test_assigning_data_drops_an_optimizer_gradient_slot():
    layer = nn.Linear(2, 1)
    opt = netopt.optim.SGD(layer.parameters(), lr=0.1)
    layer(netopt.ones(1, 2)).sum().backward()
    opt.step()
    assert grad_slot(layer.weight) is not None  # flat buffers in use
    layer.weight.data = netopt.zeros(1, 2)
    assert grad_slot(layer.weight) is None
    opt.zero_grad()
    layer(netopt.ones(1, 2)).sum().backward()
    opt.step()  # falls back to per-parameter steps, the new storage is updated
    np.testing.assert_allclose(layer.weight.data, [[-0.1, -0.1]])


def test_array_protocol_shares_and_refuses_a_tensor_requiring_grad():
    t = netopt.tensor([1.0, 2.0])
    assert np.asarray(t) is t.numpy()
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(t), t.numpy())
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        np.asarray(_leaf([1.0]))
    np.testing.assert_allclose(_leaf([1.0]).detach(), [1.0])


def test_legacy_constructor_by_hand():
    assert netopt.Tensor([-4.0]).dtype == np.float32 and netopt.Tensor([-4.0]).tolist() == [-4.0]
    assert netopt.Tensor([1, 2]).dtype == np.float32  # ints become the default dtype
    assert netopt.Tensor([True]).dtype == np.float32
    z = netopt.Tensor(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.requires_grad
    assert netopt.Tensor().shape == (0,)
    t = netopt.tensor([1, 2])
    alias = netopt.Tensor(t)
    assert alias is not t and alias.dtype == np.int64 and alias.numpy() is t.numpy()
    arr = np.arange(3.0)
    assert netopt.Tensor(arr).numpy() is arr  # an ndarray is wrapped as is (netopt's ops)
    with pytest.raises(TypeError, match="data must be a sequence"):
        netopt.Tensor(3.5)
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[-1\]"):
        netopt.Tensor(-1)


@pytest.mark.parametrize(
    "args",
    [([-4.0],), ([[1, 2], [3, 4]],), ((2, 3),), ([True, False],), (2, 3), (4,), ()],
    ids=["floats", "nested-ints", "tuple", "bools", "size-2-3", "size-4", "empty"],
)
def test_legacy_constructor_matches_torch(args):
    torch = pytest.importorskip("torch")
    want = torch.Tensor(*args)
    got = netopt.Tensor(*args)
    assert got.shape == tuple(want.shape) and str(got.dtype) == "float32"
    assert want.dtype == torch.float32
    if want.numel() and args and not all(isinstance(a, int) for a in args):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_torch_style_training_loop_matches_torch():
    """The idioms of issue 15 (item 3) written as a torch user writes them."""
    torch = pytest.importorskip("torch")
    x0 = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]])
    y0 = np.array([[1.0], [-2.0], [0.5]])
    results = []
    for lib in (torch, netopt):
        w = lib.tensor(np.array([[0.3], [-0.2]]), requires_grad=True)
        b = lib.tensor(np.array([0.1]), requires_grad=True)
        x, y = lib.tensor(x0), lib.tensor(y0)
        for _ in range(3):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                w.data.add_(w.grad, alpha=-0.1)  # p.data.add_(...)
                b -= 0.1 * b.grad
            g_norm = float(lib.square(w.grad).sum().item())
            w.grad.zero_()
            b.grad.data.zero_()
        b.grad = None
        results.append((w.detach().numpy().copy(), b.detach().numpy().copy(), g_norm, b.grad))
    (tw, tb, tn, tg), (nw, nb, nn_, ng) = results
    np.testing.assert_allclose(nw, tw, rtol=1e-12)
    np.testing.assert_allclose(nb, tb, rtol=1e-12)
    assert nn_ == pytest.approx(tn, rel=1e-12) and tg is None and ng is None


def test_pickle_and_deepcopy_after_reading_grad():
    p = nn.Parameter(netopt.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    held = p.grad  # a weakly remembered view must not stop pickling
    for copied in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert type(copied) is nn.Parameter and copied.requires_grad
        assert copied.tolist() == [1.0, 2.0] and copied.grad.tolist() == [2.0, 4.0]
        assert copied.grad is not held and not np.shares_memory(copied._grad, p._grad)
