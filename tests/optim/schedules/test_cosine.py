"""Cosine annealing and warm restarts: hand-worked values (in the comments) and properties
(bounded, periodic, symmetric; a step lies in its cycle).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netopt.optim import schedules as S


def values(f, ts):
    return [f(t) for t in ts]


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
