"""The 1cycle policy: hand-worked values (in the comments), two and three phases."""

from __future__ import annotations

import pytest

from netopt.optim import schedules as S

REL = 1e-15  # a few ulps


def values(f, ts):
    return [f(t) for t in ts]


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
