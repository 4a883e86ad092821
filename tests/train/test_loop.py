"""fit: the numbers it records against an independent NumPy run, schedulers, end to end."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn, optim, train
from netopt.data import DataLoader, TensorDataset
from netopt.optim import lr_scheduler
from netopt.regularization import StructuralRisk

RTOL = 1e-12  # float64 reference runs: only summation order differs


def _linear_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * rng.normal(size=(16, 1))
    xv = rng.normal(size=(7, 3))
    yv = xv @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    return x, y, xv, yv


@pytest.mark.parametrize(("l2", "clip"), [(0.0, None), (0.1, None), (0.0, 0.5)])
def test_full_batch_records_match_numpy_gradient_descent(l2, clip):
    x, y, xv, yv = _linear_data()
    model = nn.Linear(3, 1, rng=np.random.default_rng(1), dtype=np.float64)
    w, b = np.array(model.weight.data), np.array(model.bias.data)
    loss_fn = StructuralRisk(nn.MSELoss(), model, l2=l2) if l2 else nn.MSELoss()
    lr, n = 0.1, len(x)
    history = train.fit(
        model, loss_fn, optim.SGD(model.parameters(), lr=lr),
        DataLoader(TensorDataset(x, y), batch_size=16),
        epochs=4, val_loader=DataLoader(TensorDataset(xv, yv), batch_size=5),
        clip_grad_norm=clip,
    )  # fmt: skip
    for epoch in range(4):
        r = x @ w.T + b - y
        penalty = l2 * 0.5 * np.sum(w**2)
        gw, gb = 2.0 / n * r.T @ x + l2 * w, 2.0 / n * r.sum(0)
        record = history.records[epoch]
        assert record["loss"] == pytest.approx(np.mean(r**2) + penalty, rel=RTOL)
        norms = record["grad_norms"]
        assert norms["weight"] == pytest.approx(np.linalg.norm(gw), rel=RTOL)
        assert norms["bias"] == pytest.approx(np.linalg.norm(gb), rel=RTOL)
        if l2:
            assert record["penalty"] == pytest.approx(penalty, rel=RTOL)
        else:
            assert "penalty" not in record
        if clip is not None:
            total = np.sqrt(np.sum(gw**2) + np.sum(gb**2))
            coef = min(1.0, clip / (total + 1e-6))
            gw, gb = gw * coef, gb * coef
        w, b = w - lr * gw, b - lr * gb
        val = np.mean((xv @ w.T + b - yv) ** 2) + l2 * 0.5 * np.sum(w**2)
        assert record["val_loss"] == pytest.approx(val, rel=RTOL)
        assert record["epoch"] == epoch + 1 and record["lr"] == lr and record["time"] > 0
    np.testing.assert_allclose(model.weight.data, w, rtol=RTOL)


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses(problem, mlp):
    train_loader, _ = problem

    class Batches(train.Callback):
        def __init__(self):
            self.seen = []

        def on_batch_end(self, epoch, batch, logs):
            self.seen.append((epoch, batch, logs["loss"], logs["size"]))

    spy = Batches()
    model = mlp()
    history = train.fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train_loader,
        epochs=2, callbacks=[spy],
    )  # fmt: skip
    for epoch in (1, 2):
        rows = [(loss, size) for e, _, loss, size in spy.seen if e == epoch]
        assert [size for _, size in rows] == [16] * 6
        expected = sum(loss * size for loss, size in rows) / 96
        assert history["loss"][epoch - 1] == pytest.approx(expected, rel=RTOL)
    assert [b for _, b, _, _ in spy.seen] == list(range(1, 7)) * 2


def test_metrics_are_computed_on_the_epoch_outputs(problem, mlp):
    train_loader, val_loader = problem
    model = mlp()

    def top_class_share(y_true, y_pred):
        return float(np.mean(np.argmax(y_pred, axis=1) == 0))

    history = train.fit(
        model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), train_loader,
        epochs=3, val_loader=val_loader,
        metrics={"accuracy": train.accuracy, "zero": top_class_share},
    )  # fmt: skip
    model.eval()
    xv, yv = val_loader.dataset.get_batch(np.arange(40))
    logits = model(netopt.tensor(xv)).data
    assert history["val_accuracy"][-1] == np.mean(np.argmax(logits, axis=1) == yv)
    assert history["val_zero"][-1] == np.mean(np.argmax(logits, axis=1) == 0)
    assert {"accuracy", "zero", "val_accuracy", "val_zero"} <= set(history.keys())


def test_epoch_scheduler_steps_once_per_epoch(problem, mlp):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = train.fit(model, nn.CrossEntropyLoss(), opt, problem[0], epochs=5, scheduler=sched)
    assert history["lr"] == [0.1 * 0.5 ** ((e - 1) // 2) for e in range(1, 6)]


def test_batch_scheduler_steps_once_per_batch(problem, mlp):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=3, scheduler=sched,
        scheduler_interval="batch",
    )  # fmt: skip
    batches = len(problem[0])
    expected = [0.1 * 0.9 ** (batches * (e - 1)) for e in range(1, 4)]
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-12)


def test_plateau_scheduler_follows_torch_on_the_monitored_metric(problem, mlp):
    torch = pytest.importorskip("torch")
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1)
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=8, val_loader=problem[1],
        scheduler=sched, scheduler_monitor="val_accuracy", metrics=["accuracy"],
    )  # fmt: skip
    ref_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(ref_opt, mode="max", factor=0.5, patience=1)
    lrs = [0.5]
    for value in history["val_accuracy"][:-1]:
        ref.step(value)
        lrs.append(ref_opt.param_groups[0]["lr"])
    assert history["lr"] == lrs
    assert min(lrs) < 0.5  # the plateau was reached: the comparison is not vacuous


def test_plateau_monitors_val_loss_by_default(problem, mlp):
    torch = pytest.importorskip("torch")
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=2.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, threshold=0.2)
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=5, val_loader=problem[1],
        scheduler=sched,
    )  # fmt: skip
    ref_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=2.0)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(ref_opt, patience=0, threshold=0.2)
    lrs = [2.0]
    for value in history["val_loss"][:-1]:
        ref.step(value)
        lrs.append(ref_opt.param_groups[0]["lr"])
    assert history["lr"] == lrs and min(lrs) < 2.0


def test_resuming_needs_a_matching_history(problem, mlp):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    first = train.fit(model, nn.CrossEntropyLoss(), opt, problem[0], epochs=2)
    more = train.fit(
        model, nn.CrossEntropyLoss(), opt, problem[0], epochs=3, initial_epoch=2, history=first
    )
    assert more is first and more["epoch"] == [1, 2, 3]
    with pytest.raises(ValueError, match="history ends at epoch 3, but initial_epoch=1"):
        train.fit(
            model, nn.CrossEntropyLoss(), opt, problem[0], epochs=4, initial_epoch=1, history=more
        )


def test_mlp_on_digits_reaches_97_percent():
    from netopt.data import load_digits

    split = load_digits()
    init, shuffle = train.seeded_streams(0, 2)
    model = nn.Sequential(nn.Linear(64, 128, rng=init), nn.ReLU(), nn.Linear(128, 10, rng=init))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    history = train.fit(
        model, nn.CrossEntropyLoss(), opt,
        DataLoader(split.train_set, batch_size=32, shuffle=True, rng=shuffle),
        epochs=30, val_loader=DataLoader(split.test_set, batch_size=450),
        scheduler=lr_scheduler.CosineAnnealingLR(opt, T_max=30), metrics=["accuracy"],
    )  # fmt: skip
    model.eval()
    logits = model(netopt.tensor(split.x_test)).data
    accuracy = np.mean(np.argmax(logits, axis=1) == split.y_test)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f} < 0.97"
    assert history["val_accuracy"][-1] == accuracy


def test_a_plateau_stage_after_warm_up_gets_the_monitored_loss():
    # lr so small that the loss cannot improve: the plateau stage (patience 0) halves the
    # rate every epoch once the warm-up is over; without the metric SequentialLR raises
    import itertools

    import numpy as np

    from netopt import nn, optim
    from netopt.data import DataLoader, TensorDataset
    from netopt.optim.lr_scheduler import LinearLR, ReduceLROnPlateau, SequentialLR
    from netopt.train import fit

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    y = rng.integers(0, 2, 16)
    model = nn.Linear(3, 2, rng=rng)
    opt = optim.SGD(model.parameters(), lr=1e-30)
    warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    plateau = ReduceLROnPlateau(opt, patience=0, factor=0.5, eps=0.0)
    schedule = SequentialLR(opt, [warm, plateau], milestones=[2])
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    history = fit(
        model, nn.CrossEntropyLoss(), opt, loader, epochs=6, scheduler=schedule, progress=False
    )
    lrs = history["lr"]
    assert lrs[-1] < lrs[2], lrs
    assert all(later <= earlier for earlier, later in itertools.pairwise(lrs[2:])), lrs
