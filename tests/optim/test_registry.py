"""Behaviour every optimizer must show, parametrized over the registry (``conftest.REGISTRY``)
or over every kernel.

Loss falls, zero gradients and grad=None are no-ops, a tiny-lr group stays put, float32
stays float32, the closure's loss is returned, kernels leave the gradient alone. Exact
equality is the tolerance where two runs of the same code are compared.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from netopt.nn import Parameter
from netopt.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from netopt.optim.functional import adagrad, adam, rmsprop, sgd
from netopt.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau, StepLR


def test_loss_falls_in_20_steps(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(0)
    opt = cls(problem.params(), **config)
    first = problem.backward()
    for _ in range(20):
        opt.step()
        last = problem.backward()
    assert last < 0.5 * first, f"{cls.__name__}{config}: loss {first} -> {last}"


@pytest.mark.parametrize(
    "make_scheduler",
    [
        lambda opt: StepLR(opt, step_size=5, gamma=0.7),
        lambda opt: CosineAnnealingLR(opt, T_max=20),
        lambda opt: ReduceLROnPlateau(opt, patience=1, factor=0.5),
    ],
    ids=["step", "cosine", "plateau"],
)
def test_loss_falls_in_20_steps_with_a_scheduler(optim_row, optim_problem, make_scheduler):
    cls, config = optim_row
    problem = optim_problem(0)
    opt = cls(problem.params(), **config)
    scheduler = make_scheduler(opt)
    first = last = problem.backward()
    for _ in range(20):
        opt.step()
        last = problem.backward()
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(last)
        else:
            scheduler.step()
    assert last < 0.5 * first, f"{cls.__name__}{config} + {scheduler}: loss {first} -> {last}"


def test_zero_gradient_is_a_no_op(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(1)
    opt = cls(problem.params(), **dict(config, weight_decay=0))
    before = problem.values()
    for _ in range(5):
        for p in problem.params():
            p.grad = np.zeros_like(p.data)
        opt.step()
    for b, p in zip(before, problem.params(), strict=True):
        np.testing.assert_array_equal(p.data, b)


def test_parameter_without_grad_is_skipped(optim_row, optim_problem):
    cls, config = optim_row
    problem, alone = optim_problem(2), optim_problem(2)
    W, b = problem.params()
    opt = cls([W, b], **config)
    opt_alone = cls([alone.model.W], **config)
    b_before = np.array(b.data)
    for _ in range(3):
        problem.backward()
        b.grad = None
        alone.backward()
        opt.step()
        opt_alone.step()
    np.testing.assert_array_equal(b.data, b_before)
    assert b not in opt.state or opt.state[b] == {}
    np.testing.assert_array_equal(W.data, alone.model.W.data)


def test_tiny_lr_group_does_not_move_while_other_trains(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(3)
    W, b = problem.params()
    opt = cls([{"params": [W], "lr": 1e-28}, {"params": [b]}], **config)
    W_before, b_before = np.array(W.data), np.array(b.data)
    first = problem.backward()
    for _ in range(20):
        opt.step()
        last = problem.backward()
    np.testing.assert_array_equal(W.data, W_before)
    assert not np.array_equal(b.data, b_before)
    assert last < first


def _arrays(state: dict) -> list[np.ndarray]:
    return [v for s in state.values() for v in s.values() if isinstance(v, np.ndarray)]


def test_float32_stays_float32(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(6, np.float32)
    opt = cls(problem.params(), **config)
    for _ in range(3):
        problem.backward()
        opt.step()
    assert all(p.data.dtype == np.float32 for p in problem.params())
    assert all(a.dtype == np.float32 for a in _arrays(opt.state))


def test_closure_is_called_and_its_loss_returned(optim_row, optim_problem):
    cls, config = optim_row
    problem = optim_problem(7)
    opt = cls(problem.params(), **config)
    losses = []

    def closure():
        losses.append(problem.backward())
        return losses[-1]

    assert opt.step(closure) == losses[0]
    assert opt.step() is None


def test_kernels_do_not_modify_the_gradient():
    grad = np.array([1.0, -2.0])
    kernels = [
        (sgd, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
        (adagrad, {"weight_decay": 0.1, "maximize": True}),
        (rmsprop, {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
        (adam, {"amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ]
    for kernel, kwargs in kernels:
        state = {}
        for _ in range(2):
            kernel(np.ones(2), grad, state, lr=0.1, **kwargs)
        np.testing.assert_array_equal(grad, [1.0, -2.0])


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)


OPTIMIZERS = st.sampled_from(
    [
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (SGD, {"lr": 0.1, "momentum": 0.5, "dampening": 0.5}),
        (Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
        (RMSprop, {"lr": 0.1, "centered": True, "momentum": 0.9}),
        (Adam, {"lr": 0.1, "amsgrad": True}),
        (AdamW, {"lr": 0.1, "weight_decay": 0.0}),
    ]
)


@given(row=OPTIMIZERS, theta=arrays(np.float64, st.integers(1, 8), elements=finite),
       steps=st.integers(1, 4), maximize=st.booleans())  # fmt: skip
def test_zero_gradient_is_a_no_op_for_any_theta(row, theta, steps, maximize):
    cls, config = row
    p = Parameter(theta.copy())
    opt = cls([p], **config, maximize=maximize)
    for _ in range(steps):
        p.grad = np.zeros_like(theta)
        opt.step()
    np.testing.assert_array_equal(p.data, theta)
