"""Adadelta, Adamax, NAdam, RAdam and Rprop against torch live: the same parameters after
every step on two parameter groups with a changing learning rate, torch's messages for bad
arguments, a state_dict round trip, tensor learning rates and torch's implementation flags."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import netopt
from netopt import optim

torch = pytest.importorskip("torch")

STEPS = 12
RTOL, ATOL = 1e-10, 1e-12  # float64 throughout: the same arithmetic to rounding

CONFIGS = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.2}),
    ("Adamax", {"maximize": True, "eps": 1e-3}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "betas": (0.8, 0.95), "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.1}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "betas": (0.5, 0.6)}),
    ("RAdam", {"weight_decay": 0.1}),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"maximize": True}),
]


def _problem(lib, seed=0):
    rng = np.random.default_rng(seed)
    w = lib.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = lib.tensor(rng.standard_normal(4), requires_grad=True)
    x = lib.tensor(rng.standard_normal((6, 3)))
    return w, b, x


def _loss(w, b, x):
    return (((x @ w.T + b) ** 2).sum() + (w**3).sum()) / 10


def _run(lib, name, kwargs, steps=STEPS):
    w, b, x = _problem(lib)
    opt = getattr(lib.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.03}], **kwargs)
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(w, b, x).backward()
        opt.step()
        opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"] * 0.9  # a changing lr
        trace.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return trace, opt


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_every_step_matches_torch(name, kwargs):
    ours, _ = _run(netopt, name, kwargs)
    theirs, _ = _run(torch, name, kwargs)
    for step, ((w, b), (tw, tb)) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(w, tw, rtol=RTOL, atol=ATOL, err_msg=f"w at step {step}")
        np.testing.assert_allclose(b, tb, rtol=RTOL, atol=ATOL, err_msg=f"b at step {step}")


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "Rprop"])
def test_float32_steps_match_torch(name):
    def run(lib):
        w = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        opt = getattr(lib.optim, name)([w], lr=0.05)
        for _ in range(STEPS):
            opt.zero_grad()
            ((w - 0.3) ** 4).sum().backward()
            opt.step()
        return w.detach().numpy()

    ours, theirs = run(netopt), run(torch)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "Rprop"])
def test_state_dict_round_trip_gives_identical_steps(name):
    _, opt = _run(netopt, name, {}, steps=5)
    w, b = opt.param_groups[0]["params"][0], opt.param_groups[1]["params"][0]
    x = _problem(netopt)[2]
    w2 = netopt.tensor(w.detach().numpy().copy(), requires_grad=True)
    b2 = netopt.tensor(b.detach().numpy().copy(), requires_grad=True)
    fresh = getattr(optim, name)([{"params": [w2]}, {"params": [b2]}])
    fresh.load_state_dict(copy.deepcopy(opt.state_dict()))
    for _ in range(5):
        for o, (p, q) in ((opt, (w, b)), (fresh, (w2, b2))):
            o.zero_grad()
            _loss(p, q, x).backward()
            o.step()
        np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
        np.testing.assert_array_equal(b.detach().numpy(), b2.detach().numpy())


BAD = [
    ("Adadelta", {"lr": -1.0}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"eps": -1.0}),
    ("Adadelta", {"weight_decay": -0.1}),
    ("Adamax", {"lr": -1.0}),
    ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, -0.1)}),
    ("Adamax", {"eps": -1.0}),
    ("NAdam", {"momentum_decay": -1.0}),
    ("NAdam", {"betas": (0.9, 1.0)}),
    ("RAdam", {"weight_decay": -1.0}),
    ("RAdam", {"eps": -1e-8}),
    ("Rprop", {"lr": -1.0}),
    ("Rprop", {"etas": (1.5, 1.2)}),
    ("Rprop", {"etas": (0.5, 0.9)}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_arguments_raise_torchs_message(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([netopt.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adadelta", "NAdam", "RAdam", "Rprop"])
def test_a_tensor_learning_rate_steps_as_a_float(name):
    kwargs = {"lr": 0.1}
    ours_t, _ = _run(netopt, name, {"lr": netopt.tensor(0.1, dtype=netopt.float64)}, steps=3)
    ours_f, _ = _run(netopt, name, kwargs, steps=3)
    theirs, _ = _run(torch, name, {"lr": torch.tensor(0.1, dtype=torch.float64)}, steps=3)
    for (w, _b), (wf, _bf), (tw, _tb) in zip(ours_t, ours_f, theirs, strict=True):
        np.testing.assert_array_equal(w, wf)
        np.testing.assert_allclose(w, tw, rtol=RTOL, atol=ATOL)


def test_a_tensor_learning_rate_must_have_one_element():
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.Adadelta([netopt.zeros(2, requires_grad=True)], lr=netopt.tensor([0.1, 0.2]))


ALL = [
    "SGD",
    "Adam",
    "AdamW",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Rprop",
]
FLAGS = {"foreach", "fused", "capturable", "differentiable"}


@pytest.mark.parametrize("name", ALL)
def test_torch_flags(name):
    import inspect

    ours = FLAGS & set(inspect.signature(getattr(optim, name)).parameters)
    theirs = FLAGS & set(inspect.signature(getattr(torch.optim, name)).parameters)
    assert ours == theirs
    make = getattr(optim, name)
    make([netopt.zeros(2, requires_grad=True)], foreach=True)
    make([netopt.zeros(2, requires_grad=True)], foreach=False, differentiable=False)
    if "fused" in ours:  # netopt's kernels are what torch's fused CPU kernels compute
        make([netopt.zeros(2, requires_grad=True)], fused=True)
    if "capturable" in ours:
        with pytest.raises(ValueError, match=r"capturable=True\): capturable is for CUDA graphs"):
            make([netopt.zeros(2, requires_grad=True)], capturable=True)
    with pytest.raises(NotImplementedError, match="cannot be differentiated"):
        make([netopt.zeros(2, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "Rprop"])
def test_kernels_are_in_functional(name):
    kernel = getattr(optim.functional, name.lower())
    theta, state = np.array([1.0, -2.0]), {}
    kernel(theta, np.array([0.5, 0.5]), state, lr=0.1)
    assert state["step"] == 1.0 and not np.array_equal(theta, [1.0, -2.0])
