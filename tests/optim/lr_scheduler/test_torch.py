"""Live comparison with ``torch.optim.lr_scheduler``: equal to the last bit.

Skipped without torch; ``test_golden.py`` then compares with the golden file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from netopt.nn import Parameter
from netopt.optim import SGD, Adam, lr_scheduler

torch = pytest.importorskip("torch")
tls = torch.optim.lr_scheduler

pytestmark = [
    pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`"),
    pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)`"),
]

_spec = importlib.util.spec_from_file_location(
    "make_schedulers", Path(__file__).parents[2] / "golden" / "make_schedulers.py"
)
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)


def netopt_optimizer(base_lrs, cls=SGD, **kwargs):
    groups = [{"params": [Parameter(np.zeros(3, np.float32))], "lr": lr} for lr in base_lrs]
    return cls(groups, lr=base_lrs[0], **({"momentum": 0.9} if cls is SGD else kwargs))


def torch_optimizer(base_lrs, cls=None, **kwargs):
    if cls is None:
        return mk.torch_optimizer(base_lrs)
    groups = [{"params": [torch.zeros(3, requires_grad=True)], "lr": lr} for lr in base_lrs]
    return cls(groups, lr=base_lrs[0], **kwargs)


def lrs(opt):
    return [float(g["lr"]) for g in opt.param_groups]


@pytest.mark.parametrize("case", mk.CASES, ids=[c["name"] for c in mk.CASES])
def test_every_case_equals_pytorch_bit_for_bit(case):
    ours = mk.run_case(lr_scheduler, netopt_optimizer, case)
    ref = mk.run_case(tls, mk.torch_optimizer, case)
    assert ours["lrs"] == ref["lrs"]
    assert ours["momentum"] == ref["momentum"]


def test_plateau_after_warmup_equals_pytorch_pieces():
    """Beyond PyTorch: LinearLR then ReduceLROnPlateau inside SequentialLR."""
    case = mk.SEQUENTIAL_PLATEAU
    ours = mk.run_case(lr_scheduler, netopt_optimizer, case)["lrs"]
    assert ours == mk.torch_sequential_plateau(case)


def test_plateau_in_a_chain_equals_pytorch_stepped_by_hand():
    metrics = mk.loss_curve()
    opt = netopt_optimizer(mk.BASE_LRS)
    chain = lr_scheduler.ChainedScheduler(
        [
            lr_scheduler.ExponentialLR(opt, gamma=0.97),
            lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1),
        ]
    )
    topt = torch_optimizer(mk.BASE_LRS)
    texp = tls.ExponentialLR(topt, gamma=0.97)
    tplat = tls.ReduceLROnPlateau(topt, factor=0.5, patience=1, cooldown=1)
    for m in metrics:
        chain.step(m)
        texp.step()
        tplat.step(m)
        assert lrs(opt) == lrs(topt)
    assert any(d.action == "reduce" for d in chain._schedulers[1].history)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 4, "gamma": 0.3}),
        ("MultiStepLR", {"milestones": [2, 9, 9], "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
        ("LinearLR", {"start_factor": 0.2, "total_iters": 6}),
        ("ConstantLR", {"factor": 0.4, "total_iters": 5}),
        ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}),
    ],
)
def test_step_epoch_equals_pytorch_closed_form(name, kwargs):
    opt, topt = netopt_optimizer(mk.BASE_LRS), torch_optimizer(mk.BASE_LRS)
    ours, ref = getattr(lr_scheduler, name)(opt, **kwargs), getattr(tls, name)(topt, **kwargs)
    for epoch in [5, 2, 17, 0, 9, 40]:
        ours.step(epoch)
        ref.step(epoch)
        assert ours.get_last_lr() == ref.get_last_lr()
        ours.step()
        ref.step()
        assert ours.get_last_lr() == ref.get_last_lr()


def test_warm_restarts_at_an_exact_restart_where_pytorch_log_rounds_down():
    """T_0=1, T_mult=3: cycles start at 0, 1, 4, 13, 40, 121. PyTorch's step(121) uses
    int(log(243, 3)) = 4 and lands at the end of the previous cycle (eta_min); its own
    step-by-step sequence restarts at base lr there, and so does netopt's step(121)."""
    topt = torch_optimizer(mk.BASE_LRS)
    stepped = tls.CosineAnnealingWarmRestarts(topt, T_0=1, T_mult=3, eta_min=0.001)
    for _ in range(121):
        stepped.step()
    assert stepped.get_last_lr() == list(mk.BASE_LRS)
    topt2 = torch_optimizer(mk.BASE_LRS)
    jumped = tls.CosineAnnealingWarmRestarts(topt2, T_0=1, T_mult=3, eta_min=0.001)
    jumped.step(121)
    assert jumped.get_last_lr() == [0.001, 0.001]  # PyTorch's rounding
    opt = netopt_optimizer(mk.BASE_LRS)
    ours = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=1, T_mult=3, eta_min=0.001)
    ours.step(121)
    assert ours.get_last_lr() == stepped.get_last_lr()


def test_one_cycle_cycles_adam_beta1_as_pytorch():
    opt = netopt_optimizer(mk.BASE_LRS, Adam, betas=(0.9, 0.99))
    topt = torch_optimizer(mk.BASE_LRS, torch.optim.Adam, betas=(0.9, 0.99))
    kwargs = {"max_lr": [0.1, 1.0], "epochs": 4, "steps_per_epoch": 5, "three_phase": True}
    ours, ref = lr_scheduler.OneCycleLR(opt, **kwargs), tls.OneCycleLR(topt, **kwargs)
    for _ in range(20):
        assert ours.get_last_lr() == ref.get_last_lr()
        assert [g["betas"] for g in opt.param_groups] == [g["betas"] for g in topt.param_groups]
        ours.step()
        ref.step()


def test_plateau_hand_example_equals_pytorch():
    metrics = [1.0, 0.95, 0.95, 0.85, 0.9, 0.9, 0.9, 0.5]
    kwargs = {"factor": 0.5, "patience": 1, "threshold": 0.1, "cooldown": 1}
    opt, topt = netopt_optimizer([1.0]), torch_optimizer([1.0])
    ours, ref = lr_scheduler.ReduceLROnPlateau(opt, **kwargs), tls.ReduceLROnPlateau(topt, **kwargs)
    for m in metrics:
        ours.step(m)
        ref.step(m)
        assert (ours.get_last_lr(), ours.best, ours.num_bad_epochs, ours.cooldown_counter) == (
            ref.get_last_lr(),
            ref.best,
            ref.num_bad_epochs,
            ref.cooldown_counter,
        )


def test_resumed_scheduler_equals_pytorch_resume():
    opt, topt = netopt_optimizer(mk.BASE_LRS), torch_optimizer(mk.BASE_LRS)
    for groups in (opt.param_groups, topt.param_groups):
        for g, base in zip(groups, mk.BASE_LRS, strict=True):
            g["initial_lr"] = base
            g["lr"] = base * 0.3
    ours = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=12, last_epoch=4)
    ref = tls.LinearLR(topt, start_factor=0.1, total_iters=12, last_epoch=4)
    for _ in range(15):
        assert ours.get_last_lr() == ref.get_last_lr()
        assert ours.last_epoch == ref.last_epoch
        ours.step()
        ref.step()
