"""Scheduler classes against PyTorch's golden sequences, their closed forms, and state_dict.

The golden file ``tests/golden/schedulers.json`` holds PyTorch's rates for every case of
``tests/golden/make_schedulers.py`` (two groups, base lr 0.05 and 0.5, 64 steps); rewrite it
with ``.venv/bin/python tests/golden/make_schedulers.py``. The live comparison with PyTorch
(bit for bit) is in ``test_torch.py``.

Tolerances, stated once:

* ``GOLDEN_RTOL``: against the stored PyTorch numbers. On the machine that wrote them the
  match is exact; the slack covers a platform whose ``libm`` cosine differs by an ulp,
  accumulated over 64 recursive steps.
* ``CLOSED_RTOL``: PyTorch's recursive (chainable) rules against the closed forms of
  :mod:`netopt.optim.schedules`; they differ by rounding only, about 1e-16 per step.
* ``CLOSED_ATOL``: where the closed form is zero or tiny (LinearLR with ``end_factor`` 0 or
  far below ``start_factor``), PyTorch's ratio ``1 + (f_e - f_s)/(...)`` cancels and leaves
  a residue of the order of an ulp of the base lr (at most 0.5 here), e.g. 2e-18 for 0.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netopt.nn import Parameter
from netopt.optim import SGD, lr_scheduler
from netopt.optim import schedules as S

GOLDEN_RTOL = 1e-13
CLOSED_RTOL = 1e-12
CLOSED_ATOL = 1e-15

_spec = importlib.util.spec_from_file_location(
    "make_schedulers", Path(__file__).parents[2] / "golden" / "make_schedulers.py"
)
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)

ALL_CASES = [*mk.CASES, mk.SEQUENTIAL_PLATEAU]
IDS = [c["name"] for c in ALL_CASES]


def netopt_optimizer(base_lrs):
    """netopt's SGD with one group per base lr, momentum 0.9 (as the torch side)."""
    groups = [{"params": [Parameter(np.zeros(3, np.float32))], "lr": lr} for lr in base_lrs]
    return SGD(groups, lr=base_lrs[0], momentum=0.9)


@pytest.fixture(scope="module")
def golden():
    path = mk.GOLDEN
    return json.loads(path.read_text())


def test_golden_file_covers_every_case(golden):
    assert set(golden["cases"]) == set(IDS)
    assert golden["base_lrs"] == [0.05, 0.5]
    for name, ref in golden["cases"].items():
        assert len(ref["lrs"]) == mk.N_STEPS + 1, name
        assert all(len(row) == 2 for row in ref["lrs"]), name


@pytest.mark.parametrize("case", ALL_CASES, ids=IDS)
def test_matches_pytorch_golden_sequence(case, golden):
    ours = mk.run_case(lr_scheduler, netopt_optimizer, case)
    ref = golden["cases"][case["name"]]
    np.testing.assert_allclose(ours["lrs"], ref["lrs"], rtol=GOLDEN_RTOL, atol=0)
    if "momentum" in ref:
        np.testing.assert_allclose(ours["momentum"], ref["momentum"], rtol=GOLDEN_RTOL, atol=0)


def test_golden_plateau_cases_exercise_every_rule(golden):
    """The stored PyTorch sequences include reductions, cooldowns and the min_lr floor."""
    lrs = {n: np.array(golden["cases"][n]["lrs"]) for n in golden["cases"] if "Plateau" in n}
    for name, seq in lrs.items():
        assert (np.diff(seq, axis=0) < 0).any(), f"{name} never reduces"
    # per-group floors min_lr=[0.002, 0.05] are reached in both groups
    assert lrs["Plateau_min_rel"][-1].tolist() == [0.002, 0.05]
    # rel and abs thresholds decide differently on the same metrics
    assert not np.array_equal(lrs["Plateau_min_rel"], lrs["Plateau_min_abs"])


# ---------------------------------------------------------------- closed forms
FACTORY = {
    "StepLR": S.step_decay,
    "MultiStepLR": S.multistep_decay,
    "ExponentialLR": S.exponential_decay,
    "CosineAnnealingLR": S.cosine_annealing,
    "CosineAnnealingWarmRestarts": S.cosine_warm_restarts,
    "LinearLR": S.linear,
    "ConstantLR": S.constant,
}
MOMENTUM_KEYS = ("cycle_momentum", "base_momentum", "max_momentum")


def pure(spec, case, base_lr, g):
    """The closed form of ``spec`` for group ``g`` (the same keyword names as the class)."""
    kind = spec["type"]
    if kind == "SequentialLR":
        stages = [pure(s, case, base_lr, g) for s in spec["schedulers"]]
        return S.sequence(stages, spec["milestones"])
    if kind == "ChainedScheduler":
        return S.chain(base_lr, [pure(s, case, base_lr, g) for s in spec["schedulers"]])
    if kind == "LambdaLR":
        return S.lambda_schedule(base_lr, mk.LAMBDAS[case["lambdas"][g]])
    kwargs = dict(spec["kwargs"])
    if kind == "OneCycleLR":
        max_lr = kwargs.pop("max_lr")
        kwargs = {k: v for k, v in kwargs.items() if k not in MOMENTUM_KEYS}
        max_lr = max_lr[g] if isinstance(max_lr, list) else max_lr
        return S.one_cycle(max_lr, kwargs.pop("total_steps"), **kwargs)
    return FACTORY[kind](base_lr, **kwargs)


def positions(case):
    """The schedule position after each call: ``step()`` adds 1, ``step(e)`` jumps to e."""
    pos, out = 0.0, [0.0]
    for epoch in case.get("epochs", [None] * mk.N_STEPS):
        pos = pos + 1 if epoch is None else epoch
        out.append(pos)
    return out


CLOSED_CASES = [c for c in mk.CASES if "metrics" not in c]


@pytest.mark.parametrize("case", CLOSED_CASES, ids=[c["name"] for c in CLOSED_CASES])
def test_step_by_step_equals_closed_form(case):
    """64 steps on two groups: the class's recursion equals the pure closed form."""
    ours = np.array(mk.run_case(lr_scheduler, netopt_optimizer, case)["lrs"])
    closed = np.array(
        [
            [pure(case["spec"], case, base, g)(t) for g, base in enumerate(mk.BASE_LRS)]
            for t in positions(case)
        ]
    )
    np.testing.assert_allclose(ours, closed, rtol=CLOSED_RTOL, atol=CLOSED_ATOL)


@pytest.mark.parametrize(
    "case", [c for c in CLOSED_CASES if c["spec"]["type"] in FACTORY], ids=lambda c: c["name"]
)
def test_step_epoch_jumps_to_the_closed_form_exactly(case):
    """``step(epoch)`` uses the pure function itself: equal bits, any order of epochs."""
    opt = netopt_optimizer(mk.BASE_LRS)
    sched = mk.build(lr_scheduler, opt, case["spec"], case)
    for epoch in [7, 3, 30, 0, 41]:
        sched.step(epoch)
        expected = [pure(case["spec"], case, b, g)(epoch) for g, b in enumerate(mk.BASE_LRS)]
        assert sched.get_last_lr() == expected
        assert [group["lr"] for group in opt.param_groups] == expected
        assert sched.last_epoch == epoch


@given(
    kind=st.sampled_from(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"]),
    gamma=st.floats(0.05, 1.5),
    size=st.integers(1, 40),
    eta_frac=st.floats(0.0, 1.0),
    linear=st.tuples(st.floats(0.01, 1.0), st.floats(0.0, 1.0), st.integers(1, 30)),
)
def test_recursion_tracks_closed_form_for_any_arguments(kind, gamma, size, eta_frac, linear):
    """30 steps, two groups, random arguments: the chainable rule stays on the closed form."""
    kwargs = {
        "StepLR": {"step_size": size, "gamma": gamma},
        "MultiStepLR": {"milestones": [size // 3, size, size + 1], "gamma": gamma},
        "ExponentialLR": {"gamma": gamma},
        "CosineAnnealingLR": {"T_max": size, "eta_min": 0.05 * eta_frac},
    }[kind]
    cases = [(kind, kwargs), ("LinearLR", dict(zip(LINEAR_KEYS, linear, strict=True)))]
    for name, kw in cases:
        opt = netopt_optimizer(mk.BASE_LRS)
        sched = getattr(lr_scheduler, name)(opt, **kw)
        closed = [FACTORY[name](b, **kw) for b in mk.BASE_LRS]
        for t in range(31):
            want = [f(t) for f in closed]
            np.testing.assert_allclose(
                sched.get_last_lr(), want, rtol=CLOSED_RTOL, atol=CLOSED_ATOL
            )
            sched.step()


LINEAR_KEYS = ("start_factor", "end_factor", "total_iters")


# ---------------------------------------------------------------- state_dict
def _advance(sched, case, k):
    epochs = case.get("epochs", [None] * mk.N_STEPS)
    if "metrics" in case:
        sched.step(case["metrics"][k])
    elif epochs[k] is None:
        sched.step()
    else:
        sched.step(epochs[k])


def _snapshot(opt):
    return [(group["lr"], group.get("momentum")) for group in opt.param_groups]


@pytest.mark.parametrize("case", ALL_CASES, ids=IDS)
def test_state_dict_restores_an_identical_scheduler(case):
    """Save after 23 steps (through JSON), load into a fresh pair, run both to the end."""
    opt = netopt_optimizer(mk.BASE_LRS)
    sched = mk.build(lr_scheduler, opt, case["spec"], case)
    for k in range(23):
        _advance(sched, case, k)
    saved = sched.state_dict()
    text = json.dumps(saved)  # plain data: JSON-serializable, no pickle
    opt2 = netopt_optimizer(mk.BASE_LRS)
    sched2 = mk.build(lr_scheduler, opt2, case["spec"], case)  # before the optimizer load
    opt2.load_state_dict(opt.state_dict())
    loaded = json.loads(text)
    sched2.load_state_dict(loaded)
    assert json.dumps(sched2.state_dict()) == text
    loaded["last_epoch"] = 10**6  # the scheduler does not alias what it loaded
    assert sched2.last_epoch == sched.last_epoch
    for k in range(23, mk.N_STEPS):
        _advance(sched, case, k)
        _advance(sched2, case, k)
        assert sched2.get_last_lr() == sched.get_last_lr(), f"step {k}"
        assert _snapshot(opt2) == _snapshot(opt), f"step {k}"
    assert list(sched2.history) == list(sched.history)


def test_load_state_dict_validates_keys_and_group_count():
    opt = netopt_optimizer(mk.BASE_LRS)
    sched = lr_scheduler.StepLR(opt, step_size=3)
    state = sched.state_dict()
    with pytest.raises(ValueError, match=r"missing keys \['gamma'\], unexpected keys \[\]"):
        sched.load_state_dict({k: v for k, v in state.items() if k != "gamma"})
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        sched.load_state_dict({**state, "extra": 1})
    with pytest.raises(ValueError, match=r"base_lrs has 1 entries but the optimizer has 2"):
        sched.load_state_dict({**state, "base_lrs": [0.1]})
    with pytest.raises(ValueError, match=r"a Decision record has exactly the keys"):
        sched.load_state_dict({**state, "history": [{"epoch": 0}]})
    with pytest.raises(ValueError, match=r"state_dict must be a mapping, got list"):
        sched.load_state_dict([])
    seq = lr_scheduler.SequentialLR(
        opt, [lr_scheduler.ConstantLR(opt), lr_scheduler.ExponentialLR(opt, 0.9)], [3]
    )
    bad = {**seq.state_dict(), "_schedulers": seq.state_dict()["_schedulers"][:1]}
    with pytest.raises(ValueError, match=r"state_dict has 1 schedulers, this SequentialLR has 2"):
        seq.load_state_dict(bad)


def test_lambda_state_saves_callable_objects_not_functions():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, t):
            return self.rate**t

    opt = netopt_optimizer(mk.BASE_LRS)
    sched = lr_scheduler.LambdaLR(opt, [Decay(0.5), lambda t: 1.0])
    assert sched.state_dict()["lr_lambdas"] == [{"rate": 0.5}, None]
    opt2 = netopt_optimizer(mk.BASE_LRS)
    other = lr_scheduler.LambdaLR(opt2, [Decay(0.9), lambda t: 1.0])
    other.load_state_dict(sched.state_dict())
    assert other.lr_lambdas[0].rate == 0.5
    other.step()
    assert other.get_last_lr() == [0.05 * 0.5, 0.5]


def test_resume_with_last_epoch_matches_an_uninterrupted_run():
    """PyTorch's resume path: restore the optimizer, then build with ``last_epoch=k``."""
    opt = netopt_optimizer(mk.BASE_LRS)
    straight = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for _ in range(6):
        straight.step()
    opt2 = netopt_optimizer(mk.BASE_LRS)
    opt2.load_state_dict(opt.state_dict())  # lr at epoch 6 and initial_lr
    resumed = lr_scheduler.CosineAnnealingLR(opt2, T_max=10, eta_min=0.001, last_epoch=5)
    # the constructor's step moves to epoch 6 and keeps the restored rates
    assert resumed.last_epoch == 6
    assert resumed.get_last_lr() == straight.get_last_lr()
    for _ in range(30):
        straight.step()
        resumed.step()
        assert resumed.get_last_lr() == straight.get_last_lr()
