"""The ``Optimizer`` base class: parameter groups, ``zero_grad``, repr, the scheduler hook,
and the ``state_dict`` round trip (bit-identical next steps, a snapshot).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from netopt.nn import Parameter
from netopt.optim import SGD, Adam, Optimizer, RMSprop


def test_zero_grad_to_none_and_to_zeros(optim_problem):
    problem = optim_problem(8)
    opt = SGD(problem.params(), lr=0.1)
    problem.backward()
    grad = problem.model.W.grad
    opt.zero_grad(set_to_none=False)
    assert problem.model.W.grad is grad and not grad.any()
    opt.zero_grad()
    assert all(p.grad is None for p in problem.params())


def test_param_groups_take_defaults_and_overrides():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(3))
    opt = Adam([{"params": [a]}, {"params": b, "lr": 0.5, "betas": (0.0, 0.5)}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.0, 0.5)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    c = Parameter(np.zeros(1))
    opt.add_param_group({"params": [c], "weight_decay": 0.5})
    assert opt.param_groups[2]["weight_decay"] == 0.5 and opt.param_groups[2]["lr"] == 0.1
    assert opt.state_dict()["param_groups"][2]["params"] == [2]


def test_named_parameters_are_accepted(optim_problem):
    problem = optim_problem(9)
    opt = SGD(problem.model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["W", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["W", "b"]


def test_duplicate_parameter_in_a_group_warns():
    p = Parameter(np.zeros(2))
    with pytest.warns(UserWarning, match="duplicate parameters"):
        SGD([p, p], lr=0.1)


def test_repr_lists_groups_like_torch():
    p, q = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    opt = SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, momentum=0.9)
    expected = (
        "SGD (\n"
        "Parameter Group 0\n"
        "    dampening: 0\n    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n"
        "\n"
        "Parameter Group 1\n"
        "    dampening: 0\n    fused: None\n    lr: 0.5\n    maximize: False\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n"
        ")"
    )
    assert repr(opt) == expected


def test_repr_lines_are_torchs():
    torch = pytest.importorskip("torch")
    p = Parameter(np.zeros(2))
    ours = repr(RMSprop([p], lr=0.1, centered=True)).splitlines()
    theirs = repr(torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], lr=0.1,
                                      centered=True)).splitlines()  # fmt: skip
    assert ours[:2] == theirs[:2] and ours[-1] == theirs[-1]
    assert set(ours) <= set(theirs)


def test_scheduler_hook_lr_written_to_group_is_used():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1)
    opt.param_groups[0]["initial_lr"] = 0.1
    opt.param_groups[0]["lr"] = np.float64(0.5)
    p.grad = np.array([1.0])
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5])
    assert opt.state_dict()["param_groups"][0]["initial_lr"] == 0.1


def test_base_class_without_kernel_raises():
    p = Parameter(np.zeros(1))
    opt = Optimizer([p], {"lr": 0.1})
    p.grad = np.zeros(1)
    with pytest.raises(NotImplementedError, match="_hyperparameters"):
        opt.step()


def _arrays(state: dict) -> list[np.ndarray]:
    return [v for s in state.values() for v in s.values() if isinstance(v, np.ndarray)]


def test_state_dict_round_trip_is_bit_identical(optim_row, optim_problem):
    cls, config = optim_row
    source, target = optim_problem(4), optim_problem(4)
    opt = cls(source.params(), **config)
    for _ in range(10):
        source.backward()
        opt.step()
    for p, q in zip(target.params(), source.params(), strict=True):
        p.data[...] = q.data
    saved = opt.state_dict()
    loaded = cls(target.params(), **config)
    loaded.load_state_dict(copy.deepcopy(saved))
    for a in _arrays(loaded.state):
        assert not any(np.shares_memory(a, b) for b in _arrays(opt.state) + _arrays(saved["state"]))
    assert loaded.state_dict()["param_groups"] == saved["param_groups"]
    for _ in range(10):
        source.backward()
        target.backward()
        opt.step()
        loaded.step()
        for p, q in zip(target.params(), source.params(), strict=True):
            np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_is_a_snapshot(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(5)
    opt = cls(problem.params(), **config)
    problem.backward()
    opt.step()
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    problem.backward()
    opt.step()
    for index, entry in frozen["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(saved["state"][index][key], value)
