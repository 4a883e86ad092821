"""netopt.optim.swa_utils against torch.optim.swa_utils, live."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn
from netopt.optim import swa_utils

torch = pytest.importorskip("torch")
tswa = pytest.importorskip("torch.optim.swa_utils")


def _net(lib, seed=0):
    rng = np.random.default_rng(seed)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 1))
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=lib.float64))
    return model.double() if hasattr(model, "double") else model


def _params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("use_buffers", [False, True])
def test_averaged_model_matches_torch(use_buffers):
    ours, theirs = _net(netopt), _net(torch)
    swa, tswa_model = (
        swa_utils.AveragedModel(ours, use_buffers=use_buffers),
        tswa.AveragedModel(theirs, use_buffers=use_buffers),
    )
    x = np.random.default_rng(1).standard_normal((8, 3))
    for k in range(4):
        with netopt.no_grad(), torch.no_grad():
            for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
                shift = 0.1 * (k + 1) * np.ones(tuple(p.shape))
                p.add_(netopt.tensor(shift))
                q.add_(torch.tensor(shift))
        ours(netopt.tensor(x))
        theirs(torch.tensor(x))
        swa.update_parameters(ours)
        tswa_model.update_parameters(theirs)
    assert int(swa.n_averaged) == int(tswa_model.n_averaged) == 4
    for a, b in zip(_params(swa.module), _params(tswa_model.module), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(swa.module.buffers(), tswa_model.module.buffers(), strict=True):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-12)
    out = swa(netopt.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out, tswa_model(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_custom_avg_fn_is_used():
    net = _net(netopt)
    swa = swa_utils.AveragedModel(net, avg_fn=swa_utils.get_ema_avg_fn(0.5))
    swa.update_parameters(net)
    before = _params(swa.module)
    with netopt.no_grad():
        for p in net.parameters():
            p.add_(2.0)
    swa.update_parameters(net)
    for a, b in zip(_params(swa.module), before, strict=True):
        np.testing.assert_allclose(a, b + 1.0)  # 0.5 * b + 0.5 * (b + 2)


def test_update_bn_matches_torch():
    ours, theirs = _net(netopt), _net(torch)
    x = np.random.default_rng(2).standard_normal((20, 3))
    loader = [(x[i : i + 5], None) for i in range(0, 20, 5)]
    swa_utils.update_bn([(netopt.tensor(a), b) for a, b in loader], ours)
    tswa.update_bn([(torch.tensor(a), b) for a, b in loader], theirs)
    bn, tbn = ours[1], theirs[1]
    np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
    assert bn.momentum == tbn.momentum == 0.1 and ours.training


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4])
def test_swalr_matches_torch(strategy, anneal_epochs):
    def run(lib, module):
        w = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [w]}, {"params": [lib.zeros(1, requires_grad=True)],
                                                "lr": 0.3}], lr=0.1)  # fmt: skip
        sched = module.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                             anneal_strategy=strategy)  # fmt: skip
        out = []
        for _ in range(8):
            opt.step()
            sched.step()
            out.append([g["lr"] for g in opt.param_groups])
        return out

    np.testing.assert_allclose(run(netopt, swa_utils), run(torch, tswa), rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"anneal_strategy": "exp"}, ValueError), ({"anneal_epochs": -1}, ValueError),
     ({"swa_lr": [0.1, 0.2]}, ValueError)],
)  # fmt: skip
def test_swalr_errors_as_torch(kwargs, error):
    kwargs = {"swa_lr": 0.05, **kwargs}
    with pytest.raises(error) as theirs:
        tswa.SWALR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), **kwargs)
    with pytest.raises(error) as ours:
        swa_utils.SWALR(netopt.optim.SGD([netopt.zeros(1, requires_grad=True)], lr=0.1), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_averaged_model_is_a_module_with_the_copy():
    net = nn.Linear(2, 1)
    swa = swa_utils.AveragedModel(net, device="cpu")
    assert isinstance(swa, nn.Module) and swa.module is not net
    with pytest.raises(RuntimeError, match="CPU only"):
        swa_utils.AveragedModel(net, device="cuda")
