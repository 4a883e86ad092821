r"""Write ``tests/golden/conv.npz``: PyTorch's values and gradients for the convolution,
pooling, padding, normalization and embedding cases.

Run from the repository root (needs torch)::

    .venv/bin/python tests/golden/make_conv.py

Cases use the machinery of ``make_engine.py`` (:class:`Lib`, :func:`run_case`: each case is
written once against the API netopt shares with torch, inputs drawn from a generator
seeded with the case's index, gradients of ``sum(out * cot)`` for a random ``cot``).
``tests/nn/test_conv_reference.py`` replays them against this file and, with torch
installed, against live torch. Names ending in ``@f32`` run in float32.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_engine import Case, Lib, run_case

GOLDEN = Path(__file__).with_name("conv.npz")
CASES: dict[str, Case] = {}


def case(name, make, grads=("x",), f32=True):
    """Register ``run`` as case ``name`` and, unless ``f32=False``, ``name@f32``."""

    def register(run):
        CASES[name] = Case(name, make, run, tuple(grads))
        if f32:
            CASES[f"{name}@f32"] = Case(f"{name}@f32", _as_f32(make), run, tuple(grads))
        return run

    return register


def _as_f32(make):
    def make32(rng):
        return {
            k: v.astype(np.float32) if v.dtype == np.float64 else v for k, v in make(rng).items()
        }

    return make32


def arrays(**shapes):
    """Standard-normal inputs of the given shapes (``ints=(lo, hi, shape)`` for integers)."""

    def make(rng):
        out = {}
        for k, shape in shapes.items():
            if k.startswith("idx"):
                lo, hi, s = shape
                out[k] = rng.integers(lo, hi, s)
            elif k.startswith("tie"):
                out[k] = rng.integers(0, 3, shape).astype(np.float64)
            else:
                out[k] = rng.standard_normal(shape)
        return out

    return make


CONV = (("x", "w", "b"),)
# ----------------------------------------------------------------------------- convolution
CONV2D = {
    "conv2d_basic": ((2, 3, 7, 8), (4, 3, 3, 2), {}),
    "conv2d_stride_pad_dil_groups": (
        (2, 4, 9, 8),
        (6, 2, 3, 3),
        {"stride": (2, 3), "padding": (1, 2), "dilation": (2, 1), "groups": 2},
    ),
    "conv2d_depthwise": ((2, 4, 9, 8), (8, 1, 3, 3), {"stride": 2, "padding": 1, "groups": 4}),
    "conv2d_same_even_kernel": (
        (2, 3, 6, 7),
        (2, 3, 4, 3),
        {"padding": "same", "dilation": (1, 2)},
    ),
    "conv2d_valid": ((1, 2, 5, 5), (3, 2, 2, 2), {"padding": "valid", "stride": 2}),
    "conv2d_unbatched": ((3, 6, 6), (2, 3, 3, 3), {"padding": 1}),
}
CONV1D = {
    "conv1d_basic": ((2, 3, 11), (5, 3, 4), {}),
    "conv1d_same": ((2, 3, 11), (5, 3, 4), {"padding": "same"}),
    "conv1d_stride_groups": (
        (2, 6, 13),
        (4, 3, 3),
        {"stride": 2, "padding": 2, "groups": 2, "dilation": 2},
    ),
    "conv1d_unbatched": ((3, 11), (6, 1, 3), {"stride": 2, "padding": 1, "groups": 3}),
    "conv1d_mnist1d_first_layer": ((4, 1, 40), (25, 1, 5), {"stride": 2, "padding": 1}),
}


def _conv_case(name, xs, ws, kw, fn):
    @case(name, arrays(x=xs, w=ws, b=(ws[0],)), grads=("x", "w", "b"))
    def _(lib, x):
        return {"out": getattr(lib.F, fn)(x["x"], x["w"], x["b"], **kw)}, {}


for _name, (_xs, _ws, _kw) in CONV2D.items():
    _conv_case(_name, _xs, _ws, _kw, "conv2d")
for _name, (_xs, _ws, _kw) in CONV1D.items():
    _conv_case(_name, _xs, _ws, _kw, "conv1d")


@case("conv2d_no_bias", arrays(x=(2, 2, 5, 6), w=(3, 2, 3, 3)), grads=("x", "w"))
def _(lib, x):
    return {"out": lib.F.conv2d(x["x"], x["w"], stride=(1, 2), padding=(2, 0))}, {}


def _module_conv(lib, x, cls, mode, **kw):
    w = x["w"]
    conv = getattr(lib.nn, cls)(w.shape[1] * kw.get("groups", 1), w.shape[0], tuple(w.shape[2:]),
                                padding_mode=mode, dtype=w.dtype, **kw)  # fmt: skip
    with lib.mod.no_grad():
        conv.weight.copy_(w)
        conv.bias.copy_(x["b"])
    return {"out": conv(x["x"])}, {"weight": conv.weight, "bias": conv.bias}


for _mode in ("zeros", "reflect", "replicate", "circular"):

    @case(f"Conv2d_{_mode}", arrays(x=(2, 2, 5, 6), w=(4, 2, 3, 3), b=(4,)))
    def _(lib, x, _mode=_mode):
        return _module_conv(lib, x, "Conv2d", _mode, padding=(1, 2), stride=(2, 1))

    @case(f"Conv1d_{_mode}_same", arrays(x=(2, 2, 7), w=(4, 1, 4), b=(4,)))
    def _(lib, x, _mode=_mode):
        return _module_conv(lib, x, "Conv1d", _mode, padding="same", groups=2)


# ----------------------------------------------------------------------------- padding
for _mode, _pad in (("constant", (1, 2, 0, 3)), ("reflect", (2, 1, 3, 1)),
                    ("replicate", (3, 0, 1, 2)), ("circular", (2, 4, 1, 3))):  # fmt: skip

    @case(f"pad_{_mode}", arrays(x=(2, 3, 4, 5)))
    def _(lib, x, _mode=_mode, _pad=_pad):
        return {"out": lib.F.pad(x["x"], _pad, mode=_mode)}, {}


# ----------------------------------------------------------------------------- pooling
POOL = {
    "max_pool2d_basic": ("max_pool2d", (2, 3, 8, 8), {"kernel_size": 2}),
    "max_pool2d_overlap_ceil": (
        "max_pool2d",
        (2, 3, 7, 8),
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    ),
    "max_pool2d_dilation": (
        "max_pool2d",
        (2, 2, 9, 8),
        {"kernel_size": (3, 2), "stride": (1, 2), "dilation": (2, 1)},
    ),
    "max_pool1d": (
        "max_pool1d",
        (2, 3, 11),
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    ),
    "avg_pool2d_basic": ("avg_pool2d", (2, 3, 8, 8), {"kernel_size": 2}),
    "avg_pool2d_ceil_include_pad": (
        "avg_pool2d",
        (2, 3, 7, 8),
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    ),
    "avg_pool2d_exclude_pad": (
        "avg_pool2d",
        (2, 3, 7, 8),
        {
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    "avg_pool2d_divisor_override": (
        "avg_pool2d",
        (2, 3, 7, 8),
        {"kernel_size": (3, 2), "padding": 1, "divisor_override": 5},
    ),
    "avg_pool1d": (
        "avg_pool1d",
        (2, 3, 10),
        {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True},
    ),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d", (2, 3, 7, 9), {"output_size": (3, 4)}),
    "adaptive_avg_pool2d_global": ("adaptive_avg_pool2d", (2, 3, 5, 5), {"output_size": 1}),
    "adaptive_avg_pool1d": ("adaptive_avg_pool1d", (2, 3, 10), {"output_size": 4}),
    "adaptive_max_pool2d": ("adaptive_max_pool2d", (2, 3, 7, 9), {"output_size": (3, 4)}),
    "adaptive_max_pool1d": ("adaptive_max_pool1d", (2, 3, 10), {"output_size": 4}),
}
for _name, (_fn, _xs, _kw) in POOL.items():

    @case(_name, arrays(x=_xs))
    def _(lib, x, _fn=_fn, _kw=_kw):
        return {"out": getattr(lib.F, _fn)(x["x"], **_kw)}, {}


@case("max_pool2d_ties_indices", arrays(tie=(2, 2, 6, 6)), grads=("tie",))
def _(lib, x):
    y, i = lib.F.max_pool2d(x["tie"], 3, stride=1, padding=1, return_indices=True)
    return {"out": y, "indices": i}, {}


@case("max_pool1d_ties_indices", arrays(tie=(2, 2, 9)), grads=("tie",))
def _(lib, x):
    y, i = lib.F.max_pool1d(x["tie"], 3, stride=2, return_indices=True)
    return {"out": y, "indices": i}, {}


# ----------------------------------------------------------------------------- normalization
def _norm_module(lib, x, module, steps=1, eval_last=False):
    if module.weight is not None:
        with lib.mod.no_grad():
            module.weight.copy_(x["gamma"])
            if module.bias is not None:
                module.bias.copy_(x["beta"])
    watched = {k: getattr(module, k) for k in ("weight", "bias") if getattr(module, k) is not None}
    outs = {}
    for i in range(steps):
        if eval_last and i == steps - 1:
            module.eval()
        outs[f"y{i}"] = module(x[f"x{i}"])
    outs["out"] = sum(outs[f"y{i}"] for i in range(steps))
    for k in ("running_mean", "running_var"):
        if getattr(module, k, None) is not None:
            outs[k] = getattr(module, k)
    return outs, watched


BN2 = ("x0", "x1", "x2")


@case(
    "batchnorm2d_train_then_eval",
    arrays(x0=(4, 3, 5, 5), x1=(4, 3, 5, 5), x2=(4, 3, 5, 5), gamma=(3,), beta=(3,)),
    grads=BN2,
)
def _(lib, x):
    bn = lib.nn.BatchNorm2d(3, momentum=0.2, dtype=x["x0"].dtype)
    return _norm_module(lib, x, bn, steps=3, eval_last=True)


@case(
    "batchnorm2d_train",
    arrays(x0=(2, 3, 4, 3), x1=(2, 3, 4, 3), gamma=(3,), beta=(3,)),
    grads=BN2[:2],
)
def _(lib, x):
    return _norm_module(lib, x, lib.nn.BatchNorm2d(3, dtype=x["x0"].dtype), steps=2)


@case("layernorm_affine", arrays(x0=(3, 4, 5), gamma=(4, 5), beta=(4, 5)), grads=("x0",))
def _(lib, x):
    return _norm_module(lib, x, lib.nn.LayerNorm((4, 5), eps=1e-3, dtype=x["x0"].dtype))


@case("layernorm_no_bias", arrays(x0=(6, 5), gamma=(5,)), grads=("x0",))
def _(lib, x):
    return _norm_module(lib, x, lib.nn.LayerNorm(5, bias=False, dtype=x["x0"].dtype))


@case("layernorm_no_affine", arrays(x0=(2, 3, 4)), grads=("x0",))
def _(lib, x):
    return _norm_module(lib, x, lib.nn.LayerNorm(4, elementwise_affine=False, dtype=x["x0"].dtype))


@case("groupnorm_4d", arrays(x0=(3, 6, 4, 3), gamma=(6,), beta=(6,)), grads=("x0",))
def _(lib, x):
    return _norm_module(lib, x, lib.nn.GroupNorm(3, 6, dtype=x["x0"].dtype))


@case("groupnorm_3d_no_affine", arrays(x0=(2, 4, 7)), grads=("x0",))
def _(lib, x):
    return _norm_module(lib, x, lib.nn.GroupNorm(2, 4, affine=False, dtype=x["x0"].dtype))


@case("embedding_padding_idx", arrays(idx=(0, 6, (3, 4)), w=(6, 3)), grads=("w",))
def _(lib, x):
    return {"out": lib.F.embedding(x["idx"], x["w"], padding_idx=2)}, {}


# ----------------------------------------------------------------------------- small nets
@case(
    "mnist1d_cnn_chain",
    arrays(
        x=(5, 1, 40),
        w1=(25, 1, 5),
        b1=(25,),
        w2=(25, 25, 3),
        b2=(25,),
        w3=(25, 25, 3),
        b3=(25,),
        wl=(10, 125),
        bl=(10,),
    ),
    grads=("x", "w1", "b1", "w2", "b2", "w3", "b3", "wl", "bl"),
)
def _(lib, x):
    F = lib.F
    h = F.relu(F.conv1d(x["x"], x["w1"] * 0.3, x["b1"], stride=2, padding=1))
    h = F.relu(F.conv1d(h, x["w2"] * 0.2, x["b2"], stride=2, padding=1))
    h = F.relu(F.conv1d(h, x["w3"] * 0.2, x["b3"], stride=2, padding=1))
    return {"out": F.linear(h.reshape(h.shape[0], -1), x["wl"] * 0.1, x["bl"])}, {}


@case(
    "lenet_chain",
    arrays(
        x=(3, 1, 28, 28),
        w1=(6, 1, 5, 5),
        b1=(6,),
        w2=(16, 6, 5, 5),
        b2=(16,),
        wl=(10, 400),
        bl=(10,),
    ),
    grads=("x", "w1", "b1", "w2", "b2", "wl", "bl"),
)
def _(lib, x):
    F = lib.F
    h = F.max_pool2d(F.relu(F.conv2d(x["x"], x["w1"] * 0.2, x["b1"], padding=2)), 2)
    h = F.avg_pool2d(F.sigmoid(F.conv2d(h, x["w2"] * 0.1, x["b2"])), 2)
    return {"out": F.linear(h.reshape(h.shape[0], -1), x["wl"] * 0.1, x["bl"])}, {}


def main() -> int:
    import torch

    torch.use_deterministic_algorithms(True)
    lib = Lib("torch")
    out: dict[str, np.ndarray] = {}
    for index, c in enumerate(CASES.values()):
        rng = np.random.default_rng(np.random.SeedSequence([1616, index]))
        inputs = c.make(rng)
        probe = run_case(lib, c, inputs, None)["out/out"]
        cot = rng.standard_normal(probe.shape).astype(probe.dtype)
        result = run_case(lib, c, inputs, cot)
        for k, v in inputs.items():
            out[f"{c.name}/in/{k}"] = v
        out[f"{c.name}/cot"] = cot
        for k, v in result.items():
            out[f"{c.name}/{k}"] = v
    out["torch_version"] = np.array(torch.__version__)
    np.savez_compressed(GOLDEN, **out)
    print(f"wrote {GOLDEN} ({len(CASES)} cases, {len(out)} arrays, torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
