"""Search spaces: parsing, grids, random draws, config keys and derived seeds."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from netopt.sweep import Space, Sweep, config_key, derive_seed


def test_log_grid_points_and_conditional_branches():
    space = Space.parse(
        {
            "optimizer": ["sgd", "adam"],
            "lr": {"low": 1e-3, "high": 1e-1, "log": True, "n": 3},
            "when": {"sgd": {"momentum": [0.0, 0.9]}},
        }
    )
    grid = space.grid()
    # sgd: 3 lr x 2 momentum; adam: 3 lr (momentum does not apply) -> 9
    assert len(grid) == 9
    assert sorted({c["lr"] for c in grid}) == [0.001, 0.01, 0.1]
    assert all("momentum" not in c for c in grid if c["optimizer"] == "adam")
    assert sum(c["optimizer"] == "sgd" for c in grid) == 6


def test_linear_int_grid():
    space = Space.parse({"batch_size": {"low": 8, "high": 32, "int": True, "n": 4}})
    assert [c["batch_size"] for c in space.grid()] == [8, 16, 24, 32]


def test_random_configs_depend_only_on_the_seed_and_stay_in_range():
    spec = {"optimizer": ["sgd", "adam"], "lr": {"low": 1e-4, "high": 1.0, "log": True}}
    a = Sweep("ravine", spec, sampler="random", n_trials=20, seed=3).planned()
    b = Sweep("ravine", spec, sampler="random", n_trials=20, seed=3).planned()
    c = Sweep("ravine", spec, sampler="random", n_trials=20, seed=4).planned()
    assert a == b and a != c
    assert len({config_key(x) for x in a}) == 20
    assert all(1e-4 <= x["lr"] <= 1.0 for x in a)
    # a longer random sweep of the same seed starts with the same configs
    longer = Sweep("ravine", spec, sampler="random", n_trials=30, seed=3).planned()
    assert longer[:20] == a


def test_random_draws_no_more_configs_than_the_space_holds():
    space = Space.parse({"optimizer": ["sgd", "adam"], "lr": [0.1, 0.2]})
    assert len(space.random(10, seed=0)) == 4


def test_config_key_is_the_sha256_of_the_canonical_json():
    config = {"optimizer": "sgd", "lr": 0.1}
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    assert config_key(config) == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert config_key({"lr": 0.1, "optimizer": "sgd"}) == config_key(config)


def test_derived_seed_is_seedsequence_of_root_and_config_hash():
    config = {"optimizer": "adam", "lr": 0.01, "seed": 2}
    digest = hashlib.sha256(
        json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    ).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    state = np.random.SeedSequence(7, spawn_key=words).generate_state(2, np.uint32)
    expected = ((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)
    assert derive_seed(7, config) == expected
    assert derive_seed(7, {**config, "seed": 3}) != expected


def test_space_round_trips_through_plain_data():
    spec = {
        "optimizer": ["sgd", "adam"],
        "lr": {"low": 0.001, "high": 0.1, "log": True, "n": 3},
        "seed": [0, 1],
        "when": {"sgd": {"momentum": 0.9}},
    }
    space = Space.parse(spec)
    assert Space.parse(space.to_dict()) == space


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tpe_suggestions_stay_in_the_space(seed):
    optuna = pytest.importorskip("optuna")
    space = Space.parse(
        {
            "optimizer": ["sgd", "adam"],
            "lr": {"low": 1e-3, "high": 1.0, "log": True},
            "when": {"sgd": {"momentum": {"low": 0.0, "high": 0.95}}},
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    config = space.suggest(study.ask())
    assert config["optimizer"] in ("sgd", "adam") and 1e-3 <= config["lr"] <= 1.0
    assert ("momentum" in config) == (config["optimizer"] == "sgd")
