"""Step capture of convolution nets: N captured steps against N eager steps from the same
start, bit for bit (``np.array_equal`` on parameters, gradients, optimizer state, running
statistics and losses), for every replayed layer and for the MNIST-1D CNN and LeNet-5."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import netopt
from netopt import nn, optim
from netopt.nn.functional import _conv_kernels
from netopt.train import _capture_plan
from netopt.train._capture_ops import Unsupported
from netopt.train.capture import capture_step

_spec = importlib.util.spec_from_file_location(
    "convnets", Path(__file__).resolve().parents[2] / "benchmarks" / "convnets.py"
)
convnets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convnets)

OPTIMIZERS = {
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: optim.Adam(p, lr=0.01),
}


def _nets():
    """name -> (make(rng, dtype) -> model, input shape without the batch, classes)."""

    def conv1d(rng, dt):
        return nn.Sequential(
            nn.Conv1d(2, 3, 3, stride=2, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.Conv1d(3, 4, 3, padding=2, dilation=2, rng=rng, dtype=dt), nn.Tanh(),
            nn.Conv1d(4, 4, 2, groups=2, bias=False, rng=rng, dtype=dt),
            nn.Flatten(), nn.Linear(4 * 4, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def conv2d(rng, dt):
        return nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),  # wide rows
            nn.Conv2d(4, 4, (3, 2), stride=(2, 1), dilation=(1, 2), groups=2, rng=rng,
                      dtype=dt), nn.Sigmoid(),
            nn.Conv2d(4, 3, 2, padding="same", rng=rng, dtype=dt), nn.LeakyReLU(0.1),
            nn.Flatten(), nn.Linear(3 * 2 * 4, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def maxpool(rng, dt):
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.MaxPool2d(3, stride=1, padding=1),  # overlapping windows, -inf padding
            nn.Conv2d(3, 3, 3, rng=rng, dtype=dt), nn.ELU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Flatten(), nn.Linear(12, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def pool1d(rng, dt):
        return nn.Sequential(
            nn.Conv1d(1, 3, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.MaxPool1d(3, stride=2, padding=1, dilation=1),
            nn.AvgPool1d(2, padding=1, count_include_pad=False),
            nn.Flatten(), nn.Linear(3 * 2, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def avgpool(rng, dt):
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, rng=rng, dtype=dt), nn.Tanh(),
            nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
            nn.AvgPool2d(2, divisor_override=3),
            nn.Flatten(), nn.Linear(3 * 2 * 2, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def batchnorm(rng, dt):
        # BatchNorm1d on (N, C, L); a conv's input gradient fed straight to batch norm
        # (no activation between: its padded view, as the eager node hands it on)
        return nn.Sequential(
            nn.Conv1d(2, 4, 3, padding=1, rng=rng, dtype=dt), nn.BatchNorm1d(4, dtype=dt),
            nn.ReLU(), nn.Conv1d(4, 4, 3, padding=1, rng=rng, dtype=dt),
            nn.BatchNorm1d(4, affine=False, dtype=dt),
            nn.Conv1d(4, 2, 3, padding=1, rng=rng, dtype=dt),
            nn.Flatten(), nn.Linear(2 * 9, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def batchnorm2d(rng, dt):
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False, rng=rng, dtype=dt),
            nn.BatchNorm2d(4, dtype=dt), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 4, 3, padding=1, bias=False, rng=rng, dtype=dt),
            nn.BatchNorm2d(4, momentum=None, dtype=dt),
            nn.Dropout(0.3, rng=np.random.default_rng(5)),
            nn.Conv2d(4, 4, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.AvgPool2d(2), nn.Flatten(), nn.Linear(4 * 2 * 2, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def layouts(rng, dt):
        # a convolution's input gradient is a view of a padded array, fed to a ReLU (a
        # fresh array eagerly; replayed in place on a contiguous copy) or straight to
        # batch norm, whose sums read it (the view itself, in both)
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.Conv2d(3, 3, 3, padding=1, rng=rng, dtype=dt),
            nn.BatchNorm2d(3, affine=False, dtype=dt),
            nn.Conv2d(3, 2, 3, stride=2, padding=1, rng=rng, dtype=dt),
            nn.Flatten(), nn.Linear(2 * 8 * 8, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def wide(rng, dt):
        # stride 1 on rows at least 20 wide: the wide-row im2col/col2im (_conv_kernels)
        return nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.Conv2d(2, 2, 3, padding=1, rng=rng, dtype=dt), nn.AvgPool2d(4),
            nn.Flatten(), nn.Linear(2 * 5 * 5, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    def wide1d(rng, dt):
        return nn.Sequential(
            nn.Conv1d(1, 3, 3, padding=1, rng=rng, dtype=dt), nn.ReLU(),
            nn.Conv1d(3, 2, 3, padding=1, rng=rng, dtype=dt), nn.Tanh(),
            nn.Flatten(), nn.Linear(2 * 24, 3, rng=rng, dtype=dt),
        )  # fmt: skip

    return {
        "wide2d": (wide, (1, 20, 20), 3),
        "wide1d": (wide1d, (1, 24), 3),
        "layouts": (layouts, (1, 16, 16), 3),
        "conv1d": (conv1d, (2, 10), 3),
        "conv2d": (conv2d, (2, 6, 6), 3),
        "maxpool2d": (maxpool, (1, 6, 6), 3),
        "pool1d": (pool1d, (1, 4), 3),
        "avgpool2d": (avgpool, (1, 9, 9), 3),
        "batchnorm1d": (batchnorm, (2, 9), 3),
        "batchnorm2d": (batchnorm2d, (1, 8, 8), 3),
        "mnist1d-cnn": (lambda rng, dt: convnets.mnist1d_cnn(nn, rng=rng, dtype=dt), (1, 40), 10),
        "lenet5": (lambda rng, dt: convnets.lenet5(nn, rng=rng, dtype=dt), (1, 28, 28), 10),
    }


NETS = _nets()


def _data(n_steps, shape, classes, dtype, batch=6, seed=1):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((batch, *shape)).astype(dtype), rng.integers(0, classes, batch))
        for _ in range(n_steps)
    ]


def _twin(name, dtype, opt="adam", train=True):
    make, shape, classes = NETS[name]
    m1, m2 = make(np.random.default_rng(0), dtype), make(np.random.default_rng(0), dtype)
    if not train:
        for m in (m1, m2):
            _warm(m, shape, dtype)
            m.eval()
    o1, o2 = OPTIMIZERS[opt](m1.parameters()), OPTIMIZERS[opt](m2.parameters())
    loss_fn = nn.CrossEntropyLoss()
    return m1, o1, m2, o2, capture_step(m2, loss_fn, o2), loss_fn, shape, classes


def _warm(model, shape, dtype):
    """Running statistics away from their initial 0 and 1 (one training forward)."""
    x = np.random.default_rng(9).standard_normal((6, *shape)).astype(dtype)
    model(netopt.tensor(x))


def _run(m1, o1, step, loss_fn, data):
    flags = []
    for x, y in data:
        assert eager_step(m1, loss_fn, o1, x, y) == step(x, y)
        flags.append(step.captured)
    return flags


def eager_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(netopt.tensor(x)), y)
    loss.backward()
    opt.step()
    return loss.item()


def assert_same(m1, m2, o1, o2):
    """Parameters, gradients and optimizer state equal bit for bit."""
    for (name, p), q in zip(m1.named_parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert np.array_equal(p.grad.detach().numpy(), q.grad.detach().numpy()), name
    s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
    assert s1.keys() == s2.keys()
    for i in s1:
        for key, value in s1[i].items():
            assert np.array_equal(value, s2[i][key]), (i, key)


def _assert_buffers_same(m1, m2):
    for (name, a), b in zip(m1.named_buffers(), m2.buffers(), strict=True):
        assert (a is None) == (b is None), name
        if a is not None:
            assert np.array_equal(np.asarray(a), np.asarray(b)), name


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(NETS))
def test_bit_identical_to_eager(name, dtype, opt, train):
    m1, o1, m2, o2, step, loss_fn, shape, classes = _twin(name, dtype, opt, train)
    flags = _run(m1, o1, step, loss_fn, _data(4, shape, classes, dtype))
    assert flags == [False, True, True, True], step.reason
    assert step.plans == 1
    assert_same(m1, m2, o1, o2)
    _assert_buffers_same(m1, m2)


def test_the_real_nets_replay_every_layer():
    # nothing of the two nets runs eagerly inside the replay: one op per layer
    for name, n_ops in (("mnist1d-cnn", 8), ("lenet5", 12)):
        make, shape, classes = NETS[name]
        model = make(np.random.default_rng(0), np.float32)
        layers, _ = _capture_plan.walk(model)
        x, y = _data(1, shape, classes, np.float32)[0]
        ops, *_ = _capture_plan.build(
            model, layers, nn.CrossEntropyLoss(), list(model.parameters()), x, y,
            lambda p: np.empty_like(p.detach().numpy()),
        )  # fmt: skip
        assert len(ops) == n_ops


@pytest.mark.parametrize(("name", "wide"), [("wide2d", [True, True]), ("wide1d", [True, True]),
                                            ("conv2d", [False, False, False])])  # fmt: skip
def test_both_im2col_layouts_are_replayed(name, wide):
    make, shape, classes = NETS[name]
    model = make(np.random.default_rng(0), np.float64)
    x, y = _data(1, shape, classes, np.float64)[0]
    ops, *_ = _capture_plan.build(
        model, _capture_plan.walk(model)[0], nn.CrossEntropyLoss(), list(model.parameters()),
        x, y, lambda p: np.empty_like(p.detach().numpy()),
    )  # fmt: skip
    assert [op.plan.wide for op in ops if hasattr(op, "plan")] == wide


def test_frozen_convolutions():
    # a frozen first layer (no gradient at all) and a frozen middle one (input gradient
    # only): the backward pass starts later and skips the frozen weights
    def make():
        model = NETS["lenet5"][0](np.random.default_rng(0), np.float32)
        for p in (*model[0].parameters(), model[3].weight):
            p.requires_grad_(False)
        return model

    m1, m2 = make(), make()
    trainable = [[p for p in m.parameters() if p.requires_grad] for m in (m1, m2)]
    o1, o2 = (optim.SGD(t, lr=0.05, momentum=0.9) for t in trainable)
    loss_fn = nn.CrossEntropyLoss()
    step = capture_step(m2, loss_fn, o2)
    flags = _run(m1, o1, step, loss_fn, _data(4, (1, 28, 28), 10, np.float32))
    assert flags == [False, True, True, True], step.reason
    assert m2[0].weight.grad is None and m2[3].weight.grad is None
    assert m2[3].bias.grad is not None
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("name", ["conv2d", "wide2d"])
def test_chunked_columns(monkeypatch, name):
    # columns built in chunks of samples and rebuilt in the backward pass, column
    # gradients in sub-chunks (eager and replayed alike): still the same bits
    monkeypatch.setattr(_conv_kernels, "BLOCK", 200)
    monkeypatch.setattr(_conv_kernels, "GX_BLOCK", 100)
    m1, o1, m2, o2, step, loss_fn, shape, classes = _twin(name, np.float64, "sgd-momentum")
    assert _run(m1, o1, step, loss_fn, _data(4, shape, classes, np.float64)) == [
        False, True, True, True,
    ]  # fmt: skip
    assert_same(m1, m2, o1, o2)


@pytest.mark.parametrize("wide", [False, True])
def test_input_gradient_sub_chunks_change_no_bit(monkeypatch, wide):
    # the input gradient computed sample by sample equals the one of a whole batch
    rng = np.random.default_rng(4)
    size = 20 if wide else 7
    x = rng.standard_normal((5, 3, size, size))
    w = rng.standard_normal((4, 3, 3, 3))
    pads = ((1, 1), (1, 1))
    grads = []
    for block in (_conv_kernels.GX_BLOCK, 1):
        monkeypatch.setattr(_conv_kernels, "GX_BLOCK", block)
        y, plan = _conv_kernels.forward(x, w, (1, 1), pads, (1, 1), 1)
        assert plan.wide == wide
        g = np.cos(np.arange(y.size)).reshape(y.shape)
        grads.append(_conv_kernels.backward(g, w, plan, pads, True, True, True)[0])
    assert np.array_equal(grads[0], grads[1])


@pytest.mark.parametrize(
    ("name", "index", "changes"),
    [
        ("conv2d", 0, {"padding": "same"}),
        ("conv1d", 2, {"padding": (1,), "dilation": (1,)}),
        ("maxpool2d", 2, {"kernel_size": 5, "padding": 2}),
        ("maxpool2d", 5, {"ceil_mode": False}),
        ("pool1d", 3, {"count_include_pad": True}),
        ("avgpool2d", 3, {"divisor_override": None}),
        ("batchnorm2d", 1, {"momentum": 0.5}),
        ("batchnorm2d", 5, {"eps": 1e-3}),
    ],
)
def test_a_changed_setting_replans(name, index, changes):
    # each change keeps the layer's output shape, so only the guard can notice it
    m1, o1, m2, o2, step, loss_fn, shape, classes = _twin(name, np.float32)
    data = _data(6, shape, classes, np.float32)
    assert _run(m1, o1, step, loss_fn, data[:3]) == [False, True, True]
    for m in (m1, m2):
        for attr, value in changes.items():
            setattr(m[index], attr, value)
    assert _run(m1, o1, step, loss_fn, data[3:]) == [False, True, True], step.reason
    assert step.plans == 2
    assert_same(m1, m2, o1, o2)
    _assert_buffers_same(m1, m2)


def test_avg_pool_1d_ignores_a_divisor_override_attribute():
    # AvgPool1d's forward passes no divisor_override (as torch's): an attribute of that
    # name on the instance changes nothing eagerly, so the replay must not read it either
    m1, o1, m2, o2, step, loss_fn, shape, classes = _twin("pool1d", np.float32)
    index = next(i for i, m in enumerate(m1) if type(m) is nn.AvgPool1d)
    for m in (m1, m2):
        m[index].divisor_override = 3  # its windows hold 1 value each: eagerly divided by 1
    flags = _run(m1, o1, step, loss_fn, _data(3, shape, classes, np.float32))
    assert flags == [False, True, True], step.reason
    assert_same(m1, m2, o1, o2)


def test_padding_mode_other_than_zeros_runs_eagerly():
    def make():
        rng = np.random.default_rng(0)
        return nn.Sequential(
            nn.Conv1d(1, 2, 3, padding=1, padding_mode="reflect", rng=rng), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * 6, 3, rng=rng),
        )  # fmt: skip

    m1, m2 = make(), make()
    o1, o2 = optim.SGD(m1.parameters(), lr=0.1), optim.SGD(m2.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    step = capture_step(m2, loss_fn, o2)
    assert _run(m1, o1, step, loss_fn, _data(3, (1, 6), 3, np.float32)) == [False] * 3
    assert "padding_mode='reflect'" in step.reason
    assert_same(m1, m2, o1, o2)


def test_unbatched_input_runs_eagerly():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv1d(1, 2, 3, rng=rng), nn.Flatten(0), nn.Linear(16, 3, rng=rng))
    opt = optim.SGD(model.parameters(), lr=0.1)
    step = capture_step(model, nn.MSELoss(), opt)
    x, y = np.ones((1, 10), np.float32), np.zeros(3, np.float32)
    step(x, y)
    step(x, y)
    assert not step.captured and "Conv1d on input of shape (1, 10)" in step.reason


def test_max_pool_with_indices_is_refused():
    model = nn.Sequential(nn.MaxPool2d(2, return_indices=True))
    layers, _ = _capture_plan.walk(model)
    x = np.ones((2, 1, 4, 4), np.float32)
    with pytest.raises(Unsupported, match="return_indices=True"):
        _capture_plan.build(model, layers, nn.MSELoss(), [], x, x[:, :, :2, :2], np.empty_like)


def test_fit_with_a_conv_net_matches_eager_fit(monkeypatch):
    # fit captures by default; batches of 16 and a short last one of 6 (two plans)
    from netopt import train
    from netopt.data import DataLoader, TensorDataset
    from netopt.train import capture

    replays = []
    original = capture.CapturedStep._replay

    def counting(self, plan, x, y):
        replays.append(x.shape[0])
        return original(self, plan, x, y)

    def run(capture):
        make, shape, classes = NETS["batchnorm2d"]
        model = make(np.random.default_rng(0), np.float32)
        opt = optim.Adam(model.parameters(), lr=0.01)
        (x, y), (xv, yv) = (_data(1, shape, classes, np.float32, batch=n, seed=s)[0]
                            for n, s in ((70, 2), (20, 3)))  # fmt: skip
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                            rng=np.random.default_rng(1))  # fmt: skip
        history = train.fit(
            model, nn.CrossEntropyLoss(), opt, loader, epochs=3, metrics=["accuracy"],
            val_loader=DataLoader(TensorDataset(xv, yv), batch_size=8), capture=capture,
            progress=False,
        )  # fmt: skip
        return [{k: v for k, v in r.items() if k != "time"} for r in history.records], model

    h1, m1 = run(False)
    monkeypatch.setattr(capture.CapturedStep, "_replay", counting)
    h2, m2 = run(True)
    assert sorted(set(replays)) == [6, 16] and len(replays) == 3 * 5 - 2  # all but 2 firsts
    assert h1 == h2
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    _assert_buffers_same(m1, m2)
