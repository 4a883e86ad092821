"""Step capture's guard and its cross-entropy op.

A call replays a plan while its :class:`~netopt.train._capture_plan.Guard` holds: every
change the guard lists must make it False (and the step then runs eagerly and plans
again, as eager), a change outside the list (values written in place, a learning rate,
an equal loss object) must not. The replayed cross-entropy checks its targets with one
reduction and indexes them through flat indices: its loss and gradient must be the
eager kernels' bits, and a target outside ``[0, C)`` must raise what the eager loss
raises.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn, optim
from netopt.autograd.grad_slots import clear_grad_slot, grad_slot, set_grad_slot
from netopt.nn import Parameter
from netopt.nn.functional.loss import cross_entropy_plain_array, cross_entropy_plain_grad_array
from netopt.train import _capture_ops
from netopt.train.capture import MAX_PLANS, capture_step


def _model():
    rng = np.random.default_rng(0)
    return nn.Sequential(
        nn.Linear(5, 8, rng=rng), nn.LeakyReLU(0.1), nn.Dropout(0.2, rng=np.random.default_rng(3)),
        nn.Sequential(nn.Linear(8, 8, rng=rng), nn.ReLU()), nn.Linear(8, 3, rng=rng),
    )  # fmt: skip


def _batch(batch=6, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 5)).astype(np.float32), rng.integers(0, 3, batch)


def _replaying(loss_fn=None):
    model = _model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    step = capture_step(model, loss_fn or nn.CrossEntropyLoss(), opt)
    x, y = _batch()
    step(x, y)
    step(x, y)
    assert step.captured
    return model, opt, step


def _holds(step, x, y):
    """Does the last plan's guard hold for a call on ``x``/``y``?"""
    return step._current.guard.holds(x, y, step.loss_fn, step.optimizer)


def _write_in_place(model):
    with netopt.no_grad():
        model[0].weight.mul_(0.5)


def _swap_second_and_third(model):
    for name in ("1", "3", "4"):  # 0 2 1 3 4: Dropout before LeakyReLU
        model._modules.move_to_end(name)


def _set_slot(p):
    set_grad_slot(p, np.zeros_like(p._data))


KEPT = {  # the plan still holds after these
    "nothing": lambda m, o, s: None,
    "values written in place": lambda m, o, s: _write_in_place(m),
    "learning rate": lambda m, o, s: o.param_groups[0].update(lr=0.5),
    "an equal loss object": lambda m, o, s: setattr(s, "loss_fn", nn.CrossEntropyLoss()),
}
CHANGES = {
    "eval mode": lambda m, o, s: m.eval(),
    "one layer's mode": lambda m, o, s: m[2].train(False),
    "forward on a layer": lambda m, o, s: setattr(m[1], "forward", m[1].forward),
    "forward on the inner container": lambda m, o, s: setattr(m[3], "forward", m[3].forward),
    "a child replaced": lambda m, o, s: setattr(m[3], "1", nn.ReLU()),
    "a child appended": lambda m, o, s: m[3].append(nn.Identity()),
    "children reordered": lambda m, o, s: _swap_second_and_third(m),
    "a weight replaced": lambda m, o, s: setattr(m[0], "weight", Parameter(m[0].weight._data)),
    "a bias removed": lambda m, o, s: setattr(m[4], "bias", None),
    "storage rebound": lambda m, o, s: setattr(m[3][0].weight, "data", m[3][0].weight * 1),
    "requires_grad off": lambda m, o, s: m[4].bias.requires_grad_(False),
    "gradient slot cleared": lambda m, o, s: clear_grad_slot(m[0].bias),
    "gradient slot replaced": lambda m, o, s: _set_slot(m[4].weight),
    "dropout p": lambda m, o, s: setattr(m[2], "p", 0.3),
    "slope": lambda m, o, s: setattr(m[1], "negative_slope", 0.2),
    "loss reduction": lambda m, o, s: setattr(s.loss_fn, "reduction", "sum"),
    "loss function replaced": lambda m, o, s: setattr(s, "loss_fn", F.cross_entropy),
    "parameter group added": lambda m, o, s: o.add_param_group(
        {"params": [Parameter(np.ones(2, np.float32))]}
    ),
    "parameters of a group reordered": lambda m, o, s: o.param_groups[0]["params"].reverse(),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_guarded_change_fails_the_guard(change):
    model, opt, step = _replaying()
    x, y = _batch()
    assert _holds(step, x, y)
    CHANGES[change](model, opt, step)
    assert not _holds(step, x, y)


@pytest.mark.parametrize("change", sorted(KEPT))
def test_the_guard_holds_through_what_it_does_not_guard(change):
    model, opt, step = _replaying()
    x, y = _batch()
    KEPT[change](model, opt, step)
    assert _holds(step, x, y)
    step(x, y)
    assert step.captured and step.plans == 1


@pytest.mark.parametrize(
    "x, y",
    [
        (_batch()[0].astype(np.float64), _batch()[1]),
        (_batch()[0], _batch()[1].astype(np.int32)),
        (_batch(batch=4)[0], _batch(batch=4)[1]),
        (_batch()[0][:, None], _batch()[1]),
    ],
    ids=["input dtype", "target dtype", "batch size", "input shape"],
)
def test_guard_follows_the_batch(x, y):
    *_, step = _replaying()
    assert not _holds(step, x, y)


def test_guard_follows_grad_and_inference_mode():
    *_, step = _replaying()
    x, y = _batch()
    with netopt.no_grad():
        assert not _holds(step, x, y)
    with netopt.inference_mode():
        assert not _holds(step, x, y)
    assert _holds(step, x, y)


@pytest.mark.parametrize("change", ["gradient slot replaced", "children reordered", "slope"])
def test_a_change_gives_an_eager_step_then_a_replay_as_eager(change):
    # the captured step against the eager loop on a twin, changed the same way
    m1, o1, s1 = _replaying()
    m2, o2, s2 = _replaying()
    CHANGES[change](m1, o1, s1)
    CHANGES[change](m2, o2, s2)
    flags = []
    for seed in range(2, 5):
        x, y = _batch(seed=seed)
        o1.zero_grad()
        loss = s1.loss_fn(m1(netopt.tensor(x)), y)
        loss.backward()
        o1.step()
        assert s2(x, y) == loss.item()
        flags.append(s2.captured)
    assert flags == [False, True, True]
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p._data, q._data)
        assert np.array_equal(p.grad._data, q.grad._data)


def test_a_replay_with_a_slot_replaced_writes_the_new_slot():
    model, _opt, step = _replaying()
    _set_slot(model[0].weight)
    slot = grad_slot(model[0].weight)
    step(*_batch(seed=2))  # eager, then planned again with the new slot
    step(*_batch(seed=3))
    assert step.captured and model[0].weight.grad._data is slot


# --------------------------------------------------------------------------- the loss op
def _targets(dtype, n, classes, rng):
    return rng.integers(0, classes, n).astype(dtype)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", ["int64", "int32", "uint8", "uint64", ">i8", "<i2"])
def test_cross_entropy_op_is_the_eager_kernels(reduction, dtype, target):
    rng = np.random.default_rng(5)
    n, classes = 7, 4
    z = (rng.standard_normal((n, classes)) * 30).astype(dtype)
    z[1, 2] = -np.inf  # an impossible class: finite row maximum, a zero probability
    y = _targets(target, n, classes, rng)
    op = _capture_ops.CrossEntropyOp((n, classes), dtype, reduction, F.cross_entropy, y.dtype)
    for _ in range(2):  # buffers reused
        loss, grad = op.forward(z, y)
        want, e, total, at = cross_entropy_plain_array(z, y.astype(np.int64), reduction == "mean")
        scale = np.ones((), dtype) / (float(n) if reduction == "mean" else 1.0)
        want_grad = cross_entropy_plain_grad_array(e, total, scale, at)
        assert np.asarray(loss).dtype == dtype and np.array_equal(loss, want)
        assert np.array_equal(grad, want_grad)


@pytest.mark.parametrize("bad", ["nan", "inf", "a row of -inf"])
def test_cross_entropy_op_outside_the_plain_case_is_the_eager_loss(bad):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((5, 4)).astype(np.float32)
    y = _targets(np.int64, 5, 4, rng)
    if bad == "a row of -inf":
        z[3] = -np.inf
    else:
        z[3, 1] = float(bad)
    op = _capture_ops.CrossEntropyOp(z.shape, z.dtype, "mean", F.cross_entropy, y.dtype)
    with np.errstate(all="ignore"):  # the eager loss's own warnings on these values
        loss, grad = op.forward(z, y)
        logits = netopt.tensor(z.copy(), requires_grad=True)
        want = F.cross_entropy(logits, y)
        want.backward()
    assert np.array_equal(loss, want._data, equal_nan=True)
    assert np.array_equal(grad, logits.grad._data, equal_nan=True)


def _eager_error(x, y):
    model = _model()
    with pytest.raises(Exception) as info:
        nn.CrossEntropyLoss()(model(netopt.tensor(x)), y)
    return info.type, str(info.value)


BAD_TARGETS = [(-1, np.int64), (3, np.int64), (-128, np.int8), (3, np.uint8), (2**63, np.uint64)]


@pytest.mark.parametrize("bad, dtype", BAD_TARGETS)
def test_a_target_outside_the_classes_raises_as_eager(bad, dtype):
    *_, step = _replaying()
    x, _ = _batch()
    good = _batch()[1].astype(dtype)
    step(x, good)
    step(x, good)
    assert step.captured  # replaying with this target dtype
    y = good.copy()
    y[2] = bad
    kind, message = _eager_error(x, y)
    with pytest.raises(kind, match=re.escape(message)):
        step(x, y)


def test_plans_per_configuration_the_oldest_dropped_beyond_max_plans():
    m1, o1, _s1 = _replaying()
    m2, _o2, step = _replaying()  # its plan: batches of 6
    sizes = [2, 3, 4, 3, 5, 2, 6, 3]
    flags = []
    for i, n in enumerate(sizes):
        x, y = _batch(batch=n, seed=10 + i)
        o1.zero_grad()
        loss = nn.CrossEntropyLoss()(m1(netopt.tensor(x)), y)
        loss.backward()
        o1.step()
        assert step(x, y) == loss.item()
        flags.append(step.captured)
        assert len(step._plans) <= MAX_PLANS
    # 6 2 3 4 kept; 3 replays; 5 drops 6; 2 replays; 6 drops 2; 3 replays
    assert flags == [False, False, False, True, False, True, False, True]
    assert step.plans == 1 + 5
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p._data, q._data)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "list"])
def test_an_array_input_replays_as_its_tensor_copy_and_stays_unchanged(layout):
    # a C-contiguous array is read in place, any other input through tensor(x)'s copy
    m1, o1, _s1 = _replaying()
    m2, _o2, step = _replaying()
    flags = []
    for seed in range(2, 5):
        x, y = _batch(seed=seed)
        wide = np.repeat(x, 2, axis=1)
        given = {"C": x.copy(), "F": np.asfortranarray(x), "strided": wide[:, ::2]}.get(
            layout, x.tolist()
        )
        before = np.array(given)
        o1.zero_grad()
        loss = nn.CrossEntropyLoss()(m1(netopt.tensor(x)), y)
        loss.backward()
        o1.step()
        assert step(given, y) == loss.item()
        flags.append(step.captured)
        assert np.array_equal(np.array(given), before)
    assert flags == [True, True, True]
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p._data, q._data)
        assert np.array_equal(p.grad._data, q.grad._data)
