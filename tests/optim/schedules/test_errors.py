"""Invalid arguments raise when a schedule is built, invalid steps when it is called: one
table each, with PyTorch's wording where PyTorch has one.
"""

from __future__ import annotations

import math

import pytest

from netopt.optim import schedules as S

INF = math.inf


ERRORS = [
    (S.step_decay, {"base_lr": 0.1, "step_size": 0}, ValueError,
     r"Expected positive integer step_size, but got 0"),
    (S.step_decay, {"base_lr": 0.1, "step_size": True}, ValueError,
     r"positive integer step_size, but got True"),
    (S.step_decay, {"base_lr": 0.1, "step_size": 2, "gamma": 0.0}, ValueError,
     r"Invalid gamma: 0.0"),
    (S.step_decay, {"base_lr": -1.0, "step_size": 2}, ValueError,
     r"Invalid learning rate: -1.0"),
    (S.exponential_decay, {"base_lr": 0.1, "gamma": -0.5}, ValueError, r"Invalid gamma: -0.5"),
    (S.exponential_decay, {"base_lr": 0.1, "gamma": INF}, ValueError, r"Invalid gamma: inf"),
    (S.exponential_decay, {"base_lr": float("nan"), "gamma": 0.5}, ValueError,
     r"Invalid learning rate: nan"),
    (S.multistep_decay, {"base_lr": 0.1, "milestones": [2, 2.5]}, ValueError,
     r"non-negative integer milestone, but got 2.5"),
    (S.multistep_decay, {"base_lr": 0.1, "milestones": [-1]}, ValueError,
     r"non-negative integer milestone, but got -1"),
    (S.constant, {"base_lr": 0.1, "factor": 1.5}, ValueError,
     r"Constant multiplicative factor expected to be between 0 and 1\. \(got 1.5\)"),
    (S.constant, {"base_lr": 0.1, "total_iters": 0}, ValueError,
     r"positive integer total_iters, but got 0"),
    (S.linear, {"base_lr": 0.1, "start_factor": 0.0}, ValueError,
     r"Starting multiplicative factor expected to be greater than 0"),
    (S.linear, {"base_lr": 0.1, "end_factor": 1.5}, ValueError,
     r"Ending multiplicative factor expected to be between 0 and 1"),
    (S.cosine_annealing, {"base_lr": 0.1, "T_max": 0}, ValueError, r"Invalid T_max: 0"),
    (S.cosine_annealing, {"base_lr": 0.1, "T_max": 5, "eta_min": -0.1}, ValueError,
     r"Invalid eta_min: -0.1"),
    (S.cosine_warm_restarts, {"base_lr": 0.1, "T_0": 0}, ValueError,
     r"Expected positive integer T_0, but got 0"),
    (S.cosine_warm_restarts, {"base_lr": 0.1, "T_0": 2.5}, ValueError,
     r"Expected positive integer T_0, but got 2.5"),
    (S.cosine_warm_restarts, {"base_lr": 0.1, "T_0": 2, "T_mult": 0}, ValueError,
     r"Expected integer T_mult >= 1, but got 0"),
    (S.one_cycle, {"max_lr": 0.1, "total_steps": 0}, ValueError,
     r"Expected positive integer total_steps, but got 0"),
    (S.one_cycle, {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}, ValueError,
     r"Expected float between 0 and 1 pct_start, but got 1.5"),
    (S.one_cycle, {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, ValueError,
     r"phase of zero length"),
    (S.one_cycle, {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"}, ValueError,
     r"anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (S.one_cycle, {"max_lr": 0.1, "total_steps": 10, "div_factor": 0.0}, ValueError,
     r"Invalid div_factor: 0.0"),
    (S.one_cycle_momentum, {"total_steps": 10, "base_momentum": INF}, ValueError,
     r"Invalid base_momentum: inf"),
    (S.lambda_schedule, {"base_lr": 0.1, "lr_lambda": 3}, TypeError,
     r"lr_lambda must be callable, got int"),
    (S.sequence, {"schedules": [], "milestones": []}, ValueError,
     r"expects at least one scheduler"),
    (S.sequence, {"schedules": [abs, abs], "milestones": []}, ValueError,
     r"number of schedulers 2 and the number of milestones to be equal to 0"),
    (S.sequence, {"schedules": [abs, abs, abs], "milestones": [5, 3]}, ValueError,
     r"milestones must be strictly increasing positive integers, got \[5, 3\]"),
    (S.sequence, {"schedules": [abs, 3], "milestones": [2]}, TypeError,
     r"schedule at index 1 must be callable"),
    (S.chain, {"base_lr": 0.0, "schedules": [abs]}, ValueError, r"Invalid learning rate: 0.0"),
    (S.chain, {"base_lr": 1.0, "schedules": []}, ValueError, r"at least one schedule"),
]  # fmt: skip


@pytest.mark.parametrize(("fn", "kwargs", "exc", "pattern"), ERRORS)
def test_invalid_arguments_raise_when_built(fn, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(**kwargs)


@pytest.mark.parametrize(
    ("schedule", "t", "pattern"),
    [
        (S.step_decay(0.1, 2), -1, r"Expected non-negative epoch, but got -1"),
        (S.cosine_warm_restarts(0.1, 2), -0.5, r"Expected non-negative epoch, but got -0.5"),
        (S.exponential_decay(0.1, 0.5), float("nan"), r"non-negative epoch, but got nan"),
        (S.one_cycle(0.1, 10), 11, r"Tried to step 11 times\. .* total steps is 10"),
    ],
)
def test_invalid_steps_raise_when_called(schedule, t, pattern):
    with pytest.raises(ValueError, match=pattern):
        schedule(t)
