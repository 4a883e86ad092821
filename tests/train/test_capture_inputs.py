"""Step capture with inputs a replay could trip on: its own output fed back, narrow signed
targets, a loss function swapped on the step. Each case runs beside an eager twin (the same
model, optimizer and batches, stepped by hand) and must give the same bits."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn, optim
from netopt.train import capture_step


def _twins(model, lr=0.05):
    twin = copy.deepcopy(model)
    return twin, optim.SGD(model.parameters(), lr=lr), optim.SGD(twin.parameters(), lr=lr)


def _eager_step(model, opt, loss_fn, x, y):
    opt.zero_grad()
    out = model(netopt.tensor(x))
    loss = loss_fn(out, netopt.tensor(y))
    loss.backward()
    opt.step()
    return out.data.numpy().copy(), loss.item()


def _same(a, b):
    return all(np.array_equal(p.data.numpy(), q.data.numpy())
               for p, q in zip(a.parameters(), b.parameters(), strict=True))  # fmt: skip


def test_the_steps_own_output_fed_back_as_its_input():
    # iterating a map R^d -> R^d: step(step.output, y) hands the replay the buffer its last
    # layer writes, which the first layer's weight gradient reads afterwards
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 4, rng=rng), nn.Tanh(), nn.Linear(4, 4, rng=rng))
    twin, opt, twin_opt = _twins(model)
    step = capture_step(model, nn.MSELoss(), opt)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = np.zeros((3, 4), np.float32)
    xe, xc = x, x
    for _ in range(4):
        xe, loss = _eager_step(twin, twin_opt, nn.MSELoss(), xe, y)
        assert step(xc, y) == loss
        xc = step.output
        assert _same(model, twin)
    assert step.captured


@pytest.mark.parametrize(("dtype", "classes"), [("int8", 200), ("int16", 40000)])
def test_narrow_signed_targets_below_zero_are_not_classes(dtype, classes):
    # read as unsigned, int8 -100 would be 156: a valid class when there are 200
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(3, classes, rng=rng))
    twin, opt, twin_opt = _twins(model, lr=0.5)
    step = capture_step(model, nn.CrossEntropyLoss(), opt)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    for targets in ([1, 2, 3, 4], [1, -100, 3, 4], [0, 5, 7, 9], [-100, -100, 2, 1]):
        y = np.array(targets, dtype)
        assert step(x, y) == _eager_step(twin, twin_opt, nn.CrossEntropyLoss(), x, y)[1]
        assert _same(model, twin)
    assert step.captured
    with pytest.raises(ValueError, match=r"Target -1 is out of bounds"):
        step(x, np.array([1, -1, 3, 4], dtype))


def test_a_loss_function_swapped_on_the_step_is_not_replayed_as_the_old_one():
    rng = np.random.default_rng(2)
    model = nn.Sequential(nn.Linear(5, 3, rng=rng))
    twin, opt, twin_opt = _twins(model)
    step = capture_step(model, F.cross_entropy, opt)
    x = rng.standard_normal((6, 5)).astype(np.float32)
    y = np.arange(6) % 3

    def smoothed(out, target):
        return F.cross_entropy(out, target, label_smoothing=0.1)

    for loss_fn in (F.cross_entropy, F.cross_entropy, smoothed, smoothed):
        step.loss_fn = loss_fn
        assert step(x, y) == _eager_step(twin, twin_opt, loss_fn, x, y)[1]
        assert _same(model, twin)
    assert not step.captured  # the smoothed loss is not captured: eager every call


def test_a_target_that_requires_grad_gets_its_gradient_eagerly():
    rng = np.random.default_rng(3)
    model = nn.Sequential(nn.Linear(3, 2, rng=rng))
    twin, opt, twin_opt = _twins(model)
    step = capture_step(model, nn.MSELoss(), opt)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = rng.standard_normal((5, 2)).astype(np.float32)
    for _ in range(3):
        target = netopt.tensor(y, requires_grad=True)
        twin_target = netopt.tensor(y, requires_grad=True)
        twin_opt.zero_grad()
        nn.MSELoss()(twin(netopt.tensor(x)), twin_target).backward()
        twin_opt.step()
        step(x, target)
        assert not step.captured and "target requires grad" in step.reason
        np.testing.assert_array_equal(target.grad.numpy(), twin_target.grad.numpy())
        assert _same(model, twin)


@pytest.mark.parametrize("loss_fn", [nn.MSELoss(), nn.L1Loss(), nn.HuberLoss()])
def test_the_steps_own_output_as_the_target(loss_fn):
    # step(x, step.output): the forward pass would overwrite the target it then reads
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(3, 2, rng=rng), nn.Tanh(), nn.Linear(2, 2, rng=rng))
    twin, opt, twin_opt = _twins(model)
    step = capture_step(model, loss_fn, opt)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    ye = yc = rng.standard_normal((5, 2)).astype(np.float32)
    for _ in range(5):
        out, loss = _eager_step(twin, twin_opt, loss_fn, x, ye)
        assert step(x, yc) == loss
        ye, yc = out + 1, step.output
        yc += 1  # the output buffer itself, shifted: the next call's target
        assert _same(model, twin)
    assert step.captured
