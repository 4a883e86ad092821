"""Full-Jacobian gradient checks of every engine op, in float64 on tiny shapes.

Tolerances: gradcheck's own (central differences, eps=1e-6, atol=1e-5, rtol=1e-3, torch's
defaults). Inputs of non-smooth ops (abs, clamp, maximum/minimum, max/min) are kept at least
1e-3 from their kinks, and inputs of log/sqrt/pow bases away from 0, so the central
difference never straddles a kink.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.autograd import gradcheck


def _leaf(values) -> netopt.Tensor:
    return netopt.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def _normal(seed: int, *shape: int) -> netopt.Tensor:
    return _leaf(np.random.default_rng(seed).standard_normal(shape))


def _off_kinks(seed: int, *shape: int, kinks=(0.0,), low=-2.0, high=2.0) -> netopt.Tensor:
    """Uniform draws moved to at least 1e-3 (plus eps) away from every kink."""
    x = np.random.default_rng(seed).uniform(low, high, shape)
    for k in kinks:
        near = np.abs(x - k) < 2e-3
        x[near] = k + np.where(x[near] >= k, 2e-3, -2e-3)
    return _leaf(x)


def _positive(seed: int, *shape: int, low=0.5, high=2.0) -> netopt.Tensor:
    return _leaf(np.random.default_rng(seed).uniform(low, high, shape))


def _distinct(seed: int, *shape: int) -> netopt.Tensor:
    """Values whose pairwise gaps are all >= 0.1, so max/min have no near-ties."""
    n = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(n) * 0.1 - 0.05 * n
    return _leaf(values.reshape(shape))


IDX = np.array([[0, 2, 2], [1, 0, 1]])

# (id, function of the inputs, input factory). Every row is one full-Jacobian check.
CASES = [
    # element-wise binary ops, with every kind of broadcasting
    ("add_same", lambda a, b: a + b, lambda: [_normal(0, 2, 3), _normal(1, 2, 3)]),
    ("add_row", lambda a, b: a + b, lambda: [_normal(0, 2, 3), _normal(1, 3)]),
    ("add_col", lambda a, b: a.add(b), lambda: [_normal(0, 2, 3), _normal(1, 2, 1)]),
    ("add_outer", lambda a, b: a + b, lambda: [_normal(0, 3, 1), _normal(1, 1, 2)]),
    ("add_lead", lambda a, b: a + b, lambda: [_normal(0, 2, 1, 3), _normal(1, 2, 1)]),
    ("add_0d", lambda a, b: a + b, lambda: [_normal(0, 2, 3), _normal(1)]),
    ("add_scalar", lambda a: 1.5 + a + 2, lambda: [_normal(0, 2, 3)]),
    ("sub_row", lambda a, b: a - b, lambda: [_normal(0, 2, 3), _normal(1, 3)]),
    ("sub_col", lambda a, b: b.sub(a), lambda: [_normal(0, 2, 3), _normal(1, 2, 1)]),
    ("rsub", lambda a: 3.0 - a, lambda: [_normal(0, 2, 3)]),
    ("mul_row", lambda a, b: a * b, lambda: [_normal(0, 2, 3), _normal(1, 3)]),
    ("mul_outer", lambda a, b: a.mul(b), lambda: [_normal(0, 3, 1), _normal(1, 1, 2)]),
    ("mul_scalar", lambda a: 2.5 * a * -0.5, lambda: [_normal(0, 2, 3)]),
    ("mul_ndarray", lambda a: a * np.arange(3.0), lambda: [_normal(0, 2, 3)]),
    ("div_row", lambda a, b: a / b, lambda: [_normal(0, 2, 3), _positive(1, 3)]),
    ("div_col", lambda a, b: a.div(b), lambda: [_normal(0, 2, 3), _positive(1, 2, 1)]),
    ("rdiv", lambda a: 2.0 / a, lambda: [_positive(0, 2, 3)]),
    ("neg", lambda a: -a, lambda: [_normal(0, 2, 3)]),
    ("neg_method", lambda a: a.neg() * 2.0, lambda: [_normal(0, 2, 3)]),
    ("pow_tensors", lambda a, b: a**b, lambda: [_positive(0, 2, 3), _normal(1, 3)]),
    ("pow_method", lambda a, b: a.pow(b), lambda: [_positive(0, 2, 1), _normal(1, 2, 3)]),
    ("pow_int", lambda a: a**3, lambda: [_normal(0, 2, 3)]),
    ("pow_half", lambda a: a**0.5, lambda: [_positive(0, 2, 3)]),
    ("pow_negative", lambda a: a**-1.5, lambda: [_positive(0, 2, 3)]),
    ("rpow", lambda a: 2.0**a, lambda: [_normal(0, 2, 3)]),
    ("matmul_2d", lambda a, b: a @ b, lambda: [_normal(0, 2, 3), _normal(1, 3, 2)]),
    ("matmul_method", lambda a, b: a.matmul(b), lambda: [_normal(0, 2, 3), _normal(1, 3, 2)]),
    ("matmul_batched", lambda a, b: a @ b, lambda: [_normal(0, 2, 2, 3), _normal(1, 3, 2)]),
    (
        "matmul_batch_broadcast",
        lambda a, b: netopt.matmul(a, b),
        lambda: [_normal(0, 2, 1, 2, 3), _normal(1, 3, 3, 2)],
    ),
    ("matmul_vec_mat", lambda a, b: a @ b, lambda: [_normal(0, 3), _normal(1, 3, 2)]),
    ("matmul_mat_vec", lambda a, b: a @ b, lambda: [_normal(0, 2, 3), _normal(1, 3)]),
    ("matmul_vec_vec", lambda a, b: a @ b, lambda: [_normal(0, 3), _normal(1, 3)]),
    ("matmul_vec_batch", lambda a, b: a @ b, lambda: [_normal(0, 3), _normal(1, 2, 3, 2)]),
    ("matmul_batch_vec", lambda a, b: a @ b, lambda: [_normal(0, 2, 2, 3), _normal(1, 3)]),
    ("rmatmul_ndarray", lambda a: np.ones((2, 2)) @ a, lambda: [_normal(0, 2, 3)]),
    # element-wise unary ops
    ("exp", netopt.exp, lambda: [_normal(0, 2, 3)]),
    ("log", netopt.log, lambda: [_positive(0, 2, 3)]),
    ("log1p", netopt.log1p, lambda: [_positive(0, 2, 3, low=-0.5, high=2.0)]),
    ("sqrt", netopt.sqrt, lambda: [_positive(0, 2, 3)]),
    ("abs", netopt.abs, lambda: [_off_kinks(0, 3, 4)]),
    ("sin", lambda a: a.sin(), lambda: [_normal(0, 2, 3)]),
    ("cos", lambda a: a.cos(), lambda: [_normal(0, 2, 3)]),
    (
        "clamp_both",
        lambda a: netopt.clamp(a, -0.5, 0.7),
        lambda: [_off_kinks(0, 3, 4, kinks=(-0.5, 0.7))],
    ),
    ("clamp_min", lambda a: a.clamp(min=0.2), lambda: [_off_kinks(0, 3, 4, kinks=(0.2,))]),
    ("clip_max", lambda a: a.clip(max=-0.3), lambda: [_off_kinks(0, 3, 4, kinks=(-0.3,))]),
    ("maximum", netopt.maximum, lambda: [_normal(0, 2, 3), _normal(1, 2, 3)]),
    ("maximum_broadcast", lambda a, b: a.maximum(b), lambda: [_normal(0, 2, 3), _normal(1, 3)]),
    ("maximum_scalar", lambda a: netopt.maximum(a, 0.0), lambda: [_off_kinks(0, 3, 4)]),
    ("minimum", netopt.minimum, lambda: [_normal(0, 2, 3), _normal(1, 2, 1)]),
    ("minimum_scalar", lambda a: a.minimum(0.5), lambda: [_off_kinks(0, 3, 4, kinks=(0.5,))]),
    (
        "where",
        lambda a, b: netopt.where(np.array([True, False, True]), a, b),
        lambda: [_normal(0, 2, 3), _normal(1, 3)],
    ),
    ("where_scalar", lambda a: netopt.where(a > 0.1, a * a, 0.0), lambda: [_off_kinks(0, 3, 4)]),
    ("xlogy", netopt.xlogy, lambda: [_normal(0, 2, 3), _positive(1, 2, 3)]),
    ("xlogy_broadcast", lambda a, b: a.xlogy(b), lambda: [_normal(0, 2, 3), _positive(1, 3)]),
    (
        "xlogy_x_zero",  # x log y is linear in x, so d/dx = log y also at x = 0
        netopt.xlogy,
        lambda: [_leaf([0.0, 0.0, 1.5]), _positive(1, 3)],
    ),
    ("entropy_term", lambda p: netopt.xlogy(p, p), lambda: [_positive(0, 2, 3, low=0.1)]),
    ("clone", lambda a: a.clone() * a, lambda: [_normal(0, 2, 3)]),
    # reductions
    ("sum_all", lambda a: a.sum(), lambda: [_normal(0, 2, 3)]),
    ("sum_dim", lambda a: a.sum(1), lambda: [_normal(0, 2, 3, 2)]),
    ("sum_dims_keepdim", lambda a: a.sum((0, 2), keepdim=True), lambda: [_normal(0, 2, 3, 2)]),
    ("sum_negative_dim", lambda a: netopt.sum(a, -1), lambda: [_normal(0, 2, 3)]),
    ("mean_all", netopt.mean, lambda: [_normal(0, 2, 3)]),
    ("mean_dim", lambda a: a.mean(0), lambda: [_normal(0, 2, 3)]),
    ("mean_keepdim", lambda a: a.mean((1, 2), keepdim=True), lambda: [_normal(0, 2, 3, 2)]),
    ("var_all", lambda a: a.var(), lambda: [_normal(0, 2, 3)]),
    ("var_dim", lambda a: a.var(1), lambda: [_normal(0, 2, 3)]),
    ("var_biased_keepdim", lambda a: a.var(0, 0, True), lambda: [_normal(0, 3, 2)]),
    ("var_tuple", lambda a: a.var(dim=(0, 2)), lambda: [_normal(0, 2, 2, 3)]),
    ("max_all", lambda a: a.max(), lambda: [_distinct(0, 3, 4)]),
    ("min_all", lambda a: a.min(), lambda: [_distinct(1, 3, 4)]),
    ("max_dim", lambda a: a.max(1).values, lambda: [_distinct(2, 3, 4)]),
    ("max_dim_keepdim", lambda a: a.max(0, keepdim=True)[0], lambda: [_distinct(3, 3, 4)]),
    ("min_dim", lambda a: a.min(-1).values, lambda: [_distinct(4, 2, 3)]),
    ("logsumexp", lambda a: netopt.logsumexp(a, 1), lambda: [_normal(0, 2, 3)]),
    (
        "logsumexp_keepdim",
        lambda a: a.logsumexp((0, 1), keepdim=True),
        lambda: [_normal(0, 2, 3, 2)],
    ),
    # shape ops (the gradient is moved, not changed; a weighting makes each slot distinct)
    (
        "reshape",
        lambda a: a.reshape(3, 2) * np.arange(6.0).reshape(3, 2),
        lambda: [_normal(0, 2, 3)],
    ),
    ("reshape_neg", lambda a: netopt.reshape(a, (-1,)) ** 2, lambda: [_normal(0, 2, 3)]),
    ("view", lambda a: a.view(6) * np.arange(6.0), lambda: [_normal(0, 2, 3)]),
    ("flatten", lambda a: netopt.flatten(a, 1) ** 2, lambda: [_normal(0, 2, 3, 2)]),
    ("flatten_method", lambda a: a.flatten() ** 2, lambda: [_normal(0, 2, 3)]),
    ("squeeze", lambda a: a.squeeze() ** 2, lambda: [_normal(0, 2, 1, 3)]),
    ("squeeze_dim", lambda a: netopt.squeeze(a, 1) ** 2, lambda: [_normal(0, 2, 1, 3)]),
    ("unsqueeze", lambda a: netopt.unsqueeze(a, 0) * a, lambda: [_normal(0, 2, 3)]),
    ("permute", lambda a: a.permute(2, 0, 1) ** 2, lambda: [_normal(0, 2, 3, 2)]),
    ("permute_fn", lambda a: netopt.permute(a, (1, 0)) @ a, lambda: [_normal(0, 2, 3)]),
    ("transpose", lambda a: netopt.transpose(a, 0, 2) ** 2, lambda: [_normal(0, 2, 3, 2)]),
    ("T", lambda a: a.T @ a, lambda: [_normal(0, 2, 3)]),
    ("getitem_int", lambda a: a[1] ** 2, lambda: [_normal(0, 2, 3)]),
    ("getitem_slice", lambda a: a[:, 1:] ** 2, lambda: [_normal(0, 2, 3)]),
    ("getitem_step", lambda a: a[::-1, ::2] ** 2, lambda: [_normal(0, 3, 4)]),
    ("getitem_none_ellipsis", lambda a: a[None, ..., 0] ** 2, lambda: [_normal(0, 2, 3)]),
    ("getitem_repeated", lambda a: a[[0, 0, 1, 0]] ** 2, lambda: [_normal(0, 2, 3)]),
    ("getitem_pairs", lambda a: a[[0, 1, 1], [2, 0, 0]] ** 2, lambda: [_normal(0, 2, 3)]),
    ("getitem_bool", lambda a: a[np.array([True, False, True])] ** 2, lambda: [_normal(0, 3, 2)]),
    ("getitem_tensor_index", lambda a: a[netopt.tensor([2, 2])] ** 2, lambda: [_normal(0, 3)]),
    ("gather", lambda a: netopt.gather(a, 1, IDX) ** 2, lambda: [_normal(0, 2, 3)]),
    ("gather_dim0", lambda a: a.gather(0, IDX[:, :2] % 2) ** 2, lambda: [_normal(0, 2, 3)]),
    (
        "cat",
        lambda a, b: netopt.cat([a, b, a], 1) ** 2,
        lambda: [_normal(0, 2, 1), _normal(1, 2, 3)],
    ),
    ("cat_with_array", lambda a: netopt.cat([a, np.ones((1, 3))]) ** 2, lambda: [_normal(0, 2, 3)]),
    (
        "stack",
        lambda a, b: netopt.stack([a, b, a], 1) ** 2,
        lambda: [_normal(0, 2, 3), _normal(1, 2, 3)],
    ),
    (
        "stack_last",
        lambda a, b: netopt.stack([a, b], -1) ** 2,
        lambda: [_normal(0, 2), _normal(1, 2)],
    ),
    ("expand", lambda a: a.expand(2, 3, -1) ** 2, lambda: [_normal(0, 3, 1)]),
    ("expand_same", lambda a: a.expand(-1, 2) ** 2, lambda: [_normal(0, 3, 2)]),
    # compositions: fan-out, chains of different ops
    ("fan_out", lambda a: a * a + a.exp() * a - a / (a * a + 1.0), lambda: [_normal(0, 2, 3)]),
    (
        "composite",
        lambda a, b: (a @ b).sin().sum(0) * b.mean() + (a.T**2).max(),
        lambda: [_normal(0, 2, 3), _normal(1, 3, 2)],
    ),
]


@pytest.mark.parametrize(("fn", "make"), [pytest.param(f, m, id=i) for i, f, m in CASES])
def test_gradcheck_op(fn, make):
    inputs = make()
    assert all(t.dtype == np.float64 for t in inputs)
    assert gradcheck(fn, inputs)


def test_every_public_differentiable_op_has_a_gradcheck():
    ids = {i for i, _, _ in CASES}
    ops = [
        "add", "sub", "mul", "div", "neg", "pow", "rpow", "matmul", "exp", "log", "log1p",
        "sqrt", "abs", "sin", "cos", "clamp", "clip", "maximum", "minimum", "where", "xlogy",
        "clone", "sum", "mean", "var", "max", "min", "logsumexp", "reshape", "view",
        "flatten", "squeeze", "unsqueeze", "permute", "transpose", "T", "getitem", "gather",
        "cat", "stack", "expand",
    ]  # fmt: skip
    missing = [op for op in ops if not any(i == op or i.startswith(op + "_") for i in ids)]
    assert not missing, f"no gradcheck for {missing}"
