"""``layer_stats`` and the ``LayerStats`` callback: hand-built layers with known answers."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.diagnose import LayerStats, layer_stats
from netopt.train import History, fit


def linear(weights, bias=None):
    """A Linear layer with the given (out, in) weights and bias (zeros by default)."""
    w = np.asarray(weights, dtype=np.float32)
    layer = nn.Linear(w.shape[1], w.shape[0])
    layer.weight.data[:] = w
    layer.bias.data[:] = 0.0 if bias is None else bias
    return layer


def sigmoid_root(tau):
    """|z| where sigma'(z) = sigma(1 - sigma) = tau: sigma = (1 - sqrt(1 - 4 tau)) / 2."""
    s = (1 - math.sqrt(1 - 4 * tau)) / 2
    return -math.log(s / (1 - s))


def tanh_root(tau):
    """|z| where tanh'(z) = 1 - tanh(z)^2 = tau."""
    return math.atanh(math.sqrt(1 - tau))


def one_row():
    return np.ones((3, 1), np.float32)


@pytest.mark.parametrize("tau", [0.01, 0.1])
@pytest.mark.parametrize(
    ("activation", "root"), [(nn.Sigmoid, sigmoid_root), (nn.Tanh, tanh_root)], ids=["sig", "tanh"]
)
def test_saturation_boundary_is_the_closed_form_root(activation, root, tau):
    z = root(tau)
    # inputs just inside, just outside (both signs) and at 0: two of four units saturated
    net = nn.Sequential(linear([[z - 1e-3], [z + 1e-3], [-z - 1e-3], [0.0]]), activation())
    stats = layer_stats(net, one_row(), threshold=tau)
    assert stats["layers"][1] == {"name": "1", "type": activation.__name__, "saturated": 0.5}
    assert stats["threshold"] == tau and stats["probe_size"] == 3


def test_default_threshold_means_the_documented_inputs():
    assert sigmoid_root(0.01) == pytest.approx(4.585, abs=5e-4)
    assert tanh_root(0.01) == pytest.approx(2.993, abs=5e-4)


def test_dead_relu_is_zero_on_every_probe_sample():
    # units: x, -x, x - 5, 5 - x on samples 1, 2, -1: only x - 5 is never positive
    net = nn.Sequential(linear([[1.0], [-1.0], [1.0], [-1.0]], [0, 0, -5, 5]), nn.ReLU())
    probe = np.array([[1.0], [2.0], [-1.0]], np.float32)
    assert layer_stats(net, probe)["layers"][1] == {"name": "1", "type": "ReLU", "dead": 0.25}


def test_linear_entries_hold_weight_and_gradient_norms():
    net = nn.Sequential(linear([[3.0, 4.0]]), nn.Tanh(), linear([[1.0]]))
    stats = layer_stats(net, np.zeros((2, 2), np.float32), grad_norms={"0.weight": 0.25})
    first, _, last = stats["layers"]
    assert first == {"name": "0", "type": "Linear", "weight_norm": 5.0, "grad_norm": 0.25}
    assert last == {"name": "2", "type": "Linear", "weight_norm": 1.0, "grad_norm": None}


def test_nested_sequential_runs_every_layer_in_eval_mode_and_restores_modes():
    bn = nn.BatchNorm1d(2)
    inner = nn.Sequential(bn, nn.Dropout(0.5), nn.Sigmoid())
    net = nn.Sequential(linear([[1.0, 0.0], [0.0, 1.0]]), inner, nn.Flatten())
    inner[1].eval()  # a mixed state, to be restored as it was
    before = bn.running_mean.copy()
    stats = layer_stats(net, np.full((4, 2), 100.0, np.float32))
    # eval-mode BatchNorm (running mean 0, var 1) passes 100 through: saturated everywhere
    assert stats["layers"][1] == {"name": "1.2", "type": "Sigmoid", "saturated": 1.0}
    assert [e["name"] for e in stats["layers"]] == ["0", "1.2"]
    np.testing.assert_array_equal(bn.running_mean, before)
    assert net.training and bn.training and not inner[1].training


def test_non_finite_weights_are_measured_without_warnings():
    net = nn.Sequential(linear([[math.inf], [1.0]]), nn.Sigmoid())
    probe = np.array([[0.0], [1.0]], np.float32)  # inf * 0 = NaN (not saturated), inf is
    assert layer_stats(net, probe)["layers"][1]["saturated"] == 0.25


ERRORS = [
    (dict(probe=np.zeros((0, 2))), ValueError, "non-empty numeric array"),
    (dict(probe=np.array(["a", "b"])), ValueError, "dtype <U1"),
    (dict(probe=np.array([[np.nan, 0.0]])), ValueError, "NaN or infinite"),
    (dict(probe=np.zeros((1, 2)), threshold=0.0), ValueError, r"\(0, 0.25\).*got 0.0"),
    (dict(probe=np.zeros((1, 2)), threshold=0.25), ValueError, "got 0.25"),
    (dict(probe=np.zeros((1, 2)), threshold=True), ValueError, "got True"),
    (dict(probe=np.zeros((1, 2)), threshold="0.1"), ValueError, "got '0.1'"),
]


@pytest.mark.parametrize(("kwargs", "exc", "message"), ERRORS)
def test_bad_arguments_raise_naming_the_value(kwargs, exc, message):
    net = nn.Sequential(nn.Linear(2, 1))
    with pytest.raises(exc, match=message):
        layer_stats(net, **kwargs)
    with pytest.raises(exc, match=message):
        LayerStats(**kwargs)


def test_a_model_that_is_not_sequential_is_refused():
    with pytest.raises(TypeError, match=r"need an nn.Sequential.*got Linear"):
        layer_stats(nn.Linear(2, 1), np.zeros((1, 2)))
    x = np.zeros((4, 2), np.float32)
    net = nn.Linear(2, 1)
    with pytest.raises(TypeError, match=re.escape("got Linear")):
        fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1),
            DataLoader(TensorDataset(x, x[:, :1]), batch_size=2), epochs=1,
            callbacks=[LayerStats(x)], progress=False)  # fmt: skip


def test_callback_writes_each_epoch_into_the_history_and_survives_save(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    net = nn.Sequential(nn.Linear(3, 8, rng=rng), nn.Tanh(), nn.Linear(8, 1, rng=rng))
    callback = LayerStats(x[:16])
    history = fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.05),
                  DataLoader(TensorDataset(x, y), batch_size=8), epochs=3,
                  callbacks=[callback], progress=False)  # fmt: skip
    assert [s["epoch"] for s in callback.stats_] == [1, 2, 3]
    for record, stats in zip(history, callback.stats_, strict=True):
        layers = record["layer_stats"]["layers"]
        assert layers == stats["layers"]
        assert layers[0]["grad_norm"] == record["grad_norms"]["0.weight"]
        assert layers[2]["grad_norm"] == record["grad_norms"]["2.weight"]
    w = net[0].weight.data.numpy().astype(np.float64)
    assert history.records[-1]["layer_stats"]["layers"][0]["weight_norm"] == pytest.approx(
        math.sqrt((w**2).sum())
    )
    loaded = History.load(history.save(tmp_path / "run.json"))
    assert [r["layer_stats"] for r in loaded] == [r["layer_stats"] for r in history]
