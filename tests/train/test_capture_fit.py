"""fit with step capture (the default) against fit with capture=False: the same History;
capture_step's argument errors and the reasons it gives for running eagerly."""

from __future__ import annotations

import numpy as np
import pytest

from netopt import nn, optim, train
from netopt.data import DataLoader, TensorDataset
from netopt.optim import lr_scheduler
from netopt.regularization import StructuralRisk
from netopt.train.capture import capture_step


def _data(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)


def _run(capture, build, loss=None, **kwargs):
    model = build()
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = _data(0, 70)  # batches of 16: the last one has 6 samples (a new shape)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                        rng=np.random.default_rng(1))  # fmt: skip
    val = DataLoader(TensorDataset(*_data(2, 20)), batch_size=8)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    loss_fn = loss(model) if loss else nn.CrossEntropyLoss()
    history = train.fit(
        model, loss_fn, opt, loader, epochs=4, val_loader=val, scheduler=sched,
        scheduler_interval="batch", metrics=["accuracy"], capture=capture, progress=False,
        **kwargs,
    )  # fmt: skip
    return history, model


def _mlp(dropout=True):
    rng = np.random.default_rng(3)
    layers = [nn.Linear(6, 16, rng=rng), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(0.2, rng=np.random.default_rng(4)))
    return nn.Sequential(*layers, nn.Linear(16, 3, rng=rng))


def _records(history):
    return [{k: v for k, v in r.items() if k != "time"} for r in history.records]


@pytest.mark.parametrize(
    ("build", "loss", "kwargs"),
    [
        (_mlp, None, {}),
        (_mlp, None, {"clip_grad_norm": 0.1}),
        (
            lambda: _mlp(False),
            lambda m: StructuralRisk(nn.CrossEntropyLoss(), m, l1=0.003, l2=0.01),
            {},
        ),
        (lambda: nn.Sequential(_mlp(False)[0], nn.BatchNorm1d(16), *_mlp(False)[1:]), None, {}),
    ],
    ids=["dropout", "clip", "l2", "batchnorm"],
)
def test_history_and_parameters_identical_to_eager(build, loss, kwargs):
    h1, m1 = _run(False, build, loss, **kwargs)
    h2, m2 = _run(True, build, loss, **kwargs)
    assert _records(h1) == _records(h2)
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_fit_captures_supported_models():
    """The captured path really runs in fit: a plan per batch shape (16 and 6), reused."""
    from netopt.train import capture

    calls = []
    original = capture.CapturedStep._replay

    def counting(self, plan, x, y):
        calls.append(x.shape[0])
        return original(self, plan, x, y)

    capture.CapturedStep._replay = counting
    try:
        _run(True, _mlp)
    finally:
        capture.CapturedStep._replay = original
    # 5 batches per epoch (4 of 16, 1 of 6) over 4 epochs: eager at the first batch of
    # each shape (where the plan is made), replayed from then on
    assert calls == [16] * 3 + ([16] * 4 + [6]) * 3


def test_capture_must_be_a_bool():
    with pytest.raises(ValueError, match="capture must be True or False, got 1"):
        _run(1, _mlp)


def test_unsupported_module_and_loss_reasons():
    model = nn.Sequential(nn.Linear(6, 3), nn.Softplus())
    step = capture_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    step(*_data(0, 8))
    assert not step.captured and "Softplus" in step.reason
    model = _mlp(False)
    step = capture_step(model, nn.KLDivLoss(), optim.SGD(model.parameters(), lr=0.1))
    for _ in range(2):
        x = _data(0, 8)[0]
        step(x, np.abs(x[:, :3]))
    assert not step.captured and "KLDivLoss" in step.reason


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"model": "net"}, TypeError, "model must be a netopt.nn.Module, got str"),
        ({"loss_fn": 3}, TypeError, "loss_fn must be callable, got int"),
        ({"optimizer": object()}, TypeError, "optimizer must be a netopt optimizer"),
        ({"clip_grad_norm": -1.0}, ValueError, "clip_grad_norm must be .* got -1.0"),
        ({"clip_grad_norm": True}, ValueError, "clip_grad_norm must be .* got True"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    model = _mlp()
    args = {"model": model, "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": optim.SGD(model.parameters(), lr=0.1)} | kwargs  # fmt: skip
    with pytest.raises(exc, match=match):
        capture_step(**args)
