"""``netopt diagnose RUN.json``: findings for a saved history, readable or JSON; clean errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netopt import nn, optim
from netopt.cli import build_parser, main
from netopt.diagnose import REMEDIES, diagnose
from netopt.train import History


def _run(capsys, *argv):
    status = main(["diagnose", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def overfit_run(tmp_path):
    """A saved history whose validation loss rose 20% while the training loss fell."""
    records = [
        {"epoch": e, "loss": t, "val_loss": v}
        for e, t, v in zip(range(1, 6), [1.0, 0.9, 0.5, 0.5, 0.5], [1.0, 0.5, 0.6, 0.7, 0.65])
    ]
    return History(records).save(tmp_path / "run.json")


def test_prints_each_finding_with_evidence_and_numbered_remedies(capsys, overfit_run):
    status, out, err = _run(capsys, str(overfit_run))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "1 problem found in 5 epochs:"
    assert "1. overfitting [warning]" in lines
    assert "     best_val_loss = 0.5" in lines
    numbered = [f"     {i}) {r}" for i, r in enumerate(REMEDIES["overfitting"], start=1)]
    start = lines.index("   remedies (in the chapter's order):") + 1
    assert lines[start : start + len(numbered)] == numbered


def test_json_output_equals_the_library_findings(capsys, overfit_run):
    status, out, _ = _run(capsys, str(overfit_run), "--json")
    assert status == 0
    expected = [f.to_dict() for f in diagnose(History.load(overfit_run))]
    assert json.loads(out) == expected and expected[0]["kind"] == "overfitting"


def test_task_option_reads_r2(capsys, tmp_path):
    path = History([{"epoch": 1, "loss": 1.0, "r2_score": 0.2}]).save(tmp_path / "r.json")
    assert "no problems found in 1 epochs" in _run(capsys, str(path))[1]
    assert "underfitting [warning]" in _run(capsys, str(path), "--task", "regression")[1]


def test_a_real_healthy_run_prints_no_problems(capsys, tmp_path):
    from netopt.data import DataLoader, TensorDataset
    from netopt.diagnose import LayerStats
    from netopt.train import fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [2.0]])).astype(np.float32)
    net = nn.Sequential(nn.Linear(3, 16, rng=rng), nn.Tanh(), nn.Linear(16, 1, rng=rng))
    history = fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.05),
                  DataLoader(TensorDataset(x, y), batch_size=16), epochs=10,
                  callbacks=[LayerStats(x)], progress=False)  # fmt: skip
    assert history["loss"][-1] < 0.5 * history["loss"][0]  # it learned
    status, out, _ = _run(capsys, str(history.save(tmp_path / "ok.json")))
    assert (status, out) == (0, "no problems found in 10 epochs\n")


def test_the_subcommand_is_registered():
    assert "diagnose" in build_parser().format_help()


BAD_FILES = [
    (None, "no such file"),
    ("{not json", "is not a History JSON file"),
    ('{"format": "other"}', "not a netopt history"),
    ('{"format": "netopt.history", "version": 1}', "malformed"),
    ('{"format": "netopt.history", "version": 1, "records": []}', "no epochs to diagnose"),
    ('{"format": "netopt.history", "version": 1, "records": [{"epoch": 1, "loss": "x"}]}',
     "epoch 1: 'loss' is 'x'"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_file_exits_2_with_a_clear_message(capsys, tmp_path, content, message):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    status, out, err = _run(capsys, str(path))
    assert status == 2 and out == ""
    assert err.startswith("netopt diagnose: error: ") and message in err


def test_a_folder_is_not_a_history(capsys, tmp_path):
    status, _, err = _run(capsys, str(tmp_path))
    assert status == 2 and "is not a file" in err
