"""A ``ChainedScheduler`` as a ``SequentialLR`` stage (torch 2.13 raises
NotImplementedError there): the stage runs as the same chain built fresh would."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import netopt
from netopt.optim import lr_scheduler as m

BASE = 0.1


def _opt():
    return netopt.optim.SGD([netopt.zeros(2, requires_grad=True)], lr=BASE)


def _chain(o):
    return m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.9)]
    )


def _lrs(o, sched, steps):
    out = [o.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(steps):
            o.step()
            sched.step()
            out.append(o.param_groups[0]["lr"])
    return out


@pytest.mark.parametrize("milestone", [1, 3, 5])
def test_a_chain_stage_starts_as_a_fresh_chain_at_its_milestone(milestone):
    o = _opt()
    seq = m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=3), _chain(o)], [milestone])
    got = _lrs(o, seq, milestone + 8)
    fresh = _opt()
    want = _lrs(fresh, _chain(fresh), 8)
    np.testing.assert_allclose(got[milestone:], want, rtol=1e-15)
    # by hand: ConstantLR halves for 2 epochs, ExponentialLR multiplies by 0.9 each epoch
    np.testing.assert_allclose(want[:4], [0.05, 0.045, 0.081, 0.0729], rtol=1e-12)


def test_a_chain_as_the_first_stage():
    o = _opt()
    seq = m.SequentialLR(o, [_chain(o), m.StepLR(o, step_size=1, gamma=0.5)], [4])
    got = _lrs(o, seq, 6)
    fresh = _opt()
    np.testing.assert_allclose(got[:4], _lrs(fresh, _chain(fresh), 3), rtol=1e-15)
    np.testing.assert_allclose(got[4:], [BASE, BASE * 0.5, BASE * 0.25], rtol=1e-15)


def test_state_dict_round_trip_with_a_chain_stage():
    def build():
        o = _opt()
        return o, m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=3), _chain(o)], [3])

    o, seq = build()
    _lrs(o, seq, 5)
    o2, seq2 = build()
    o2.load_state_dict(copy.deepcopy(o.state_dict()))
    seq2.load_state_dict(copy.deepcopy(seq.state_dict()))
    assert _lrs(o, seq, 6) == _lrs(o2, seq2, 6)


def test_a_sequential_stage_is_still_refused():
    o = _opt()
    inner = m.SequentialLR(o, [m.ConstantLR(o), m.ExponentialLR(o, 0.9)], [2])
    with pytest.raises(ValueError, match="stages must be single schedulers or ChainedSchedulers"):
        m.SequentialLR(o, [m.ConstantLR(o), inner], [2])


def test_warm_restarts_state_dict_keeps_the_restart_flag():
    o = _opt()
    sched = m.CosineAnnealingWarmRestarts(o, T_0=3)
    _lrs(o, sched, 3)  # the third step is a restart
    state = copy.deepcopy(sched.state_dict())
    assert state["_restarted"] is True
    o2 = _opt()
    fresh = m.CosineAnnealingWarmRestarts(o2, T_0=3)
    fresh.load_state_dict(state)
    assert fresh._reason() == sched._reason() and fresh._reason().startswith("warm restart")
