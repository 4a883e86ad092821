"""PyTorch-compatible Module API: load_state_dict's result, requires_grad_, buffers,
ModuleList.extend/insert, ModuleDict, and the ``inplace`` flag of activations and Dropout.

Each behaviour has a check with values worked out by hand (no torch needed) and, where torch
has the same API, a live comparison with torch (skipped without it).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import netopt
import netopt.nn.functional as F
from netopt import nn


def _tricky(lib):
    """A shared Linear under ``a`` and ``c``, a BatchNorm, a nested Sequential with a None slot."""
    shared = lib.Linear(2, 2)
    net = lib.Sequential(
        OrderedDict(a=shared, b=lib.BatchNorm1d(2), c=shared, d=lib.Sequential(lib.Linear(2, 1)))
    )
    net.d.add_module("gone", None)
    return net


# keys in an order unlike the module's, to pin torch's order of unexpected_keys
_TRICKY_STATE_KEYS = [
    "zz",  # root: no such parameter
    "d.0.extra",  # d.0: no such parameter
    "a.w",  # a (= c): no such parameter; listed once, under its own path only
    "c.weight",  # present
    "nope.x",  # root: no sub-module "nope"
    "b.running_mean.x",  # b: no sub-module "running_mean"
    "d.gone.weight",  # below a None slot: neither missing nor unexpected (torch skips it)
    "a",  # root: "a" is a sub-module, not a parameter
    "d.0",  # d: "0" is a sub-module, not a parameter
    "b.num_batches_tracked",  # present
]


def _tricky_state(shapes):
    """State with the right shape for present keys and (1,) elsewhere (float32, but int64
    for the step counter)."""
    state = {k: np.zeros(shapes.get(k, (1,)), dtype=np.float32) for k in _TRICKY_STATE_KEYS}
    state["b.num_batches_tracked"] = np.zeros(shapes.get("b.num_batches_tracked", (1,)), np.int64)
    return state


# ----------------------------------------------------------------------------- 1. load_state_dict
def test_load_state_dict_returns_missing_and_unexpected_keys_by_hand():
    layer = nn.Linear(2, 1)
    result = layer.load_state_dict(
        {"weight": np.full((1, 2), 3.0, dtype=np.float32), "scale": np.ones(1)}, strict=False
    )
    assert isinstance(result, tuple) and type(result).__name__ == "_IncompatibleKeys"
    assert result._fields == ("missing_keys", "unexpected_keys")
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["scale"]
    missing, unexpected = result
    assert (missing, unexpected) == (["bias"], ["scale"])
    assert layer.weight.data.tolist() == [[3.0, 3.0]]  # what matched was loaded
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['scale'])"
    assert str(result) == repr(result)

    ok = layer.load_state_dict(layer.state_dict())  # strict, everything matches
    assert ok.missing_keys == [] and ok.unexpected_keys == []
    assert repr(ok) == "<All keys matched successfully>" and str(ok) == repr(ok)
    assert layer.load_state_dict(layer.state_dict(), strict=False) == ([], [])


def test_load_state_dict_key_order_by_hand():
    net = _tricky(nn)
    result = net.load_state_dict(
        _tricky_state({"c.weight": (2, 2), "b.num_batches_tracked": ()}), strict=False
    )
    # missing: state_dict order (every module path, parameters then buffers)
    assert result.missing_keys == [
        "a.weight",
        "a.bias",
        "b.weight",
        "b.bias",
        "b.running_mean",
        "b.running_var",
        "c.bias",
        "d.0.weight",
        "d.0.bias",
    ]
    # unexpected: module by module (root, a, b, c, d, d.0), each in the state's order
    assert result.unexpected_keys == [
        "zz",
        "nope.x",
        "a",
        "a.w",
        "b.running_mean.x",
        "d.0",
        "d.0.extra",
    ]


def test_load_state_dict_strict_mismatch_still_raises_key_error_and_writes_nothing():
    layer = nn.Linear(2, 1)
    before = layer.state_dict()
    state = {"weight": np.zeros((1, 2), dtype=np.float32), "scale": np.ones(1)}
    with pytest.raises(KeyError, match=r"missing keys \['bias'\], unexpected keys \['scale'\]"):
        layer.load_state_dict(state)
    assert np.array_equal(layer.weight.data, before["weight"])


def test_load_state_dict_result_matches_torch():
    torch = pytest.importorskip("torch")
    shapes = {"c.weight": (2, 2), "b.num_batches_tracked": ()}
    t_state = {k: torch.as_tensor(v) for k, v in _tricky_state(shapes).items()}
    t_result = _tricky(torch.nn).load_state_dict(t_state, strict=False)
    state = _tricky_state(shapes)
    result = _tricky(nn).load_state_dict(state, strict=False)
    assert result.missing_keys == t_result.missing_keys
    assert result.unexpected_keys == t_result.unexpected_keys
    assert result._fields == t_result._fields
    assert repr(result) == repr(t_result)

    t_layer, layer = torch.nn.Linear(2, 1), nn.Linear(2, 1)
    t_ok = t_layer.load_state_dict(t_layer.state_dict())
    ok = layer.load_state_dict(layer.state_dict())
    assert repr(ok) == repr(t_ok) and tuple(ok) == tuple(t_ok)
    with pytest.raises(RuntimeError, match="Missing key"):
        t_layer.load_state_dict({"weight": torch.zeros(1, 2)})
    with pytest.raises(KeyError, match="missing keys"):  # netopt keeps its own error type
        layer.load_state_dict({"weight": np.zeros((1, 2), dtype=np.float32)})


# ----------------------------------------------------------------------------- 2. grads, buffers
class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("steps", np.zeros((), dtype=np.int64))

    def forward(self, x):
        return self.bn(self.fc(x))


def test_requires_grad_freezes_and_unfreezes_parameters():
    net = nn.Sequential(_Block(), nn.Linear(3, 1))
    assert net[0].requires_grad_(False) is net[0]
    assert [p.requires_grad for p in net.parameters()] == [False] * 4 + [True] * 2
    before = {k: v.copy() for k, v in net.named_buffers()}
    net(netopt.randn(4, 2, rng=np.random.default_rng(0))).sum().backward()
    assert [p.grad is None for p in net.parameters()] == [True] * 4 + [False] * 2
    # buffers have no flag and are untouched by requires_grad_ (BN still updates them)
    assert set(before) == {k for k, _ in net.named_buffers()}
    assert net.requires_grad_() is net
    assert all(p.requires_grad for p in net.parameters())
    shared = nn.Linear(2, 2)
    nn.Sequential(shared, shared).requires_grad_(False)
    assert not shared.weight.requires_grad and not shared.bias.requires_grad


def test_requires_grad_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(lib.Linear(2, 3), lib.BatchNorm1d(3), lib.Linear(3, 1))

    t_net, net = build(torch.nn), build(nn)
    for target in (lambda m: m[1], lambda m: m):
        for flag in (False, True):
            assert target(t_net).requires_grad_(flag) is target(t_net)
            assert target(net).requires_grad_(flag) is target(net)
            ours = [(n, p.requires_grad) for n, p in net.named_parameters()]
            theirs = [(n, p.requires_grad) for n, p in t_net.named_parameters()]
            assert ours == theirs


def test_buffers_and_named_buffers_recurse_and_duplicates_by_hand():
    block = _Block()
    assert [b is block.steps for b in block.buffers(recurse=False)] == [True]
    live = [block.steps, block.bn.running_mean, block.bn.running_var]
    live.append(block.bn.num_batches_tracked)
    assert all(a is b for a, b in zip(block.buffers(), live, strict=True))  # live, not copies
    assert [n for n, _ in block.named_buffers(prefix="m", recurse=False)] == ["m.steps"]

    bn = nn.BatchNorm1d(2)
    net = nn.Sequential(bn, nn.Tanh(), bn)
    names = ["0.running_mean", "0.running_var", "0.num_batches_tracked"]
    assert [n for n, _ in net.named_buffers()] == names
    assert len(list(net.buffers())) == 3
    assert [n for n, _ in net.named_buffers(remove_duplicate=False)] == [
        *names,
        "2.running_mean",
        "2.running_var",
        "2.num_batches_tracked",
    ]
    # one array registered as a buffer in two modules: once by default, as torch
    a, b = nn.Module(), nn.Module()
    arr = np.zeros(2)
    a.register_buffer("x", arr)
    b.register_buffer("y", arr)
    pair = nn.Sequential(a, b)
    assert [n for n, _ in pair.named_buffers()] == ["0.x"]
    assert [n for n, _ in pair.named_buffers(remove_duplicate=False)] == ["0.x", "1.y"]


def test_named_buffers_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        bn = lib.BatchNorm1d(2)
        return lib.Sequential(bn, lib.Linear(2, 2), bn, lib.Sequential(lib.BatchNorm1d(2)))

    t_net, net = build(torch.nn), build(nn)
    for kwargs in (
        {},
        {"prefix": "p"},
        {"recurse": False},
        {"remove_duplicate": False},
        {"prefix": "q", "remove_duplicate": False},
    ):
        ours = [n for n, _ in net.named_buffers(**kwargs)]
        assert ours == [n for n, _ in t_net.named_buffers(**kwargs)], kwargs
    assert [b.shape for b in net[3].buffers()] == [tuple(b.shape) for b in t_net[3].buffers()]
    assert len(list(net.buffers(recurse=False))) == len(list(t_net.buffers(recurse=False))) == 0


# ----------------------------------------------------------------------------- 3. containers
def test_module_list_extend_and_insert_by_hand():
    relu, tanh, sig, lin = nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Linear(2, 2)
    ml = nn.ModuleList([relu])
    assert ml.extend([tanh, lin]) is ml
    assert ml.extend(iter([])) is ml  # any iterable
    assert ml.insert(1, sig) is None
    assert list(ml._modules) == ["0", "1", "2", "3"]  # renumbered
    assert [m for m in ml] == [relu, sig, tanh, lin]
    assert list(ml.state_dict()) == ["3.weight", "3.bias"]  # lin moved from "2" to "3"
    ml.insert(0, nn.Identity())
    ml.insert(len(ml), nn.Identity())  # len appends
    assert [type(m).__name__ for m in ml] == [
        "Identity",
        "ReLU",
        "Sigmoid",
        "Tanh",
        "Linear",
        "Identity",
    ]
    assert list(ml.state_dict()) == ["4.weight", "4.bias"]


@pytest.mark.parametrize("index", [-1, 4, 1.0])
def test_module_list_insert_rejects_bad_index_without_change(index):
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Linear(2, 2)])
    before = list(ml._modules.items())
    with pytest.raises((IndexError, TypeError)):
        ml.insert(index, nn.Sigmoid())
    assert list(ml._modules.items()) == before


def test_module_list_type_errors():
    with pytest.raises(TypeError, match=r"ModuleList\.extend should be called with an iterable"):
        nn.ModuleList().extend(5)
    ml = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        ml.insert(0, 3)
    assert len(ml) == 1


def test_module_list_extend_insert_match_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        ml = lib.ModuleList([lib.Linear(2, 2)])
        ml.extend([lib.Tanh(), lib.Linear(2, 3)])
        ml.insert(1, lib.ReLU(inplace=True))
        ml.insert(4, lib.Linear(3, 1))
        ml.insert(0, lib.Sigmoid())
        return ml

    t_ml, ml = run(torch.nn), run(nn)
    assert [type(m).__name__ for m in ml] == [type(m).__name__ for m in t_ml]
    assert list(ml._modules) == list(t_ml._modules)
    assert list(ml.state_dict()) == list(t_ml.state_dict())
    assert repr(ml) == repr(t_ml)


def test_module_dict_by_hand():
    a, b, c = nn.Linear(2, 1), nn.ReLU(), nn.Linear(1, 1, bias=False)
    md = nn.ModuleDict({"fc": a, "act": b})
    assert len(md) == 2 and list(md) == ["fc", "act"] and "fc" in md and "x" not in md
    assert md["fc"] is a and md.fc is a
    assert list(md.keys()) == ["fc", "act"]
    assert list(md.values()) == [a, b]
    assert list(md.items()) == [("fc", a), ("act", b)]
    assert [n for n, _ in md.named_parameters()] == ["fc.weight", "fc.bias"]
    md["out"] = c
    md["fc"] = nn.Linear(2, 1, bias=False)  # replacing keeps the position
    assert list(md) == ["fc", "act", "out"]
    assert list(md.state_dict()) == ["fc.weight", "out.weight"]
    md.update([("act", nn.Tanh()), ("extra", nn.Sigmoid())])
    assert [type(m).__name__ for m in md.values()] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    md.update(OrderedDict(z=nn.Identity(), y=nn.Identity()))
    assert list(md)[-2:] == ["z", "y"]
    assert md.pop("out") is c and "out" not in md
    del md["extra"]
    assert list(md) == ["fc", "act", "z", "y"]
    with pytest.raises(KeyError):
        md.pop("out")
    with pytest.raises(KeyError):
        md["missing"]
    copy = nn.ModuleDict(md)  # from another ModuleDict, same order and modules
    assert list(copy.items()) == list(md.items())
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []
    assert nn.ModuleDict().keys() is not None and len(nn.ModuleDict()) == 0
    assert "ModuleDict" in nn.__all__


@pytest.mark.parametrize(
    ("arg", "exc", "match"),
    [
        (5, TypeError, r"ModuleDict\.update should be called with an iterable of key/value pairs"),
        ([("a", nn.ReLU(), 1)], ValueError, "element #0 has length 3; 2 is required"),
        ([1], TypeError, "element #0 should be Iterable; isint"),
        ({"a.b": nn.ReLU()}, KeyError, r'contain "\.", got: a\.b'),
        ({"": nn.ReLU()}, KeyError, 'be empty string ""'),
        ({"update": nn.ReLU()}, KeyError, "attribute 'update' already exists"),
        ({"training": nn.ReLU()}, KeyError, "attribute 'training' already exists"),
        ({1: nn.ReLU()}, TypeError, "module name should be a string. Got int"),
        ({"a": 3}, TypeError, "int is not a Module subclass"),
    ],
)
def test_module_dict_rejects_bad_input(arg, exc, match):
    with pytest.raises(exc, match=match):
        nn.ModuleDict(arg)


def test_module_dict_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        md = lib.ModuleDict({"b": lib.Linear(2, 2), "a": lib.ReLU(inplace=True)})
        md["c"] = lib.Linear(2, 1)
        md.update([("a", lib.Tanh()), ("d", lib.Linear(1, 1))])
        md["b"] = lib.Linear(2, 2, bias=False)
        popped = md.pop("c")
        return md, popped

    (t_md, t_popped), (md, popped) = run(torch.nn), run(nn)
    assert list(md) == list(t_md) and list(md.keys()) == list(t_md.keys())
    assert [type(m).__name__ for m in md.values()] == [type(m).__name__ for m in t_md.values()]
    assert [n for n, _ in md.named_parameters()] == [n for n, _ in t_md.named_parameters()]
    assert list(md.state_dict()) == list(t_md.state_dict())
    assert repr(md) == repr(t_md) and repr(popped) == repr(t_popped)
    assert len(md) == len(t_md) and ("d" in md) == ("d" in t_md) and ("c" in md) == ("c" in t_md)
    for bad in ({"a.b": None}, {"": None}, {"update": None}, [("a", None, 1)], [1], 5):
        with pytest.raises(Exception) as t_err:
            torch.nn.ModuleDict(bad)
        with pytest.raises(Exception) as err:
            nn.ModuleDict(bad)
        assert type(err.value) is type(t_err.value) and str(err.value) == str(t_err.value)


# ----------------------------------------------------------------------------- 4. inplace
def test_inplace_activations_leave_the_input_unchanged_and_give_the_same_values():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    cases = [
        (nn.ReLU, {}, [0.0, 0.0, 0.0, 1.5]),
        (nn.LeakyReLU, {"negative_slope": 0.1}, [-0.2, -0.05, 0.0, 1.5]),
        (nn.ELU, {"alpha": 2.0}, [2 * np.expm1(-2.0), 2 * np.expm1(-0.5), 0.0, 1.5]),
    ]
    for cls, kw, want in cases:
        outs = []
        for inplace in (False, True):
            module = cls(**kw, inplace=inplace)
            assert module.inplace is inplace
            inp = netopt.tensor(x.copy(), requires_grad=True)
            out = module(inp)
            assert out is not inp and np.array_equal(inp.data, x)  # never overwritten
            np.testing.assert_allclose(out.data, want, rtol=1e-12)
            out.sum().backward()
            outs.append((out.data, inp.grad))
        assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])
    assert nn.LeakyReLU(0.2, True).inplace and nn.ELU(0.5, True).inplace  # torch's order


def test_inplace_dropout_same_mask_and_keyword_only_rng():
    x = np.ones((4, 5))
    outs = []
    for inplace in (False, True):
        drop = nn.Dropout(0.5, inplace, rng=np.random.default_rng(3))
        assert drop.inplace is inplace
        inp = netopt.tensor(x.copy())
        outs.append(drop(inp).data)
        assert np.array_equal(inp.data, x)
    assert np.array_equal(outs[0], outs[1]) and set(np.unique(outs[0])) <= {0.0, 2.0}
    assert 0 < (outs[0] == 0).sum() < x.size
    with pytest.raises(TypeError):
        nn.Dropout(0.5, False, np.random.default_rng(0))  # rng stays keyword-only
    evald = nn.Dropout(0.3, inplace=True).eval()
    inp = netopt.tensor(x.copy())
    assert np.array_equal(evald(inp).data, x)


def test_inplace_reprs_by_hand():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.ELU(0.5, inplace=True)) == "ELU(alpha=0.5, inplace=True)"
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout(0.2, inplace=True)) == "Dropout(p=0.2, inplace=True)"


def test_inplace_reprs_and_values_match_torch():
    torch = pytest.importorskip("torch")
    for args, kwargs in [
        ((), {}),
        ((), {"inplace": True}),
        ((), {"inplace": False}),
    ]:
        assert repr(nn.ReLU(*args, **kwargs)) == repr(torch.nn.ReLU(*args, **kwargs))
    for cls in ("LeakyReLU", "ELU", "Dropout"):
        for args, kwargs in [((), {}), ((0.25,), {}), ((0.25, True), {}), ((1,), {"inplace": 0})]:
            ours = getattr(nn, cls)(*args, **kwargs)
            theirs = getattr(torch.nn, cls)(*args, **kwargs)
            assert repr(ours) == repr(theirs)
    x = np.linspace(-3.0, 3.0, 13)
    for cls, args in [("ReLU", ()), ("LeakyReLU", (0.3,)), ("ELU", (0.7,))]:
        t_in = torch.tensor(x)
        t_out = getattr(torch.nn, cls)(*args, inplace=True)(t_in)
        out = getattr(nn, cls)(*args, inplace=True)(netopt.tensor(x))
        np.testing.assert_allclose(out.data, t_out.numpy(), rtol=1e-15, atol=0)
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True), nn.Dropout(0.1, True))
    t_net = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.ReLU(inplace=True), torch.nn.Dropout(0.1, True)
    )
    assert repr(net) == repr(t_net)


@pytest.mark.parametrize("inplace", [False, True])
def test_sequential_fuses_linear_then_relu_whatever_inplace(inplace, monkeypatch):
    import netopt.nn.container as container

    calls = []

    def counting(*args):
        calls.append(args)
        return F.linear_relu(*args)

    monkeypatch.setattr(container, "linear_relu", counting)
    rng = np.random.default_rng(7)
    net = nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ReLU(inplace=inplace))
    x = netopt.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    out = net(x)
    assert len(calls) == 1  # one fused node
    assert all(a is b for a, b in zip(out._parents, (x, net[0].weight, net[0].bias)))
    want = F.relu(F.linear(x, net[0].weight, net[0].bias)).data
    np.testing.assert_array_equal(out.data, want)


def test_register_buffer_accepts_a_tensor_and_stores_its_array():
    m = nn.Module()
    t = netopt.tensor([1.0, 2.0])
    m.register_buffer("scale", t)
    assert m.scale is t.data.numpy() and list(m.state_dict()) == ["scale"]
    m.scale = netopt.tensor([3.0])  # reassigning a buffer keeps it registered
    assert isinstance(m.scale, np.ndarray) and m.state_dict()["scale"].tolist() == [3.0]
    with pytest.raises(TypeError, match="must be an ndarray or None"):
        m.register_buffer("bad", [1.0])


def test_module_to_cpu_and_dtype_casts_in_place():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(net.parameters())
    assert net.to("cpu") is net and net.cpu() is net
    assert net.double() is net and [p for p in net.parameters()] == params  # same objects
    assert all(p.dtype == np.float64 for p in params)
    assert net[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64  # integer buffers stay
    x = netopt.tensor(np.ones((4, 3)))
    net(x).sum().backward()
    assert params[0].grad.dtype == np.float64
    net.to("cpu", np.float32)
    assert params[0].dtype == np.float32 and params[0].grad.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only; device 'cuda' is not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        net.to(np.int64)


def test_module_to_after_an_optimizer_step_keeps_training():
    layer = nn.Linear(2, 1)
    opt = netopt.optim.SGD(layer.parameters(), lr=0.1)
    x = netopt.tensor(np.ones((3, 2)))
    layer(x).sum().backward()
    opt.step()  # parameters now live in the optimizer's flat float32 buffer
    layer.double()
    opt = netopt.optim.SGD(layer.parameters(), lr=0.1)
    before = np.array(layer.weight.data)
    opt.zero_grad()
    layer(netopt.tensor(np.ones((3, 2)))).sum().backward()
    opt.step()
    np.testing.assert_allclose(layer.weight.data, before - 0.1 * 3.0)  # dL/dW = sum of x = 3
    assert layer.weight.dtype == np.float64 and layer.weight.grad.dtype == np.float64


def test_tensor_to_device_and_dtype():
    t = netopt.tensor([1.0, 2.0], requires_grad=True)
    assert t.to("cpu") is t and t.cpu() is t and t.to(np.float32) is t
    assert t.to("cpu", np.float64).dtype == np.float64 and t.to(dtype=np.float64).requires_grad
    with pytest.raises(RuntimeError, match="CPU only"):
        t.to("cuda:0")
