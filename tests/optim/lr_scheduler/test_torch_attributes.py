"""torch's scheduler names that code written for torch reaches into: the exported
``EPOCH_DEPRECATION_WARNING``, ``CyclicLR._scale_fn_ref``, ``OneCycleLR._anneal_func_type``
(and torch's legacy ``anneal_func`` state), and 1-element tensors as ``OneCycleLR``'s
``max_lr`` and momenta. Values derived by hand in the comments."""

from __future__ import annotations

import functools
import math
import types
import warnings

import numpy as np
import pytest

import netopt
from netopt.nn import Parameter
from netopt.optim import SGD, lr_scheduler
from netopt.optim.lr_scheduler import EPOCH_DEPRECATION_WARNING, CyclicLR, OneCycleLR

pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`")


def _sgd(lr=0.1):
    return SGD([Parameter(np.zeros(2, np.float32))], lr=lr, momentum=0.9)


def test_epoch_deprecation_warning_is_exported_and_is_what_step_epoch_warns():
    assert "EPOCH_DEPRECATION_WARNING" in lr_scheduler.__all__
    sched = lr_scheduler.StepLR(_sgd(), step_size=2)
    sched.optimizer.step()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.step(3)
    assert [w.message.args for w in caught] == [(EPOCH_DEPRECATION_WARNING,)]


def test_epoch_deprecation_warning_text_is_torchs():
    torch = pytest.importorskip("torch")
    assert EPOCH_DEPRECATION_WARNING == torch.optim.lr_scheduler.EPOCH_DEPRECATION_WARNING


# ---------------------------------------------------------------- CyclicLR._scale_fn_ref
@pytest.mark.parametrize(
    ("mode", "x", "expected"),
    [("triangular", 3, 1.0), ("triangular2", 3, 0.25)],  # 1 / 2**(3 - 1)
)
def test_cyclic_builtin_scale_is_a_plain_function_kept_out_of_the_state(mode, x, expected):
    sched = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, step_size_up=2, mode=mode)
    assert isinstance(sched._scale_fn_ref, types.FunctionType)
    assert sched._scale_fn_ref(x) == expected
    assert sched.scale_fn(x) == expected
    state = sched.state_dict()
    assert "_scale_fn_ref" not in state
    assert state["_scale_fn_custom"] is None


def test_cyclic_exp_range_scale_is_gamma_to_the_iteration():
    sched = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, step_size_up=2, mode="exp_range", gamma=0.5)
    assert isinstance(sched._scale_fn_ref, functools.partial)
    assert sched.scale_mode == "iterations"
    assert sched.scale_fn(2) == 0.25  # 0.5**2


def test_cyclic_load_state_dict_rebuilds_the_scale_of_the_restored_mode():
    source = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, step_size_up=2, mode="triangular2")
    restored = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, step_size_up=2)
    restored.load_state_dict(source.state_dict())
    assert restored.mode == "triangular2"
    assert restored._scale_fn_ref is CyclicLR._triangular2_scale_fn
    assert restored.scale_mode == "cycle"
    assert restored._scale_fn_custom is None
    # cycle 2 of triangular2 (total size 4) peaks at 1 + 4 * 1/2 = 3 at iteration 6
    for _ in range(6):
        restored.optimizer.step()
        restored.step()
    assert restored.get_last_lr() == [3.0]


def test_cyclic_custom_scale_fn_survives_load_state_dict():
    def half(_):
        return 0.5

    source = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, scale_fn=half, cycle_momentum=False)
    restored = CyclicLR(_sgd(), base_lr=1.0, max_lr=5.0, scale_fn=half, cycle_momentum=False)
    restored.load_state_dict(source.state_dict())
    assert restored._scale_fn_custom is half
    assert not hasattr(restored, "_scale_fn_ref")


# ---------------------------------------------------------------- OneCycleLR
def _one_cycle(opt, **kw):
    # total 4, pct_start 0.5: phase 1 ends at step 1, phase 2 at step 3
    kw = {"total_steps": 4, "pct_start": 0.5, "div_factor": 4.0, "final_div_factor": 2.0} | kw
    return OneCycleLR(opt, **kw)


def _trace(sched, steps=3):
    lrs = [sched.get_last_lr()[0]]
    for _ in range(steps):
        sched.optimizer.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


def test_one_cycle_names_its_anneal_as_torch_does():
    sched = _one_cycle(_sgd(), max_lr=1.0, anneal_strategy="linear")
    assert sched._anneal_func_type == "linear" == sched.anneal_strategy
    assert sched.state_dict()["_anneal_func_type"] == "linear"
    assert OneCycleLR._annealing_cos(1.0, 0.0, 0.5) == pytest.approx(0.5)  # (1 + cos pi/2)/2
    assert OneCycleLR._annealing_linear(1.0, 0.0, 0.25) == 0.75


def test_one_cycle_legacy_state_without_type_saves_and_loads_anneal_func():
    sched = _one_cycle(_sgd(), max_lr=1.0, anneal_strategy="linear")
    del sched._anneal_func_type
    state = sched.state_dict()
    assert "_anneal_func_type" not in state and "anneal_func_type" not in state

    def hold_start(start, end, pct):
        return start

    state["anneal_func"] = hold_start
    sched.load_state_dict(state)
    assert sched.anneal_func is hold_start and sched.anneal_strategy is None
    # initial 1/4, max 1, min 1/8: each step holds its phase's start value
    assert _trace(sched) == [0.25, 0.25, 1.0, 1.0]


def test_one_cycle_legacy_state_with_torchs_cos_function():
    sched = _one_cycle(_sgd(), max_lr=1.0, anneal_strategy="linear")
    del sched._anneal_func_type
    state = sched.state_dict()
    state["anneal_func"] = OneCycleLR._annealing_cos
    sched.load_state_dict(state)
    assert sched.anneal_strategy == "cos" == sched.state_dict()["_anneal_func_type"]
    # t=2 is halfway through phase 2: 1/8 + (1 - 1/8) / 2 * (cos(pi/2) + 1) = 0.5625
    assert _trace(sched) == pytest.approx([0.25, 1.0, 0.5625, 0.125])


def test_one_cycle_legacy_anneal_func_must_be_callable():
    sched = _one_cycle(_sgd(), max_lr=1.0)
    del sched._anneal_func_type
    state = sched.state_dict()
    state["anneal_func"] = "cos"
    with pytest.raises(ValueError, match="anneal_func must be callable, got 'cos'"):
        sched.load_state_dict(state)


def test_one_cycle_takes_tensor_max_lr_and_momenta_by_value():
    max_lr, base_m, max_m = netopt.tensor(1.0), netopt.tensor(0.5), netopt.tensor(0.75)
    opt = _sgd(lr=netopt.tensor(0.1))
    sched = _one_cycle(
        opt, max_lr=max_lr, base_momentum=base_m, max_momentum=max_m, anneal_strategy="linear"
    )
    for t in (max_lr, base_m, max_m):
        t.fill_(9.0)  # the schedule holds copies, as torch's clones
    group = opt.param_groups[0]
    assert (group["max_lr"], group["initial_lr"], group["min_lr"]) == (1.0, 0.25, 0.125)
    assert (group["max_momentum"], group["base_momentum"]) == (0.75, 0.5)
    momenta = [group["momentum"]]
    lrs = [sched.get_last_lr()[0]]
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        momenta.append(group["momentum"])
    # linear: up 0.25 -> 1 (t=1), down to 1/8 (t=3); momentum the other way
    assert lrs == [0.25, 1.0, 0.5625, 0.125]
    assert momenta == [0.75, 0.5, 0.625, 0.75]
    assert isinstance(group["lr"], netopt.Tensor)
    assert math.isclose(group["lr"].item(), 0.125)


def test_one_cycle_tensor_max_lr_matches_torch():
    torch = pytest.importorskip("torch")
    p = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([p], lr=torch.tensor(0.1), momentum=0.9)
    kw = {"total_steps": 6, "pct_start": 0.5, "div_factor": 4.0, "final_div_factor": 2.0}
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=torch.tensor(0.5), **kw)
    sched = OneCycleLR(_sgd(lr=netopt.tensor(0.1)), max_lr=netopt.tensor(0.5), **kw)
    for _ in range(5):
        topt.step()
        tsched.step()
        sched.optimizer.step()
        sched.step()
        ours = sched.optimizer.param_groups[0]
        theirs = topt.param_groups[0]
        assert float(ours["lr"]) == pytest.approx(float(theirs["lr"]), rel=1e-6)
        assert ours["momentum"] == pytest.approx(float(theirs["momentum"]), rel=1e-6)
