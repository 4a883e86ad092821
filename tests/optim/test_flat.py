"""Flat parameter buffers: the same updates as one kernel call per parameter, bit for bit.

An optimizer moves a group's parameters into one buffer on the first step (see
``netopt.optim._flat``). The reference here is the per-parameter path, which a group takes
when its parameters are views of another array (they cannot be moved).
"""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt.autograd.grad_slots import grad_slot
from netopt.nn import Parameter
from netopt.optim import SGD, Adam


def _params(rng: np.random.Generator, as_views: bool) -> list[Parameter]:
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    if as_views:  # views of a larger array: the optimizer must leave them in place
        backing = np.concatenate([w.ravel(), b, np.zeros(1, np.float32)])
        w, b = backing[:12].reshape(4, 3), backing[12:16]
    return [Parameter(w), Parameter(b)]


def _loss(params: list[Parameter], x: netopt.Tensor) -> netopt.Tensor:
    w, b = params
    return ((x @ w.T + b) ** 2).sum()


def _run(cls, config, as_views: bool, steps: int = 12) -> tuple[list[np.ndarray], object]:
    rng = np.random.default_rng(0)
    params = _params(rng, as_views)
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    opt = cls(params, **config)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(params, x).backward()
        opt.step()
        history.append(np.concatenate([p.data.ravel() for p in params]))
    return history, opt


def test_flat_steps_equal_per_parameter_steps_bit_for_bit(optim_row):
    cls, config = optim_row
    flat, opt_flat = _run(cls, config, as_views=False)
    per_param, opt_ref = _run(cls, config, as_views=True)
    assert opt_flat._flat[0] is not None and opt_ref._flat[0] is None
    for step, (a, b) in enumerate(zip(flat, per_param, strict=True), start=1):
        np.testing.assert_array_equal(a, b, err_msg=f"{cls.__name__}{config} step {step}")
    sd_flat, sd_ref = opt_flat.state_dict(), opt_ref.state_dict()
    assert sd_flat["state"].keys() == sd_ref["state"].keys()
    for i, entry in sd_ref["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(sd_flat["state"][i][key], value)


def test_state_entries_are_views_and_state_dict_copies():
    params = _params(np.random.default_rng(1), as_views=False)
    x = netopt.tensor(np.ones((2, 3), dtype=np.float32))
    opt = Adam(params, lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        _loss(params, x).backward()
        opt.step()
    exp_avg = opt.state[params[0]]["exp_avg"]
    assert exp_avg.base is opt._flat[0].state["exp_avg"]
    assert opt.state[params[1]]["step"] == 2.0
    saved = opt.state_dict()["state"][0]["exp_avg"]
    assert not np.shares_memory(saved, exp_avg)


def test_a_missing_gradient_falls_back_and_skips_that_parameter():
    rng = np.random.default_rng(2)
    params = _params(rng, as_views=False)
    opt = SGD(params, lr=0.1, momentum=0.9)
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    for _ in range(3):
        opt.zero_grad()
        _loss(params, x).backward()
        opt.step()
    bias_before = np.array(params[1].data)
    opt.zero_grad()
    _loss(params, x).backward()
    params[1].grad = None
    opt.step()
    assert opt._flat[0] is None
    np.testing.assert_array_equal(params[1].data, bias_before)


def test_rebinding_param_data_falls_back_and_updates_the_new_array():
    params = _params(np.random.default_rng(3), as_views=False)
    opt = SGD(params, lr=0.5)
    for p in params:
        p.grad = np.ones_like(p.data)
    opt.step()
    fresh = np.zeros(4, dtype=np.float32)
    params[1].data = fresh
    for p in params:
        p.grad = np.ones_like(p.data)
    opt.step()
    assert opt._flat[0] is None
    np.testing.assert_array_equal(fresh, np.full(4, -0.5, dtype=np.float32))


def test_a_parameter_used_twice_gets_both_contributions_with_flat_buffers():
    # Backward writes a Linear weight's gradient straight into the optimizer's flat slot;
    # a second use of the same weight must add to it, not overwrite it. Reference: the
    # same computation on a layer whose parameters have no flat slots.
    x = netopt.tensor(np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32))
    grads = []
    for flat in (True, False):
        layer = netopt.nn.Linear(3, 3, rng=np.random.default_rng(4))
        if flat:  # a first step (lr 0: nothing moves) puts the parameters in flat buffers
            opt = SGD(layer.parameters(), lr=0.0)
            (layer(x) ** 2).sum().backward()
            opt.step()
            opt.zero_grad()
            assert opt._flat[0] is not None
        loss = (layer(layer(x)) ** 2).sum()
        loss.backward()
        loss.backward()  # the graph is kept: a second pass accumulates
        if flat:
            assert all(p.grad.numpy() is grad_slot(p) for p in layer.parameters())
        grads.append([np.array(p.grad) for p in layer.parameters()])
    for got, want in zip(*grads, strict=True):
        np.testing.assert_array_equal(got, want)


def test_gradient_out_offers_the_slot_only_inside_a_backward_pass():
    from netopt.autograd.grad_slots import gradient_out

    layer = netopt.nn.Linear(3, 2, rng=np.random.default_rng(5))
    opt = SGD(layer.parameters(), lr=0.0)
    x = netopt.tensor(np.ones((4, 3), dtype=np.float32))
    layer(x).sum().backward()
    opt.step()  # the parameters now have flat slots
    opt.zero_grad()
    assert grad_slot(layer.weight) is not None
    assert gradient_out(layer.weight) is None  # no pass is running


def test_a_step_with_no_gradients_keeps_the_flat_buffers():
    # zero_grad() sets every gradient to None; a step then updates nothing (as torch's),
    # and the group must not lose its flat buffers for the rest of training
    _, opt_flat = _run(SGD, {"lr": 0.1, "momentum": 0.9}, as_views=False, steps=2)
    opt_flat.zero_grad()
    before = [np.array(p.data) for p in opt_flat.param_groups[0]["params"]]
    opt_flat.step()
    assert opt_flat._flat[0] is not None
    for p, b in zip(opt_flat.param_groups[0]["params"], before, strict=True):
        np.testing.assert_array_equal(p.data, b)


@pytest.mark.parametrize("copier", ["pickle", "deepcopy"])
@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.01)])  # fmt: skip
def test_a_copied_model_and_optimizer_train_as_the_original(copier, set_to_none, make):
    # A copy of a model and its optimizer (pickled together, or deep-copied) must keep
    # training: the copy's parameters are no longer views of the original flat buffers.
    import copy
    import pickle

    netopt.manual_seed(0)
    model = netopt.nn.Sequential(netopt.nn.Linear(3, 4), netopt.nn.ReLU(), netopt.nn.Linear(4, 2))
    opt = make(model.parameters())
    x = netopt.tensor(np.random.default_rng(1).standard_normal((8, 3)))
    y = netopt.tensor(np.arange(8) % 2)

    def step(m, o):
        o.zero_grad(set_to_none=set_to_none)
        netopt.nn.functional.cross_entropy(m(x), y).backward()
        o.step()

    step(model, opt)
    assert opt._flat[0] is not None
    if copier == "pickle":
        twin, twin_opt = pickle.loads(pickle.dumps((model, opt)))
    else:
        twin, twin_opt = copy.deepcopy((model, opt))
    for _ in range(3):
        step(model, opt)
        step(twin, twin_opt)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())
    assert twin_opt._flat[0] is not None  # the copy made its own flat buffers


def test_flat_buffers_keep_each_parameters_memory_order(monkeypatch):
    # OpenBLAS's bits depend on the operands' memory order, so moving a Fortran-ordered
    # weight into C order would change the next forward; the flat path must train exactly
    # as the per-parameter path does.
    from netopt.optim import _flat

    def train(max_elements):
        monkeypatch.setattr(_flat, "MAX_ELEMENTS", max_elements)
        layer = netopt.nn.Linear(32, 9, rng=np.random.default_rng(2))
        layer.weight._data = np.asfortranarray(layer.weight._data)
        opt = SGD(layer.parameters(), lr=0.1, momentum=0.9)
        rng = np.random.default_rng(3)
        for _ in range(4):
            x = netopt.tensor(rng.standard_normal((25, 32), dtype=np.float32))
            opt.zero_grad()
            (layer(x) ** 2).sum().backward()
            opt.step()
        assert (opt._flat[0] is not None) == (max_elements > 0)
        return [np.array(p.data) for p in layer.parameters()], layer.weight._data.flags

    (flat, flags), (per_parameter, _) = train(1 << 16), train(0)
    for a, b in zip(flat, per_parameter, strict=True):
        np.testing.assert_array_equal(a, b)
    assert flags.f_contiguous


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_unpickled_parameters_move_into_flat_buffers_again(protocol):
    # NumPy unpickles a view as a view of the pickle's bytes (protocols 2-4) or buffer (5);
    # the parameters must own their arrays again, or the group stays per-parameter for good
    import pickle

    layer = netopt.nn.Linear(30, 20, rng=np.random.default_rng(4))
    opt = Adam(layer.parameters(), lr=0.01)
    x = netopt.tensor(np.random.default_rng(5).standard_normal((4, 30)))
    layer(x).sum().backward()
    opt.step()
    twin, twin_opt = pickle.loads(pickle.dumps((layer, opt), protocol=protocol))
    for model, o in ((layer, opt), (twin, twin_opt)):
        o.zero_grad()
        model(x).sum().backward()
        o.step()
    assert twin_opt._flat[0] is not None
    for a, b in zip(layer.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())


def test_an_exact_flat_buffer_is_adopted_in_place():
    # Parameters that already are consecutive spans of one 1-D array (as an earlier
    # optimizer leaves them) are updated there: arrays a user holds stay current.
    rng = np.random.default_rng(0)
    backing = rng.standard_normal(16).astype(np.float32)
    w, b = backing[:12].reshape(4, 3), backing[12:]
    params = [Parameter(w), Parameter(b)]
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    opt = SGD(params, lr=0.1, momentum=0.9)
    before = backing.copy()
    for _ in range(2):
        opt.zero_grad()
        _loss(params, x).backward()
        opt.step()
    assert opt._flat[0] is not None and opt._flat[0].param is backing
    assert params[0].data.numpy() is w and not np.array_equal(backing, before)
    # the same updates as on parameters of their own
    own = [Parameter(before[:12].reshape(4, 3).copy()), Parameter(before[12:].copy())]
    ref = SGD(own, lr=0.1, momentum=0.9)
    for _ in range(2):
        ref.zero_grad()
        _loss(own, x).backward()
        ref.step()
    np.testing.assert_array_equal(backing, np.concatenate([p.data.numpy().ravel() for p in own]))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_a_shallow_copy_shares_the_flat_buffers(set_to_none):
    # copy.copy(optimizer) shares parameters and state (as torch's); steps taken by the
    # copy and the original in turn must equal the original's steps alone
    import copy

    def run(with_copy):
        rng = np.random.default_rng(0)
        params = _params(rng, as_views=False)
        x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        opt = Adam(params, lr=0.05)
        other = None
        for i in range(6):
            if with_copy and i == 2:
                other = copy.copy(opt)
            o = other if other is not None and i % 2 else opt
            o.zero_grad(set_to_none=set_to_none)
            _loss(params, x).backward()
            o.step()
        return [np.array(p.data) for p in params], opt

    (alone, _), (shared, opt) = run(False), run(True)
    for a, b in zip(alone, shared, strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(s["step"] == 6.0 for s in opt.state.values())
