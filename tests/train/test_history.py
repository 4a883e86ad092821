"""History: columns, strict-JSON persistence (NaN and inf included), plotting; seeding."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from netopt.train import History, seeded_streams


def _history():
    h = History()
    h.append({"epoch": 1, "loss": 1.5, "grad_norms": {"w": 0.5}})
    h.append({"epoch": 2, "loss": math.nan, "val_loss": math.inf, "grad_norms": {"w": 2.0}})
    h.stop_reason = "non-finite training loss"
    return h


def test_columns_fill_missing_entries_with_nan():
    h = _history()
    assert h.keys() == ["epoch", "loss", "grad_norms", "val_loss"]
    assert h["epoch"] == [1, 2]
    assert math.isnan(h["val_loss"][0]) and h["val_loss"][1] == math.inf
    with pytest.raises(KeyError, match="no column 'accuracy'"):
        h["accuracy"]


def test_save_and_load_round_trip_through_strict_json(tmp_path):
    h = _history()
    path = h.save(tmp_path / "h.json")
    text = path.read_text()
    json.loads(text, parse_constant=pytest.fail)  # no bare NaN/Infinity tokens
    back = History.load(path)
    assert back.stop_reason == h.stop_reason and back["grad_norms"] == h["grad_norms"]
    assert back["loss"][0] == 1.5 and math.isnan(back["loss"][1])
    assert back["val_loss"][1] == math.inf


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cannot load history"),
        ('{"format": "other"}', "not a netopt history"),
        ('{"format": "netopt.history", "version": 99, "records": []}', "unsupported history"),
        ('{"format": "netopt.history", "version": 1, "records": [{"loss": NaN}]}', "NaN"),
    ],
)
def test_load_rejects_foreign_files(tmp_path, text, message):
    path = tmp_path / "h.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        History.load(path)


def test_append_validates_records():
    h = _history()
    with pytest.raises(ValueError, match="epochs must increase: epoch 2 after 2"):
        h.append({"epoch": 2})
    with pytest.raises(ValueError, match="needs an int 'epoch'"):
        h.append({"loss": 1.0})
    with pytest.raises(TypeError, match="which JSON cannot hold"):
        h.append({"epoch": 3, "model": object()})


def test_plot_draws_the_requested_columns():
    pytest.importorskip("matplotlib")
    h = _history()
    ax = h.plot()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"loss", "val_loss"}
    np.testing.assert_array_equal(lines["loss"].get_xdata(), [1, 2])
    np.testing.assert_array_equal(lines["loss"].get_ydata(), h["loss"])
    ax2 = h.plot(["loss"], logy=True)
    assert ax2.get_yscale() == "log" and ax2.get_xlabel() == "epoch"
    with pytest.raises(KeyError, match="no column 'acc'"):
        h.plot(["acc"])


def test_seeded_streams_are_spawned_children_of_one_seed_sequence():
    streams = seeded_streams(7, 3)
    children = np.random.SeedSequence(7).spawn(3)
    for g, child in zip(streams, children):
        assert g.random() == np.random.default_rng(child).random()
    assert len({g.random() for g in seeded_streams(7, 3)}) == 3
