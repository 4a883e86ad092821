"""Step, multistep and exponential decay: hand-worked values (in the comments) and a
monotonicity property.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netopt.optim import schedules as S

REL = 1e-15  # a few ulps


def values(f, ts):
    return [f(t) for t in ts]


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
