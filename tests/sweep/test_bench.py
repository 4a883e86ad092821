"""The benchmark protocol: the same tuning budget per method, fresh seeds, counted work."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from netopt.sweep.bench import Protocol, Task, compare, performance_profile
from netopt.sweep.bench_report import write_bench


@pytest.fixture(scope="module")
def results():
    task = Task("ravine", {"steps": 30, "target": 5.0}, "loss")
    methods = {"sgd": {"optimizer": "sgd"}, "momentum": {"optimizer": "sgd", "momentum": 0.9}}
    protocol = Protocol(n_lr=3, lr_low=1e-3, lr_high=1e-1, tune_seeds=1, final_seeds=2)
    return task, protocol, compare(task, methods, protocol)


def test_sgd_picks_the_largest_stable_rate_of_the_grid(results):
    # f = (x^2 + 50 y^2)/2: GD contracts x by (1 - lr) and y by (1 - 50 lr) per step;
    # lr = 0.1 diverges in y (|1 - 5| = 4), lr = 0.01 beats lr = 0.001 in x.
    _, _, res = results
    sgd = next(r for r in res if r.method == "sgd")
    assert sgd.lr == pytest.approx(0.01)
    curve = dict(sgd.tuning)
    assert curve[0.1] > curve[0.001] > curve[0.01]
    expected = 0.5 * (16 * 0.99**60 + 50 * 0.5**60)  # no gradient noise: every seed alike
    assert sgd.values == pytest.approx([expected, expected])
    assert sgd.mean == pytest.approx(expected) and sgd.sd == pytest.approx(0.0, abs=1e-12)


def test_time_to_target_counts_steps(results):
    # gap_t = 8 (0.99^(2t)) + 25 (0.5^(2t)) <= 5 first at t = ceil(log(5/8) / (2 log 0.99))
    _, _, res = results
    sgd = next(r for r in res if r.method == "sgd")
    t = next(t for t in range(1, 31) if 8 * 0.99 ** (2 * t) + 25 * 0.25**t <= 5)
    assert sgd.steps_to_target == t and sgd.reached == 2
    assert sgd.samples_to_target is None  # a surface has no training samples


def test_every_method_got_the_same_budget(results):
    _, protocol, res = results
    assert {len(r.tuning) for r in res} == {protocol.n_lr}


def test_performance_profile_of_two_problems():
    from netopt.sweep.bench import MethodResult

    rs = [
        MethodResult("p", "a", 0.1, steps_to_target=10.0),
        MethodResult("p", "b", 0.1, steps_to_target=30.0),
        MethodResult("q", "a", 0.1, steps_to_target=8.0),
        MethodResult("q", "b", 0.1, steps_to_target=4.0),
    ]
    # ratios: a = (1, 2), b = (3, 1)
    assert performance_profile(rs) == {"a": [(1.0, 0.5), (2.0, 1.0)], "b": [(1.0, 0.5), (3.0, 1.0)]}


def test_bench_files_are_strict_json_and_a_safe_page(results, tmp_path):
    task, protocol, res = results
    data = {
        "suite": "test",
        "protocol": asdict(protocol),
        "tasks": [asdict(task)],
        "results": [asdict(r) for r in res],
        "profile": performance_profile(res),
    }
    paths = write_bench(tmp_path, data)
    text = paths["json"].read_text()
    assert "Infinity" not in text and "NaN" not in text  # strict JSON: unreached is null
    loaded = json.loads(text)
    assert [r["method"] for r in loaded["results"]] == ["sgd", "momentum"]
    html = paths["html"].read_text()
    assert "Content-Security-Policy" in html and "<script" not in html
    assert paths["csv"].read_text().count("\n") == 1 + len(res)
