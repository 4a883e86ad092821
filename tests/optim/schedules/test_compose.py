"""A user factor, and schedules run in sequence or multiplied: hand-worked values."""

from __future__ import annotations

import pytest

from netopt.optim import schedules as S

REL = 1e-15  # a few ulps


def values(f, ts):
    return [f(t) for t in ts]


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
