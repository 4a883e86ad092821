"""``netopt lab --out``: checked before any work; the report swapped in whole, never mixed."""

from __future__ import annotations

import json
import os

import pytest

from netopt.cli import main
from netopt.lab import core, report
from netopt.lab.core import Claim, Experiment, Result
from netopt.lab.runner import run_experiments


def _experiment(name, calls):
    def body(ctx):
        calls.append(name)
        return Result(claims=[Claim("holds", True, "e", kind="check")])

    return Experiment(name, "T", "题", "-", 99, body)


@pytest.fixture
def counted(monkeypatch):
    calls: list[str] = []
    monkeypatch.setitem(core.REGISTRY, "zz_counted", _experiment("zz_counted", calls))
    return calls


def test_an_out_that_is_a_file_exits_2_before_any_experiment(capsys, tmp_path, counted):
    target = tmp_path / "report.html"
    target.write_text("mine")
    assert main(["lab", "zz_counted", "--out", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert counted == [] and target.read_text() == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_exits_2_before_any_experiment(capsys, tmp_path, counted):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(["lab", "zz_counted", "--out", str(locked / "r")]) == 2
        assert "cannot write the report" in capsys.readouterr().err
        assert counted == []
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs a read-only /proc")
def test_a_read_only_file_system_exits_2_before_any_experiment(capsys, counted):
    assert main(["lab", "zz_counted", "--out", "/proc/self/netopt-report"]) == 2
    assert "cannot write the report" in capsys.readouterr().err
    assert counted == []


def _runs(calls, name="zz_counted"):
    return run_experiments([_experiment(name, calls)], seed=0, quick=True)


def test_a_run_killed_before_the_swap_leaves_the_old_report_whole(tmp_path, monkeypatch):
    out = tmp_path / "r"
    report.write_report(_runs([]), out, seed=1, quick=True)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run stops after the figures and results.json

    monkeypatch.setattr(report, "render_page", killed)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(_runs([]), out, seed=2, quick=True)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert json.loads((out / "results.json").read_text())["seed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no build folder left


def test_the_new_report_replaces_the_old_and_keeps_other_files(tmp_path):
    out = tmp_path / "r"
    report.write_report(_runs([]), out, seed=1, quick=True)
    (out / "notes.txt").write_text("mine")
    (out / "figures" / "other-plot.png").write_bytes(b"keep")
    (out / "figures" / "zz_counted-stale.png").write_bytes(b"old")
    report.write_report(_runs([]), out, seed=2, quick=True)
    assert json.loads((out / "results.json").read_text())["seed"] == 2
    assert "seed" in (out / "index.html").read_text()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "figures" / "other-plot.png").read_bytes() == b"keep"
    assert not (out / "figures" / "zz_counted-stale.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_an_open_report_folder_keeps_the_old_report_until_the_reader_leaves(tmp_path):
    # a reader holding the folder (a browser, a server) sees one whole report: the swap
    # moves the folder, it does not rewrite the files in it
    out = tmp_path / "r"
    report.write_report(_runs([]), out, seed=1, quick=True)
    fd = os.open(out, os.O_RDONLY)
    try:
        report.write_report(_runs([]), out, seed=2, quick=True)
        old_results = os.open("results.json", os.O_RDONLY, dir_fd=fd)
        with os.fdopen(old_results) as f:
            seen = json.loads(f.read())["seed"]
    except FileNotFoundError:
        seen = None  # the old folder was removed after the swap: nothing mixed either
    finally:
        os.close(fd)
    assert seen in (1, None)
    assert json.loads((out / "results.json").read_text())["seed"] == 2
