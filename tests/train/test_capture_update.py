"""The optimizer update replayed inside a captured step (``netopt.train._capture_update``):
N captured steps against N eager ones from the same start, bit for bit on parameters,
every live state array, ``step`` counters, ``state_dict()`` and version counters, with
``step.update_replayed`` telling which path ran; and the cases that call ``step()``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from netopt import optim
from netopt.optim import lr_scheduler
from tests.train.test_capture import assert_same, batches, eager_step, mlp, twin

COVERED = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd-dampening": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "sgd-wd": lambda p: optim.SGD(p, lr=0.1, weight_decay=0.01),
    "sgd-momentum-wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam-wd": lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
    "adam-amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    "adam-decoupled": lambda p: optim.Adam(
        p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True
    ),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "adamw-amsgrad": lambda p: optim.AdamW(p, lr=0.01, amsgrad=True, betas=(0.8, 0.9)),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01),
    "rmsprop-centered-momentum": lambda p: optim.RMSprop(
        p, lr=0.01, centered=True, momentum=0.5, weight_decay=0.01
    ),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "adagrad-decay": lambda p: optim.Adagrad(
        p, lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1
    ),
}


def assert_twins(m1, o1, m2, o2):
    """Parameters, gradients, state_dict (state and groups), live state, version counters."""
    assert_same(m1, m2, o1, o2)
    d1, d2 = o1.state_dict(), o2.state_dict()
    assert d1["param_groups"] == d2["param_groups"]
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        s1, s2 = o1.state[p], o2.state[q]
        assert s1.keys() == s2.keys()
        for key in s1:
            assert np.array_equal(s1[key], s2[key]), key
            assert type(s1[key]) is type(s2[key]), key
        assert p._vc[0] == q._vc[0]  # in-place writes counted alike (autograd.version)


def run(m1, o1, step, loss_fn, data, between=None):
    """Eager and captured steps side by side; the list of ``step.update_replayed``."""
    replayed = []
    for i, (x, y) in enumerate(data):
        if between is not None:
            between(i)
        assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
        replayed.append(step.update_replayed)
    return replayed


@pytest.mark.parametrize("name", sorted(COVERED))
def test_covered_optimizers_replay_bit_identically(name):
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED[name])
    assert run(m1, o1, step, loss_fn, batches(6)) == [False] + [True] * 5
    assert_twins(m1, o1, m2, o2)


def test_step_counter_is_six_after_six_steps():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["adam"])
    run(m1, o1, step, loss_fn, batches(6))
    assert all(o2.state[p]["step"] == 6.0 for p in m2.parameters())
    assert all(entry["step"] == 6.0 for entry in o2.state_dict()["state"].values())


def test_two_groups_with_their_own_hyperparameters():
    def make(params):
        params = list(params)
        return optim.Adam([{"params": params[:2], "lr": 0.05}, {"params": params[2:]}], lr=0.01)

    m1, o1, m2, o2, step, loss_fn = twin(mlp, make)
    assert run(m1, o1, step, loss_fn, batches(5)) == [False] + [True] * 4
    assert_twins(m1, o1, m2, o2)


def test_scheduler_takes_effect_and_sees_the_step():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["sgd-momentum"])
    s1, s2 = lr_scheduler.StepLR(o1, 2, gamma=0.5), lr_scheduler.StepLR(o2, 2, gamma=0.5)
    replayed = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the call-order warning would be an error
        for x, y in batches(7):
            assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
            replayed.append(step.update_replayed)
            assert o2._opt_called
            s1.step()
            s2.step()
    assert replayed == [False] + [True] * 6
    assert o2.param_groups[0]["lr"] == 0.1 * 0.5**3  # 7 steps of StepLR(2): 3 decays
    assert_twins(m1, o1, m2, o2)


def test_scheduler_made_after_the_plan_sees_the_replayed_step():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["adam"])
    data = batches(5)
    assert run(m1, o1, step, loss_fn, data[:2]) == [False, True]
    s1, s2 = lr_scheduler.ExponentialLR(o1, 0.5), lr_scheduler.ExponentialLR(o2, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the call-order warning would be an error
        for x, y in data[2:]:
            assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
            assert step.update_replayed
            s1.step()
            s2.step()
    assert o2.param_groups[0]["lr"] == 0.01 * 0.5**3
    assert_twins(m1, o1, m2, o2)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("adam", "lr", 0.2),
        ("adam", "betas", (0.5, 0.6)),
        ("adam", "weight_decay", 0.3),
        ("adam", "amsgrad", True),  # the state gains max_exp_avg_sq on the replayed step
        ("sgd-momentum", "nesterov", True),
        ("rmsprop", "centered", True),
        ("adagrad", "eps", 0.5),
    ],
)
def test_hyperparameter_changed_by_hand(name, key, value):
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED[name])

    def change(i):
        if i == 3:
            for o in (o1, o2):
                o.param_groups[0][key] = value

    assert run(m1, o1, step, loss_fn, batches(6), change) == [False] + [True] * 5
    assert_twins(m1, o1, m2, o2)


@pytest.mark.parametrize("name", ["adam-amsgrad", "sgd-momentum", "rmsprop-centered-momentum"])
def test_load_state_dict_mid_run(name):
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED[name])
    saved = {}

    def save_or_load(i):
        if i == 2:
            saved["state"] = o1.state_dict()
            saved["state"]["param_groups"][0]["lr"] = 0.05  # a loaded hyperparameter too
        if i == 5:
            o1.load_state_dict(saved["state"])
            o2.load_state_dict(saved["state"])

    assert run(m1, o1, step, loss_fn, batches(8), save_or_load) == [False] + [True] * 7
    assert o2.param_groups[0]["lr"] == 0.05
    assert_twins(m1, o1, m2, o2)


def test_empty_state_loaded_falls_back_for_one_step():
    """Adam with its state cleared by load_state_dict: step() creates it, then replays."""
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["adam"])
    empty = {"state": {}, "param_groups": o1.state_dict()["param_groups"]}

    def clear(i):
        if i == 3:
            o1.load_state_dict(empty)
            o2.load_state_dict(empty)

    replayed = run(m1, o1, step, loss_fn, batches(6), clear)
    assert replayed == [False, True, True, False, True, True]
    assert all(o2.state[p]["step"] == 3.0 for p in m2.parameters())
    assert_twins(m1, o1, m2, o2)


class MyAdam(optim.Adam):
    pass


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.Adamax(p, lr=0.01),  # not covered
        lambda p: MyAdam(p, lr=0.01),  # a subclass
        lambda p: optim.Adam(p, lr=0.01, maximize=True),
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, maximize=True),
    ],
    ids=["adamax", "subclass", "adam-maximize", "sgd-maximize"],
)
def test_other_cases_call_step(make):
    m1, o1, m2, o2, step, loss_fn = twin(mlp, make)
    replayed = []
    for x, y in batches(5):
        assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
        assert step.captured or not replayed
        replayed.append(step.update_replayed)
    assert replayed == [False] * 5
    assert_twins(m1, o1, m2, o2)


def test_step_replaced_on_the_instance_is_called():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["adam"])
    calls = []
    original = o2.step

    def counted(closure=None):
        calls.append(1)
        return original(closure)

    data = batches(5)
    run(m1, o1, step, loss_fn, data[:2])
    o2.step = counted
    assert run(m1, o1, step, loss_fn, data[2:]) == [False] * 3
    assert len(calls) == 3
    del o2.step
    assert_twins(m1, o1, m2, o2)


def test_group_without_flat_buffers_calls_step():
    """More than 65,536 elements: per-parameter kernel calls inside step()."""
    m1, o1, m2, o2, step, loss_fn = twin(lambda: mlp(sizes=(300, 256, 10)), COVERED["adam"])
    assert run(m1, o1, step, loss_fn, batches(3, d=300, k=10)) == [False] * 3
    assert step.captured
    assert_twins(m1, o1, m2, o2)


def test_parameter_data_rebound_falls_back_then_replans():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, COVERED["sgd-momentum"])
    data = batches(6)
    run(m1, o1, step, loss_fn, data[:3])
    for m in (m1, m2):
        w = m[0].weight
        w.data = w.detach().numpy().copy()  # the group's flat buffers are left for good
    assert run(m1, o1, step, loss_fn, data[3:]) == [False] * 3
    assert_twins(m1, o1, m2, o2)
