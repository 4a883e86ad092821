"""Bad sweeps are refused with a clear message before any trial starts."""

from __future__ import annotations

import pytest

from netopt.sweep import Sweep, run

LR = {"low": 1e-3, "high": 1.0, "log": True, "n": 3}

CASES = [
    (
        dict(problem="ravine", space={"optimizer": ["sgd", "lion"], "lr": 0.1}),
        r"Invalid optimizer: 'lion' \(expected one of sgd, adagrad, rmsprop, adam, adamw\)",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": [0.1, -0.5]}),
        r"Invalid learning rate: -0.5",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": {"low": -1, "high": 1}}),
        r"Invalid learning rate: -1.0",
    ),
    (dict(problem="ravine", space={}), r"search space is empty"),
    (dict(problem="ravine", space={"lr": []}), r"dimension 'lr' is an empty list"),
    (dict(problem="no_such_problem", space={"lr": 0.1}), r"unknown problem 'no_such_problem'"),
    (dict(problem="nomodule_xyz:fn", space={"lr": 0.1}), r"cannot import problem"),
    (
        dict(problem="ravine", space={"optimizer": "adam", "lr": 0.1, "momentum": 0.9}),
        r"hyper-parameter 'momentum' does not apply to optimizer 'adam'",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": 0.1, "momentum": 1.5}),
        r"Invalid momentum value: 1.5",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": 0.1, "dropout": 0.5}),
        r"'dropout' does not apply to problem 'ravine'",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": 0.1, "lrr": 0.5}),
        r"'lrr' does not apply to problem 'ravine'",
    ),
    (dict(problem="ravine", space={"lr": LR}, sampler="random"), r"needs n_trials >= 1"),
    (
        dict(problem="ravine", space={"lr": {"low": 1e-3, "high": 1.0, "log": True}}),
        r"grid sampler needs n .* range 'lr'",
    ),
    (dict(problem="ravine", space={"lr": LR}, sampler="bayes"), r"unknown sampler 'bayes'"),
    (dict(problem="ravine", space={"lr": LR}, pruner="asha"), r"unknown pruner 'asha'"),
    (
        dict(problem="ravine", space={"lr": LR}, pruner="median", pruner_options={"x": 1}),
        r"pruner 'median' takes no option 'x'",
    ),
    (
        dict(problem="ravine", space={"lr": LR}, options={"epochs": 3}),
        r"problem 'ravine' has no option 'epochs'",
    ),
    (
        dict(problem="digits", space={"optimizer": "sgd", "lr": 0.1, "batch_size": 0}),
        r"Invalid batch_size: 0",
    ),
    (
        dict(problem="digits", space={"optimizer": "sgd", "lr": 0.1, "schedule": "linear"}),
        r"Invalid schedule: 'linear'",
    ),
    (
        dict(problem="digits", space={"optimizer": "sgd", "lr": 0.1, "gamma": 0.5}),
        r"'gamma' does not apply to schedule 'constant'",
    ),
    (
        dict(problem="ravine", space={"optimizer": "sgd", "lr": 0.1, "nesterov": True}),
        r"Nesterov momentum requires a momentum",
    ),
    (
        dict(problem="ravine", space={"lr": {"low": 1.0, "high": 0.1}}),
        r"range 'lr' needs numbers low < high",
    ),
    (dict(problem="ravine", space={"lr": LR}, seed=-1), r"seed must be a non-negative int"),
]


@pytest.mark.parametrize(("kwargs", "message"), CASES)
def test_bad_sweeps_raise_before_anything_runs(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        run(Sweep(**kwargs), tmp_path / "run", executor="inprocess")
    assert not (tmp_path / "run").exists()  # nothing stored, nothing run


def test_sweep_file_errors_name_the_bad_key(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[sweep]\nproblem = "ravine"\nsamplr = "grid"\n[space]\nlr = 0.1\n')
    with pytest.raises(ValueError, match=r"unknown key 'samplr' in \[sweep\]"):
        Sweep.from_file(path)
    path.write_text("[sweep\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        Sweep.from_file(path)


def test_a_run_directory_refuses_a_different_sweep(tmp_path):
    first = Sweep("ravine", {"optimizer": "sgd", "lr": [0.01]}, options={"steps": 2})
    run(first, tmp_path, executor="inprocess")
    other = Sweep("ravine", {"optimizer": "sgd", "lr": [0.02]}, options={"steps": 2})
    with pytest.raises(ValueError, match="holds a different sweep"):
        run(other, tmp_path, executor="inprocess")
