"""Every scheduler validates when built, with PyTorch's message where PyTorch has one.

One table of ``(callable, kwargs, exception, message regex)``; ``OPT`` in a row's kwargs is
replaced by a fresh two-group optimizer (base lr 0.05 and 0.5).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from netopt.nn import Parameter
from netopt.optim import SGD, Adagrad
from netopt.optim import lr_scheduler as L

OPT = object()


def two_groups(cls=SGD, **kwargs):
    groups = [{"params": [Parameter(np.zeros(3, np.float32))], "lr": lr} for lr in (0.05, 0.5)]
    return cls(groups, lr=0.05, **kwargs)


ERRORS = [
    (L.StepLR, {"optimizer": object(), "step_size": 1}, TypeError, r"object is not an Optimizer"),
    (L.StepLR, {"optimizer": SimpleNamespace(param_groups=[{"lr": -1.0}]), "step_size": 1},
     ValueError, r"Invalid learning rate: -1.0"),
    (L.StepLR, {"optimizer": OPT, "step_size": 0}, ValueError,
     r"Expected positive integer step_size, but got 0"),
    (L.StepLR, {"optimizer": OPT, "step_size": 2.0}, ValueError,
     r"Expected positive integer step_size, but got 2.0"),
    (L.StepLR, {"optimizer": OPT, "step_size": 2, "gamma": -0.1}, ValueError,
     r"Invalid gamma: -0.1"),
    (L.StepLR, {"optimizer": OPT, "step_size": 2, "last_epoch": -2}, ValueError,
     r"Expected integer last_epoch >= -1, but got -2"),
    (L.StepLR, {"optimizer": OPT, "step_size": 2, "last_epoch": 3}, KeyError,
     r"param 'initial_lr' is not specified in param_groups\[0\]"),
    (L.MultiStepLR, {"optimizer": OPT, "milestones": [3, 1.5]}, ValueError,
     r"Expected non-negative integer milestone, but got 1.5"),
    (L.ExponentialLR, {"optimizer": OPT, "gamma": 0.0}, ValueError, r"Invalid gamma: 0.0"),
    (L.CosineAnnealingLR, {"optimizer": OPT, "T_max": 0}, ValueError, r"Invalid T_max: 0"),
    (L.CosineAnnealingLR, {"optimizer": OPT, "T_max": 5, "eta_min": -1.0}, ValueError,
     r"Invalid eta_min: -1.0"),
    (L.CosineAnnealingWarmRestarts, {"optimizer": OPT, "T_0": 0}, ValueError,
     r"Expected positive integer T_0, but got 0"),
    (L.CosineAnnealingWarmRestarts, {"optimizer": OPT, "T_0": 2, "T_mult": 1.5}, ValueError,
     r"Expected integer T_mult >= 1, but got 1.5"),
    (L.LinearLR, {"optimizer": OPT, "start_factor": 0.0}, ValueError,
     r"Starting multiplicative factor expected to be greater than 0 and less or equal to 1\."),
    (L.LinearLR, {"optimizer": OPT, "end_factor": -0.5}, ValueError,
     r"Ending multiplicative factor expected to be between 0 and 1\. \(got -0.5\)"),
    (L.LinearLR, {"optimizer": OPT, "total_iters": 0}, ValueError,
     r"Expected positive integer total_iters, but got 0"),
    (L.ConstantLR, {"optimizer": OPT, "factor": 1.5}, ValueError,
     r"Constant multiplicative factor expected to be between 0 and 1\."),
    (L.ConstantLR, {"optimizer": OPT, "factor": 0.0}, ValueError,
     r"factor 0 cannot be undone at total_iters"),
    (L.LambdaLR, {"optimizer": OPT, "lr_lambda": [lambda t: 1.0]}, ValueError,
     r"Expected 2 lr_lambdas, but got 1"),
    (L.LambdaLR, {"optimizer": OPT, "lr_lambda": 0.5}, TypeError,
     r"lr_lambda must be callable, got float"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1}, ValueError,
     r"You must define either total_steps OR \(epochs AND steps_per_epoch\)"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "total_steps": 0}, ValueError,
     r"Expected positive integer total_steps, but got 0"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3},
     ValueError, r"Expected positive integer epochs, but got 0"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "total_steps": 10, "pct_start": 1},
     ValueError, r"Expected float between 0 and 1 pct_start, but got 1"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "total_steps": 10,
                    "anneal_strategy": "step"}, ValueError,
     r"anneal_strategy must be one of 'cos' or 'linear', instead got step"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": [0.1], "total_steps": 10}, ValueError,
     r"max_lr must have the same length as optimizer.param_groups. max_lr has 1 values"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "total_steps": 10, "pct_start": 0.1},
     ValueError, r"phase of zero length"),
    (L.OneCycleLR, {"optimizer": OPT, "max_lr": 0.1, "total_steps": 10,
                    "final_div_factor": -1.0}, ValueError, r"Invalid final_div_factor: -1.0"),
    (L.OneCycleLR, {"optimizer": two_groups(Adagrad), "max_lr": 0.1, "total_steps": 10},
     ValueError, r"optimizer must support momentum or beta1 with `cycle_momentum`"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "factor": 1.0}, ValueError,
     r"Factor should be < 1\.0\."),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "factor": -0.5}, ValueError,
     r"Factor should be >= 0\.0\. \(got -0.5\)"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "mode": "avg"}, ValueError,
     r"mode avg is unknown!"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "threshold_mode": "pct"}, ValueError,
     r"threshold mode pct is unknown!"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "min_lr": [0.1]}, ValueError,
     r"expected 2 min_lrs, got 1"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "min_lr": -0.1}, ValueError,
     r"Invalid min_lr: -0.1"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "patience": -1}, ValueError,
     r"Expected non-negative integer patience, but got -1"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "cooldown": 1.5}, ValueError,
     r"Expected non-negative integer cooldown, but got 1.5"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "threshold": -1e-4}, ValueError,
     r"Invalid threshold: -0.0001"),
    (L.ReduceLROnPlateau, {"optimizer": OPT, "eps": float("nan")}, ValueError,
     r"Invalid eps: nan"),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "kwargs", "exc", "pattern"), ERRORS)
def test_invalid_arguments_raise_and_leave_the_optimizer_untouched(cls, kwargs, exc, pattern):
    opt = two_groups(SGD, momentum=0.9)
    kwargs = {k: opt if v is OPT else v for k, v in kwargs.items()}
    before = copy.deepcopy(
        [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    )
    with pytest.raises(exc, match=pattern):
        cls(**kwargs)
    after = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    assert after == before


def _members(opt):
    return [L.ConstantLR(opt, factor=0.5), L.ExponentialLR(opt, gamma=0.9)]


def test_composite_schedulers_check_their_members():
    opt, other = two_groups(), two_groups()
    with pytest.raises(ValueError, match=r"SequentialLR expects at least one scheduler"):
        L.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match=r"number of schedulers 2 and the number of milestones"):
        L.SequentialLR(opt, _members(opt), milestones=[2, 4])
    with pytest.raises(ValueError, match=r"strictly increasing positive integers, got \[0\]"):
        L.SequentialLR(opt, _members(opt), milestones=[0])
    with pytest.raises(ValueError, match=r"expects all schedulers to belong to the same"):
        L.SequentialLR(opt, [L.ConstantLR(opt), L.ExponentialLR(other, 0.9)], milestones=[3])
    with pytest.raises(TypeError, match=r"SequentialLR at index 1 should have `optimizer`"):
        L.SequentialLR(opt, [L.ConstantLR(opt), object()], milestones=[3])
    inner = L.SequentialLR(opt, [L.ConstantLR(opt), L.ExponentialLR(opt, 0.9)], [2])
    with pytest.raises(ValueError, match=r"stage 1 is a SequentialLR"):
        L.SequentialLR(opt, [L.ConstantLR(opt), inner], [3])
    with pytest.raises(ValueError, match=r"ChainedScheduler expects at least one scheduler"):
        L.ChainedScheduler([])
    with pytest.raises(ValueError, match=r"expects all schedulers to belong to the same"):
        L.ChainedScheduler([L.ConstantLR(opt), L.ExponentialLR(other, 0.9)])
    with pytest.raises(TypeError, match=r"ChainedScheduler at index 0 should have `optimizer`"):
        L.ChainedScheduler([object()])


def test_invalid_steps_raise_before_any_change():
    opt = two_groups(SGD, momentum=0.9)
    step = L.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match=r"Expected non-negative integer epoch, but got -1"):
        step.step(-1)
    with pytest.raises(ValueError, match=r"Expected non-negative integer epoch, but got 1.5"):
        step.step(1.5)
    warm = L.CosineAnnealingWarmRestarts(two_groups(), T_0=2)
    with pytest.raises(ValueError, match=r"Expected non-negative epoch, but got -0.5"):
        warm.step(-0.5)
    cycle = L.OneCycleLR(opt, max_lr=1.0, total_steps=2, pct_start=0.75)
    cycle.step()
    cycle.step()
    before = (cycle.last_epoch, cycle.get_last_lr(), len(cycle.history))
    with pytest.raises(ValueError, match=r"Tried to step 3 times\. The specified number"):
        cycle.step()
    assert (cycle.last_epoch, cycle.get_last_lr(), len(cycle.history)) == before


def test_plateau_stage_without_a_metric_raises_before_any_change():
    opt = two_groups()
    plateau = L.ReduceLROnPlateau(opt)
    seq = L.SequentialLR(opt, [L.LinearLR(opt, total_iters=2), plateau], milestones=[2])
    seq.step()  # warm-up epoch 1: no metric needed
    seq.step()  # the milestone: the plateau stage restarts without a metric
    before = (seq.last_epoch, seq.get_last_lr(), plateau.last_epoch, len(seq.history))
    with pytest.raises(ValueError, match=r"stage 1 \(ReduceLROnPlateau\) needs the monitored"):
        seq.step()
    assert (seq.last_epoch, seq.get_last_lr(), plateau.last_epoch, len(seq.history)) == before
    chain = L.ChainedScheduler([L.ExponentialLR(opt, 0.9), L.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match=r"scheduler 1 \(ReduceLROnPlateau\) needs the"):
        chain.step()


def test_plateau_rejects_a_new_group_without_a_matching_min_lr():
    opt = two_groups()
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [Parameter(np.zeros(2, np.float32))], "lr": 0.1})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` \(3\)"):
        sched.step(2.0)
    scalar = L.ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=0.0)
    opt.add_param_group({"params": [Parameter(np.zeros(2, np.float32))], "lr": 0.1})
    scalar.step(1.0)
    scalar.step(2.0)  # a scalar min_lr extends to the new group, as PyTorch
    assert scalar.get_last_lr() == [0.025, 0.25, 0.05, 0.05]


def test_get_lr_of_the_base_class_names_the_missing_rule():
    class NoRule(L.LRScheduler):
        pass

    with pytest.raises(NotImplementedError, match=r"NoRule must implement get_lr\(\)"):
        NoRule(two_groups())
