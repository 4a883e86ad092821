"""Callbacks: early stopping, the non-finite guard, the progress bar, loggers, checkpoints."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from netopt import nn, optim, train
from netopt.data import DataLoader, TensorDataset


class Snapshots(train.Callback):
    """Keeps the model's state_dict at every epoch's end."""

    def __init__(self):
        self.states = {}

    def on_train_begin(self, context):
        self.model = context.model

    def on_epoch_end(self, epoch, logs):
        self.states[epoch] = self.model.state_dict()


# Hand-worked sequences: (values, patience, min_delta, mode, best, best_epoch, stop epoch).
EARLY_STOPPING = [
    ([1.0, 0.9, 0.95, 0.91, 0.92], 2, 0.0, "min", 0.9, 2, 4),
    ([1.0, 0.96, 0.94, 0.9], 2, 0.05, "min", 0.94, 3, None),  # 0.96, 0.9 miss by < 0.05
    ([1.0, 1.0, 1.0], 1, 0.0, "min", 1.0, 1, 2),  # equal is not better
    ([0.2, 0.5, 0.4, 0.3, 0.6], 3, 0.0, "max", 0.6, 5, None),
    ([0.5, 0.4], 0, 0.0, "max", 0.5, 1, 2),
    ([math.nan, 0.3, math.nan, math.nan], 2, 0.0, "min", 0.3, 2, 4),  # NaN never improves
]


@pytest.mark.parametrize(
    ("values", "patience", "delta", "mode", "best", "at", "stop"), EARLY_STOPPING
)
def test_early_stopping_counts_epochs_without_improvement(
    values, patience, delta, mode, best, at, stop
):
    es = train.EarlyStopping("m", patience=patience, min_delta=delta, mode=mode)
    stopped = None
    for epoch, value in enumerate(values, start=1):
        es.on_epoch_end(epoch, {"m": value})
        if es.stop_training:
            stopped = epoch
            break
    assert (es.best_, es.best_epoch_, stopped, es.stopped_epoch_) == (best, at, stop, stop)


def test_early_stopping_restores_the_best_weights(mlp):
    # Validation labels are the training labels shifted: the better the fit, the worse val_loss.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, rng=rng)
    val = DataLoader(TensorDataset(x, (y + 1) % 3), batch_size=64)
    model, snaps = mlp(), Snapshots()
    es = train.EarlyStopping(patience=2)
    history = train.fit(
        model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), loader,
        epochs=30, val_loader=val, callbacks=[es, snaps],
    )  # fmt: skip
    best = int(np.argmin(history["val_loss"])) + 1
    assert len(history) == best + 2 < 30  # stopped after `patience` epochs without improvement
    assert es.best_epoch_ == best and es.stopped_epoch_ == len(history)
    assert "val_loss did not improve for 2 epochs" in history.stop_reason
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snaps.states[best][key])
    assert not np.array_equal(
        model.state_dict()["0.weight"], snaps.states[len(history)]["0.weight"]
    )


def test_early_stopping_state_round_trip_is_a_copy():
    es = train.EarlyStopping(patience=3)
    es.best_weights_ = {"w": np.ones(2)}
    es.on_epoch_end(1, {"val_loss": 0.5})  # no model attached: best value only
    es.on_epoch_end(2, {"val_loss": 0.7})
    state = es.state_dict()
    other = train.EarlyStopping(patience=3)
    other.load_state_dict(state)
    assert (other.best_, other.best_epoch_, other.wait_) == (0.5, 1, 1)
    state["best_weights"]["w"][0] = 5.0
    assert other.best_weights_["w"][0] == 1.0
    with pytest.raises(ValueError, match="monitor='loss'"):
        train.EarlyStopping(monitor="loss").load_state_dict(es.state_dict())


class NaNAt:
    """MSE-free loss wrapper that returns NaN at the given (1-based) call."""

    def __init__(self, call):
        self.call, self.calls = call, 0
        self.inner = nn.CrossEntropyLoss()

    def __call__(self, output, target):
        self.calls += 1
        loss = self.inner(output, target)
        return loss * math.nan if self.calls == self.call else loss


def test_non_finite_loss_raises_naming_epoch_and_batch(problem, mlp):
    model = mlp()
    with pytest.raises(train.NonFiniteLossError, match="nan at epoch 2, batch 3") as info:
        train.fit(model, NaNAt(6 + 3), optim.SGD(model.parameters(), lr=0.1), problem[0], epochs=4)
    assert (info.value.epoch, info.value.batch) == (2, 3)
    assert info.value.history["epoch"] == [1]


def test_non_finite_guard_can_stop_instead(problem, mlp, caplog):
    model = mlp()
    history = train.fit(
        model, NaNAt(2), optim.SGD(model.parameters(), lr=0.1), problem[0], epochs=4,
        callbacks=[train.NonFiniteGuard(action="stop")],
    )  # fmt: skip
    assert len(history) == 0
    assert history.stop_reason == "non-finite training loss nan at epoch 1, batch 2"
    assert "training stopped" in caplog.text


def test_guard_can_be_turned_off(problem, mlp):
    model = mlp()
    history = train.fit(
        model, NaNAt(2), optim.SGD(model.parameters(), lr=0.1), problem[0], epochs=1,
        nonfinite_guard=False,
    )  # fmt: skip
    assert math.isnan(history["loss"][0])


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    ("stream", "ci", "enabled", "shown"),
    [
        (io.StringIO, None, None, False),  # not a terminal
        (FakeTerminal, None, None, True),
        (FakeTerminal, "true", None, False),  # CI set
        (io.StringIO, "true", True, True),  # forced
        (FakeTerminal, None, False, False),
    ],
)
def test_progress_bar_is_silent_off_terminals_and_in_ci(
    problem, mlp, monkeypatch, stream, ci, enabled, shown
):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    out = stream()
    model = mlp()
    train.fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), problem[0],
        epochs=2, callbacks=[train.ProgressBar(file=out, enabled=enabled)],
    )  # fmt: skip
    text = out.getvalue()
    assert bool(text) is shown
    if shown:
        assert "epoch 2/2" in text and "batch 6/6" in text and "ETA" in text and "lr 0.1" in text


def test_csv_and_json_loggers_write_each_epoch(problem, mlp, tmp_path):
    model = mlp()
    csv_path, json_path = tmp_path / "log.csv", tmp_path / "log.jsonl"
    history = train.fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), problem[0],
        epochs=3, val_loader=problem[1], metrics=["accuracy"],
        callbacks=[train.CSVLogger(csv_path), train.JSONLogger(json_path)],
    )  # fmt: skip
    with csv_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["val_loss"]) for r in rows] == history["val_loss"]
    assert [float(r["grad_norms/0.weight"]) for r in rows] == [
        g["0.weight"] for g in history["grad_norms"]
    ]
    assert train.JSONLogger.read(json_path) == history.records
    more = train.fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), problem[0],
        epochs=4, val_loader=problem[1], metrics=["accuracy"], initial_epoch=3, history=history,
        callbacks=[train.CSVLogger(csv_path, append=True)],
    )  # fmt: skip
    with csv_path.open(newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == more["epoch"] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="has columns"):
        train.fit(
            model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), problem[0],
            epochs=1, callbacks=[train.CSVLogger(csv_path, append=True)],
        )  # fmt: skip


def test_model_checkpoint_saves_only_improvements(problem, mlp, tmp_path):
    model = mlp()
    path = tmp_path / "sub" / "best.safetensors"
    saver, snaps = train.ModelCheckpoint(path, save_best_only=True), Snapshots()
    opt = optim.SGD(model.parameters(), lr=1.5)  # large: val_loss goes up and down
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=8, val_loader=problem[1],
        callbacks=[saver, snaps],
    )  # fmt: skip
    best = int(np.argmin(history["val_loss"])) + 1
    fresh = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    ck = train.load_checkpoint(path, fresh)
    assert ck.epoch == saver.last_saved_epoch_ == best < len(history)
    assert ck.history["val_loss"] == history["val_loss"][:best]
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value, snaps.states[best][key])
