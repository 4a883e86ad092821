"""Each training problem built on purpose is found, with evidence read from the history;
healthy runs raise no alarm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from netopt import nn, optim
from netopt.data import make_polynomial_regression, make_spirals
from netopt.diagnose import REMEDIES, Thresholds, diagnose
from netopt.nn import init
from netopt.train import NonFiniteGuard, r2_score

TH = Thresholds()


def kinds(history, task="classification"):
    return {f.kind: f for f in diagnose(history, task=task)}


def weight_norm_ratios(history):
    """First over last Linear weight-gradient norm, per epoch, straight from grad_norms."""
    names = [k for k in history.records[0]["grad_norms"] if k.endswith(".weight")]
    return [r["grad_norms"][names[0]] / r["grad_norms"][names[-1]] for r in history]


# ---------------------------------------------------------------- vanishing gradients
def test_ten_layer_sigmoid_net_has_vanishing_gradients(digits, mlp, run):
    net = mlp([64] + [32] * 9 + [10], nn.Sigmoid)
    x, y = digits.x_train[:256], digits.y_train[:256]
    history = run(net, optim.SGD(net.parameters(), lr=0.1), x, y, epochs=4)
    found = kinds(history)
    vanishing = found["vanishing_gradients"]
    assert vanishing.evidence["median_ratio"] == pytest.approx(
        np.median(weight_norm_ratios(history)), rel=1e-12
    )
    assert vanishing.evidence["median_ratio"] < TH.vanishing_ratio
    assert (vanishing.evidence["first_layer"], vanishing.evidence["last_layer"]) == ("0", "18")
    assert vanishing.remedies == REMEDIES["vanishing_gradients"]
    # the net learns nothing, and the underfitting finding points at the gradients
    assert "vanishing gradients" in found["underfitting"].message
    assert list(found) == ["vanishing_gradients", "underfitting"]


def test_the_chapter_remedy_he_initialized_relu_does_not_vanish(digits, mlp, run):
    net = mlp([64] + [32] * 9 + [10], nn.ReLU)
    rng = np.random.default_rng(5)
    for layer in net:
        if isinstance(layer, nn.Linear):
            init.kaiming_normal_(layer.weight, nonlinearity="relu", rng=rng)
            init.zeros_(layer.bias)
    x, y = digits.x_train[:256], digits.y_train[:256]
    history = run(net, optim.SGD(net.parameters(), lr=0.05), x, y, epochs=2)
    assert np.median(weight_norm_ratios(history)) > TH.vanishing_ratio
    assert "vanishing_gradients" not in kinds(history)


# ---------------------------------------------------------------- overfitting
def test_over_parameterized_net_on_100_digits_overfits(digits, mlp, run):
    net = mlp([64, 256, 256, 10], nn.ReLU)
    x, y = digits.x_train[:100], digits.y_train[:100]
    val = (digits.x_test, digits.y_test)
    history = run(net, optim.Adam(net.parameters(), lr=1e-2), x, y, epochs=40, val=val,
                  batch_size=20)  # fmt: skip
    found = kinds(history)
    assert list(found) == ["overfitting"]
    evidence = found["overfitting"].evidence
    val_loss = np.array(history["val_loss"])
    assert evidence["best_val_loss"] == val_loss.min()
    assert evidence["best_val_epoch"] == int(np.argmin(val_loss)) + 1
    recent = val_loss[-TH.patience :].min()
    assert evidence["val_loss_rise"] == pytest.approx(recent / val_loss.min() - 1)
    assert evidence["val_loss_rise"] > TH.val_rise
    assert evidence["gap"] == pytest.approx(history["accuracy"][-1] - history["val_accuracy"][-1])
    assert found["overfitting"].remedies[:2] == REMEDIES["overfitting"][:2]


# ---------------------------------------------------------------- underfitting
@pytest.fixture(scope="module")
def spirals():
    return make_spirals(400, seed=0)


@pytest.mark.parametrize("metrics", [("accuracy",), ()], ids=["accuracy", "loss-only"])
def test_linear_model_on_spirals_underfits(spirals, run, metrics):
    net = nn.Sequential(nn.Linear(2, 2, rng=np.random.default_rng(0)))
    s = spirals
    history = run(net, optim.SGD(net.parameters(), lr=0.1), s.x_train, s.y_train, epochs=20,
                  val=(s.x_test, s.y_test), batch_size=32, metrics=metrics)  # fmt: skip
    found = kinds(history)
    assert list(found) == ["underfitting"]
    evidence = found["underfitting"].evidence
    if metrics:
        assert evidence["train_accuracy"] == history["accuracy"][-1] < TH.min_score
        assert evidence["val_accuracy"] == history["val_accuracy"][-1] < TH.min_score
    else:
        assert evidence["min_loss"] == min(history["loss"])
        assert evidence["min_loss"] > TH.loss_drop * history["loss"][0]
    assert found["underfitting"].remedies[1].startswith("add polynomial features")


@pytest.fixture(scope="module")
def parabola():
    """Legendre P2 = (3x^2 - 1)/2: even, so uncorrelated with x on [-1, 1]; the best line
    explains none of its variance (R^2 = 0 in expectation)."""
    return make_polynomial_regression(200, degree=2, seed=0)


def test_line_through_a_parabola_underfits_regression(parabola, run):
    p = parabola
    net = nn.Sequential(nn.Linear(1, 1, rng=np.random.default_rng(0)))
    history = run(net, optim.SGD(net.parameters(), lr=0.1), p.x_train, p.y_train[:, None],
                  epochs=30, val=(p.x_test, p.y_test[:, None]), batch_size=16,
                  loss=nn.MSELoss(), metrics=[r2_score])  # fmt: skip
    found = kinds(history, task="regression")
    assert list(found) == ["underfitting"]
    assert found["underfitting"].evidence["train_r2_score"] == history["r2_score"][-1]
    assert found["underfitting"].evidence["train_r2_score"] < 0.1


# ---------------------------------------------------------------- exploding gradients
@pytest.fixture(scope="module")
def regression():
    """Linear data and the Hessian's largest eigenvalue of its mean squared error in (w, b)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5))
    y = x @ rng.normal(size=(5, 1)) + 0.1 * rng.normal(size=(64, 1))
    a = np.hstack([x, np.ones((64, 1))])
    top = np.linalg.eigvalsh(2 * a.T @ a / len(a)).max()
    return x.astype(np.float32), y.astype(np.float32), top


def fit_linear(regression, run, factor, epochs, **options):
    """Full-batch gradient descent with lr = factor / lambda_max: along the top eigenvector
    the error is multiplied by |1 - factor| each step, so factor > 2 diverges."""
    x, y, top = regression
    net = nn.Sequential(nn.Linear(5, 1, rng=np.random.default_rng(1)))
    with np.errstate(over="ignore", invalid="ignore"):  # the run diverges on purpose
        return run(net, optim.SGD(net.parameters(), lr=factor / top), x, y, epochs=epochs,
                   batch_size=64, loss=nn.MSELoss(), metrics=(), **options)  # fmt: skip


def test_learning_rate_past_stability_makes_gradients_explode(regression, run):
    # |1 - 2.2| = 1.2 per step: over 30 steps the unstable mode grows 1.2**29 ~ 200x
    history = fit_linear(regression, run, 2.2, epochs=30)
    found = kinds(history, task="regression")
    assert list(found) == ["exploding_gradients"]
    exploding = found["exploding_gradients"]
    totals = [np.sqrt(sum(v**2 for v in r["grad_norms"].values())) for r in history]
    assert exploding.severity == "warning"
    assert exploding.evidence["grad_norm_growth"] == pytest.approx(max(totals[1:]) / totals[0])
    assert exploding.evidence["grad_norm_growth"] >= TH.exploding_growth
    assert exploding.evidence["last_loss"] > exploding.evidence["first_loss"]


def test_learning_rate_below_stability_is_healthy(regression, run):
    history = fit_linear(regression, run, 1.0, epochs=30)
    assert diagnose(history, task="regression") == []


def test_non_finite_loss_stopped_by_the_guard_is_an_error(regression, run):
    # |1 - 10| = 9 per step overflows float32 (~3.4e38) within about 40 steps
    history = fit_linear(regression, run, 10.0, epochs=100,
                         callbacks=[NonFiniteGuard(action="stop")])  # fmt: skip
    assert "non-finite" in history.stop_reason and len(history) < 100
    (finding,) = diagnose(history, task="regression")
    assert (finding.kind, finding.severity) == ("exploding_gradients", "error")
    assert history.stop_reason in finding.evidence["non_finite"]


def test_non_finite_loss_recorded_without_the_guard_is_an_error(regression, run):
    history = fit_linear(regression, run, 10.0, epochs=60, nonfinite_guard=False)
    assert not np.all(np.isfinite(history["loss"]))
    (finding,) = diagnose(history, task="regression")
    assert (finding.kind, finding.severity) == ("exploding_gradients", "error")


# ---------------------------------------------------------------- saturation, dead units
def test_large_weights_saturate_sigmoids(digits, mlp, run):
    net = mlp([64, 32, 10], nn.Sigmoid)
    net[0].weight.data *= 50
    x, y = digits.x_train[:256], digits.y_train[:256]
    history = run(net, optim.SGD(net.parameters(), lr=0.01), x, y, epochs=2)
    z = (
        x.astype(np.float64) @ net[0].weight.data.numpy().T.astype(np.float64)
        + net[0].bias.data.numpy()
    )
    expected = np.mean(expit(z) * expit(-z) < 0.01)  # the final weights, probed independently
    assert expected > TH.saturated_fraction
    recorded = history.records[-1]["layer_stats"]["layers"][1]
    assert recorded["saturated"] == pytest.approx(expected, abs=2 / z.size)
    finding = kinds(history)["saturation"]
    assert finding.evidence["worst_layer"] == "1"
    assert finding.evidence["saturated[1]"] == recorded["saturated"]


def test_negative_bias_kills_every_relu(digits, mlp, run):
    net = mlp([64, 32, 10], nn.ReLU)
    # inputs lie in [0, 1]: a unit's input is at most sum(max(w, 0)) + b, made negative here
    w = net[0].weight.data.numpy()
    net[0].bias.data[:] = -np.maximum(w, 0).sum(axis=1) - 1
    x, y = digits.x_train[:256], digits.y_train[:256]
    history = run(net, optim.Adam(net.parameters(), lr=1e-2), x, y, epochs=2)
    assert [r["layer_stats"]["layers"][1]["dead"] for r in history] == [1.0, 1.0]
    found = kinds(history)
    assert found["dead_units"].evidence["dead[1]"] == 1.0
    assert found["dead_units"].remedies[0].startswith("use Leaky ReLU")
    # no gradient reaches any weight: the first layer's output gradient is masked, and the
    # last layer's input is all zeros
    norms = history.records[-1]["grad_norms"]
    assert norms["0.weight"] == norms["2.weight"] == 0.0


# ---------------------------------------------------------------- healthy runs
@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh], ids=["relu", "tanh"])
def test_healthy_mlp_on_digits_raises_no_alarm(digits, mlp, run, activation):
    net = mlp([64, 64, 10], activation)
    history = run(net, optim.SGD(net.parameters(), lr=0.1, momentum=0.9), digits.x_train,
                  digits.y_train, epochs=15, val=(digits.x_test, digits.y_test))  # fmt: skip
    assert history["val_accuracy"][-1] > 0.9  # it did learn
    assert diagnose(history) == []


def test_healthy_regression_mlp_raises_no_alarm(parabola, mlp, run):
    p = parabola
    net = mlp([1, 32, 32, 1], nn.Tanh)
    history = run(net, optim.Adam(net.parameters(), lr=0.01), p.x_train, p.y_train[:, None],
                  epochs=60, val=(p.x_test, p.y_test[:, None]), batch_size=16,
                  loss=nn.MSELoss(), metrics=[r2_score])  # fmt: skip
    assert history["val_r2_score"][-1] > TH.min_score
    assert diagnose(history, task="regression") == []
