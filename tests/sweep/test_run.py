"""Running sweeps: results, samplers, pruners, failures and resumption on a real SQLite store."""

from __future__ import annotations

import math

import optuna
import pytest

from netopt.sweep import Sweep, load, run, run_inprocess
from netopt.sweep.api import load_rows


def _table(rows):
    return sorted((r["key"], r["state"], r["value"], r["trial_seed"]) for r in rows)


def _n_trials(run_dir, name):
    url = f"sqlite:///{run_dir / 'study.db'}"
    return len(optuna.load_study(study_name=name, storage=url).trials)


def test_one_sgd_step_on_the_ravine_matches_the_hand_computation():
    # f = (x^2 + 50 y^2)/2 from (-4, 1); grad = (x, 50 y) = (-4, 50);
    # lr 0.01: (x, y) = (-4 + 0.04, 1 - 0.5) = (-3.96, 0.5); f = (15.6816 + 12.5)/2
    rows = run_inprocess("ravine", {"optimizer": "sgd", "lr": 0.01}, options={"steps": 1})
    (row,) = rows
    assert row["state"] == "complete"
    assert row["metric_x"] == pytest.approx(-3.96) and row["metric_y"] == pytest.approx(0.5)
    assert row["value"] == pytest.approx((3.96**2 + 50 * 0.25) / 2)


def test_grid_runs_each_config_once_and_a_rerun_adds_nothing(tmp_path):
    sweep = Sweep(
        "ravine",
        {"optimizer": ["sgd", "adam"], "lr": [0.01, 0.05], "when": {"sgd": {"momentum": 0.9}}},
        options={"steps": 30},
        name="g",
    )
    first = run(sweep, tmp_path, executor="inprocess")
    assert (first.progress.done, first.progress.failed, first.progress.skipped) == (4, 0, 0)
    rows = load_rows(tmp_path)
    assert len(rows) == 4 and {r["state"] for r in rows} == {"complete"}
    again = run(sweep, tmp_path, executor="inprocess")
    assert again.progress.skipped == 4 and _n_trials(tmp_path, "g") == 4
    assert _table(load_rows(tmp_path)) == _table(rows)
    data = load(tmp_path)
    assert len(data) == 4  # a DataFrame with pandas, else a list of dicts


def test_random_and_tpe_finish_their_budget_and_resume_to_a_larger_one(tmp_path):
    space = {"optimizer": ["sgd", "adam"], "lr": {"low": 1e-3, "high": 0.3, "log": True}}
    for sampler in ("random", "tpe"):
        sweep = Sweep(
            "ravine", space, sampler=sampler, n_trials=6, options={"steps": 20}, name=sampler
        )
        run(sweep, tmp_path / sampler, executor="inprocess")
        assert _n_trials(tmp_path / sampler, sampler) == 6
        sweep.n_trials = 8
        run(sweep, tmp_path / sampler, executor="inprocess")
        rows = load_rows(tmp_path / sampler)
        assert len(rows) == 8 and len({r["key"] for r in rows}) == 8
        assert all(1e-3 <= r["param_lr"] <= 0.3 for r in rows)


def test_median_pruner_stops_trials_worse_than_the_median(user_problems):
    # q = 0, 1 complete (2 start-up trials); from q = 2 on, the value reported at step 1
    # (q) exceeds the median of the completed trials at step 1 (0.5), so each stops there.
    rows = run_inprocess(
        f"{user_problems}:quad",
        {"q": [0, 1, 2, 3, 4]},
        pruner="median",
        pruner_options={"n_startup_trials": 2, "n_warmup_steps": 0},
    )
    by_q = {r["param_q"]: r for r in rows}
    assert [by_q[q]["state"] for q in range(5)] == ["complete"] * 2 + ["pruned"] * 3
    assert all(by_q[q]["pruned_at"] == 1 for q in (2, 3, 4))


@pytest.mark.parametrize("pruner", ["hyperband", "halving"])
def test_hyperband_and_successive_halving_prune_some_trials(user_problems, pruner):
    options = {"min_resource": 1, "reduction_factor": 3}
    if pruner == "hyperband":
        options["max_resource"] = 9
    rows = run_inprocess(
        f"{user_problems}:quad", {"q": list(range(12))}, pruner=pruner, pruner_options=options
    )
    states = [r["state"] for r in sorted(rows, key=lambda r: r["param_q"])]
    assert states[0] == "complete"  # the best trial ran first: nothing beats it
    pruned = [r for r in rows if r["state"] == "pruned"]
    assert pruned and all(1 <= r["pruned_at"] <= 9 for r in pruned)
    assert min(r["pruned_at"] for r in pruned) < 9  # some stopped before the full budget
    assert all(len(r["curve"]) == r["pruned_at"] for r in pruned)


def test_failures_are_stored_with_their_error_and_the_sweep_goes_on(user_problems, tmp_path):
    sweep = Sweep(f"{user_problems}:flaky", {"q": [0, 1, 2, 3, 4]}, name="f")
    result = run(sweep, tmp_path, executor="inprocess")
    assert (result.progress.done, result.progress.failed) == (5, 3)
    by_q = {r["param_q"]: r for r in load_rows(tmp_path)}
    assert by_q[1]["state"] == "fail" and "RuntimeError: boom <b>" in by_q[1]["error"]
    assert "objective 'loss' is not finite" in by_q[2]["error"]
    assert "reported value is not finite at step 1" in by_q[3]["error"]
    assert by_q[0]["state"] == by_q[4]["state"] == "complete"
    assert math.isclose(by_q[4]["value"], 4.0, abs_tol=1e-3)
    # a failure is a finished trial: the rerun does not run it again
    assert run(sweep, tmp_path, executor="inprocess").progress.skipped == 5
    assert _n_trials(tmp_path, "f") == 5


def test_model_problem_reports_counted_work_and_held_out_metrics():
    rows = run_inprocess(
        "spirals",
        {"optimizer": "adam", "lr": 0.01, "batch_size": 40, "l2": 1e-4},
        options={"epochs": 2, "n_samples": 100},
    )
    (row,) = rows
    # 100 points, 25 held out as test, 20% of the 75 left (15) as validation: 60 train,
    # 2 epochs of ceil(60/40) = 2 steps; 120 samples.
    assert row["metric_steps"] == 4 and row["metric_samples"] == 120
    assert 0.0 <= row["metric_test_acc"] <= 1.0 and row["value"] == row["metric_val_loss"]
    assert sorted(row["curve"]) == [1, 2]


def test_schedules_inits_dropout_and_penalties_reach_the_model():
    rows = run_inprocess(
        "polynomial",
        {
            "optimizer": "sgd",
            "lr": 0.05,
            "schedule": ["step", "cosine"],
            "init": "xavier_uniform",
            "l1": 1e-4,
            "batch_size": 16,
        },
        options={"epochs": 3},
    )
    assert [r["state"] for r in rows] == ["complete", "complete"]
    assert rows[0]["value"] != rows[1]["value"]  # the schedule changed the run


def test_a_yaml_sweep_file_reads_like_toml(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "s.yaml"
    path.write_text(
        "sweep: {name: y, problem: ravine, sampler: random, n_trials: 3, seed: 1}\n"
        "problem: {steps: 5}\n"
        "space: {optimizer: [sgd, adam], lr: {low: 0.001, high: 0.1, log: true}}\n",
        encoding="utf-8",
    )
    sweep = Sweep.from_file(path)
    assert (sweep.sampler, sweep.n_trials, sweep.options) == ("random", 3, {"steps": 5})
    assert len(sweep.planned()) == 3


def test_a_closure_runs_in_process_and_is_refused_for_dask(tmp_path):
    scale = 3.0

    def closure(config, report):
        return {"loss": scale * config["q"]}

    rows = run_inprocess(closure, {"q": [1, 2]})
    assert sorted(r["value"] for r in rows) == [3.0, 6.0]
    with pytest.raises(ValueError, match=r"is not importable .* executor='inprocess'"):
        run(Sweep(closure, {"q": [1]}), tmp_path / "r", executor="dask")
    assert not (tmp_path / "r").exists()
