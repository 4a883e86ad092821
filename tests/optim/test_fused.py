"""The fused optimizer loops (numba) against the NumPy kernels, bit for bit.

Every configuration runs a few steps of the NumPy kernel and of its fused counterpart from
the same parameters, gradients and (empty or injected) state, and compares parameters and
every state entry with ``array_equal``: the fused loops promise identical results, not close
ones. Without numba the module is skipped (the NumPy kernels are then the only path).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import netopt
from netopt.optim import _fused
from netopt.optim.adagrad import adagrad
from netopt.optim.adam import adam
from netopt.optim.rmsprop import rmsprop
from netopt.optim.sgd import sgd

pytest.importorskip("numba")


@pytest.fixture
def every_size(monkeypatch):
    """Fuse calls of any size (by default only those of ``MIN_ELEMENTS`` or more)."""
    monkeypatch.setattr(_fused, "MIN_ELEMENTS", 0)


DTYPES = (np.float32, np.float64)


def _grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, values)) for values in itertools.product(*axes.values())]


CONFIGS = {
    sgd: _grid(
        lr=[0.1],
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.25],
        weight_decay=[0.0, 0.01],
        nesterov=[False, True],
        maximize=[False, True],
    ),
    adam: _grid(
        lr=[1e-3, 0.1],
        beta1=[0.9, 0.3],
        weight_decay=[0.0, 0.1],
        amsgrad=[False, True],
        maximize=[False, True],
        decoupled_weight_decay=[False, True],
    ),
    rmsprop: _grid(
        lr=[0.01],
        alpha=[0.99, 0.3],
        weight_decay=[0.0, 0.1],
        momentum=[0.0, 0.9],
        centered=[False, True],
        maximize=[False, True],
    ),
    adagrad: _grid(
        lr=[0.1],
        lr_decay=[0.0, 0.1],
        weight_decay=[0.0, 0.1],
        initial_accumulator_value=[0.0, 0.5],
        maximize=[False, True],
    ),
}
CASES = [
    pytest.param(kernel, hp, id=f"{kernel.__name__}-{i}")
    for kernel, grids in CONFIGS.items()
    for i, hp in enumerate(grids)
    if not (kernel is sgd and hp["nesterov"] and (hp["momentum"] == 0 or hp["dampening"]))
]


def _run(kernel, hp, dtype, steps=4, shape=(7, 33), seed=0, orders="CC"):
    rng = np.random.default_rng(seed)
    param = np.asarray(rng.standard_normal(shape).astype(dtype), order=orders[0])
    state = {}
    for _ in range(steps):
        grad = np.asarray(rng.standard_normal(shape).astype(dtype), order=orders[1])
        grad.flat[:3] = (0.0, -0.0, 1e-30)  # zeros of both signs and a subnormal square
        kernel(param, grad, state, **hp)
    return param, state


def _assert_same(a, b):
    (pa, sa), (pb, sb) = a, b
    assert pa.dtype == pb.dtype
    assert np.array_equal(pa, pb)
    assert set(sa) == set(sb)
    for key in sa:
        if isinstance(sa[key], np.ndarray):
            assert sb[key].dtype == sa[key].dtype, key
            assert np.array_equal(sa[key], sb[key]), key
        else:
            assert sa[key] == sb[key], key


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(("kernel", "hp"), CASES)
def test_fused_equals_numpy_kernel(kernel, hp, dtype, every_size):
    fused = _fused.fused(kernel)
    assert fused is not kernel
    _assert_same(_run(kernel, hp, dtype), _run(fused, hp, dtype))


@pytest.mark.parametrize("orders", ["FF", "FC", "CF"])
@pytest.mark.parametrize(("kernel", "hp"), CASES)
def test_fortran_ordered_arrays_give_the_same_bits(kernel, hp, orders, every_size):
    # all Fortran-ordered: the loop runs over memory order; mixed layouts fall back
    _assert_same(
        _run(kernel, hp, np.float32, orders=orders),
        _run(_fused.fused(kernel), hp, np.float32, orders=orders),
    )


@pytest.mark.parametrize("kernel", list(CONFIGS), ids=lambda k: k.__name__)
def test_large_arrays_are_fused_by_default(kernel):
    hp = {"lr": 0.01, "weight_decay": 0.1, "maximize": True}
    shape = (_fused.MIN_ELEMENTS // 64 + 1, 64)
    _assert_same(
        _run(kernel, hp, np.float32, shape=shape),
        _run(_fused.fused(kernel), hp, np.float32, shape=shape),
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_fused_adam_propagates_nan_and_inf_like_numpy(dtype, every_size):
    hp = {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}
    fused = _fused.fused(adam)
    out = []
    for kernel in (adam, fused):
        param = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -0.0], dtype)
        state = {}
        for grad in ([np.nan, 1.0, 1.0, 1.0, np.inf, 0.0], [1.0, 1.0, np.nan, 0.0, 0.0, -0.0]):
            with np.errstate(all="ignore"):  # NumPy warns on inf - inf; the loop does not
                kernel(param, np.array(grad, dtype), state, **hp)
        out.append((param, state))
    pa, pb = out[0][0], out[1][0]
    assert np.array_equal(pa, pb, equal_nan=True)
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert np.array_equal(out[0][1][key], out[1][1][key], equal_nan=True)


def test_fused_falls_back_for_calls_it_does_not_cover(every_size):
    fused = _fused.fused(sgd)
    param = np.arange(6.0, dtype=np.float32)[::2]  # not contiguous
    grad = np.ones(3, np.float32)
    fused(param, grad, {}, lr=0.5)
    assert np.array_equal(param, np.array([-0.5, 1.5, 3.5], np.float32))
    # A NumPy scalar hyperparameter changes NumPy's result dtype: the NumPy kernel runs.
    a, b = np.ones(4, np.float32), np.ones(4, np.float32)
    g = np.full(4, 0.1, np.float32)
    sgd(a, g, {}, lr=np.float64(0.3))
    fused(b, g, {}, lr=np.float64(0.3))
    assert np.array_equal(a, b)
    # A read-only parameter gets NumPy's error.
    frozen = np.ones(3, np.float32)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fused(frozen, grad, {}, lr=0.5)
    # float16 is left to NumPy too.
    h = np.ones(3, np.float16)
    fused(h, np.ones(3, np.float16), {}, lr=0.5)
    assert np.array_equal(h, np.full(3, 0.5, np.float16))


def test_optimizers_use_the_fused_kernel_and_train_identically():
    from netopt import nn

    def train(enabled):
        _fused.ENABLED = enabled
        try:
            netopt.manual_seed(0)
            model = nn.Sequential(
                nn.Linear(5, 300), nn.Tanh(), nn.Linear(300, 300), nn.Tanh(), nn.Linear(300, 3)
            )
            opt = netopt.optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)
            x = netopt.tensor(np.random.default_rng(1).standard_normal((16, 5), dtype=np.float32))
            y = netopt.tensor(np.arange(16) % 3)
            for _ in range(3):
                opt.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
            return [np.array(p.data) for p in model.parameters()]
        finally:
            _fused.ENABLED = True

    assert netopt.optim.Adam._kernel.numpy_kernel is adam
    for a, b in zip(train(False), train(True), strict=True):
        assert np.array_equal(a, b)
