"""Sweeps on a real Dask LocalCluster, a client killed with SIGKILL, concurrent clients on
one store, and the command line."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from netopt.cli import main
from netopt.sweep import Sweep, run
from netopt.sweep.api import load_rows


def _table(rows):
    return sorted(
        (r["key"], r["state"], r["value"], r["trial_seed"], json.dumps(r["curve"])) for r in rows
    )


def test_local_cluster_gives_the_numbers_of_an_in_process_run(tmp_path):
    sweep = Sweep(
        "ravine",
        {"optimizer": ["sgd", "adam"], "lr": [0.003, 0.03], "when": {"sgd": {"momentum": 0.9}}},
        options={"steps": 40, "noise": 0.1},
        name="c",
    )
    result = run(sweep, tmp_path / "dask", executor="dask", workers=2)
    assert result.progress.done == 4 and result.progress.failed == 0
    run(sweep, tmp_path / "local", executor="inprocess")
    on_cluster, local = load_rows(tmp_path / "dask"), load_rows(tmp_path / "local")
    assert len(on_cluster) == 4
    assert _table(on_cluster) == _table(local)  # same seeds, same values, any worker


def _write_sweep(path, gate, name="k"):
    path.write_text(
        f"""
[sweep]
name = "{name}"
problem = "netopt_sweep_testprobs:gated"
sampler = "grid"
seed = 5

[problem]
gate = "{gate}"
gate_at = 3

[space]
q = [0, 1, 2, 3, 4, 5]
""",
        encoding="utf-8",
    )


def test_kill_9_mid_sweep_then_rerun_equals_an_uninterrupted_sweep(user_problems, tmp_path):
    gate, spec = tmp_path / "gate", tmp_path / "sweep.toml"
    _write_sweep(spec, gate)
    cmd = [sys.executable, "-m", "netopt", "sweep", "run", str(spec), "--inprocess", "--out"]
    client = subprocess.Popen([*cmd, str(tmp_path / "killed")], stdout=subprocess.DEVNULL)
    waiting = tmp_path / "gate.waiting"  # the trial q = 3 is running and blocks on the gate
    for _ in range(6000):
        if waiting.exists() or client.poll() is not None:
            break
        time.sleep(0.02)
    assert waiting.exists(), "the client never reached the gated trial"
    client.send_signal(signal.SIGKILL)
    client.wait()
    before = load_rows(tmp_path / "killed")
    assert sorted(r["param_q"] for r in before) == [0, 1, 2]  # finished before the kill
    gate.touch()
    assert main(["sweep", "run", str(spec), "--inprocess", "--out", str(tmp_path / "killed")]) == 0
    assert main(["sweep", "run", str(spec), "--inprocess", "--out", str(tmp_path / "once")]) == 0
    resumed, once = load_rows(tmp_path / "killed"), load_rows(tmp_path / "once")
    assert len(resumed) == 6 and _table(resumed) == _table(once)
    # the store keeps the interrupted trial as a stale failure, outside the table
    db = sqlite3.connect(tmp_path / "killed" / "study.db")
    states = [s for (s,) in db.execute("SELECT state FROM trials ORDER BY number")]
    db.close()
    assert states.count("FAIL") == 1 and states.count("COMPLETE") == 6


def test_concurrent_clients_on_one_store_do_not_corrupt_it(user_problems, tmp_path):
    store = f"sqlite:///{tmp_path / 'shared.db'}"
    clients = []
    for name in ("a", "b"):
        spec = tmp_path / f"{name}.toml"
        spec.write_text(
            f'[sweep]\nname = "{name}"\nproblem = "netopt_sweep_testprobs:quad"\n'
            f"[space]\nq = [0, 1, 2, 3, 4]\n",
            encoding="utf-8",
        )
        out = tmp_path / name
        clients.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "netopt",
                    "sweep",
                    "run",
                    str(spec),
                    "--inprocess",
                    "--storage",
                    store,
                    "--out",
                    str(out),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for client in clients:
        _, err = client.communicate(timeout=300)
        assert client.returncode == 0, err
    for name in ("a", "b"):
        rows = load_rows(tmp_path / name)
        assert sorted(r["param_q"] for r in rows) == list(range(5))
        assert all(r["state"] == "complete" for r in rows)
    db = sqlite3.connect(tmp_path / "shared.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


def test_cli_report_is_escaped_with_a_csp_and_a_csv(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        '[sweep]\nname = "<script>x</script>"\nproblem = "ravine"\n[problem]\nsteps = 10\n'
        '[space]\noptimizer = ["sgd", "adam"]\nlr = {low = 0.001, high = 0.1, log = true, n = 3}'
        "\nseed = [0, 1]\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert main(["sweep", "run", str(spec), "--inprocess", "--out", str(out)]) == 0
    assert "12 of 12 trials finished" in capsys.readouterr().out
    assert main(["sweep", "report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="Content-Security-Policy"' in html
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<svg" in html and "Best configurations" in html
    lines = (out / "trials.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 13 and lines[0].startswith("number,key,state,value")


def test_cli_refuses_a_bad_sweep_file(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nproblem = "ravine"\n[space]\nlr = -1.0\n', encoding="utf-8")
    assert main(["sweep", "run", str(spec), "--inprocess", "--out", str(tmp_path / "r")]) == 2
    assert "Invalid learning rate: -1.0" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_import_netopt_sweep_loads_neither_optuna_nor_dask():
    code = (
        "import sys, netopt, netopt.sweep; "
        "print([m for m in ('optuna', 'dask', 'distributed', 'sqlalchemy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["sweep", "problems"]])
def test_cli_lists_the_problems(argv, capsys):
    assert main(argv) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    problems = ("ravine", "rosenbrock", "saddle", "polynomial", "spirals", "digits", "mnist1d")
    assert listed >= {*problems, "mnist1d_cnn"}
