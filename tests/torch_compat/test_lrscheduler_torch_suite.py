"""Every learning-rate scheduler against torch, live: the cases torch's own
``test/optim/test_lrscheduler.py`` covers, run side by side.

torch's test file is not installed with the torch wheel (nor is any optim test helper
under ``torch/testing/_internal``), so this suite rebuilds its cases as an equivalence
check: the same scheduler, built with the same arguments on the same optimizer in both
libraries, must write the same learning rates (and momenta, for the cycling schedulers)
at every step, on two parameter groups (base lr 0.05 and 0.5); with a tensor lr; chained
and sequential compositions; ``state_dict`` round trips; ``step(epoch)`` (the closed
form) against the recursion; and torch's warnings.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import netopt

torch = pytest.importorskip("torch")

RTOL = 1e-12  # float lrs: the same float arithmetic (torch's order of operations)
EPOCHS = 25


def _optimizer(lib, name="SGD", tensor_lr=False, **kw):
    w = lib.zeros(3, requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    base = (lambda v: lib.tensor(v, dtype=lib.float64)) if tensor_lr else (lambda v: v)
    kw.setdefault("momentum", 0.9) if name == "SGD" else None
    groups = [{"params": [w], "lr": base(0.05)}, {"params": [b], "lr": base(0.5)}]
    return getattr(lib.optim, name)(groups, lr=base(0.05), **kw)


def _lrs(opt):
    return [float(g["lr"]) for g in opt.param_groups]


def _momenta(opt):
    return [
        float(g["betas"][0]) if "betas" in g else float(g.get("momentum", 0.0))
        for g in opt.param_groups
    ]


def _trace(lib, make, *, opt="SGD", opt_kw=None, epochs=EPOCHS, metrics=None, **kw):
    optimizer = _optimizer(lib, opt, **kw, **(opt_kw or {}))
    scheduler = make(lib.optim.lr_scheduler, optimizer)
    out = []
    for epoch in range(epochs):
        optimizer.step()
        out.append((_lrs(optimizer), _momenta(optimizer), scheduler_last(scheduler)))
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch % len(metrics)])
    return out


def scheduler_last(scheduler):
    return [float(v) for v in scheduler.get_last_lr()]


def _same(ours, theirs, rtol=RTOL):
    assert len(ours) == len(theirs)
    for epoch, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(
            np.array(a[0] + a[1] + a[2]),
            np.array(b[0] + b[1] + b[2]),
            rtol=rtol,
            atol=1e-15,
            err_msg=f"epoch {epoch}: netopt {a}, torch {b}",
        )


def fn_decay(epoch):
    return 0.95**epoch


def fn_linear(epoch):
    return 1.0 / (epoch + 1)


def fn_const(epoch):
    return 0.9


def fn_alternate(epoch):
    return 1.1 if epoch % 2 else 0.8


CASES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.1),
    "StepLR-gamma1.5": lambda m, o: m.StepLR(o, step_size=2, gamma=1.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.1),
    "MultiStepLR-repeated": lambda m, o: m.MultiStepLR(o, milestones=[2, 2, 6], gamma=0.5),
    "MultiStepLR-unsorted": lambda m, o: m.MultiStepLR(o, milestones=[9, 2, 5], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=1 / 3, total_iters=4),
    "ConstantLR-default": lambda m, o: m.ConstantLR(o),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=1 / 3, total_iters=4),
    "LinearLR-down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=7),
    "LinearLR-default": lambda m, o: m.LinearLR(o),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR-eta0": lambda m, o: m.CosineAnnealingLR(o, T_max=6),
    "WarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.001),
    "WarmRestarts-Tmult2": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "WarmRestarts-Tmult3": lambda m, o: m.CosineAnnealingWarmRestarts(o, 2, 3, eta_min=0.01),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=fn_decay),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, lr_lambda=[fn_decay, fn_linear]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=fn_const),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(o, [fn_const, fn_alternate]),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=8, power=1.0),
    "PolynomialLR-power2": lambda m, o: m.PolynomialLR(o, total_iters=5, power=2.0),
    "PolynomialLR-power0.5": lambda m, o: m.PolynomialLR(o, total_iters=10, power=0.5),
    "OneCycleLR-cos": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=EPOCHS),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=1.0, total_steps=EPOCHS, anneal_strategy="linear"
    ),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(
        o, max_lr=1.0, total_steps=EPOCHS, three_phase=True, pct_start=0.2
    ),
    "OneCycleLR-epochs": lambda m, o: m.OneCycleLR(o, 0.8, epochs=5, steps_per_epoch=5),
    "OneCycleLR-no-momentum": lambda m, o: m.OneCycleLR(
        o, 1.0, total_steps=EPOCHS, cycle_momentum=False, div_factor=10, final_div_factor=100
    ),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "CyclicLR-triangular-down": lambda m, o: m.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.5], step_size_up=2, step_size_down=5
    ),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, 0.01, 0.1, 3, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.9),
    "CyclicLR-scale_fn-cycle": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, 3, scale_fn=fn_decay, scale_mode="cycle"
    ),
    "CyclicLR-scale_fn-iterations": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, 3, scale_fn=fn_decay, scale_mode="iterations"
    ),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(o, 0.01, 0.1, 2, cycle_momentum=False),
    "CyclicLR-momentum-bounds": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, 2, base_momentum=[0.7, 0.6], max_momentum=[0.95, 0.9]
    ),
    "Chained": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=3), m.ExponentialLR(o, gamma=0.9)]
    ),
    "Chained-three": lambda m, o: m.ChainedScheduler(
        [
            m.StepLR(o, step_size=4, gamma=0.5),
            m.LinearLR(o, start_factor=0.2, total_iters=5),
            m.MultiplicativeLR(o, fn_const),
        ]
    ),
    "Sequential": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.1, total_iters=2), m.ExponentialLR(o, gamma=0.9)], [2]
    ),
    "Sequential-warmup-cosine": lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, start_factor=0.1, total_iters=4), m.CosineAnnealingLR(o, T_max=10)],
        milestones=[4],
    ),
    "Sequential-three": lambda m, o: m.SequentialLR(
        o,
        [
            m.LinearLR(o, start_factor=0.5, total_iters=3),
            m.StepLR(o, step_size=2, gamma=0.5),
            m.PolynomialLR(o, total_iters=6, power=2.0),
        ],
        milestones=[3, 10],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_groups_every_step_as_torch(name):
    make = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = _trace(netopt, make)
        theirs = _trace(torch, make)
    _same(ours, theirs)


ADAM_CASES = ["OneCycleLR-cos", "OneCycleLR-three-phase", "CyclicLR-triangular2"]


@pytest.mark.parametrize("name", ADAM_CASES)
def test_cycling_beta1_of_adam_as_torch(name):
    make = CASES[name]
    ours = _trace(netopt, make, opt="Adam")
    theirs = _trace(torch, make, opt="Adam")
    _same(ours, theirs)


TENSOR_CASES = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "ConstantLR",
    "LinearLR",
    "CosineAnnealingLR",
    "WarmRestarts-Tmult2",
    "LambdaLR",
    "MultiplicativeLR",
    "PolynomialLR-power2",
    "Chained",
    "Sequential",
]


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_a_tensor_lr_stays_a_tensor_and_follows_torch(name):
    make = CASES[name]
    ours = _trace(netopt, make, tensor_lr=True)
    theirs = _trace(torch, make, tensor_lr=True)
    _same(ours, theirs, rtol=1e-12)
    optimizer = _optimizer(netopt, tensor_lr=True)
    make(netopt.optim.lr_scheduler, optimizer)
    assert all(isinstance(g["lr"], netopt.Tensor) for g in optimizer.param_groups)


PLATEAU = {
    "min-rel": ({"mode": "min", "patience": 2, "factor": 0.5}, [1.0, 0.9, 0.95, 0.97, 0.99]),
    "max-rel": ({"mode": "max", "patience": 1, "factor": 0.1}, [0.1, 0.2, 0.19, 0.18, 0.25]),
    "min-abs": (
        {"mode": "min", "threshold_mode": "abs", "threshold": 0.05, "patience": 1},
        [1.0, 0.97, 0.96, 0.9, 0.89],
    ),
    "cooldown": ({"patience": 0, "cooldown": 2, "factor": 0.5}, [1.0, 1.1, 1.2, 1.3]),
    "min_lr-list": ({"patience": 0, "factor": 0.1, "min_lr": [0.01, 0.001]}, [1.0, 1.5]),
    "eps": ({"patience": 0, "factor": 0.9, "eps": 0.01}, [1.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(PLATEAU))
def test_reduce_on_plateau_as_torch(name):
    kwargs, metrics = PLATEAU[name]

    def make(m, o):
        return m.ReduceLROnPlateau(o, **kwargs)

    ours = _trace(netopt, make, metrics=metrics)
    theirs = _trace(torch, make, metrics=metrics)
    _same(ours, theirs)


CLOSED_FORM = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "ConstantLR",
    "LinearLR",
    "CosineAnnealingLR",
    "PolynomialLR-power2",
    "LambdaLR",
]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_step_epoch_closed_form_as_torch_with_its_warning(name):
    make = CASES[name]

    def run(lib):
        optimizer = _optimizer(lib)
        scheduler = make(lib.optim.lr_scheduler, optimizer)
        out = []
        for epoch in [3, 1, 7, 12, 4]:
            optimizer.step()
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                scheduler.step(epoch)
            out.append((_lrs(optimizer), [], scheduler_last(scheduler)))
        return out

    _same(run(netopt), run(torch), rtol=1e-10)


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_closed_form_equals_recursion(name):
    make = CASES[name]
    recursive = _trace(netopt, make)
    optimizer = _optimizer(netopt)
    scheduler = make(netopt.optim.lr_scheduler, optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for epoch, (lrs, _, _) in enumerate(recursive):
            scheduler.step(epoch)
            np.testing.assert_allclose(_lrs(optimizer), lrs, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(
    "name",
    ["StepLR", "MultiStepLR", "CosineAnnealingLR", "WarmRestarts-Tmult2", "OneCycleLR-cos",
     "CyclicLR-triangular2", "PolynomialLR", "Sequential", "Chained", "LinearLR"],
)  # fmt: skip
def test_state_dict_round_trip_continues_as_torch(name):
    make = CASES[name]

    def run(lib):
        optimizer = _optimizer(lib)
        scheduler = make(lib.optim.lr_scheduler, optimizer)
        for _ in range(7):
            optimizer.step()
            scheduler.step()
        state = copy.deepcopy(scheduler.state_dict())
        fresh_opt = _optimizer(lib)
        fresh_opt.load_state_dict(copy.deepcopy(optimizer.state_dict()))
        fresh = make(lib.optim.lr_scheduler, fresh_opt)
        fresh.load_state_dict(state)
        out = []
        for _ in range(10):
            fresh_opt.step()
            fresh.step()
            out.append((_lrs(fresh_opt), [], scheduler_last(fresh)))
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _same(run(netopt), run(torch))


def test_warm_restarts_stepped_by_fractional_epoch_as_torch():
    def run(lib):
        optimizer = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2)
        out = []
        for epoch in range(6):
            for batch in range(4):
                optimizer.step()
                scheduler.step(epoch + batch / 4)
                out.append((_lrs(optimizer), [], scheduler_last(scheduler)))
        return out

    _same(run(netopt), run(torch))


def test_scheduler_step_before_optimizer_step_warns_as_torch():
    for lib in (torch, netopt):
        optimizer = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, 2)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler\.step\(\)` before"):
            scheduler.step()


def test_no_warning_in_the_right_order():
    optimizer = _optimizer(netopt)
    scheduler = netopt.optim.lr_scheduler.StepLR(optimizer, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step()
        scheduler.step()


def test_overridden_optimizer_step_warns_as_torch():
    for lib in (torch, netopt):
        optimizer = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, 2)
        optimizer.step = lambda closure=None: None
        with pytest.warns(
            UserWarning, match=r"Seems like `optimizer\.step\(\)` has been overridden"
        ):
            scheduler.step()


def test_sequential_milestone_count_error_as_torch():
    def make(lib):
        o = _optimizer(lib)
        m = lib.optim.lr_scheduler
        m.SequentialLR(o, [m.ConstantLR(o), m.ExponentialLR(o, 0.9)], milestones=[2, 3])

    with pytest.raises(ValueError) as theirs:
        make(torch)
    with pytest.raises(ValueError) as ours:
        make(netopt)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="nope"), ValueError),
        (lambda m, o: m.CyclicLR(o, [0.01], 0.1), ValueError),
        (lambda m, o: m.LambdaLR(o, [fn_decay]), ValueError),
        (lambda m, o: m.MultiplicativeLR(o, [fn_decay]), ValueError),
        (lambda m, o: m.MultiplicativeLR(o, 3), TypeError),
    ],
)
def test_errors_as_torch(make, error):
    with pytest.raises(error) as theirs:
        make(torch.optim.lr_scheduler, _optimizer(torch))
    with pytest.raises(error) as ours:
        make(netopt.optim.lr_scheduler, _optimizer(netopt))
    assert str(ours.value) == str(theirs.value)


def test_cyclic_momentum_needs_an_optimizer_with_momentum_as_torch():
    def make(lib):
        opt = lib.optim.Adagrad([lib.zeros(2, requires_grad=True)], lr=0.1)
        lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)

    with pytest.raises(ValueError) as theirs:
        make(torch)
    with pytest.raises(ValueError) as ours:
        make(netopt)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "name", ["StepLR", "CosineAnnealingLR", "WarmRestarts", "CyclicLR-triangular"]
)
def test_get_lr_outside_step_warns_as_torch_and_stepping_does_not(name):
    make = CASES[name]
    for lib in (torch, netopt):
        optimizer = _optimizer(lib)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            scheduler = make(lib.optim.lr_scheduler, optimizer)
            for _ in range(4):
                optimizer.step()
                scheduler.step()
        assert not [w for w in seen if "get_last_lr" in str(w.message)], lib.__name__
        with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
            scheduler.get_lr()
