"""``ReduceLROnPlateau``: PyTorch's plateau counting worked by hand, the improvement test,
and the floors (per-group ``min_lr``, ``eps``).
"""

from __future__ import annotations

import numpy as np
import pytest

from netopt.nn import Parameter
from netopt.optim import SGD
from netopt.optim import lr_scheduler as L


def optimizer(*base_lrs):
    groups = [{"params": [Parameter(np.zeros(3, np.float32))], "lr": lr} for lr in base_lrs]
    return SGD(groups, lr=base_lrs[0])


def actions(sched):
    return [d.action for d in sched.history]


def test_plateau_counting_worked_by_hand():
    # patience 1, cooldown 1, rel threshold 0.1, factor 0.5, lr 1.0
    # 1.00: best inf -> improve (best 1.0)
    # 0.95: not < 1.0 * 0.9 -> bad 1 (<= patience) -> wait
    # 0.95: bad 2 > 1 -> reduce to 0.5, cooldown 1, bad 0
    # 0.85: < 0.9 -> improve (best 0.85); cooldown 1 -> 0
    # 0.90: not < 0.765 -> bad 1 -> wait
    # 0.90: bad 2 -> reduce to 0.25, cooldown 1
    # 0.90: bad 1 but in cooldown -> counter 0, bad 0 -> cooldown
    # 0.50: improve
    opt = optimizer(1.0)
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=1, threshold=0.1, cooldown=1)
    lrs = []
    for m in [1.0, 0.95, 0.95, 0.85, 0.9, 0.9, 0.9, 0.5]:
        sched.step(m)
        lrs.append(sched.get_last_lr()[0])
    assert actions(sched) == [
        "improve", "wait", "reduce", "improve", "wait", "reduce", "cooldown", "improve",
    ]  # fmt: skip
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    d = sched.history[2]
    assert (d.epoch, d.metric, d.best, d.old_lrs, d.new_lrs) == (3, 0.95, 1.0, (1.0,), (0.5,))
    assert (d.num_bad_epochs, d.cooldown_counter) == (0, 1)
    assert d.reason == "2 bad epochs > patience 1: lr *= factor 0.5 (floor min_lr)"
    assert sched.history[6].reason == "bad epochs ignored, 0 cooldown epoch(s) left"
    assert sched.history[3].reason == "metric 0.85 < 0.9"


@pytest.mark.parametrize(
    ("mode", "threshold_mode", "improves", "does_not"),
    [
        # best 2.0, threshold 0.25 (exact in binary)
        ("min", "rel", 1.49, 1.5),  # must beat 2 * 0.75 = 1.5
        ("min", "abs", 1.74, 1.75),  # 2 - 0.25
        ("max", "rel", 2.51, 2.5),  # 2 * 1.25
        ("max", "abs", 2.26, 2.25),  # 2 + 0.25
    ],
)
def test_is_better_is_strict_beyond_the_threshold(mode, threshold_mode, improves, does_not):
    assert L.is_better(improves, 2.0, mode, 0.25, threshold_mode)
    assert not L.is_better(does_not, 2.0, mode, 0.25, threshold_mode)
    assert not L.is_better(float("nan"), 2.0, mode, 0.25, threshold_mode)


def test_plateau_floor_per_group_min_lr_and_eps():
    # factor 0.5, patience 0: every non-improving step reduces
    # group 0: 0.4 -> 0.2 -> 0.1 (min_lr) -> stays; group 1: 1.0 -> 0.5 -> max(0.25, 0.3)
    # -> stays: two reductions, then a reduction is due but nothing moves ("floor")
    opt = optimizer(0.4, 1.0)
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=[0.1, 0.3])
    for m in [1.0, 2.0, 2.0, 2.0, 2.0]:
        sched.step(m)
    assert actions(sched) == ["improve", "reduce", "reduce", "floor", "floor"]
    assert [d.new_lrs for d in sched.history] == [
        (0.4, 1.0), (0.2, 0.5), (0.1, 0.3), (0.1, 0.3), (0.1, 0.3),
    ]  # fmt: skip
    assert sched.history[-1].reason.endswith("every group at min_lr or within eps 1e-08")
    # eps: a reduction of 0.05 is skipped when eps = 0.06
    opt = optimizer(0.1)
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=0, eps=0.06)
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == [0.1] and actions(sched)[-1] == "floor"
