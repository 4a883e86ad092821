"""The estimators' training step through step capture: the objective's kernels against the
graph of netopt's differentiable functions (bit for bit) and against torch; fits with
``capture=True`` against ``capture=False`` bit for bit, for every output activation, with
and without sample weights, penalties, solvers, batch norm, dropout, clipping, float32,
early stopping, partial_fit and warm_start; and that the replayed path is the one taken."""

import pickle
import warnings

import numpy as np
import pytest

import netopt
from netopt import nn, optim
from netopt.estimators import MLPClassifier, MLPRegressor
from netopt.estimators._loss import Objective
from netopt.estimators._objective import add_penalty_grad, data_term_array
from netopt.nn import functional as F
from netopt.train import capture_step

KINDS = ("softmax", "logistic", "identity", "exp")


def _targets(kind, rng, n, k):
    if kind == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if kind == "logistic":
        return rng.integers(0, 2, (n, k)).astype(float)
    if kind == "exp":
        return rng.poisson(1.5, (n, k)).astype(float)
    return rng.standard_normal((n, k))


def _graph_objective(kind, z, y, w):
    """The data term composed from netopt's differentiable functions (the estimators'
    eager objective before the kernels): the reference the kernel must equal bit for bit."""
    if kind == "softmax":
        losses = F.cross_entropy(z, y, reduction="none")
    elif kind == "logistic":
        losses = F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(1)
    elif kind == "exp":
        constant = (np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0) - y).sum(1)
        losses = (z.exp() - z * netopt.tensor(y)).sum(1) + netopt.tensor(constant)
    else:
        losses = 0.5 * ((z - netopt.tensor(y)) ** 2).sum(1)
    if not np.all(w == 1):
        losses = losses * netopt.tensor(np.asarray(w, dtype=y.dtype))
    return losses.sum() / float(np.sum(w))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_kernel_equals_the_composed_graph_bit_for_bit(kind, weighted, dtype):
    rng = np.random.default_rng(3)
    n, k = 13, 4
    z0 = (rng.standard_normal((n, k)) * 2).astype(dtype)
    y = _targets(kind, rng, n, k).astype(dtype)
    w = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    z = netopt.tensor(z0, requires_grad=True)
    ref = _graph_objective(kind, z, y, w)
    ref.backward()
    value, dz = data_term_array(kind, z0, y, w, float(np.sum(w)))
    assert value.dtype == dtype and dz.dtype == dtype
    assert np.array_equal(value, ref._data)
    assert np.array_equal(dz, z._grad)


@pytest.mark.parametrize("kind", KINDS)
def test_kernel_against_torch(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    n, k = 9, 3
    z0 = rng.standard_normal((n, k)) * 2
    y = _targets(kind, rng, n, k)
    w = rng.uniform(0.2, 3.0, n)
    zt = torch.tensor(z0, requires_grad=True)
    yt, wt = torch.tensor(y), torch.tensor(w)
    if kind == "softmax":
        losses = torch.nn.functional.cross_entropy(zt, yt, reduction="none")
    elif kind == "logistic":
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        losses = bce(zt, yt, reduction="none").sum(1)
    elif kind == "exp":
        losses = (torch.exp(zt) - zt * yt + torch.xlogy(yt, yt) - yt).sum(1)
    else:
        losses = 0.5 * ((zt - yt) ** 2).sum(1)
    risk = (losses * wt).sum() / wt.sum()
    risk.backward()
    value, dz = data_term_array(kind, z0, y, w, float(np.sum(w)))
    np.testing.assert_allclose(float(value), risk.item(), rtol=1e-13)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_penalty_gradient_order():
    # the layer's gradient, then alpha W / total, then alpha_l1 sign(W) / total
    rng = np.random.default_rng(5)
    W = rng.standard_normal((4, 3)).astype(np.float32).T  # the estimators' transposed view
    grad = rng.standard_normal((3, 4)).astype(np.float32)
    expected = (grad + (0.3 / 7.0) * W) + (0.05 / 7.0) * np.sign(W)
    got = add_penalty_grad(W, grad.copy(), 0.3, 0.05, 7.0)
    assert np.array_equal(got, expected)


# ---------------------------------------------------------------- fits, captured vs eager
def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 6))
    ys = {
        "softmax": rng.integers(0, 3, 90),
        "logistic": rng.integers(0, 2, 90),
        "multilabel": rng.integers(0, 2, (90, 3)),
        "identity": rng.standard_normal((90, 2)),
        "exp": rng.poisson(2.0, 90).astype(float),
    }
    return X, ys, rng.uniform(0.2, 3.0, 90)


ESTIMATORS = {
    "softmax": (MLPClassifier, {}),
    "logistic": (MLPClassifier, {}),
    "multilabel": (MLPClassifier, {}),
    "identity": (MLPRegressor, {}),
    "exp": (MLPRegressor, {"loss": "poisson"}),
}
VARIANTS = {
    "adam": {},
    "penalties": {"alpha": 0.3, "alpha_l1": 0.05},
    "sgd": {"solver": "sgd", "learning_rate_init": 0.05, "alpha": 0.1, "alpha_l1": 0.01},
    "batch_norm": {"batch_norm": True, "solver": "rmsprop", "alpha_l1": 0.01},
    "clip": {"clip_grad_norm": 0.5, "solver": "adagrad", "learning_rate_init": 0.05},
    "dropout": {"dropout": 0.2, "activation": "tanh", "batch_size": 16, "solver": "adamw"},
    "early_stopping": {"early_stopping": True, "activation": "logistic", "batch_size": 25},
    "float32": {"alpha": 0.2, "alpha_l1": 0.01, "activation": "elu"},
}


def _fit(kind, variant, weighted, capture):
    X, ys, w = _data()
    if variant == "float32":
        X = X.astype(np.float32)
    cls, extra = ESTIMATORS[kind]
    params = {"hidden_layer_sizes": (7, 5), "max_iter": 6, "random_state": 1, "batch_size": 20}
    params.update(extra)
    params.update(VARIANTS[variant])
    est = cls(capture=capture, **params)
    sw = w if weighted else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        est.fit(X, ys[kind], sample_weight=sw)
        if variant != "early_stopping":
            est.partial_fit(X[:50], ys[kind][:50], sample_weight=None if sw is None else sw[:50])
    return est


def _same(a, b):
    assert len(a.coefs_) == len(b.coefs_)
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert np.array_equal(a.loss_curve_, b.loss_curve_)
    assert a.loss_ == b.loss_ and a.n_iter_ == b.n_iter_
    if a.validation_scores_ is not None:
        assert np.array_equal(a.validation_scores_, b.validation_scores_)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_captured_fit_equals_eager_fit(kind, variant, weighted):
    captured = _fit(kind, variant, weighted, capture=True)
    eager = _fit(kind, variant, weighted, capture=False)
    _same(captured, eager)
    solver = captured._optimizer
    step = solver._step[2]
    # every step but the first of each batch shape (full batches, a short last one;
    # partial_fit's 50 rows add more) was replayed: none fell back to eager (a refused
    # configuration builds no plan, so it would make replayed smaller)
    assert solver.replayed == solver.steps - step.plans > 0
    assert step.plans <= 4
    assert eager._optimizer.replayed == 0


def test_partial_fit_keeps_the_step_and_follows_new_penalties():
    X, ys, _ = _data()
    fits = []
    for capture in (True, False):
        est = MLPClassifier((8,), random_state=0, batch_size=30, capture=capture)
        est.partial_fit(X, ys["softmax"], classes=[0, 1, 2])
        est.partial_fit(X, ys["softmax"])
        est.set_params(alpha=0.5, alpha_l1=0.1)  # a new guard: planned again
        est.partial_fit(X, ys["softmax"])
        fits.append(est)
    est = fits[0]
    solver = est._optimizer
    assert solver.steps == 9 and solver._step[2].plans == 2 and solver.replayed == 7
    assert solver._step[2].captured and solver._step[2].reason is None  # the last step
    _same(fits[0], fits[1])


def test_pickled_estimator_continues_identically():
    X, ys, w = _data()
    est = MLPRegressor(hidden_layer_sizes=(6,), random_state=0, batch_size=30, alpha_l1=0.02)
    est.partial_fit(X, ys["identity"], sample_weight=w)
    copy = pickle.loads(pickle.dumps(est))
    assert copy._optimizer._step is None
    est.partial_fit(X, ys["identity"], sample_weight=w)
    copy.partial_fit(X, ys["identity"], sample_weight=w)
    _same(est, copy)
    assert copy._optimizer._step[2].captured


def test_a_penalized_weight_without_a_slot_runs_eagerly():
    # the captured objective adds the penalties where the backward pass leaves the weights'
    # gradients; without a slot it cannot reach them, so the step stays eager (and exact)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 5)), np.eye(3)[rng.integers(0, 3, 16)]
    results = []
    for slots in (False, True):
        netopt.manual_seed(0)
        net = nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.Tanh(),
                            nn.Linear(4, 3, dtype=np.float64))  # fmt: skip
        for lin in (net[0], net[2]):  # the estimators' layout: weights as transposed views
            lin.weight._data = np.ascontiguousarray(lin.weight._data.T).T
        objective = Objective(net, "softmax", 0.1, 0.01)
        if slots:
            from netopt.estimators._loss import give_slots

            give_slots(net)
        step = capture_step(net, objective, optim.SGD(net.parameters(), lr=0.1))
        losses = [step(x, y) for _ in range(3)]
        results.append((losses, [p._data.copy() for p in net.parameters()], step))
    (eager_losses, eager_params, eager), (losses, params, captured) = results
    assert not eager.captured and "gradient slot" in eager.reason
    assert captured.captured
    assert eager_losses == losses
    assert all(np.array_equal(a, b) for a, b in zip(eager_params, params))


def test_capture_must_be_a_bool():
    X, ys, _ = _data()
    with pytest.raises(ValueError, match="capture='yes'"):
        MLPClassifier(capture="yes").fit(X, ys["softmax"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("capture", [True, False])
def test_a_step_equals_the_graph_of_netopts_functions(capture, dtype):
    # one full-batch SGD step of the estimator (digits-sized, 64-128-10, sample weights,
    # both penalties) against the same step on a separate network whose gradient comes
    # from the composed graph (_graph_objective), the penalties added after it in the
    # estimators' order, and no gradient slots (fresh, C-ordered gradients)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = (X[:200] / 16.0).astype(dtype), y[:200]
    w = np.random.default_rng(2).uniform(0.5, 2.0, 200)
    alpha, alpha_l1, lr = 0.3, 0.02, 0.1
    est = MLPClassifier((128,), solver="sgd", momentum=0.0, learning_rate_init=lr,
                        alpha=alpha, alpha_l1=alpha_l1, batch_size=200, shuffle=False,
                        random_state=0, capture=capture)  # fmt: skip
    est.partial_fit(X, y, sample_weight=w, classes=np.arange(10))
    start = [a.copy() for a in est.coefs_ + est.intercepts_]
    est.partial_fit(X, y, sample_weight=w)
    est.partial_fit(X, y, sample_weight=w)  # a captured step replays from the second call

    net = nn.Sequential(nn.Linear(64, 128, dtype=dtype), nn.ReLU(),
                        nn.Linear(128, 10, dtype=dtype))  # fmt: skip
    for lin, coef, b in zip((net[0], net[2]), start[:2], start[2:]):
        lin.weight._data, lin.bias._data = coef.copy().T, b.copy()  # the estimators' layout
    opt = optim.SGD(net.parameters(), lr=lr)
    Y = np.eye(10, dtype=dtype)[y]
    total = float(np.sum(w))  # a Python float: float32 stays float32
    for _ in range(2):
        opt.zero_grad()
        _graph_objective("softmax", net(netopt.tensor(X)), Y, w).backward()
        for lin in (net[0], net[2]):
            W = lin.weight._data
            lin.weight._grad = lin.weight._grad + (alpha / total) * W
            lin.weight._grad = lin.weight._grad + (alpha_l1 / total) * np.sign(W)
        opt.step()
    expected = [net[0].weight._data.T, net[2].weight._data.T, net[0].bias._data, net[2].bias._data]
    for a, b in zip(est.coefs_ + est.intercepts_, expected):
        assert np.array_equal(a, b), np.abs(a - b).max()
    if capture:
        assert est._optimizer.replayed == 2  # the first call ran eagerly, then planned


def test_objective_errors():
    net = nn.Sequential(nn.Linear(3, 2, dtype=np.float64))
    z = net(netopt.tensor(np.ones((4, 3))))
    with pytest.raises(ValueError, match=r"out_activation must be one of .* got 'tanh'"):
        Objective(net, "tanh", 0.0, 0.0)
    objective = Objective(net, "identity", 0.0, 0.0)
    with pytest.raises(ValueError, match=r"outputs of shape \(4, 2\) and targets of shape \(4,\)"):
        objective(z, np.zeros(4))
    objective.sample_weight = np.ones(3)
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) for a batch of 4"):
        objective(z, np.zeros((4, 2)))
    objective.sample_weight = None
    with pytest.raises(NotImplementedError, match="no gradient argument"):
        objective(z, np.zeros((4, 2))).backward(np.ones(()))


def test_a_tensor_computed_from_the_objective_cannot_be_backpropagated():
    # the objective's value is outside any graph: only its own backward() reaches the
    # network, so arithmetic on it must raise rather than silently leave the weights alone
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(3, 2, rng=rng))
    objective = Objective(net, "identity", 0.0, 0.0)
    x = netopt.tensor(rng.standard_normal((4, 3)))
    loss = objective(net(x), rng.standard_normal((4, 2)))
    with pytest.raises(RuntimeError):
        (loss * 1.0).backward()
    assert net[0].weight.grad is None
    loss.backward()
    assert net[0].weight.grad is not None
