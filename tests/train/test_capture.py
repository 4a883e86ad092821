"""Step capture: N captured steps against N eager steps from the same start, bit for bit
(``np.array_equal`` on parameters, gradients, optimizer state and losses), the eager one
the loop as a user writes it (zero_grad, forward, loss, backward, clip, step)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn, optim
from netopt.nn import Parameter
from netopt.optim import lr_scheduler
from netopt.regularization import StructuralRisk
from netopt.train.capture import capture_step

OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "sgd-wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam-amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.1),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "adadelta": lambda p: optim.Adadelta(p),
    "adamax": lambda p: optim.Adamax(p, lr=0.01),
    "nadam": lambda p: optim.NAdam(p, lr=0.01),
    "radam": lambda p: optim.RAdam(p, lr=0.01),
    "rprop": lambda p: optim.Rprop(p, lr=0.01),
}


def mlp(seed=0, act=nn.ReLU, dropout=None, dtype=np.float32, sizes=(5, 12, 12, 3)):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
            if dropout is not None:
                layers.append(nn.Dropout(dropout, rng=np.random.default_rng(7)))
    return nn.Sequential(*layers)


def batches(n_steps, batch=8, d=5, k=3, seed=1, dtype=np.float32, regression=False):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_steps):
        x = rng.standard_normal((batch, d)).astype(dtype)
        y = (
            rng.standard_normal((batch, k)).astype(dtype)
            if regression
            else rng.integers(0, k, batch)
        )
        out.append((x, y))
    return out


def eager_step(model, loss_fn, opt, x, y, clip=None):
    opt.zero_grad()
    loss = loss_fn(model(netopt.tensor(x)), y)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item()


def values(t):
    """A tensor's (or an array's) values as an array."""
    return t.detach().numpy() if isinstance(t, netopt.Tensor) else t


def assert_same(m1, m2, o1=None, o2=None, equal_nan=False):
    for (name, p), q in zip(m1.named_parameters(), m2.parameters(), strict=True):
        assert np.array_equal(values(p), values(q), equal_nan=equal_nan), name
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert np.array_equal(values(p.grad), values(q.grad), equal_nan=equal_nan), name
    if o1 is not None:
        s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
        assert s1.keys() == s2.keys()
        for i in s1:
            for key, value in s1[i].items():
                assert np.array_equal(value, s2[i][key], equal_nan=equal_nan), (i, key)


def twin(make_model, make_opt, loss_fn=None, clip=None):
    """Two identical (model, optimizer) pairs; the second one's captured step."""
    m1, m2 = make_model(), make_model()
    o1, o2 = make_opt(m1.parameters()), make_opt(m2.parameters())
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    return m1, o1, m2, o2, capture_step(m2, loss_fn, o2, clip_grad_norm=clip), loss_fn


def run_both(m1, o1, step, loss_fn, data, clip=None):
    flags = []
    for x, y in data:
        a = eager_step(m1, loss_fn, o1, x, y, clip)
        b = step(x, y)
        assert a == b
        flags.append(step.captured)
    return flags


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_is_bit_identical(name):
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS[name])
    flags = run_both(m1, o1, step, loss_fn, batches(6))
    assert flags == [False] + [True] * 5
    assert step.plans == 1
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("name", ["sgd-momentum", "adam"])
def test_large_group_without_flat_buffers(name):
    """More than 65,536 elements: no gradient slots; the plan's own gradient buffers."""
    sizes = (300, 256, 10)
    m1, o1, m2, o2, step, loss_fn = twin(lambda: mlp(sizes=sizes), OPTIMIZERS[name])
    flags = run_both(m1, o1, step, loss_fn, batches(4, d=300, k=10))
    assert flags == [False, True, True, True]
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("act", [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.Identity])
def test_activations(act):
    m1, o1, m2, o2, step, loss_fn = twin(lambda: mlp(act=act), OPTIMIZERS["sgd-momentum"])
    assert run_both(m1, o1, step, loss_fn, batches(4))[1:] == [True] * 3
    assert_same(m1, m2, o1, o2)


def test_activation_settings_and_float64():
    def make():
        rng = np.random.default_rng(3)
        return nn.Sequential(
            nn.Flatten(), nn.Linear(6, 8, rng=rng, dtype=np.float64), nn.LeakyReLU(0.2),
            nn.Sequential(nn.Linear(8, 8, rng=rng, dtype=np.float64), nn.ELU(alpha=0.7)),
            nn.Linear(8, 3, rng=rng, dtype=np.float64),
        )  # fmt: skip

    m1, o1, m2, o2, step, loss_fn = twin(make, OPTIMIZERS["adam"])
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((4, 2, 3)), rng.integers(0, 3, 4)) for _ in range(4)]
    assert run_both(m1, o1, step, loss_fn, data)[1:] == [True] * 3
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize(
    "loss_fn",
    [nn.MSELoss(), nn.MSELoss(reduction="sum"), F.mse_loss,
     nn.CrossEntropyLoss(reduction="sum"), F.cross_entropy],
)  # fmt: skip
def test_losses(loss_fn):
    m1, o1, m2, o2, step, _ = twin(mlp, OPTIMIZERS["rmsprop"], loss_fn=loss_fn)
    data = batches(4, regression=loss_fn in (F.mse_loss,) or isinstance(loss_fn, nn.MSELoss))
    assert run_both(m1, o1, step, loss_fn, data)[1:] == [True] * 3
    assert_same(m1, m2, o1, o2)


def test_dropout_masks_from_the_module_generator():
    m1, o1, m2, o2, step, loss_fn = twin(lambda: mlp(dropout=0.4), OPTIMIZERS["adam"])
    assert run_both(m1, o1, step, loss_fn, batches(6))[1:] == [True] * 5
    assert_same(m1, m2, o1, o2)
    r1, r2 = m1[2].rng.random(3), m2[2].rng.random(3)  # the generators advanced alike
    assert np.array_equal(r1, r2)


def test_dropout_from_the_default_generator():
    def make():
        return nn.Sequential(*list(mlp())[:2], nn.Dropout(0.25), *list(mlp())[2:])

    m1, o1, m2, o2, step, loss_fn = twin(make, OPTIMIZERS["sgd"])
    for x, y in batches(4):
        netopt.manual_seed(11)
        a = eager_step(m1, loss_fn, o1, x, y)
        netopt.manual_seed(11)
        assert a == step(x, y)
    assert step.captured
    assert_same(m1, m2, o1, o2)


def test_clipping():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd-momentum"], clip=0.05)
    assert run_both(m1, o1, step, loss_fn, batches(5), clip=0.05)[1:] == [True] * 4
    assert_same(m1, m2, o1, o2)


def test_scheduler_changes_lr_mid_run():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["adam"])
    s1, s2 = lr_scheduler.StepLR(o1, 2, gamma=0.3), lr_scheduler.StepLR(o2, 2, gamma=0.3)
    for x, y in batches(7):
        assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
        s1.step()
        s2.step()
    assert step.captured and step.plans == 1
    assert o2.param_groups[0]["lr"] == pytest.approx(0.01 * 0.3**3)
    assert_same(m1, m2, o1, o2)


def test_hyperparameter_changed_by_hand():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd-momentum"])
    for i, (x, y) in enumerate(batches(5)):
        if i == 3:
            for o in (o1, o2):
                o.param_groups[0]["momentum"] = 0.1
        assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
    assert step.captured
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize(
    ("l1", "l2", "bias"),
    [(0.01, 0.0, False), (0.0, 0.03, False), (0.02, 0.05, True), (0, 0, False)],
)
def test_structural_risk(l1, l2, bias):
    m1, m2 = mlp(), mlp()
    r1 = StructuralRisk(nn.CrossEntropyLoss(), m1, l1=l1, l2=l2, include_bias=bias)
    r2 = StructuralRisk(nn.CrossEntropyLoss(), m2, l1=l1, l2=l2, include_bias=bias)
    o1, o2 = OPTIMIZERS["adam"](m1.parameters()), OPTIMIZERS["adam"](m2.parameters())
    step = capture_step(m2, r2, o2)
    for x, y in batches(5):
        assert eager_step(m1, r1, o1, x, y) == step(x, y)
        assert r1.last_penalty == r2.last_penalty
    assert step.captured
    assert_same(m1, m2, o1, o2)


def test_structural_risk_of_another_model_runs_eagerly():
    m1, m2 = mlp(), mlp()
    r1, r2 = (StructuralRisk(nn.CrossEntropyLoss(), mlp(1), l2=0.1) for _ in range(2))
    o1, o2 = optim.SGD(m1.parameters(), lr=0.1), optim.SGD(m2.parameters(), lr=0.1)
    step = capture_step(m2, r2, o2)
    for x, y in batches(3):
        assert eager_step(m1, r1, o1, x, y) == step(x, y)
    assert not step.captured and "another model" in step.reason
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize(
    "kwargs", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}]
)
def test_batchnorm(kwargs):
    def make():
        rng = np.random.default_rng(0)
        return nn.Sequential(nn.Linear(5, 8, rng=rng), nn.BatchNorm1d(8, **kwargs), nn.ReLU(),
                             nn.Linear(8, 3, rng=rng))  # fmt: skip

    m1, o1, m2, o2, step, loss_fn = twin(make, OPTIMIZERS["adam"])
    data = batches(8)
    assert run_both(m1, o1, step, loss_fn, data[:4]) == [False, True, True, True]
    m1.eval(), m2.eval()
    assert run_both(m1, o1, step, loss_fn, data[4:]) == [False, True, True, True]
    assert_same(m1, m2, o1, o2)
    for name, buffer in m1[1].named_buffers():
        assert np.array_equal(values(buffer), values(dict(m2[1].named_buffers())[name])), name


def test_batchnorm_first_and_shared_layers():
    def make():
        rng = np.random.default_rng(0)
        return nn.Sequential(nn.BatchNorm1d(5), nn.Linear(5, 3, rng=rng))

    m1, o1, m2, o2, step, loss_fn = twin(make, OPTIMIZERS["sgd-momentum"])
    assert run_both(m1, o1, step, loss_fn, batches(4))[1:] == [True] * 3
    assert_same(m1, m2, o1, o2)
    layer = nn.Linear(5, 5, rng=np.random.default_rng(0))
    model = nn.Sequential(layer, nn.Tanh(), layer, nn.Linear(5, 3))
    step = capture_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    for x, y in batches(2):
        step(x, y)
    assert not step.captured and "used twice" in step.reason


# ------------------------------------------------------------------------- the guards
def test_eval_mode_replans_and_stays_identical():
    m1, o1, m2, o2, step, loss_fn = twin(lambda: mlp(dropout=0.5), OPTIMIZERS["adam"])
    data = batches(9)
    run_both(m1, o1, step, loss_fn, data[:3])
    m1.eval(), m2.eval()
    assert run_both(m1, o1, step, loss_fn, data[3:6]) == [False, True, True]
    m1.train(), m2.train()  # back to the first configuration: its plan is kept
    assert run_both(m1, o1, step, loss_fn, data[6:]) == [True, True, True]
    assert step.plans == 2
    assert_same(m1, m2, o1, o2)


def test_shape_change_replans():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["nadam"])
    data = batches(3) + batches(3, batch=5, seed=2) + batches(2, seed=3)
    flags = run_both(m1, o1, step, loss_fn, data)
    assert flags == [False, True, True, False, True, True, True, True]  # plans kept per shape
    assert_same(m1, m2, o1, o2)


def test_storage_rebound_replans():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd-momentum"])
    data = batches(6)
    run_both(m1, o1, step, loss_fn, data[:3])
    for m in (m1, m2):
        m[0].weight.data = m[0].weight.detach() * 0.5  # new storage: the slot lapses
    assert run_both(m1, o1, step, loss_fn, data[3:]) == [False, True, True]
    assert_same(m1, m2, o1, o2)


def test_parameter_replaced_and_requires_grad_flag():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["adam"])
    data = batches(9)
    run_both(m1, o1, step, loss_fn, data[:3])
    for m in (m1, m2):
        m[0].bias.requires_grad_(False)
    assert run_both(m1, o1, step, loss_fn, data[3:6]) == [False, True, True]
    assert m2[0].bias.grad is None
    for m, _o in ((m1, o1), (m2, o2)):
        m[2].bias = Parameter(np.zeros(12, np.float32))  # outside the optimizer now
    assert run_both(m1, o1, step, loss_fn, data[6:]) == [False] * 3
    assert "not in the optimizer" in step.reason
    assert_same(m1, m2)


def test_structure_change_and_instance_forward():
    m1, o1, m2, _o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd"])
    data = batches(8)
    run_both(m1, o1, step, loss_fn, data[:2])
    for m in (m1, m2):
        m.append(nn.Tanh())
    assert run_both(m1, o1, step, loss_fn, data[2:5]) == [False, True, True]
    for m in (m1, m2):
        m[1].forward = lambda t: F.leaky_relu(t, 0.5)
    assert run_both(m1, o1, step, loss_fn, data[5:]) == [False] * 3
    assert "own forward" in step.reason
    assert_same(m1, m2)


def test_module_setting_changed():
    m1, o1, m2, _o2, step, loss_fn = twin(lambda: mlp(act=nn.LeakyReLU), OPTIMIZERS["sgd"])
    data = batches(6)
    run_both(m1, o1, step, loss_fn, data[:3])
    m1[1].negative_slope = m2[1].negative_slope = 0.3
    assert run_both(m1, o1, step, loss_fn, data[3:]) == [False, True, True]
    assert_same(m1, m2)


def test_no_grad_runs_eagerly_and_raises_as_eager():
    m1, o1, _m2, _o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd"])
    data = batches(3)
    run_both(m1, o1, step, loss_fn, data[:2])
    with netopt.no_grad():
        with pytest.raises(RuntimeError, match="does not require grad"):
            eager_step(m1, loss_fn, o1, *data[2])
        with pytest.raises(RuntimeError, match="does not require grad"):
            step(*data[2])
    assert "grad mode" in step.reason


def test_input_that_requires_grad_runs_eagerly():
    m1, o1, m2, _o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd"])
    for x, y in batches(3):
        xt = netopt.tensor(x, requires_grad=True)
        o1.zero_grad()
        loss = loss_fn(m1(netopt.tensor(x, requires_grad=True)), y)
        loss.backward()
        o1.step()
        assert loss.item() == step(xt, y)
        assert xt.grad is not None
    assert not step.captured and "input or the target requires grad" in step.reason
    assert_same(m1, m2)


def test_cross_entropy_outside_the_plain_case():
    m1, o1, m2, _o2, step, loss_fn = twin(mlp, OPTIMIZERS["sgd"])
    data = batches(4)
    run_both(m1, o1, step, loss_fn, data[:2])
    with netopt.no_grad():
        for m in (m1, m2):
            m[-1].bias[0] = np.inf  # in place: the plan stays; the fused path declines
    with np.errstate(invalid="ignore"):
        for x, y in data[2:]:
            a = eager_step(m1, loss_fn, o1, x, y)
            b = step(x, y)
            assert step.captured and np.array_equal(a, b, equal_nan=True)
    assert_same(m1, m2, equal_nan=True)
    x, y = data[0]
    with pytest.raises(ValueError, match="out of bounds"):
        step(x, np.full_like(y, 3))


def test_parameter_group_added_replans():
    m1, o1, m2, o2, step, loss_fn = twin(mlp, OPTIMIZERS["adam"])
    data = batches(6)
    run_both(m1, o1, step, loss_fn, data[:3])
    for o in (o1, o2):
        o.add_param_group({"params": [Parameter(np.ones(3, np.float32))], "lr": 0.5})
    assert run_both(m1, o1, step, loss_fn, data[3:]) == [False, True, True]
    assert o2.param_groups[1]["params"][0].grad is None
    assert_same(m1, m2, o1, o2)
