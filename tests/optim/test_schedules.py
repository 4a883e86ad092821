"""Pure ``step -> lr`` schedules: hand-worked values, properties, and argument checks.

Every expected number is worked out by hand in the comment beside it. Float comparisons
use ``REL`` (a few ulps), stated once.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netopt.optim import schedules as S

REL = 1e-15


def values(f, ts):
    return [f(t) for t in ts]


# ---------------------------------------------------------------- hand-worked values
def test_step_decay_by_hand():
    f = S.step_decay(0.5, step_size=3, gamma=0.1)
    # 0.5 * 0.1 ** floor(t / 3)
    assert values(f, range(7)) == pytest.approx([0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005], rel=REL)
    assert f(2.9) == 0.5 and f(3.0) == pytest.approx(0.05, rel=REL)


def test_multistep_counts_repeated_milestones():
    f = S.multistep_decay(1.0, [4, 2, 4], gamma=0.5)  # order does not matter
    # t<2: 1; 2<=t<4: 0.5; t>=4: 0.5**3 (milestone 4 listed twice)
    assert values(f, range(6)) == [1.0, 1.0, 0.5, 0.5, 0.125, 0.125]


def test_exponential_by_hand():
    f = S.exponential_decay(2.0, 0.5)
    assert values(f, [0, 1, 2, 3, 0.5]) == pytest.approx(
        [2.0, 1.0, 0.5, 0.25, 2.0 / math.sqrt(2.0)], rel=REL
    )


def test_constant_and_linear_by_hand():
    c = S.constant(1.0, factor=0.25, total_iters=2)
    assert values(c, range(4)) == [0.25, 0.25, 1.0, 1.0]
    assert S.constant(1.0, factor=0.0, total_iters=1)(0) == 0.0  # the pure form allows 0
    w = S.linear(1.0, start_factor=0.25, end_factor=1.0, total_iters=3)
    # 0.25 + 0.75 * min(t, 3) / 3
    assert values(w, range(6)) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0], rel=REL)
    d = S.linear(1.0, start_factor=1.0, end_factor=0.0, total_iters=4)
    assert values(d, range(6)) == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0, 0.0], rel=REL)


def test_cosine_annealing_by_hand_and_periodic():
    f = S.cosine_annealing(1.0, T_max=4, eta_min=0.2)
    # 0.2 + 0.4 * (1 + cos(pi t / 4)): t=0 -> 1, 2 -> 0.6, 4 -> 0.2, 6 -> 0.6, 8 -> 1
    assert values(f, [0, 2, 4, 6, 8]) == pytest.approx([1.0, 0.6, 0.2, 0.6, 1.0], rel=1e-12)
    assert f(1) == pytest.approx(0.2 + 0.4 * (1 + math.sqrt(0.5)), rel=1e-12)


def test_warm_restart_position_by_hand():
    # T_0=2, T_mult=2: cycles [0,2) [2,6) [6,14) [14,30)
    pos = [S.warm_restart_position(t, 2, 2) for t in (0, 1.5, 2, 5.5, 6, 13.25, 14)]
    assert pos == [(0, 2), (1.5, 2), (0, 4), (3.5, 4), (0, 8), (7.25, 8), (0, 16)]
    # T_mult=1 is modular: 7.5 mod 3 = 1.5
    assert S.warm_restart_position(7.5, 3, 1) == (1.5, 3)
    # T_0=1, T_mult=3: cycles start at 0, 1, 4, 13, 40, 121 (PyTorch's log misplaces 121)
    assert S.warm_restart_position(121, 1, 3) == (0, 243)
    assert S.warm_restart_position(120.5, 1, 3) == (80.5, 81)


def test_cosine_warm_restarts_by_hand():
    f = S.cosine_warm_restarts(1.0, T_0=2, T_mult=2, eta_min=0.0)
    # restarts at 0, 2, 6; mid-cycle points 1 (1/2 of 2) and 4 (2/4) give 0.5
    assert values(f, [0, 1, 2, 4, 6]) == pytest.approx([1.0, 0.5, 1.0, 0.5, 1.0], rel=1e-12)
    # t=3: T_cur=1 of 4 -> (1 + cos(pi/4)) / 2
    assert f(3) == pytest.approx((1 + math.sqrt(0.5)) / 2, rel=1e-12)
    assert S.cosine_warm_restarts(0.5, T_0=1, T_mult=3, eta_min=0.01)(121) == pytest.approx(0.5)


def test_one_cycle_by_hand():
    f = S.one_cycle(1.0, 10, anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0)
    # initial 0.1, peak 1.0 at step 0.3*10-1 = 2, final 0.1/100 = 1e-3 at step 9;
    # step 1: halfway up, 0.55; step 5.5: halfway down, (1 + 1e-3) / 2
    got = values(f, [0, 1, 2, 5.5, 9])
    assert got == pytest.approx([0.1, 0.55, 1.0, 0.5005, 1e-3], rel=1e-12)
    c = S.one_cycle(1.0, 10, div_factor=10.0)
    # cosine: step 1 is at pct 0.5 of the rise -> 1 + (0.1 - 1) / 2 * (cos(pi/2) + 1) = 0.55
    assert c(1) == pytest.approx(0.55, rel=1e-12)
    m = S.one_cycle_momentum(10, anneal_strategy="linear")
    assert values(m, [0, 1, 2, 9]) == pytest.approx([0.95, 0.9, 0.85, 0.95], rel=1e-12)


def test_one_cycle_three_phase_by_hand():
    f = S.one_cycle(
        1.0, 20, pct_start=0.25, anneal_strategy="linear", div_factor=4.0, three_phase=True
    )
    # phases end at 0.25*20-1 = 4, 2*0.25*20-2 = 8, 19: 0.25 -> 1 -> 0.25 -> 0.25e-4
    assert values(f, [0, 2, 4, 6, 8]) == pytest.approx([0.25, 0.625, 1.0, 0.625, 0.25], rel=REL)
    assert f(19) == pytest.approx(0.25e-4, rel=1e-12)


def test_lambda_sequence_and_chain_by_hand():
    lam = S.lambda_schedule(2.0, lambda t: 1 / (1 + t))
    assert values(lam, range(3)) == pytest.approx([2.0, 1.0, 2 / 3], rel=REL)
    warm = S.linear(1.0, start_factor=0.5, total_iters=2)
    seq = S.sequence([warm, S.exponential_decay(1.0, 0.5)], milestones=[2])
    # warm-up 0.5, 0.75, then the decay restarts at its own step 0: 1, 0.5, 0.25
    assert values(seq, range(5)) == [0.5, 0.75, 1.0, 0.5, 0.25]
    ch = S.chain(1.0, [S.constant(1.0, 0.5, 2), S.exponential_decay(1.0, 0.5)])
    # (0.5, 0.5, 1, 1) * (1, 0.5, 0.25, 0.125)
    assert values(ch, range(4)) == [0.5, 0.25, 0.25, 0.125]


# ---------------------------------------------------------------- properties
@given(
    base=st.floats(1e-4, 10.0),
    eta_frac=st.floats(0.0, 0.9),
    T_max=st.integers(1, 50),
    t=st.integers(0, 200),
)
def test_cosine_is_bounded_periodic_and_symmetric(base, eta_frac, T_max, t):
    eta_min = base * eta_frac
    f = S.cosine_annealing(base, T_max, eta_min)
    tol = 1e-12 * base
    assert eta_min - tol <= f(t) <= base + tol
    assert f(t + 2 * T_max) == pytest.approx(f(t), rel=1e-9, abs=tol)
    assert f(T_max + t) == pytest.approx(f(abs(T_max - t)), rel=1e-9, abs=tol)


@given(
    T_0=st.integers(1, 10),
    T_mult=st.integers(1, 4),
    t=st.floats(0, 500, allow_nan=False),
)
def test_warm_restart_position_is_in_its_cycle(T_0, T_mult, t):
    t_cur, t_i = S.warm_restart_position(t, T_0, T_mult)
    assert 0 <= t_cur < t_i
    start = t - t_cur  # cycle n has length T_0 * T_mult**n and starts at S_n
    if T_mult == 1:
        assert t_i == T_0
        assert start == pytest.approx(T_0 * round(start / T_0), abs=1e-9)
    else:
        n = round(math.log(t_i // T_0, T_mult))
        assert t_i == T_0 * T_mult**n
        assert start == T_0 * (T_mult**n - 1) // (T_mult - 1)


@given(
    base=st.floats(1e-3, 1.0),
    gamma=st.floats(0.05, 1.0),
    step_size=st.integers(1, 12),
    t=st.integers(0, 100),
)
def test_step_decay_is_monotone_and_piecewise_constant(base, gamma, step_size, t):
    f = S.step_decay(base, step_size, gamma)
    assert f(t + 1) <= f(t)
    if (t + 1) % step_size:
        assert f(t + 1) == f(t)


# ---------------------------------------------------------------- argument checks
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
