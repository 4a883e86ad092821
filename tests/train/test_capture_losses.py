"""Step capture of BCEWithLogits, L1, SmoothL1 and Huber losses: captured steps against an
eager twin from the same start, bit for bit (``np.array_equal`` on parameters, gradients,
optimizer state and losses); settings the replay assumed re-plan when they change; the
weighted BCE and other targets than planned run eagerly with a reason."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn, optim
from netopt.regularization import StructuralRisk
from netopt.train.capture import capture_step

OPTIMIZERS = {
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "adam": lambda p: optim.Adam(p, lr=0.01),
}

#: name -> (loss for a reduction, binary targets?)
MODULES = {
    "bce": (lambda r: nn.BCEWithLogitsLoss(reduction=r), True),
    "l1": (lambda r: nn.L1Loss(reduction=r), False),
    "smooth_l1": (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.5), False),
    "smooth_l1_beta0": (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.0), False),
    "huber": (lambda r: nn.HuberLoss(reduction=r, delta=0.5), False),
}
FUNCTIONS = {
    "bce": (F.binary_cross_entropy_with_logits, True),
    "l1": (F.l1_loss, False),
    "smooth_l1": (F.smooth_l1_loss, False),
    "huber": (F.huber_loss, False),
}


def mlp(dtype, sizes=(5, 12, 12, 3)):
    rng = np.random.default_rng(0)
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def batches(n, dtype, binary, batch=8, d=5, k=3, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = (2 * rng.standard_normal((batch, d))).astype(dtype)
        if binary:  # hard labels and soft ones
            y = np.where(
                rng.random((batch, k)) < 0.3, rng.random((batch, k)), rng.random((batch, k)) < 0.5
            )
        else:
            y = 2 * rng.standard_normal((batch, k))
        out.append((x, y.astype(dtype)))
    return out


def eager_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(netopt.tensor(x)), y)
    loss.backward()
    opt.step()
    return loss.item()


def assert_same(m1, m2, o1, o2):
    for (name, p), q in zip(m1.named_parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        assert np.array_equal(p.grad.detach().numpy(), q.grad.detach().numpy()), name
    s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
    assert s1.keys() == s2.keys() and s1
    for i in s1:
        for key, value in s1[i].items():
            assert np.array_equal(value, s2[i][key]), (i, key)


def twin(loss_fn, dtype, opt="adam"):
    m1, m2 = mlp(dtype), mlp(dtype)
    o1, o2 = OPTIMIZERS[opt](m1.parameters()), OPTIMIZERS[opt](m2.parameters())
    return m1, o1, m2, o2, capture_step(m2, loss_fn, o2)


def run_both(m1, o1, step, loss_fn, data):
    flags = []
    for x, y in data:
        a = eager_step(m1, loss_fn, o1, x, y)
        b = step(x, y)
        assert a == b
        flags.append(step.captured)
    return flags


def check(loss_fn, binary, dtype, opt):
    m1, o1, m2, o2, step = twin(loss_fn, dtype, opt)
    flags = run_both(m1, o1, step, loss_fn, batches(4, dtype, binary))
    assert flags == [False, True, True, True], step.reason
    assert step.plans == 1
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_loss_modules_are_bit_identical(name, reduction, dtype, opt):
    make, binary = MODULES[name]
    check(make(reduction), binary, dtype, opt)


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_loss_functions_are_bit_identical(name, dtype, opt):
    loss_fn, binary = FUNCTIONS[name]
    check(loss_fn, binary, dtype, opt)


def test_huber_data_reaches_both_pieces():
    """The Huber and smooth L1 cases above see differences on both sides of 0.5 (and
    of 1, the functions' default): the first batch's, from the untrained model."""
    x, y = batches(1, np.float32, False)[0]
    d = np.abs(mlp(np.float32)(netopt.tensor(x)).detach().numpy() - y)
    assert (d < 0.5).any() and (d >= 1).any()


def test_inside_a_structural_risk():
    m1, m2 = mlp(np.float64), mlp(np.float64)
    o1, o2 = OPTIMIZERS["adam"](m1.parameters()), OPTIMIZERS["adam"](m2.parameters())
    eager = StructuralRisk(nn.HuberLoss(delta=0.5), m1, l1=0.01, l2=0.02)
    step = capture_step(m2, StructuralRisk(nn.HuberLoss(delta=0.5), m2, l1=0.01, l2=0.02), o2)
    flags = run_both(m1, o1, step, eager, batches(4, np.float64, False))
    assert flags == [False, True, True, True], step.reason
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize(
    ("loss_fn", "attribute", "new"),
    [
        (nn.HuberLoss(delta=0.5), "delta", 2.0),
        (nn.HuberLoss(), "reduction", "sum"),
        (nn.SmoothL1Loss(beta=0.5), "beta", 0.25),
        (nn.SmoothL1Loss(beta=0.5), "beta", 0.0),
        (nn.BCEWithLogitsLoss(), "reduction", "sum"),
        (nn.L1Loss(reduction="sum"), "reduction", "mean"),
    ],
)
def test_a_setting_change_replans(loss_fn, attribute, new):
    binary = type(loss_fn) is nn.BCEWithLogitsLoss
    m1, o1, m2, o2, step = twin(loss_fn, np.float32)
    data = batches(6, np.float32, binary)
    assert run_both(m1, o1, step, loss_fn, data[:3]) == [False, True, True]
    setattr(loss_fn, attribute, new)  # the loss object both steps share
    flags = run_both(m1, o1, step, loss_fn, data[3:])
    assert flags == [False, True, True], step.reason
    assert step.plans == 2
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize(
    ("loss_fn", "word"),
    [
        (nn.BCEWithLogitsLoss(weight=np.full(3, 0.5, np.float32)), "weight"),
        (nn.BCEWithLogitsLoss(pos_weight=np.full(3, 2.0, np.float32)), "pos_weight"),
    ],
)
def test_weights_run_eagerly_with_a_reason(loss_fn, word):
    m1, o1, m2, o2, step = twin(loss_fn, np.float32)
    assert run_both(m1, o1, step, loss_fn, batches(3, np.float32, True)) == [False] * 3
    assert word in step.reason
    assert_same(m1, m2, o1, o2)


def test_weight_set_after_capture_replans_and_runs_eagerly():
    loss_fn = nn.BCEWithLogitsLoss()
    m1, o1, m2, o2, step = twin(loss_fn, np.float32)
    data = batches(5, np.float32, True)
    assert run_both(m1, o1, step, loss_fn, data[:2]) == [False, True]
    loss_fn.pos_weight = np.full(3, 3.0, np.float32)
    assert run_both(m1, o1, step, loss_fn, data[2:]) == [False] * 3
    assert "pos_weight" in step.reason  # the new configuration refused (plans counts built ones)
    assert_same(m1, m2, o1, o2)


def test_targets_of_another_dtype_or_shape():
    loss_fn = nn.HuberLoss()
    m1, o1, m2, o2, step = twin(loss_fn, np.float32)
    data = batches(8, np.float32, False)
    assert run_both(m1, o1, step, loss_fn, data[:2]) == [False, True]
    wide = [(x, y.astype(np.float64)) for x, y in data[2:4]]  # float64 targets: eager
    assert run_both(m1, o1, step, loss_fn, wide) == [False, False]
    assert "float64" in step.reason
    assert run_both(m1, o1, step, loss_fn, data[4:6]) == [True, True]  # the first plan
    short = [(x[:5], y[:5]) for x, y in data[6:]]  # another batch size: a new plan
    assert run_both(m1, o1, step, loss_fn, short) == [False, True]
    assert step.plans == 2  # the float64 configuration was refused, not built
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("cls", [nn.L1Loss, nn.HuberLoss, nn.MSELoss, nn.CrossEntropyLoss])
def test_instance_forward_runs_eagerly(cls):
    """A loss module with its own forward on the instance: that forward, eagerly (the
    cross-entropy and MSE modules were replayed with their class's math before)."""
    loss_fn = cls()
    loss_fn.forward = lambda input, target: F.l1_loss(input, target) * 3.0
    m1, o1, m2, o2, step = twin(loss_fn, np.float32)
    assert run_both(m1, o1, step, loss_fn, batches(3, np.float32, False)) == [False] * 3
    assert "own forward" in step.reason
    assert_same(m1, m2, o1, o2)
