"""The ``mnist1d_cnn`` problem: the MNIST-1D paper's CNN, trained like the MLP problems."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netopt import nn, tensor
from netopt.sweep import Sweep, run
from netopt.sweep.api import load_rows
from netopt.sweep.models import _cnn, mnist1d_cnn
from netopt.sweep.problems import names, resolve

# Every training parameter but dropout, with values that each reach the trial.
FULL_SPACE = {
    "optimizer": "adamw",
    "lr": 3e-3,
    "beta1": 0.85,
    "beta2": 0.99,
    "weight_decay": 1e-3,
    "schedule": "cosine",
    "eta_min": 1e-4,
    "batch_size": 64,
    "init": "kaiming_uniform",
    "l1": 1e-5,
    "l2": 1e-4,
    "seed": [0, 1],
}


def test_the_problem_is_registered_with_the_mlp_problems_objective():
    assert "mnist1d_cnn" in names() and "mnist1d" in names()
    cnn, mlp = resolve("mnist1d_cnn"), resolve("mnist1d")
    assert cnn.metric == mlp.metric == "val_loss"
    # the CNN has no hidden sizes or activation to choose; the rest is the MLP's
    assert set(mlp.options) - set(cnn.options) == {"hidden", "activation"}
    assert cnn.params == mlp.params - {"dropout"}
    Sweep("mnist1d_cnn", FULL_SPACE).validate()


def test_the_builder_is_the_papers_convbase():
    model = mnist1d_cnn(np.random.default_rng(0))
    shapes = [tuple(p.shape) for p in model.parameters()]
    # lengths (L + 2*1 - k)//2 + 1: 40 -> 19 -> 10 -> 5, so 25 * 5 = 125 features
    assert shapes == [(25, 1, 5), (25,), (25, 25, 3), (25,), (25, 25, 3), (25,), (10, 125), (10,)]
    assert sum(math.prod(s) for s in shapes) == 150 + 1900 + 1900 + 1260
    torch = pytest.importorskip("torch")
    ref = torch.nn.Sequential(
        torch.nn.Conv1d(1, 25, 5, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv1d(25, 25, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv1d(25, 25, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(125, 10),
    ).double()  # fmt: skip
    with torch.no_grad():
        for p, q in zip(ref.parameters(), model.parameters(), strict=True):
            p.copy_(torch.from_numpy(np.asarray(q.data, dtype=np.float64)))
    x = np.random.default_rng(1).standard_normal((3, 40))
    want = ref(torch.from_numpy(x)[:, None]).detach().numpy()
    got = model(tensor(x.astype(np.float32))).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_init_redraws_every_weight_and_zeroes_every_bias():
    model = _cnn({"init": "kaiming_normal"}, np.random.default_rng(0))
    layers = [m for m in model if isinstance(m, nn.Conv1d | nn.Linear)]
    assert len(layers) == 4
    for layer in layers:
        w = np.asarray(layer.weight.data)
        fan_in = math.prod(w.shape[1:])  # in_channels * kernel, or in_features
        # kaiming_normal_ (a=0, leaky_relu gain sqrt(2)): sd = sqrt(2 / fan_in); the default
        # init is uniform with sd 1/sqrt(3 fan_in), 0.41 times that
        sd = math.sqrt(2.0 / fan_in)
        assert abs(w.std() - sd) < 0.15 * sd, (w.shape, w.std(), sd)
        assert not np.asarray(layer.bias.data).any()


def test_a_small_sweep_runs_and_stores_finished_trials(tmp_path):
    space = {**FULL_SPACE, "batch_size": 500}
    sweep = Sweep("mnist1d_cnn", space, options={"epochs": 1, "val_fraction": 0.5}, name="cnn")
    result = run(sweep, tmp_path, executor="inprocess")
    assert (result.progress.done, result.progress.failed) == (2, 0)
    rows = load_rows(tmp_path)
    assert [r["state"] for r in rows] == ["complete", "complete"]
    assert sorted(r["param_seed"] for r in rows) == [0, 1]
    for row in rows:
        # 4,000 training signals, half held out for validation: 2,000 in ceil(2000/500) = 4
        # steps of one epoch
        assert row["metric_steps"] == 4 and row["metric_samples"] == 2000
        assert row["value"] == row["metric_val_loss"] and math.isfinite(row["value"])
        assert list(row["curve"]) == [1]
        assert 0.0 <= row["metric_test_acc"] <= 1.0
    assert rows[0]["trial_seed"] != rows[1]["trial_seed"]
    assert rows[0]["value"] != rows[1]["value"]  # another seed, another run


@pytest.mark.parametrize(
    ("space", "options", "message"),
    [
        (
            {"optimizer": "sgd", "lr": 0.1, "dropout": 0.2},
            {},
            r"hyper-parameter 'dropout' does not apply to problem 'mnist1d_cnn'",
        ),
        (
            {"optimizer": "sgd", "lr": 0.1},
            {"hidden": [100]},
            r"problem 'mnist1d_cnn' has no option 'hidden'",
        ),
        ({"optimizer": "sgd", "lr": 0.1, "init": "orthogonal"}, {}, r"Invalid init: 'orthogonal'"),
        (
            {"optimizer": "adam", "lr": 0.1, "momentum": 0.9},
            {},
            r"'momentum' does not apply to optimizer 'adam'",
        ),
    ],
)
def test_bad_options_are_refused_before_any_trial_starts(space, options, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        run(Sweep("mnist1d_cnn", space, options=options), tmp_path / "run", executor="inprocess")
    assert not (tmp_path / "run").exists()
