"""PyTorch's tensor API beyond the ops: in-place operators and index assignment, logical
operators, ``backward``'s keywords, the torch-style top level (``netopt.max``,
``netopt.softmax``...) and methods such as ``std``, ``t`` and the comparison methods.

The in-place contract (checked live against torch where it is installed): ``p -= lr *
p.grad`` under ``no_grad`` updates ``p`` itself; an in-place change of a leaf that requires
grad, while grad mode is on, raises torch's error; an in-place change that has to be
recorded is recorded (netopt records it out of place and Python rebinds the name). Hand
values are exact in binary floating point and compared with ``==``.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt


def _leaf(values, dtype=np.float64):
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_manual_sgd_updates_the_parameter_itself():
    w = _leaf([1.0, -2.0])
    x = netopt.tensor(np.array([3.0, 0.5]))
    (w * x).sum().backward()  # grad = x
    before = w
    with netopt.no_grad():
        w -= 0.5 * w.grad  # [1 - 1.5, -2 - 0.25]
    assert w is before and w.requires_grad and w.is_leaf
    assert w.data.tolist() == [-0.5, -2.25]
    w.grad = None
    (w * x).sum().backward()  # still a leaf in the next graph
    assert w.grad.tolist() == [3.0, 0.5]


def test_manual_sgd_loop_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    w0 = rng.standard_normal(3)
    w, tw = _leaf(w0), torch.tensor(w0, requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(5):
        ((netopt.tensor(x) @ w - netopt.tensor(y)) ** 2).mean().backward()
        ((xt @ tw - yt) ** 2).mean().backward()
        with netopt.no_grad():
            w -= 0.1 * w.grad
        with torch.no_grad():
            tw -= 0.1 * tw.grad
        w.grad = None
        tw.grad = None
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)


def test_in_place_methods_with_alpha():
    t = netopt.tensor(np.array([1.0, 2.0]))
    assert t.add_(netopt.tensor(np.array([4.0, 8.0])), alpha=-0.5) is t
    assert t.data.tolist() == [-1.0, -2.0]
    t.sub_(1.0, alpha=2).mul_(-1.0).div_(4.0)  # ([-1, -2] - 2) * -1 / 4
    assert t.data.tolist() == [0.75, 1.0]


def test_torchs_long_names_are_the_same_ops():
    t = netopt.tensor(np.array([1.0, 2.0]))
    assert t.multiply_(4.0).divide_(2.0).true_divide_(0.5) is t  # [1, 2] * 4 / 2 / 0.5
    assert t.data.tolist() == [4.0, 8.0]
    assert t.subtract_(2.0, alpha=0.5).data.tolist() == [3.0, 7.0]
    assert t.multiply(2.0).tolist() == [6.0, 14.0]
    assert t.divide(2.0).tolist() == t.true_divide(2.0).tolist() == [1.5, 3.5]
    torch = pytest.importorskip("torch")
    names = ("multiply", "divide", "true_divide", "multiply_", "divide_", "true_divide_")
    assert all(hasattr(torch.Tensor, n) for n in (*names, "subtract_"))


def test_in_place_on_a_leaf_that_requires_grad_raises_torchs_error():
    w = _leaf([1.0])
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    for change in (lambda: w.__iadd__(1.0), lambda: w.mul_(2.0), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match=message):
            change()
    assert w.data.tolist() == [1.0]
    torch = pytest.importorskip("torch")
    tw = torch.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match=message):
        tw += 1


def test_in_place_on_a_graph_result_is_recorded():
    x = _leaf([1.0, 2.0])
    h = x * 3.0
    h += x  # h = 4x, recorded
    h *= 2.0  # h = 8x
    h.sum().backward()
    assert h.data.tolist() == [8.0, 16.0]
    assert x.grad.tolist() == [8.0, 8.0]


def test_accumulating_a_loss_into_a_plain_tensor_keeps_the_gradient():
    a, b = _leaf([2.0]), _leaf([3.0])
    total = netopt.zeros(1, dtype=np.float64)
    for loss in (a * a, b * 5.0):
        total += loss
    total.sum().backward()
    assert total.requires_grad and total.data.tolist() == [19.0]
    assert a.grad.tolist() == [4.0] and b.grad.tolist() == [5.0]


def test_a_float_result_into_an_integer_tensor_is_refused():
    t = netopt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        t += 0.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        t /= 2
    assert t.data.tolist() == [1, 2]
    t += 3  # integer into integer is fine
    assert t.data.tolist() == [4, 5]


def test_index_assignment_outside_a_graph():
    t = netopt.tensor(np.array([[-1.0, 2.0], [3.0, -4.0]]))
    t[t < 0] = 0.0
    t[0, 1] = netopt.tensor(7.0)
    t[netopt.tensor([1])] = netopt.tensor(np.array([[5.0, 6.0]]))
    assert t.data.tolist() == [[0.0, 7.0], [5.0, 6.0]]
    w = _leaf([1.0, 2.0])
    with netopt.no_grad():
        w[1] = 9.0  # allowed on a leaf under no_grad, as torch
    assert w.data.tolist() == [1.0, 9.0] and w.requires_grad


def test_index_assignment_into_a_graph_is_refused():
    x = _leaf([1.0, 2.0])
    h = x * 2.0
    with pytest.raises(RuntimeError, match="does not record index assignment"):
        h[0] = 0.0
    plain = netopt.zeros(2, dtype=np.float64)
    with pytest.raises(RuntimeError, match="does not record index assignment"):
        plain[0] = x[0]  # the value requires grad: its gradient would be lost
    assert h.data.tolist() == [2.0, 4.0] and plain.data.tolist() == [0.0, 0.0]


def test_logical_operators_and_any_all():
    a = netopt.tensor(np.array([True, True, False, False]))
    b = netopt.tensor(np.array([True, False, True, False]))
    assert (a & b).data.tolist() == [True, False, False, False]
    assert (a | b).data.tolist() == [True, True, True, False]
    assert (a ^ b).data.tolist() == [False, True, True, False]
    assert (~a).data.tolist() == [False, False, True, True]
    assert a.logical_not().data.tolist() == [False, False, True, True]
    x = netopt.tensor(np.array([[0.5, -1.0], [2.0, 3.0]]))
    assert ((x > 0) & (x < 2.5)).data.tolist() == [[True, False], [True, False]]
    assert (x > 0).all(dim=1).data.tolist() == [False, True]
    assert (x > 0).any().item() is True
    assert (netopt.tensor([6, 3]) & 5).data.tolist() == [4, 1]  # bitwise on integers


def test_backward_accepts_retain_graph_and_refuses_create_graph():
    x = _leaf([3.0])
    y = x * x
    y.backward(retain_graph=True)
    y.backward()  # the graph is always kept: gradients add up
    assert x.grad.tolist() == [12.0]
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        y.backward(create_graph=True)


# ------------------------------------------------------------------- torch-style top level
def test_top_level_reductions_and_activations_by_hand():
    x = netopt.tensor(np.array([[1.0, 5.0], [7.0, 2.0]]))
    values, indices = netopt.max(x, 1)
    assert values.data.tolist() == [5.0, 7.0] and indices.data.tolist() == [1, 0]
    assert netopt.min(x).item() == 1.0
    assert netopt.argmax(x).item() == 2 and netopt.argmin(x, dim=0).data.tolist() == [0, 1]
    assert netopt.relu(x - 3.0).data.tolist() == [[0.0, 2.0], [4.0, 0.0]]
    assert netopt.sigmoid(netopt.tensor(0.0)).item() == 0.5
    assert netopt.tanh(netopt.tensor(0.0)).item() == 0.0
    z = netopt.tensor(np.log(np.array([[1.0, 3.0]])))
    np.testing.assert_allclose(netopt.softmax(z, 1).data, [[0.25, 0.75]], rtol=1e-15)
    np.testing.assert_allclose(netopt.log_softmax(z, 1).data, np.log([[0.25, 0.75]]), rtol=1e-15)
    e = netopt.empty(2, 3)
    assert e.shape == (2, 3) and e.dtype == np.float32 and not e.data.any()


def test_top_level_functions_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((4, 5))
    x, t = netopt.tensor(a), torch.tensor(a)
    for name in ("max", "min"):
        ours, theirs = getattr(netopt, name)(x, 1), getattr(torch, name)(t, 1)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    for name in ("argmax", "argmin"):
        np.testing.assert_array_equal(getattr(netopt, name)(x, 0).data, getattr(torch, name)(t, 0))
    for name in ("sigmoid", "tanh", "relu"):
        np.testing.assert_allclose(getattr(netopt, name)(x).data, getattr(torch, name)(t), 1e-12)
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(
            getattr(netopt, name)(x, 1).data, getattr(torch, name)(t, 1), rtol=1e-12
        )


# ------------------------------------------------------------------- more torch methods
def test_std_var_unbiased_t_comparisons_and_casts_by_hand():
    x = _leaf([[1.0, 3.0], [5.0, 7.0]])
    assert x.var(unbiased=False).item() == 5.0  # mean 4, squares 9 + 1 + 1 + 9 = 20, / 4
    assert x.var(None, False).item() == 5.0  # torch's positional spelling
    assert x.std(dim=0, unbiased=False).data.tolist() == [2.0, 2.0]
    assert x.t().data.tolist() == [[1.0, 5.0], [3.0, 7.0]] and x.t().requires_grad
    v = netopt.tensor([1.0, 2.0])
    assert v.t() is v
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        netopt.zeros(1, 1, 1).t()
    assert x.gt(2.0).data.tolist() == [[False, True], [True, True]]
    assert x.eq(x.t()).data.tolist() == [[True, False], [False, True]]
    assert x.int().dtype == np.int32 and x.bool().data.all() and x.contiguous() is x
    x.std().backward()  # d std / d x_i = (x_i - mean) / ((n - 1) std)
    std = np.sqrt(20.0 / 3.0)
    np.testing.assert_allclose(x.grad, (x.data - 4.0) / (3.0 * std), rtol=1e-12)


def test_std_and_var_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((3, 4))
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "unbiased": False}, {"dim": 1, "keepdim": True}):
        for name in ("std", "var"):
            ours, theirs = _leaf(a), torch.tensor(a, requires_grad=True)
            got, want = getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs)
            np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12)
            got.sum().backward()
            want.sum().backward()
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10)


def test_activation_methods_are_the_functional_ones():
    import netopt.nn.functional as F

    x = _leaf([[-1.0, 0.5], [2.0, -3.0]])
    for name in ("relu", "sigmoid", "tanh"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(F, name)(x).data)
    np.testing.assert_array_equal(x.softmax(dim=1).data, F.softmax(x, 1).data)
    np.testing.assert_array_equal(x.log_softmax(0).data, F.log_softmax(x, 0).data)
    x.softmax(1)[:, 0].sum().backward()  # differentiable like the functions
    assert x.grad is not None and x.grad.shape == (2, 2)


def test_linspace_and_randint():
    assert netopt.linspace(0, 1, 5).data.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert netopt.linspace(0, 1, 5).dtype == np.float32 and netopt.linspace(2, 3, 0).shape == (0,)
    with pytest.raises(ValueError, match="non-negative"):
        netopt.linspace(0, 1, -1)
    draw = netopt.randint(2, 5, (3, 4), rng=np.random.default_rng(0))
    want = np.random.default_rng(0).integers(2, 5, (3, 4))
    assert draw.dtype == np.int64 and draw.data.tolist() == want.tolist()
    short = netopt.randint(3, (1000,), rng=np.random.default_rng(1))  # torch's (high, size)
    assert set(short.data.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match=r"the range \[4, 4\) is empty"):
        netopt.randint(4, 4, (2,))
    with pytest.raises(TypeError, match="missing the required argument 'size'"):
        netopt.randint(4)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(netopt.linspace(-1, 2, 7).data, torch.linspace(-1, 2, 7).numpy())


def test_norm_by_hand_with_the_zero_subgradient():
    x = _leaf([[3.0, -4.0], [0.0, 0.0]])
    n = x.norm(dim=1)
    assert n.data.tolist() == [5.0, 0.0]
    n.sum().backward()
    assert x.grad.tolist() == [[0.6, -0.8], [0.0, 0.0]]  # x / |x|, and 0 at the zero row
    x.grad = None
    x.norm(p=1).backward()
    assert x.norm(p=1).item() == 7.0 and x.grad.tolist() == [[1.0, -1.0], [0.0, 0.0]]
    assert netopt.tensor(np.array([[3.0, 4.0]], dtype=np.float32)).norm().dtype == np.float32
    with pytest.raises(ValueError, match="p must be 1, 2 or 'fro'"):
        x.norm(p=3)


def test_norm_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((3, 4))
    a[1] = 0.0
    for kwargs in ({}, {"p": 1}, {"p": 2, "dim": 1}, {"p": "fro", "dim": 0, "keepdim": True}):
        ours, theirs = _leaf(a), torch.tensor(a, requires_grad=True)
        got, want = ours.norm(**kwargs), theirs.norm(**kwargs)
        np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12)
        got.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
