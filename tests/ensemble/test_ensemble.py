"""Ensembles of netopt networks: bagging on bootstrap resamples, snapshots of one SGDR run."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from netopt import nn, optim
from netopt.data import DataLoader, TensorDataset
from netopt.ensemble import (
    BaggingEnsemble,
    FitTrainer,
    SnapshotEnsemble,
    average_probabilities,
    cycle_end_epochs,
    majority_vote,
)
from netopt.optim.lr_scheduler import CosineAnnealingWarmRestarts, StepLR
from netopt.train import Callback, fit


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logits(model, x):
    """A member's logits computed by hand from its weights (Linear -> ReLU -> Linear)."""
    first, last = model[0], model[2]
    hidden = np.maximum(x @ first.weight.data.numpy().T + first.bias.data.numpy(), 0)
    return hidden @ last.weight.data.numpy().T + last.bias.data.numpy()


def make_net(rng):
    return nn.Sequential(nn.Linear(10, 32, rng=rng), nn.ReLU(), nn.Linear(32, 2, rng=rng))


@pytest.fixture(scope="module")
def noisy():
    # A quarter of the labels flipped: single networks overfit the noise differently.
    X, y = make_classification(
        n_samples=400, n_features=10, n_informative=5, flip_y=0.25, random_state=0
    )
    X = X.astype(np.float32)
    return X[:200], y[:200], X[200:], y[200:]


@pytest.fixture(scope="module")
def bagged(noisy):
    X, y, _, _ = noisy
    trainer = FitTrainer(
        nn.CrossEntropyLoss(), lambda ps: optim.Adam(ps, lr=0.01), epochs=30, batch_size=32
    )
    return BaggingEnsemble(make_net, trainer, n_members=5, rng=np.random.default_rng(0)).fit(X, y)


# ---------------------------------------------------------------------- bagging
def test_bagging_beats_its_average_member(noisy, bagged):
    _, _, X_test, y_test = noisy
    members = [(logits(m, X_test).argmax(1) == y_test).mean() for m in bagged.members_]
    ensemble = (bagged.predict(X_test) == y_test).mean()
    assert ensemble >= np.mean(members), (ensemble, members)


def test_soft_and_hard_voting_by_hand(noisy, bagged):
    _, _, X_test, _ = noisy
    probs = np.stack([softmax(logits(m, X_test)) for m in bagged.members_])
    np.testing.assert_allclose(bagged.predict_proba(X_test), probs.mean(0), rtol=1e-6)
    np.testing.assert_array_equal(bagged.predict(X_test), probs.mean(0).argmax(1))
    votes = probs.argmax(2)  # (members, samples); binary with 5 voters: no ties
    np.testing.assert_array_equal(majority_vote(bagged.members_, X_test), votes.sum(0) >= 3)


def test_bootstrap_resamples():
    seen = []

    def record(model, x, y, rng):
        seen.append((x.copy(), y.copy()))
        return len(x)

    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    bag = BaggingEnsemble(
        lambda rng: nn.Linear(2, 2, rng=rng),
        record,
        n_members=4,
        max_samples=0.5,
        rng=np.random.default_rng(3),
    ).fit(x, y)
    assert bag.histories_ == [5] * 4
    for idx, (xs, ys) in zip(bag.indices_, seen):
        assert idx.shape == (5,) and idx.min() >= 0 and idx.max() < 10
        np.testing.assert_array_equal(xs, x[idx])
        np.testing.assert_array_equal(ys, y[idx])
    assert len({tuple(i) for i in bag.indices_}) == 4, "members see different resamples"
    again = BaggingEnsemble(
        lambda rng: nn.Linear(2, 2, rng=rng),
        record,
        n_members=4,
        max_samples=0.5,
        rng=np.random.default_rng(3),
    ).fit(x, y)
    for a, b in zip(bag.indices_, again.indices_):
        np.testing.assert_array_equal(a, b)


def test_bagging_with_fit_is_reproducible(noisy, bagged):
    X, y, X_test, _ = noisy
    trainer = FitTrainer(
        nn.CrossEntropyLoss(), lambda ps: optim.Adam(ps, lr=0.01), epochs=30, batch_size=32
    )
    again = BaggingEnsemble(make_net, trainer, n_members=5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(
        again.fit(X, y).predict_proba(X_test), bagged.predict_proba(X_test)
    )
    assert all(len(h) == 30 for h in again.histories_)


# ---------------------------------------------------------------------- snapshots
class EveryEpoch(Callback):
    """Records the model's weights at the end of every epoch."""

    def __init__(self):
        self.states = {}

    def on_train_begin(self, context):
        self.model = context.model

    def on_epoch_end(self, epoch, logs):
        self.states[epoch] = self.model.state_dict()


def snapshot_run(noisy, snapshot, epochs, T_0, T_mult):
    X, y, _, _ = noisy
    net = make_net(np.random.default_rng(0))
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult)
    every = EveryEpoch()
    loader = DataLoader(TensorDataset(X, y), 32, shuffle=True, rng=np.random.default_rng(1))
    fit(net, nn.CrossEntropyLoss(), opt, loader, epochs=epochs, scheduler=sched,
        callbacks=[snapshot, every], progress=False)  # fmt: skip
    return net, sched, every


@pytest.mark.parametrize("T_0, T_mult, epochs", [(3, 1, 10), (2, 2, 14), (3, 2, 21)])
def test_one_snapshot_per_completed_cycle(noisy, T_0, T_mult, epochs):
    snap = SnapshotEnsemble()
    _, sched, every = snapshot_run(noisy, snap, epochs, T_0, T_mult)
    # The cycles end where the scheduler logged a restart (its first step is epoch 0).
    restarts = [d.epoch for d in sched.history if d.action == "restart"]
    assert snap.snapshot_epochs_ == restarts
    lengths = [T_0 * T_mult**i for i in range(len(restarts))]
    assert sum(lengths) <= epochs < sum(lengths) + T_0 * T_mult ** len(restarts)
    assert len(snap.snapshots_) == len(restarts)
    for epoch, state in zip(snap.snapshot_epochs_, snap.snapshots_):
        for key, value in every.states[epoch].items():
            np.testing.assert_array_equal(state[key], value)


def test_snapshot_prediction_averages_the_snapshots(noisy):
    _, _, X_test, _ = noisy
    snap = SnapshotEnsemble(T_0=4)  # explicit cycle lengths
    net, _, every = snapshot_run(noisy, snap, 12, 4, 1)
    assert snap.snapshot_epochs_ == [4, 8, 12]
    probs = []
    for epoch in (4, 8, 12):
        model = make_net(np.random.default_rng(9))
        model.load_state_dict(every.states[epoch])
        probs.append(softmax(logits(model, X_test)))
    np.testing.assert_allclose(snap.predict_proba(X_test), np.mean(probs, 0), rtol=1e-6)
    np.testing.assert_array_equal(snap.predict(X_test), np.mean(probs, 0).argmax(1))
    # Building the members leaves the trained model as it was.
    for key, value in every.states[12].items():
        np.testing.assert_array_equal(net.state_dict()[key], value)


def test_snapshot_state_round_trip(noisy):
    snap = SnapshotEnsemble(T_0=2)
    snapshot_run(noisy, snap, 4, 2, 1)
    copy = SnapshotEnsemble(T_0=2)
    copy.load_state_dict(snap.state_dict())
    assert copy.snapshot_epochs_ == [2, 4]
    for a, b in zip(copy.snapshots_, snap.snapshots_):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_snapshot_needs_a_warm_restart_scheduler(noisy):
    X, y, _, _ = noisy
    net = make_net(np.random.default_rng(0))
    opt = optim.SGD(net.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(X, y), 64)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts"):
        fit(net, nn.CrossEntropyLoss(), opt, loader, epochs=2, scheduler=StepLR(opt, 1),
            callbacks=[SnapshotEnsemble()], progress=False)  # fmt: skip


# ---------------------------------------------------------------------- pure pieces
def test_cycle_end_epochs():
    assert cycle_end_epochs(1, 1, 3) == [1, 2, 3]
    assert cycle_end_epochs(2, 3, 30) == [2, 8, 26]
    assert cycle_end_epochs(5, 2, 4) == []


def test_average_and_vote_on_fixed_members():
    members = []
    for bias in ([0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]):
        m = nn.Linear(1, 3)
        m.weight.data[...] = 0.0
        m.bias.data[...] = bias
        members.append(m)
    x = np.zeros((2, 1))
    expected = np.mean([softmax(np.array([b])) for b in ([0, 0, 0], [2, 0, 0], [0, 0, 1.0])], 0)
    np.testing.assert_allclose(average_probabilities(members, x), np.repeat(expected, 2, 0))
    # Votes: argmax of the uniform member is class 0 (first of a tie), then 0, then 2.
    assert majority_vote(members, x).tolist() == [0, 0]


GOOD_TRAINER = FitTrainer(nn.CrossEntropyLoss(), lambda ps: optim.SGD(ps, lr=0.1), epochs=1)

ERRORS = [
    (BaggingEnsemble, dict(make_model=1, train=GOOD_TRAINER), TypeError, "make_model must be"),
    (BaggingEnsemble, dict(make_model=make_net, train=None), TypeError, "train must be callable"),
    (BaggingEnsemble, dict(make_model=make_net, train=GOOD_TRAINER, n_members=0), ValueError,
     "n_members must be a positive int, got 0"),
    (BaggingEnsemble, dict(make_model=make_net, train=GOOD_TRAINER, voting="mean"), ValueError,
     "voting must be 'soft' or 'hard', got 'mean'"),
    (BaggingEnsemble, dict(make_model=make_net, train=GOOD_TRAINER, max_samples=1.5), ValueError,
     r"max_samples must be a number in \(0, 1\], got 1.5"),
    (FitTrainer, dict(loss_fn=None, make_optimizer=optim.SGD, epochs=1), TypeError,
     "loss_fn must be callable"),
    (FitTrainer, dict(loss_fn=nn.MSELoss(), make_optimizer=optim.SGD, epochs=0), ValueError,
     "epochs must be a positive int, got 0"),
    (FitTrainer, dict(loss_fn=nn.MSELoss(), make_optimizer=optim.SGD, epochs=1, batch_size=True),
     ValueError, "batch_size must be a positive int, got True"),
    (SnapshotEnsemble, dict(T_0=0), ValueError, "T_0 must be an int >= 1, got 0"),
    (SnapshotEnsemble, dict(T_0=2, T_mult=0), ValueError, "T_mult must be an int >= 1, got 0"),
    (SnapshotEnsemble, dict(voting="soft-ish"), ValueError, "voting must be"),
    (cycle_end_epochs, dict(T_0=1, T_mult=1, epochs=-1), ValueError, "epochs must be an int >= 0"),
]  # fmt: skip


@pytest.mark.parametrize("callable_, kwargs, exception, message", ERRORS)
def test_errors(callable_, kwargs, exception, message):
    with pytest.raises(exception, match=message):
        callable_(**kwargs)


def test_unfitted_and_mismatched():
    bag = BaggingEnsemble(make_net, GOOD_TRAINER)
    with pytest.raises(ValueError, match="no members"):
        bag.predict(np.zeros((1, 10)))
    with pytest.raises(ValueError, match="same non-zero length, got 3 and 2"):
        bag.fit(np.zeros((3, 10)), np.zeros(2))
    with pytest.raises(TypeError, match="make_model must return a Module"):
        BaggingEnsemble(lambda rng: "net", GOOD_TRAINER).fit(np.zeros((2, 10)), np.zeros(2))
    with pytest.raises(ValueError, match="has not seen a training run"):
        SnapshotEnsemble(T_0=1).predict(np.zeros((1, 10)))
