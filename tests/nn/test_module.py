"""The Module API: registration, traversal order, shared parameters, modes, state_dict."""

from __future__ import annotations

import numpy as np
import pytest

import netopt
from netopt import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.bn = nn.BatchNorm1d(3)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.note = "not registered"

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.drop = nn.Dropout(0.5)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.drop(self.first(x)))


def test_named_parameters_follow_registration_order():
    names = [n for n, _ in Net().named_parameters()]
    assert names == [
        "first.scale",
        "first.fc.weight",
        "first.fc.bias",
        "first.bn.weight",
        "first.bn.bias",
        "head.weight",
        "head.bias",
    ]
    assert next(n for n, _ in Net().named_parameters(prefix="net")) == "net.first.scale"
    assert [n for n, _ in Block().named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in Net().named_buffers()] == [
        "first.steps",
        "first.bn.running_mean",
        "first.bn.running_var",
        "first.bn.num_batches_tracked",
    ]
    assert [n for n, _ in Net().named_modules()] == [
        "",
        "first",
        "first.fc",
        "first.bn",
        "drop",
        "head",
    ]
    assert [n for n, _ in Net().named_children()] == ["first", "drop", "head"]


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    x = netopt.randn(3, 2, rng=np.random.default_rng(0))
    tied(x).sum().backward()  # a tied weight gets the gradient of both uses
    # h = x W^T + b0, out = h W^T + b1, L = sum(out), G = dL/dout = ones:
    # second use G^T h, first use (G W)^T x (float32 values: rtol 1e-6)
    w, b0 = tied[0].weight.data, tied[0].bias.data
    h = x.data @ w.T + b0
    g_second = np.ones((3, 2)).T @ h
    g_first = (np.ones((3, 2)) @ w).T @ x.data
    np.testing.assert_allclose(tied[0].weight.grad, g_first + g_second, rtol=1e-6)


def test_state_dict_lists_shared_modules_and_tied_parameters_under_every_name():
    # PyTorch's rule: state_dict walks every module path (named_modules with
    # remove_duplicate=False), so a shared Linear appears as 0.* and 2.*, and a tied weight
    # under both owners' names; named_parameters lists each once (test above).
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.Tanh(), shared)
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    state = net.state_dict()
    net.load_state_dict(state)  # its own state loads strictly
    del state["2.weight"]
    with pytest.raises(KeyError, match=r"missing keys \['2.weight'\]"):
        net.load_state_dict(state)


def test_state_dict_keys_match_torch_for_shared_modules():
    torch = pytest.importorskip("torch")
    t_shared = torch.nn.Linear(2, 2)
    t_net = torch.nn.Sequential(t_shared, torch.nn.Tanh(), t_shared)
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.Tanh(), shared)
    assert list(net.state_dict()) == list(t_net.state_dict())


def test_train_eval_propagate_to_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.first.train()
    assert net.first.bn.training and not net.drop.training and not net.training
    net.train(False)
    assert not net.first.fc.training


def test_zero_grad_to_none_and_to_zeros():
    net = Net()
    net.eval()
    net(netopt.randn(4, 2, rng=np.random.default_rng(0))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_holds_copies_of_parameters_and_buffers():
    net = Net()
    state = net.state_dict()
    assert list(state) == [
        "first.scale",
        "first.steps",
        "first.fc.weight",
        "first.fc.bias",
        "first.bn.weight",
        "first.bn.bias",
        "first.bn.running_mean",
        "first.bn.running_var",
        "first.bn.num_batches_tracked",
        "head.weight",
        "head.bias",
    ]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["head.weight"][...] = 99.0  # editing the copy leaves the module alone
    assert not (net.head.weight.data == 99.0).any()
    net.head.bias.data[...] = -5.0  # and the other way round
    assert not (state["head.bias"] == -5.0).any()
    assert not np.shares_memory(state["first.bn.running_mean"], net.first.bn.running_mean)


def test_load_state_dict_round_trip_copies_values_in_place():
    src, dst = Net(), Net()
    src.first.bn(netopt.randn(4, 3, rng=np.random.default_rng(1)))  # move the buffers
    weight_array = dst.head.weight.data.numpy()
    state = src.state_dict()
    dst.load_state_dict(state)
    assert dst.head.weight.data.numpy() is weight_array  # written in place, storage kept
    for key, value in dst.state_dict().items():
        assert np.array_equal(value, state[key]), key
    state["head.bias"][...] = 7.0
    assert not (dst.head.bias.data == 7.0).any()  # loaded by copy, not by alias
    assert dst.first.bn.num_batches_tracked.item() == 1


def _corrupt(kind):
    state = Net().state_dict()
    for value in state.values():
        if value.dtype.kind == "f":
            value[...] = 123.0
    if kind == "missing":
        del state["head.bias"]
    elif kind == "unexpected":
        state["head.extra"] = np.zeros(1)
    elif kind == "shape":
        state["head.weight"] = np.zeros((2, 3), dtype=np.float32)
    elif kind == "dtype":
        state["first.bn.num_batches_tracked"] = np.array(1.5)
    return state


@pytest.mark.parametrize(
    ("kind", "exc", "match"),
    [
        ("missing", KeyError, r"missing keys \['head.bias'\], unexpected keys \[\]"),
        ("unexpected", KeyError, r"missing keys \[\], unexpected keys \['head.extra'\]"),
        ("shape", ValueError, r"size mismatch for head.weight: .* \(2, 3\).* \(1, 3\)"),
        ("dtype", ValueError, "dtype mismatch for first.bn.num_batches_tracked"),
    ],
)
def test_failed_load_state_dict_leaves_the_module_unchanged(kind, exc, match):
    net = Net()
    before = net.state_dict()
    with pytest.raises(exc, match=match):
        net.load_state_dict(_corrupt(kind))
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_load_state_dict_non_strict_loads_what_matches():
    net = Net()
    state = {"head.bias": np.array([4.0], dtype=np.float32), "other": np.zeros(2)}
    net.load_state_dict(state, strict=False)
    assert net.head.bias.data.tolist() == [4.0]


def test_reassigning_registered_parameters_and_buffers_keeps_them_registered():
    bn = nn.BatchNorm1d(2)
    bn.running_mean = np.full(2, 3.0, dtype=np.float32)
    assert "running_mean" in bn.state_dict() and bn.state_dict()["running_mean"].tolist() == [3, 3]
    layer = nn.Linear(2, 2)
    layer.bias = None
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(netopt.zeros(1, 2)).data.tolist() == [[0.0, 0.0]]
    layer.bias = nn.Parameter(np.ones(2, dtype=np.float32))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_plain_attributes_and_submodule_replacement():
    block = Block()
    assert block.note == "not registered" and "note" not in block.state_dict()
    block.fc = nn.Linear(2, 3, bias=False)  # a replaced submodule keeps its place (torch)
    assert [n for n, _ in block.named_parameters()][:3] == ["scale", "fc.weight", "bn.weight"]
    block.fc.weight = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
    block.scale = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert [n for n, _ in block.named_parameters()][:2] == ["scale", "fc.weight"]
    del block.fc
    assert "fc" not in dict(block.named_children())
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        block.missing  # noqa: B018


def test_apply_and_children():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Block", "Dropout", "Linear", "Net"]
    assert [type(c).__name__ for c in Net().children()] == ["Block", "Dropout", "Linear"]


def test_repr_of_nested_modules():
    assert repr(Net()) == (
        "Net(\n"
        "  (first): Block(\n"
        "    (fc): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (bn): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "  )\n"
        "  (drop): Dropout(p=0.5, inplace=False)\n"
        "  (head): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )


def test_parameter_shares_storage_and_requires_grad():
    arr = np.zeros(3, dtype=np.float32)
    p = nn.Parameter(arr)
    assert p.requires_grad and p.data.numpy() is arr and p.is_leaf
    t = netopt.tensor([1.0, 2.0])
    assert nn.Parameter(t).data.numpy() is t.data.numpy()
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert repr(nn.Parameter(np.array([1.0], dtype=np.float32))) == (
        "Parameter containing:\ntensor([1.], requires_grad=True)"
    )


def test_call_passes_keyword_arguments_to_forward():
    class Scaled(nn.Module):
        def forward(self, x, *, scale=1.0):
            return x * scale

    m = Scaled()
    np.testing.assert_array_equal(m(netopt.tensor([1.0, 2.0]), scale=3.0).data, [3.0, 6.0])
    with pytest.raises(TypeError, match="unexpected keyword argument 'scael'"):
        m(netopt.tensor([1.0]), scael=3.0)
