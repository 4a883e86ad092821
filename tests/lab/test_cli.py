"""``netopt lab``: listing, errors, exit status and an end-to-end run in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netopt.cli import main
from netopt.lab import core
from netopt.lab.core import Claim, Experiment, Result

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = {"seeds": 3, "tuning": "none", "statistic": "3 of 3 seeds"}


def test_list_names_every_experiment(capsys):
    assert main(["lab", "--list"]) == 0
    out = capsys.readouterr().out
    for name, zh in (
        ("entropy", "信息论中的熵"),
        ("activations", "激活函数"),
        ("gradients", "梯度"),
    ):
        line = next(line for line in out.splitlines() if line.startswith(name))
        assert zh in line


def test_unknown_experiment_is_a_usage_error(capsys, tmp_path):
    assert main(["lab", "entropyy", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'entropyy'" in err and "valid names: entropy" in err
    assert "gradients" in err
    assert not (tmp_path / "r").exists()


def test_negative_seed_is_a_usage_error(capsys, tmp_path):
    assert main(["lab", "entropy", "--seed", "-1", "--out", str(tmp_path)]) == 2
    assert "--seed must be a non-negative integer" in capsys.readouterr().err


def test_crashed_experiment_exits_1_and_others_still_run(monkeypatch, capsys, tmp_path):
    def boom(ctx):
        raise RuntimeError("deliberate")

    def fine(ctx):
        return Result(
            claims=[
                Claim("holds", True, "e", kind="check"),
                Claim("fails", False, "f", kind="finding", protocol=PROTOCOL),
            ]
        )

    monkeypatch.setitem(core.REGISTRY, "zz_boom", Experiment("zz_boom", "B", "乙", "-", 98, boom))
    monkeypatch.setitem(core.REGISTRY, "zz_fine", Experiment("zz_fine", "F", "甲", "-", 99, fine))
    assert main(["lab", "zz_boom", "zz_fine", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "zz_boom         CRASHED" in out and "RuntimeError: deliberate" in out
    assert "finding does not hold: fails (f)" in out
    assert "netopt lab: findings: 0 of 1 hold; checks: 1 of 1 (2 experiments), 1 crashed" in out
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [e["error"] for e in doc["experiments"]] == ["RuntimeError: deliberate", None]


def test_failing_claims_alone_exit_0(monkeypatch, capsys, tmp_path):
    def fails(ctx):
        return Result(claims=[Claim("fails", False, "f", kind="check")])

    monkeypatch.setitem(
        core.REGISTRY, "zz_fails", Experiment("zz_fails", "F", "丙", "-", 99, fails)
    )
    assert main(["lab", "zz_fails", "--out", str(tmp_path)]) == 0
    assert "findings: 0 of 0 hold; checks: 0 of 1" in capsys.readouterr().out


def test_end_to_end_entropy_quick(tmp_path):
    out = tmp_path / "tmp"
    env = {**os.environ, "CI": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "netopt", "lab", "entropy", "--quick", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Report: {(out / 'index.html').resolve()}" in result.stdout
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (entropy,) = doc["experiments"]
    assert entropy["name"] == "entropy" and entropy["error"] is None and doc["quick"] is True
    assert entropy["claims"] and all(c["holds"] for c in entropy["claims"])
    assert entropy["figures"]
    for name in entropy["figures"]:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Entropy in information theory (信息论中的熵)" in page
    assert "0.1438" in page and "slide 14" in page


@pytest.mark.parametrize("argv", [["lab", "--help"]])
def test_help_documents_exit_status_and_defaults(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--out", "--quick", "--seed", "--list", "netopt-report", "exit status: 0"):
        assert option in out
