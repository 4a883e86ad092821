"""Hostile command-line input ends in exit 2 and one clear message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from netopt import info
from netopt.cli import main


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_bins_far_beyond_a_two_row_csv_are_refused_cheaply(capsys, tmp_path):
    csv = tmp_path / "two.csv"
    csv.write_text("a,b\n1.0,2.0\n3.0,4.0\n")
    tracemalloc.start()
    try:
        status, _, err = _run(capsys, "info", "--csv", str(csv), "--x", "a", "--y", "b",
                              "--bins", "12000")  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 2
    assert "12000 bins are far beyond the data: 2 samples" in err
    assert peak < 50e6  # a 12000 x 12000 int64 table alone is 1.15 GB


def test_the_library_bounds_binned_tables():
    x = np.linspace(0.0, 1.0, 100_000)
    with pytest.raises(ValueError, match="8000 x 8000 contingency table"):
        info.contingency_table(x, x, bins=8000)
    with pytest.raises(ValueError, match="5000 bins are far beyond the data: 3 samples"):
        info.contingency_table([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], bins=5000)
    # within the bounds nothing changes: 1024 bins on 3 samples is allowed
    assert info.contingency_table([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], bins=1024).sum() == 3


def test_a_probability_too_large_for_a_float(capsys):
    status, _, err = _run(capsys, "info", "--p", "1e309")
    assert status == 2
    assert "--p: '1e309' is too large for a float" in err


def test_space_separated_probabilities_get_the_comma_hint(capsys):
    status, _, err = _run(capsys, "info", "--p", "0.5", "0.5")
    assert status == 2
    assert "--p takes one comma-separated list: --p 0.5,0.5" in err


def test_a_utf8_bom_does_not_hide_the_first_column(capsys, tmp_path):
    csv = tmp_path / "bom.csv"
    csv.write_text("a,b\n1,2\n1,2\n3,4\n", encoding="utf-8-sig")
    status, out, _ = _run(capsys, "info", "--csv", str(csv), "--x", "a", "--y", "b")
    assert status == 0
    assert "X = 'a'" in out


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_csv_from_a_device_is_refused(capsys):
    status, _, err = _run(capsys, "info", "--csv", "/dev/zero", "--x", "0", "--y", "1")
    assert status == 2
    assert "'/dev/zero' is not a regular file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_csv_from_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    cmd = [sys.executable, "-m", "netopt", "info", "--csv", str(fifo), "--x", "0", "--y", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "is not a regular file" in proc.stderr


def _history(tmp_path, loss_text):
    path = tmp_path / "run.json"
    path.write_text(
        '{"format": "netopt.history", "version": 1, "records": [{"epoch": 1, "loss": '
        + loss_text
        + "}]}"
    )
    return path


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        ("1" + "0" * 400, "holds values that are not a training history"),
        ("[" * 950 + "]" * 950, "nested"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
    ],
    ids=["10**400", "nesting-950", "nesting-100000"],
)
def test_diagnose_on_hostile_histories_exits_2(capsys, tmp_path, loss, message):
    status, _, err = _run(capsys, "diagnose", str(_history(tmp_path, loss)))
    assert status == 2
    assert message in err


def test_diagnose_on_a_file_that_is_not_json(capsys, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    status, _, err = _run(capsys, "diagnose", str(path))
    assert status == 2
    assert "is not a History JSON file" in err
    assert "Expecting value" not in err.split("(")[0]


def test_a_closed_pipe_ends_quietly():
    # the reader closes the pipe before netopt writes: the write fails with EPIPE
    cmd = [sys.executable, "-m", "netopt", "info", "--p", "0.5,0.5", "--q", "0.25,0.75"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    status = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert status == 1
