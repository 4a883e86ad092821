"""Constant and linear warm-up factors: hand-worked values (in the comments)."""

from __future__ import annotations

import pytest

from netopt.optim import schedules as S

REL = 1e-15  # a few ulps


def values(f, ts):
    return [f(t) for t in ts]


def test_constant_and_linear_by_hand():
    c = S.constant(1.0, factor=0.25, total_iters=2)
    assert values(c, range(4)) == [0.25, 0.25, 1.0, 1.0]
    assert S.constant(1.0, factor=0.0, total_iters=1)(0) == 0.0  # the pure form allows 0
    w = S.linear(1.0, start_factor=0.25, end_factor=1.0, total_iters=3)
    # 0.25 + 0.75 * min(t, 3) / 3
    assert values(w, range(6)) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0], rel=REL)
    d = S.linear(1.0, start_factor=1.0, end_factor=0.0, total_iters=4)
    assert values(d, range(6)) == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0, 0.0], rel=REL)
