"""``ReduceLROnPlateau`` as a stage of ``SequentialLR`` (beyond PyTorch), worked by hand."""

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


def test_plateau_after_linear_warmup_by_hand():
    # LinearLR(start 0.5, 2 iters): 0.5, 0.75; milestone 2 -> plateau restarts at 1.0.
    # Plateau (factor 0.5, patience 0) is fed the metrics of calls 3, 4, 5.
    opt = optimizer(1.0, 0.1)
    warm = L.LinearLR(opt, start_factor=0.5, total_iters=2)
    plateau = L.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    sched = L.SequentialLR(opt, [warm, plateau], milestones=[2])
    seen = [sched.get_last_lr()]
    for loss in [9.0, 9.0, 1.0, 1.5, 1.5]:  # the first two are ignored: no plateau yet
        sched.step(loss)
        seen.append(sched.get_last_lr())
    expected = [[0.5, 0.05], [0.75, 0.075], [1.0, 0.1], [1.0, 0.1], [0.5, 0.05], [0.25, 0.025]]
    np.testing.assert_allclose(seen, expected, rtol=1e-15, atol=0)
    assert actions(sched) == ["init", "update", "switch", "improve", "reduce", "reduce"]
    assert sched.history[2].reason == "milestone 2: stage 1 (ReduceLROnPlateau) starts"
    assert [d.metric for d in plateau.history] == [None, 1.0, 1.5, 1.5]
    assert plateau.history[0].reason.startswith("SequentialLR milestone")


def test_plateau_as_first_stage_then_a_decay():
    opt = optimizer(1.0)
    plateau = L.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    decay = L.ExponentialLR(opt, gamma=0.5)
    sched = L.SequentialLR(opt, [plateau, decay], milestones=[3])
    seen = [sched.get_last_lr()[0]]
    for loss in [1.0, 2.0, 2.0, 0.0, 0.0]:
        sched.step(loss)
        seen.append(sched.get_last_lr()[0])
    # plateau: 1, improve 1, reduce 0.5; milestone 3: decay at its epoch 0 (1.0), then 0.5, 0.25
    assert seen == [1.0, 1.0, 0.5, 1.0, 0.5, 0.25]
