"""The playground's logic without a server: settings, data, the race, "copy as Python"."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from netopt.playground import datasets
from netopt.playground.config import OPTIMIZERS, SCHEDULES, default_config, validate_config
from netopt.playground.race import check_race, run_race, stable_lr
from netopt.playground.script import python_script
from netopt.playground.trainer import Trainer

BAD_CONFIGS = [
    ({"dataset": "moons"}, "dataset must be one of"),
    ({"lr": 0}, r"lr must be a number in \[1e-06, 10.0\], got 0"),
    ({"lr": True}, "lr must be a number"),
    ({"n": 10.5}, "n must be an integer"),
    ({"batchnorm": "yes"}, "batchnorm must be true or false"),
    ({"hidden": [4, 0]}, "hidden must be a list"),
    ({"hidden": "4,2"}, "hidden must be a list"),
    ({"features": ["x3"]}, "features must be"),
    ({"features": ["x1", "x1"]}, "features must be"),
    ({"batch": 300, "n": 500, "train_ratio": 0.5}, "batch must be at most the 250"),
    ({"batch": 1, "batchnorm": True}, "batch norm needs batches of at least 2"),
    ({"nope": 1}, "unknown config key"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_CONFIGS)
def test_bad_settings_are_refused_with_their_name(raw, message):
    with pytest.raises(ValueError, match=message):
        validate_config(raw)


def test_defaults_fill_missing_keys():
    config = validate_config({"hidden": [], "features": ["x2", "x1"]})
    assert config["hidden"] == [] and config["features"] == ["x1", "x2"]
    assert {k: v for k, v in config.items() if k not in ("hidden", "features")} == {
        k: v for k, v in default_config().items() if k not in ("hidden", "features")
    }


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_datasets_split_and_label(name):
    rng = np.random.default_rng(0)
    xy_train, y_train, xy_test, y_test = datasets.make_dataset(name, 100, 0.1, 0.7, rng)
    assert xy_train.shape == (70, 2) and xy_test.shape == (30, 2)
    y = np.concatenate([y_train, y_test])
    if name in datasets.CLASSIFICATION:
        assert set(np.unique(y)) == {0.0, 1.0}
    assert np.all(np.isfinite(y))


def test_circle_labels_follow_the_radius_without_noise():
    xy, y, _, _ = datasets.make_dataset("circle", 200, 0.0, 0.9, np.random.default_rng(1))
    r = np.hypot(xy[:, 0], xy[:, 1])
    # inner disc: r <= 0.5 * 5 = 2.5; outer ring: r >= 0.7 * 5 = 3.5
    assert np.all(r[y == 1] <= 2.5 + 1e-12) and np.all(r[y == 0] >= 3.5 - 1e-12)


def test_features_are_the_named_functions():
    xy = np.array([[0.5, -2.0]])
    got = datasets.features(xy, list(datasets.FEATURES))
    expected = [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)]
    np.testing.assert_allclose(got[0], expected, rtol=1e-6)


def _run_script(code: str, tmp_path) -> tuple[float, float]:
    path = tmp_path / "run.py"
    path.write_text(code, encoding="utf-8")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    words = out.stdout.split()
    return float(words[words.index("train_loss") + 1]), float(words[words.index("test_loss") + 1])


SCRIPT_CASES = [
    {},
    {"optimizer": "momentum", "schedule": "step", "step_size": 2, "reg": "l1", "reg_rate": 1e-3},
    {"optimizer": "nesterov", "schedule": "exponential", "gamma": 0.9, "clip": "value"},
    {"optimizer": "adagrad", "schedule": "warm_restarts", "t_max": 2, "dataset": "plane"},
    {"optimizer": "rmsprop", "schedule": "warmup", "batchnorm": True, "dataset": "polynomial"},
    {
        "optimizer": "adamw",
        "schedule": "plateau",
        "patience": 0,
        "dropout": 0.3,
        "init": "he",
        "activation": "relu",
        "hidden": [8, 8, 8],
        "dataset": "spiral",
    },
    {
        "optimizer": "adam",
        "schedule": "cosine",
        "t_max": 3,
        "clip": "norm",
        "reg": "l2",
        "reg_rate": 0.01,
        "features": ["x1sq", "x2sq", "x1x2", "sinx2"],
        "dataset": "gauss",
    },
]


@pytest.mark.parametrize("raw", SCRIPT_CASES)
def test_the_copied_script_reproduces_the_run(raw, tmp_path):
    config = validate_config({"n": 120, "grid": 10, **raw})
    trainer = Trainer(config)
    for _ in range(4):
        trainer.train_epoch()
        trainer.probe()  # what the page draws must not change the run
        trainer.surface()
    train, test = _run_script(python_script(config, 4), tmp_path)
    assert abs(train - trainer.losses[0]) <= 1e-6 and abs(test - trainer.losses[1]) <= 1e-6


def test_every_optimizer_and_schedule_is_covered():
    assert {c.get("optimizer", "sgd") for c in SCRIPT_CASES} == set(OPTIMIZERS)
    assert {c.get("schedule", "none") for c in SCRIPT_CASES} == set(SCHEDULES)


def test_a_control_script_with_another_seed_differs(tmp_path):
    config = validate_config({"n": 120})
    trainer = Trainer(config)
    trainer.train_epoch()
    _, test = _run_script(python_script({**config, "seed": 1}, 1), tmp_path)
    assert abs(test - trainer.losses[1]) > 1e-6


def test_momentum_reaches_the_ravine_minimum_in_fewer_steps():
    race = check_race(
        {
            "surface": "ravine",
            "steps": 1000,
            "racers": [{"optimizer": "sgd", "lr": 0.1}, {"optimizer": "momentum", "lr": 0.1}],
        }
    )
    gd, momentum = run_race(race)
    # GD contracts the flat direction (curvature 0.2) by 1 - 0.1*0.2 = 0.98 a step: from
    # |x| = 8 to 1e-3 takes ln(8000)/-ln(0.98) = 444.4, so 445 steps; momentum 0.9 far fewer
    assert gd["reached"] == 445
    assert momentum["reached"] < gd["reached"] / 2


@pytest.mark.parametrize(("factor", "converges"), [(0.95, True), (1.05, False)])
def test_gradient_descent_obeys_the_stable_lr_bound(factor, converges):
    lam = [0.5, 8.0]
    lr = factor * stable_lr(tuple(lam))
    assert stable_lr(tuple(lam)) == 0.25
    race = check_race(
        {
            "surface": "quadratic",
            "eigenvalues": lam,
            "steps": 1000,
            "racers": [{"optimizer": "sgd", "lr": lr}],
        }
    )
    (result,) = run_race(race)
    assert (result["reached"] is not None) == converges
    assert result["diverged"] == (not converges)


def _frames(raw: dict, epochs: int) -> list[dict]:
    from netopt.playground.session import Session

    session = Session(send=None)
    session.trainer = Trainer(validate_config(raw))
    frames = [session._frame()]
    for _ in range(epochs):
        session.trainer.train_epoch()
        frames.append(session._frame())
    return frames


def test_a_diverging_run_is_flagged_with_the_chapter_remedy():
    # lr 10 on weights scaled by 10: the first steps overflow float32
    frames = _frames(
        {
            "lr": 10.0,
            "init_scale": 10.0,
            "hidden": [8, 8],
            "activation": "relu",
            "dataset": "plane",
            "schedule": "plateau",
        },
        2,
    )
    last = frames[-1]
    assert last["diverged"] and last["test_loss"] is None
    kinds = [f["kind"] for f in last["findings"]]
    assert "exploding_gradients" in kinds
    assert any("clipping" in r for f in last["findings"] for r in f["remedies"])


def test_a_healthy_run_has_no_gradient_findings_and_unit_maps_per_layer():
    import base64

    frames = _frames({"hidden": [5, 3], "lr": 0.1}, 5)
    last = frames[-1]
    assert not last["diverged"]
    kinds = {f["kind"] for f in last["findings"]}
    assert not kinds & {"exploding_gradients", "vanishing_gradients"}
    # the 2 input features, then the 5 and 3 hidden units, each on a 16x16 grid
    sizes = [len(base64.b64decode(m)) for m in last["units"]]
    assert sizes == [2 * 16 * 16, 5 * 16 * 16, 3 * 16 * 16]
    assert len(last["grad_norms"]) == 3 and len(last["weights"]) == 3
    assert [len(w) for w in last["weights"]] == [5, 3, 1]


def test_the_input_maps_are_oriented_like_the_plane():
    import base64

    config = validate_config({"features": ["x1", "x2"], "hidden": [2]})
    x1, x2 = np.frombuffer(base64.b64decode(Trainer(config).unit_maps(4)[0]), np.uint8).reshape(
        2, 4, 4
    )
    # grid centres -4.5, -1.5, 1.5, 4.5 scaled by 4.5 -> -1, -1/3, 1/3, 1 -> 0, 85, 170, 255
    np.testing.assert_array_equal(x1[0], [0, 85, 170, 255])  # x1 grows along a row
    np.testing.assert_array_equal(x2[:, 0], [255, 170, 85, 0])  # x2 falls down the rows


def test_every_remedy_has_its_chinese_text_in_the_same_order():
    """i18n.js's REMEDIES_ZH mirrors netopt.diagnose's REMEDIES kind by kind: the page shows
    the i-th Chinese text for the i-th remedy, so a remedy added, removed or moved in Python
    must show up here. Markers that survive translation (clip_grad_norm_, L1/L2, PCA, ELU,
    the note for remedies beyond the chapter) are checked in place."""
    import json
    import re
    from pathlib import Path

    from netopt.diagnose.findings import BEYOND, REMEDIES

    source = (
        Path(datasets.__file__).parent.joinpath("static", "i18n.js").read_text(encoding="utf-8")
    )
    block = re.search(r"const REMEDIES_ZH = \{(.*?)\n\};", source, re.S).group(1)
    beyond = json.loads(re.search(r'const BEYOND_ZH = ("[^"]*");', source).group(1))
    chinese = {}
    for kind, body in re.findall(r"(\w+): \[(.*?)\n  \]", block, re.S):
        items = re.findall(r'"((?:[^"\\]|\\.)*)"( \+ BEYOND_ZH)?', body)
        chinese[kind] = [json.loads(f'"{text}"') + (beyond if tail else "") for text, tail in items]
    assert list(chinese) == list(REMEDIES)
    for kind, english in REMEDIES.items():
        assert len(chinese[kind]) == len(english), kind
        for en, zh in zip(english, chinese[kind]):
            assert en.endswith(BEYOND) == zh.endswith(beyond), (kind, en, zh)
            for marker in ("clip_grad_norm_", "L1", "L2", "PCA", "ELU", "Leaky ReLU"):
                assert (marker in en) == (marker in zh), (kind, marker, en, zh)
