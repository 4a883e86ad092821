"""Decision logs (``scheduler.history``): when and why each scheduler changed the rate, and
the bound on the log's length.
"""

from __future__ import annotations

import numpy as np

from netopt.nn import Parameter
from netopt.optim import SGD
from netopt.optim import lr_scheduler as L


def optimizer(*base_lrs):
    groups = [{"params": [Parameter(np.zeros(3, np.float32))], "lr": lr} for lr in base_lrs]
    return SGD(groups, lr=base_lrs[0])


def actions(sched):
    return [d.action for d in sched.history]


def test_step_lr_history_says_when_and_why():
    sched = L.StepLR(optimizer(0.5), step_size=2, gamma=0.1)
    for _ in range(4):
        sched.step()
    assert actions(sched) == ["init", "hold", "update", "hold", "update"]
    assert sched.history[2].reason == "epoch 2 is a multiple of step_size 2: lr *= gamma 0.1"
    assert sched.history[1].reason == "epoch 1: next decay at epoch 2"
    assert [d.epoch for d in sched.history] == [0, 1, 2, 3, 4]
    sched.step(7)
    assert sched.history[-1].action == "jump" and sched.history[-1].epoch == 7


def test_warm_restart_is_logged():
    sched = L.CosineAnnealingWarmRestarts(optimizer(1.0), T_0=2, T_mult=2)
    for _ in range(6):
        sched.step()
    # epochs 0..6: restarts at 2 and 6
    assert actions(sched) == ["init", "update", "restart", "update", "update", "update", "restart"]
    assert sched.history[-1].reason == "warm restart: T_cur 0 of cycle length T_i 8"


def test_history_is_bounded_by_max_history():
    class Short(L.ExponentialLR):
        max_history = 3

    sched = Short(optimizer(1.0), gamma=0.5)
    for _ in range(5):
        sched.step()
    assert [d.epoch for d in sched.history] == [3, 4, 5]


def test_multistep_and_one_cycle_reasons():
    multi = L.MultiStepLR(optimizer(1.0), milestones=[2, 2, 5], gamma=0.5)
    multi.step()
    multi.step()
    assert multi.history[1].reason == "epoch 1: next milestone 2"
    assert multi.history[2].reason == "epoch 2 is a milestone: lr *= gamma 0.5 ** 2"
    opt = optimizer(0.1)
    opt.param_groups[0]["momentum"] = 0.9
    cycle = L.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    cycle.step()
    assert cycle.history[-1].reason == "step 1 of 10: phase 1 of 2"
