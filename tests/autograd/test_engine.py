"""The engine's contracts: dtype rules, graph mechanics, accumulation, no_grad, deep graphs.

Every expected number is worked out by hand in a comment beside it. Tolerance: where the
hand value is exact in binary floating point the comparison is exact (``==``); elsewhere
rtol 1e-12 (float64) and rtol 1e-6 (float32), stated as RTOL64 and RTOL32.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import netopt
from netopt.autograd import ops, unbroadcast
from netopt.autograd.tensor import Tensor, make_result

RTOL64 = 1e-12
RTOL32 = 1e-6


def _leaf(values, dtype=np.float64) -> Tensor:
    return netopt.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------------------- dtype rules
@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float32),  # Python float -> float32 (torch's default dtype)
        ([1.0, 2.0], np.float32),
        ([1, 2.5], np.float32),  # mixed int/float list -> float32
        ([[1, 2], [3, 4]], np.int64),  # Python ints -> int64
        (7, np.int64),
        ([True, False], np.bool_),
        (np.array([1.0, 2.0]), np.float64),  # a float64 ndarray stays float64
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.array([1, 2], dtype=np.int32), np.int32),  # ndarrays keep their dtype
        (np.float64(2.0), np.float64),
        (netopt.tensor(np.array([1.0])), np.float64),
    ],
)
def test_tensor_dtype_rules(data, dtype):
    assert netopt.tensor(data).dtype == dtype


def test_tensor_dtype_override_and_copy():
    arr = np.array([1.0, 2.0])
    t = netopt.tensor(arr, dtype=np.float32)
    assert t.dtype == np.float32
    u = netopt.tensor(arr)
    arr[0] = 5.0  # tensor() copies
    assert u.data[0] == 1.0
    v = netopt.from_numpy(arr)  # from_numpy shares
    arr[1] = 7.0
    assert v.data[1] == 7.0


def test_factories_default_to_float32():
    rng = np.random.default_rng(0)
    for t in (
        netopt.zeros(2, 3),
        netopt.ones((2,)),
        netopt.full((2,), 3.0),
        netopt.randn(3, rng=rng),
        netopt.rand(3, rng=rng),
        netopt.eye(2),
        netopt.arange(0.0, 1.0, 0.5),
    ):
        assert t.dtype == np.float32
    assert netopt.arange(3).dtype == np.int64
    assert netopt.zeros(2, dtype=np.float64).dtype == np.float64
    assert netopt.zeros_like(netopt.tensor(np.zeros(2))).dtype == np.float64


def _f32(seed, *shape, positive=False):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return _leaf(np.abs(x) + 0.5 if positive else x, np.float32)


FLOAT32_OPS = [
    ("add_sub_scalars", lambda a, b: (a + b - 1.5) + 2 - (3.0 - a)),
    ("mul_div_scalars", lambda a, b: a * b * 0.5 / 3 + 2.0 / b),
    ("numpy_scalars", lambda a, b: a * np.float64(0.5) + np.sqrt(2.0) * b - np.int64(1)),
    ("pow", lambda a, b: b**a + b**2 + b**0.5 + 2**a + 2.0**a),
    ("matmul", lambda a, b: a @ b.T),
    ("unary", lambda a, b: a.exp() + b.log() + b.log1p() + b.sqrt() + a.abs() + a.sin() + a.cos()),
    ("clamp_max_min", lambda a, b: a.clamp(-0.5, 0.5) + netopt.maximum(a, 0.0) + a.minimum(b)),
    ("where_xlogy", lambda a, b: netopt.where(a > 0, a, 0.5) + netopt.xlogy(b, b) + a.xlogy(b)),
    ("reductions", lambda a, b: a.sum(0) + a.mean(0) + a.var(0) + a.max() + a.min(1).values[0]),
    ("logsumexp", lambda a, b: netopt.logsumexp(a, 1) + a.max(0).values[:2]),
    ("shapes", lambda a, b: a.reshape(3, 2).T.flatten() + a.permute(1, 0).reshape(-1)),
    ("indexing", lambda a, b: a[[0, 0]].sum(0) + a[:, 1:2].squeeze(1).unsqueeze(0)[0, :1]),
    ("gather_cat_stack", lambda a, b: netopt.cat([a, b]).gather(0, np.zeros((1, 3), np.int64))),
    ("stack_expand", lambda a, b: netopt.stack([a, b], 0).sum(0) + a[:, :1].expand(2, 3)),
    ("clone_cast", lambda a, b: a.clone() + a.float() + a.to(np.float32)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in FLOAT32_OPS])
def test_float32_stays_float32_through_ops_and_gradients(fn, float32_graph_problems):
    a, b = _f32(0, 2, 3), _f32(1, 2, 3, positive=True)
    out = fn(a, b)
    assert out.dtype == np.float32
    assert float32_graph_problems(out) == []
    out.sum().backward()
    for leaf in (a, b):
        assert leaf.grad is None or leaf.grad.dtype == np.float32


def test_cast_to_float64_and_back_casts_the_gradient_back():
    x = _leaf([1.0, 2.0], np.float32)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()  # d/dx sum(x^2) = 2x, computed in float64, returned as float32
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.to(np.float32) is x  # casting to the own dtype is a no-op, as torch


# ----------------------------------------------------------------------------- graph mechanics
def test_hand_worked_chain_rule():
    # y = sum(w * x + b)^2 ... at x = [1, 2], w = 3, b = -1: s = (3 - 1) + (6 - 1) = 7,
    # L = s^2 = 49; dL/dw = 2 s * (1 + 2) = 42; dL/db = 2 s * 2 = 28; dL/dx = 2 s * w = 42.
    x = _leaf([1.0, 2.0])
    w = _leaf(3.0)
    b = _leaf(-1.0)
    loss = (w * x + b).sum() ** 2
    loss.backward()
    assert loss.item() == 49.0
    assert w.grad == 42.0 and b.grad == 28.0
    np.testing.assert_array_equal(x.grad, [42.0, 42.0])
    assert w.grad.shape == () and x.grad.shape == (2,)


def test_fan_out_node_used_twice_gets_both_contributions():
    # y = x*x + x: dy/dx = 2x + 1 -> at x = [0.5, -3]: [2, -5]
    x = _leaf([0.5, -3.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -5.0])
    # an interior node used twice: h = 3x; y = h*h + h, dy/dx = (2h + 1) * 3 = 18x + 3
    x.grad = None
    h = x * 3.0
    (h * h + h).sum().backward()
    np.testing.assert_array_equal(x.grad, [12.0, -51.0])


def test_diamond_graph():
    # a = 2x; b = a + 1; c = 3a; y = b * c = (2x + 1) 6x = 12x^2 + 6x, dy/dx = 24x + 6
    x = _leaf(0.25)
    a = x * 2.0
    y = (a + 1.0) * (a * 3.0)
    y.backward()
    assert x.grad == 12.0
    assert a.grad is None  # only leaves keep .grad, as torch


def test_same_tensor_as_both_operands_of_every_binary_op():
    x = _leaf([2.0])
    cases = [
        (lambda t: t + t, 2.0),  # d(2x) = 2
        (lambda t: t - t, 0.0),
        (lambda t: t * t, 4.0),  # 2x
        (lambda t: t / t, 0.0),
        (lambda t: t**t, 4.0 * (math.log(2.0) + 1.0)),  # x^x (ln x + 1)
        (lambda t: netopt.maximum(t, t), 1.0),  # ties split half and half: 0.5 + 0.5
        (lambda t: netopt.xlogy(t, t), math.log(2.0) + 1.0),
    ]
    for fn, want in cases:
        x.grad = None
        fn(x).sum().backward()
        assert math.isclose(x.grad[0], want, rel_tol=RTOL64), (fn, x.grad, want)


def test_gradients_accumulate_across_two_backward_calls():
    x = _leaf([1.0, -2.0])
    y = (x * x * x).sum()  # dy/dx = 3x^2 = [3, 12]
    y.backward()
    y.backward()  # the graph is kept; gradients add up until zeroed
    np.testing.assert_array_equal(x.grad, [6.0, 24.0])
    z = (x * 2.0).sum()
    z.backward()  # another graph accumulates into the same leaf
    np.testing.assert_array_equal(x.grad, [8.0, 26.0])


def test_two_backward_passes_are_bit_identical():
    rng = np.random.default_rng(0)
    x = _leaf(rng.standard_normal((4, 3)))
    w = _leaf(rng.standard_normal((3, 5)))
    out = netopt.logsumexp((x @ w).sin() * x.sum(1, keepdim=True), 1).var()
    out.backward()
    first = (np.array(x.grad), np.array(w.grad))
    x.grad = w.grad = None
    out.backward()
    assert np.array_equal(first[0], x.grad) and np.array_equal(first[1], w.grad)


@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [((2, 3), (3,)), ((2, 3), (2, 1)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)), ((2, 3), ())],
)
def test_grad_shape_equals_input_shape_under_broadcasting(shape_a, shape_b):
    a = _leaf(np.ones(shape_a))
    b = _leaf(np.ones(shape_b))
    out = a * b + a - b
    out.sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    # d sum(a*b + a - b)/da = (b + 1) summed over the axes a was broadcast along
    n = out.numel()
    assert a.grad.sum().item() == pytest.approx(2.0 * n, rel=RTOL64)
    assert b.grad.sum().item() == pytest.approx(0.0, abs=RTOL64)


def test_ten_thousand_op_chain_does_not_hit_the_recursion_limit():
    assert sys.getrecursionlimit() < 10_000  # so a recursive sort would fail here
    x = _leaf(1.0)
    h = x
    for _ in range(10_000):
        h = h * 1.0001
    h.backward()
    # d/dx (1.0001^10000 x) = 1.0001^10000, multiplied in the same order
    assert math.isclose(float(x.grad), 1.0001**10_000, rel_tol=1e-9)
    del h  # freeing a 10,000-deep graph must not overflow the C stack either


def test_deep_chain_with_fan_out_at_every_step():
    # h_{k+1} = h_k + 0.5 h_k: each node used twice; dh/dx = 1.5^n
    x = _leaf(1.0)
    h = x
    for _ in range(1000):
        h = h + h * 0.5
    h.backward()
    assert math.isclose(float(x.grad), 1.5**1000, rel_tol=1e-9)


def test_leaf_backward_and_explicit_gradient():
    x = _leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    y = _leaf([1.0, 2.0])
    (y * y).backward(netopt.tensor(np.array([1.0, -1.0])))  # 2y * seed
    np.testing.assert_array_equal(y.grad, [2.0, -4.0])


def test_requires_grad_propagation_and_leaves():
    a = _leaf([1.0])
    b = netopt.tensor(np.array([2.0]))
    assert (a * b).requires_grad and not (b * b).requires_grad
    assert a.is_leaf and not (a * b).is_leaf and b.is_leaf
    (a * b).sum().backward()
    assert b.grad is None and a.grad[0] == 2.0
    assert a.requires_grad_(False) is a and not a.requires_grad


def test_detach_shares_data_and_cuts_the_graph():
    x = _leaf([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    y = x.detach()
    y.data[0] = 9.0  # shares storage, as torch
    assert x.data[0] == 9.0


def test_numpy_item_tolist_and_bool():
    t = netopt.tensor(np.array([[1.5, 2.0]]))
    assert t.numpy() is t.data.numpy()
    assert t[0, 1].item() == 2.0 and isinstance(t[0, 1].item(), float)
    assert t.tolist() == [[1.5, 2.0]]
    assert _leaf([1.0]).detach().numpy().tolist() == [1.0]
    # bool() of a one-element tensor is its value (not len() > 0)
    assert not bool(netopt.tensor([0.0]) > 1.0)
    assert bool(netopt.tensor(3.0) > 1.0)
    assert len(t) == 1 and t.size() == (1, 2) and t.size(1) == 2 and t.dim() == 2
    assert t.numel() == 2 and t.ndim == 2 and t.shape == (1, 2)


def test_repr():
    assert repr(netopt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(netopt.tensor(np.array([1.0]))) == "tensor([1.], dtype=float64)"
    assert repr(netopt.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(netopt.tensor([1, 2])) == "tensor([1, 2])"


# ----------------------------------------------------------------------------- op conventions
def test_op_conventions_at_kinks_and_ties():
    x = _leaf([-1.0, 0.0, 2.0])
    netopt.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])  # sign, 0 at 0
    x.grad = None
    x.clamp(0.0, 2.0).sum().backward()  # 1 inside [min, max], bounds included
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    x.grad = None
    netopt.maximum(x, 0.0).sum().backward()  # a tie with the other operand: half
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 1.0])
    m = _leaf([1.0, 3.0, 3.0, -2.0])
    m.max().backward()  # full reduction: ties share evenly
    np.testing.assert_array_equal(m.grad, [0.0, 0.5, 0.5, 0.0])
    p = _leaf([[1.0, 3.0], [4.0, 2.0]])
    res = p.max(dim=1)
    np.testing.assert_array_equal(res.indices.data, [1, 0])
    assert res.indices.dtype == np.int64
    res.values.sum().backward()
    np.testing.assert_array_equal(p.grad, [[0.0, 1.0], [1.0, 0.0]])


def test_pow_gradients_at_zero_base():
    # d/db a^b = a^b ln a -> 0 where a == 0 and b >= 0 (not 0 * -inf = nan), as torch
    a = netopt.tensor(np.array([0.0, 0.0, 2.0]))
    b = _leaf([2.0, 0.0, 3.0])
    (a**b).sum().backward()
    np.testing.assert_array_equal(b.grad[:2], [0.0, 0.0])
    assert math.isclose(b.grad[2], 8.0 * math.log(2.0), rel_tol=RTOL64)


def test_xlogy_values_and_gradients_at_zero():
    x = _leaf([0.0, 0.0, 2.0])
    y = _leaf([0.0, 0.5, 0.5])
    out = netopt.xlogy(x, y)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 2.0 * math.log(0.5)])
    out.sum().backward()
    # d/dx = ln y (0 where x == 0 and y <= 0); d/dy = x / y (0 where x == 0)
    np.testing.assert_array_equal(x.grad, [0.0, math.log(0.5), math.log(0.5)])
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 4.0])


def test_matmul_vector_vector_gradient():
    a, b = _leaf([1.0, 2.0, 3.0]), _leaf([4.0, 5.0, 6.0])
    out = a @ b
    assert out.shape == () and out.item() == 32.0
    out.backward()
    np.testing.assert_array_equal(a.grad, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])


def test_repeated_index_accumulates():
    x = _leaf([1.0, 2.0, 3.0])
    (x[[0, 0, 2, 0]] * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0])
    y = _leaf([[1.0, 2.0], [3.0, 4.0]])
    y.gather(1, np.array([[1, 1], [0, 1]])).sum().backward()
    np.testing.assert_array_equal(y.grad, [[0.0, 2.0], [1.0, 1.0]])


def test_unbroadcast_examples():
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), [[3.0], [12.0]])
    np.testing.assert_array_equal(unbroadcast(g, (1, 1)), [[15.0]])
    assert unbroadcast(g, ()) == 15.0
    assert unbroadcast(g, (2, 3)) is g


# ----------------------------------------------------------------------------- no_grad
def test_no_grad_context_and_decorator():
    w = _leaf([1.0, 2.0])
    with netopt.no_grad():
        assert not netopt.is_grad_enabled()
        y = w * 2.0
        with netopt.enable_grad():
            z = w * 2.0
    assert netopt.is_grad_enabled()
    assert not y.requires_grad and y._backward is None
    assert z.requires_grad

    @netopt.no_grad()
    def step():
        return w * 3.0

    assert not step().requires_grad and netopt.is_grad_enabled()


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError), netopt.no_grad():
        1 / 0  # noqa: B018
    assert netopt.is_grad_enabled()


def test_custom_op_built_with_make_result():
    # cube with its derivative 3x^2 next to it, the engine's pattern for every op
    def cube(t):
        return make_result(t._data**3, (t,), lambda g: (g * 3 * t._data**2,))

    x = _leaf([2.0])
    cube(x).sum().backward()
    assert x.grad[0] == 12.0
    with netopt.no_grad():
        assert not cube(x).requires_grad


def test_ops_on_plain_arrays_record_no_graph():
    assert not ops.add(np.ones(2), np.ones(2)).requires_grad


def test_leaf_gradients_never_alias_each_other_or_the_seed():
    # add() hands one array to both operands; each leaf must own its gradient
    a = netopt.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = netopt.tensor(np.array([3.0, 4.0]), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad += 1
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    # a pass-through op must not make the caller's seed array the leaf's gradient
    x = netopt.tensor(np.array([1.0, 2.0]), requires_grad=True)
    seed = np.array([5.0, 6.0])
    (x + 0.0).backward(seed)
    assert x.grad is not seed
    x.grad += 1
    np.testing.assert_array_equal(seed, [5.0, 6.0])
