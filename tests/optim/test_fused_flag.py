"""torch's ``fused=`` flag on SGD, Adam, AdamW and Adagrad picks netopt's kernel.

``None`` (the default) compiles only large updates, ``True`` every size, ``False`` none; the
parameters come out the same bits either way. The compiled loops are observed through a
proxy of :mod:`netopt.optim._fused_kernels` that counts calls and runs the real loops.
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn, optim
from netopt.optim import _fused
from netopt.optim.adagrad import adagrad

pytest.importorskip("numba")

LOOPS = {"SGD": "sgd_loop", "Adam": "adam_loop", "AdamW": "adam_loop", "Adagrad": "adagrad_loop"}
KWARGS = {"SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {}, "AdamW": {}, "Adagrad": {}}


class CountingLoops:
    """The compiled loops, counted: each attribute is the real loop behind a counter."""

    def __init__(self, loops):
        self.loops, self.calls = loops, {}

    def __getattr__(self, name):
        loop = getattr(self.loops, name)

        def counted(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            return loop(*args)

        return counted


@pytest.fixture
def loops(monkeypatch):
    counting = CountingLoops(_fused._kernels())
    monkeypatch.setattr(_fused, "_loops", counting)
    return counting


def _train(name, fused, width=8, steps=3):
    netopt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, width), nn.Tanh(), nn.Linear(width, 3))
    opt = getattr(optim, name)(model.parameters(), fused=fused, **KWARGS[name])
    x = netopt.tensor(np.random.default_rng(1).standard_normal((16, 4), dtype=np.float32))
    y = netopt.tensor(np.arange(16) % 3)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return [p.data.numpy().copy() for p in model.parameters()], opt


@pytest.mark.parametrize("name", list(LOOPS))
def test_fused_true_compiles_small_updates_with_the_same_bits(name, loops):
    default, _ = _train(name, None)
    assert loops.calls.get(LOOPS[name], 0) == 0  # 67 elements, under MIN_ELEMENTS
    fused, opt = _train(name, True)
    assert loops.calls[LOOPS[name]] == 3  # one call a step: the group's flat buffers
    assert opt.param_groups[0]["fused"] is True
    for a, b in zip(default, fused, strict=True):
        assert np.array_equal(a, b)


def test_fused_false_keeps_large_updates_on_the_numpy_kernels(loops):
    width = _fused.MIN_ELEMENTS // 4  # a weight matrix of MIN_ELEMENTS elements
    default, _ = _train("Adam", None, width=width, steps=1)
    compiled = loops.calls["adam_loop"]
    assert compiled >= 1
    numpy, _ = _train("Adam", False, width=width, steps=1)
    assert loops.calls["adam_loop"] == compiled
    for a, b in zip(default, numpy, strict=True):
        assert np.array_equal(a, b)


def test_the_flag_is_per_group_and_read_at_every_step(loops):
    p, q = nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(3, np.float32))
    opt = optim.Adam([{"params": [p], "fused": True}, {"params": [q]}])
    p.grad, q.grad = np.ones(3, np.float32), np.ones(3, np.float32)
    opt.step()
    assert loops.calls["adam_loop"] == 1
    opt.param_groups[1]["fused"] = True
    opt.step()
    assert loops.calls["adam_loop"] == 3
    assert np.array_equal(p.data.numpy(), q.data.numpy())


def test_state_dicts_saved_without_the_flag_still_load():
    p = nn.Parameter(np.ones(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9, fused=True)
    saved = opt.state_dict()
    assert saved["param_groups"][0]["fused"] is True
    del saved["param_groups"][0]["fused"]  # as netopt wrote them before the flag was kept
    other = optim.SGD([nn.Parameter(np.ones(3))], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    assert other.param_groups[0]["fused"] is None


def test_fused_with_foreach_raises_torchs_error():
    with pytest.raises(RuntimeError) as ours:
        optim.Adam([nn.Parameter(np.ones(2))], fused=True, foreach=True)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.optim.Adam([torch.ones(2, requires_grad=True)], fused=True, foreach=True)
    assert str(ours.value) == str(theirs.value)


def test_fused_true_without_numba_names_the_missing_package(monkeypatch):
    monkeypatch.setattr(_fused, "_available", False)  # as find_spec reports without numba
    with pytest.raises(RuntimeError, match=r"Adagrad\(fused=True\) needs numba"):
        optim.Adagrad([nn.Parameter(np.ones(2))], fused=True)
    with pytest.raises(RuntimeError, match="needs numba"):
        _fused.choose(_fused.fused(adagrad), True)


def test_fortran_ordered_weights_run_the_compiled_loop(loops, monkeypatch):
    # the estimators keep weights in Fortran order; the update is element-wise, so the
    # loop runs over memory order with the same bits (per-parameter calls here, as for
    # groups over the flat buffers' limit)
    from netopt.optim import _flat

    monkeypatch.setattr(_flat, "MAX_ELEMENTS", 0)

    def train(fused):
        w = nn.Parameter(np.asfortranarray(np.random.default_rng(0).standard_normal((7, 5))))
        opt = optim.Adam([w], lr=0.1, fused=fused)
        for step in range(3):
            w.grad = np.asfortranarray(np.random.default_rng(step).standard_normal((7, 5)))
            opt.step()
        assert w.data.numpy().flags.f_contiguous
        return w.data.numpy().copy()

    numpy = train(False)
    assert loops.calls.get("adam_loop", 0) == 0
    np.testing.assert_array_equal(train(True), numpy)
    assert loops.calls["adam_loop"] == 3
