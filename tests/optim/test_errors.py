"""Invalid arguments raise, with torch's messages where torch has one: one table, one test.

Rows are ``(callable, kwargs, exception, message regex)``, for every optimizer and the
``Optimizer`` base class. Rows marked ``TORCH`` build the same call with ``torch.optim``
and check that torch raises the same type with a message the same regex matches. Gradient
clipping's rows are in ``tests/nn/utils/test_clip_grad.py``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import netopt
from netopt.nn import Parameter
from netopt.optim import SGD, Adagrad, Adam, AdamW, RMSprop


def _p() -> Parameter:
    return Parameter(np.zeros(3))


_shared = _p()
_taken = SGD([_p()], lr=0.1)


def _adam_state():
    a, b = Parameter(np.ones(3)), Parameter(np.ones(2))
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    a.grad, b.grad = np.ones(3), np.ones(2)
    opt.step()
    return opt, opt.state_dict()


_loader, _good = _adam_state()


def _bad(edit) -> dict:
    state = copy.deepcopy(_good)
    edit(state)
    return state


TORCH = "torch"
ROWS = [
    # (callable, kwargs, exception, regex, marks)
    (SGD, {"params": [_p()], "lr": -0.1}, ValueError, r"^Invalid learning rate: -0\.1$", TORCH),
    (SGD, {"params": [_p()], "lr": 0.1, "momentum": -1.0}, ValueError,
     r"^Invalid momentum value: -1\.0$", TORCH),
    (SGD, {"params": [_p()], "lr": 0.1, "weight_decay": -1e-4}, ValueError,
     r"^Invalid weight_decay value: -0\.0001$", TORCH),
    (SGD, {"params": [_p()], "lr": 0.1, "nesterov": True}, ValueError,
     r"^Nesterov momentum requires a momentum and zero dampening$", TORCH),
    (SGD, {"params": [_p()], "lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
     ValueError, r"^Nesterov momentum requires a momentum and zero dampening$", TORCH),
    (SGD, {"params": [], "lr": 0.1}, ValueError, r"^optimizer got an empty parameter list$",
     TORCH),
    (SGD, {"params": [{"params": [_shared]}, {"params": [_shared]}], "lr": 0.1}, ValueError,
     r"^some parameters appear in more than one parameter group$", TORCH),
    (SGD, {"params": _p(), "lr": 0.1}, TypeError,
     r"^params argument given to the optimizer should be an iterable of Tensors or dicts, "
     r"but got \S+$", TORCH),
    (SGD, {"params": [np.zeros(3)], "lr": 0.1}, TypeError,
     r"^optimizer can only optimize Tensors, but one of the params is numpy\.ndarray$", TORCH),
    (SGD, {"params": [{"params": {_p()}}], "lr": 0.1}, TypeError,
     r"^optimizer parameters need to be organized in ordered collections", TORCH),
    (SGD, {"params": [_p() * 2.0], "lr": 0.1}, ValueError,
     r"^can't optimize a non-leaf Tensor$", TORCH),
    (SGD, {"params": [("w", _p()), _p()], "lr": 0.1}, ValueError,
     r"^all optimizer params should be with/without names", TORCH),
    (SGD, {"params": [{"params": [_p()], "lr": -1.0}], "lr": 0.1}, ValueError,
     r"^Invalid learning rate: -1\.0$", None),  # torch accepts a bad group value
    (SGD, {"params": [_p()], "lr": math.nan}, ValueError, r"^Invalid learning rate: nan$", None),
    (SGD, {"params": [_p()], "lr": "0.1"}, TypeError, r"^lr must be a real number, but got str$",
     None),
    (Adagrad, {"params": [_p()], "lr": -1.0}, ValueError, r"^Invalid learning rate: -1\.0$",
     TORCH),
    (Adagrad, {"params": [_p()], "lr_decay": -0.5}, ValueError,
     r"^Invalid lr_decay value: -0\.5$", TORCH),
    (Adagrad, {"params": [_p()], "weight_decay": -0.5}, ValueError,
     r"^Invalid weight_decay value: -0\.5$", TORCH),
    (Adagrad, {"params": [_p()], "initial_accumulator_value": -0.5}, ValueError,
     r"^Invalid initial_accumulator_value value: -0\.5$", TORCH),
    (Adagrad, {"params": [_p()], "eps": -1e-10}, ValueError, r"^Invalid epsilon value: -1e-10$",
     TORCH),
    (RMSprop, {"params": [_p()], "lr": -0.01}, ValueError, r"^Invalid learning rate: -0\.01$",
     TORCH),
    (RMSprop, {"params": [_p()], "eps": -1.0}, ValueError, r"^Invalid epsilon value: -1\.0$",
     TORCH),
    (RMSprop, {"params": [_p()], "momentum": -0.9}, ValueError,
     r"^Invalid momentum value: -0\.9$", TORCH),
    (RMSprop, {"params": [_p()], "weight_decay": -0.9}, ValueError,
     r"^Invalid weight_decay value: -0\.9$", TORCH),
    (RMSprop, {"params": [_p()], "alpha": -0.99}, ValueError, r"^Invalid alpha value: -0\.99$",
     TORCH),
    (Adam, {"params": [_p()], "lr": -1e-3}, ValueError, r"^Invalid learning rate: -0\.001$",
     TORCH),
    (Adam, {"params": [_p()], "eps": -1e-8}, ValueError, r"^Invalid epsilon value: -1e-08$",
     TORCH),
    (Adam, {"params": [_p()], "betas": (1.0, 0.999)}, ValueError,
     r"^Invalid beta parameter at index 0: 1\.0$", TORCH),
    (Adam, {"params": [_p()], "betas": (-0.1, 0.999)}, ValueError,
     r"^Invalid beta parameter at index 0: -0\.1$", TORCH),
    (Adam, {"params": [_p()], "betas": (0.9, 1.0)}, ValueError,
     r"^Invalid beta parameter at index 1: 1\.0$", TORCH),
    (Adam, {"params": [_p()], "weight_decay": -0.1}, ValueError,
     r"^Invalid weight_decay value: -0\.1$", TORCH),
    (Adam, {"params": [_p()], "betas": (0.9,)}, ValueError,
     r"^betas must be a pair of numbers, but got \(0\.9,\)$", None),
    (AdamW, {"params": [_p()], "betas": (0.9, 1.5)}, ValueError,
     r"^Invalid beta parameter at index 1: 1\.5$", TORCH),
    (AdamW, {"params": [_p()], "lr": -2.0}, ValueError, r"^Invalid learning rate: -2\.0$",
     TORCH),
    (_taken.add_param_group, {"param_group": [_p()]}, TypeError,
     r"^param_group must be a dict, but got <class 'list'>$", None),
    (_taken.add_param_group, {"param_group": {"params": _taken.param_groups[0]["params"]}},
     ValueError, r"^some parameters appear in more than one parameter group$", None),
    (_taken.add_param_group, {"param_group": {"lr": 0.1}}, ValueError,
     r"^param_group must have a 'params' entry$", None),
    (_taken.add_param_group, {"param_group": {"params": [_p()], "momentum": -0.5}}, ValueError,
     r"^Invalid momentum value: -0\.5$", None),
    (_loader.load_state_dict, {"state_dict": _bad(lambda s: s["param_groups"].append({}))},
     ValueError, r"^loaded state dict has a different number of parameter groups$", None),
    (_loader.load_state_dict,
     {"state_dict": _bad(lambda s: s["param_groups"][0]["params"].pop())}, ValueError,
     r"^loaded state dict contains a parameter group that doesn't match the size of "
     r"optimizer's group$", None),
    (_loader.load_state_dict,
     {"state_dict": _bad(lambda s: s["state"][0].update(exp_avg=np.zeros(2)))}, ValueError,
     r"^loaded state for parameter 0 has 'exp_avg' of shape \(2,\), but the parameter has "
     r"shape \(3,\)$", None),
    (_loader.load_state_dict,
     {"state_dict": _bad(lambda s: s["state"][1].update(momentum_buffer=np.zeros(2)))},
     ValueError, r"^loaded state for parameter 1 has unknown entry 'momentum_buffer'; Adam "
     r"keeps \['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step'\]$", None),
    (_loader.load_state_dict, {"state_dict": _bad(lambda s: s["param_groups"][0].pop("betas"))},
     ValueError, r"^loaded parameter group 0 lacks \['betas'\]$", None),
    (_loader.load_state_dict,
     {"state_dict": _bad(lambda s: s["param_groups"][0].update(lr=-1))}, ValueError,
     r"^Invalid learning rate: -1$", None),
    (_loader.load_state_dict, {"state_dict": _bad(lambda s: s["state"][0].update(step=-1))},
     ValueError, r"^loaded state for parameter 0 has step -1\.0$", None),
    (_loader.load_state_dict, {"state_dict": _bad(lambda s: s["state"].update({7: {}}))},
     ValueError, r"^loaded state dict has state for parameter 7, which is in no parameter "
     r"group$", None),
    (_loader.load_state_dict, {"state_dict": _bad(lambda s: s["param_groups"][1].pop("params"))},
     ValueError, r"^loaded parameter group 1 is not a dict with 'params'$", None),
    (_loader.load_state_dict, {"state_dict": {"state": {}}}, ValueError,
     r"^an optimizer state dict has 'state' and 'param_groups' entries$", None),
]  # fmt: skip


def _row_id(row) -> str:
    fn, kwargs, exc, _, _ = row
    name = getattr(fn, "__qualname__", repr(fn))
    keys = ",".join(k for k in kwargs if k not in {"params", "parameters"})
    return f"{name}-{keys or 'params'}-{exc.__name__}"


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{_row_id(r)}" for i, r in enumerate(ROWS)])
def test_invalid_arguments_raise(row):
    fn, kwargs, exc, regex, _ = row
    with pytest.raises(exc, match=regex):
        fn(**kwargs)


def _to_torch(value, torch):
    """The same argument for torch: netopt tensors become torch tensors of equal role."""
    if isinstance(value, netopt.Tensor):
        leaf = value.is_leaf
        t = torch.tensor(value.data.numpy(), requires_grad=True)
        if not leaf:
            t = t * 2.0
        elif value.grad is not None:
            t.grad = torch.tensor(value.grad.numpy())
        return t
    if isinstance(value, dict):
        return {k: _to_torch(v, torch) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return type(value)(_to_torch(v, torch) for v in value)
    return value


TORCH_ROWS = [r for r in ROWS if r[4] == TORCH]


@pytest.mark.parametrize("row", TORCH_ROWS, ids=[_row_id(r) for r in TORCH_ROWS])
def test_torch_raises_the_same(row):
    torch = pytest.importorskip("torch")
    fn, kwargs, exc, regex, _ = row
    torch_fn = getattr(torch.optim, fn.__name__)
    args = {k: _to_torch(v, torch) for k, v in kwargs.items()}
    if kwargs.get("params") is not None and any(
        isinstance(g, dict) and any(p is _shared for p in g["params"]) for g in kwargs["params"]
    ):
        shared = torch.zeros(3, requires_grad=True)
        args["params"] = [{"params": [shared]}, {"params": [shared]}]
    with pytest.raises(exc, match=regex):
        torch_fn(**args)
