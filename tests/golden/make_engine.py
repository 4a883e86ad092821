r"""Write ``tests/golden/engine.npz``: PyTorch's values and gradients for the engine cases.

Run from the repository root (needs torch)::

    .venv/bin/python tests/golden/make_engine.py

Every case in :data:`CASES` is one function written against the API that netopt shares
with torch: ``run(lib, x)`` gets ``lib`` (:class:`Lib`, a thin adapter exposing ``lib.mod``
= ``torch`` or ``netopt``, ``lib.nn`` and ``lib.F``) and ``x``, the case's inputs as tensors
of that library, and returns ``(outputs, watched)``: named output tensors (``"out"`` is
the one that is differentiated) and named tensors, such as module parameters, whose
gradients are recorded besides those of the inputs listed in ``Case.grads``.

The script draws each case's inputs from a generator seeded with the case's index, runs
torch, draws a random cotangent ``cot`` of the output's shape and back-propagates
``sum(out * cot)`` (a random seed makes a gradient such as BatchNorm's input gradient,
which is ~0 for ``sum(out)``, informative). The file holds, for a case ``NAME``:

- ``NAME/in/K``: input ``K`` (float64, float32, int64 or bool), ``NAME/cot``;
- ``NAME/out/K``: output ``K`` as torch computed it (values, running statistics, ...);
- ``NAME/grad/K``: torch's gradient of ``sum(out * cot)`` for each input and watched tensor.

``tests/nn/test_torch_reference.py`` replays every case with netopt against this file
(no torch needed) and, when torch is installed, against a live torch run of the same
inputs. Case names ending in ``@f32`` run in float32.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).with_name("engine.npz")


# ----------------------------------------------------------------------------- adapter
class Lib:
    """What a case may use; spelled the same for torch and netopt."""

    def __init__(self, name: str) -> None:
        if name == "torch":
            import torch

            self.mod = torch
        elif name == "netopt":
            import netopt

            self.mod = netopt
        else:
            raise ValueError(f"unknown library {name!r}")
        self.name = name
        self.nn = self.mod.nn
        self.F = self.mod.nn.functional

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        """A tensor holding a copy of ``array`` (same dtype)."""
        return self.mod.tensor(np.array(array), requires_grad=requires_grad)

    @staticmethod
    def numpy(value: Any) -> np.ndarray:
        """A copy of a tensor's (or buffer's) values as an ndarray."""
        if hasattr(value, "detach"):
            value = value.detach().numpy()
        return np.array(value, copy=True)


# ----------------------------------------------------------------------------- cases
Inputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Case:
    """One reference case: inputs from ``make(rng)``, computation ``run(lib, x)``."""

    name: str
    make: Callable[[np.random.Generator], Inputs]
    run: Callable[[Lib, dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]
    grads: tuple[str, ...]


CASES: dict[str, Case] = {}


def case(name: str, make: Callable[[np.random.Generator], Inputs], grads=("x",), f32=False):
    """Register ``run`` as case ``name`` (and ``name@f32``, inputs cast to float32)."""

    def register(run):
        CASES[name] = Case(name, make, run, tuple(grads))
        if f32:
            CASES[f"{name}@f32"] = Case(f"{name}@f32", _as_float32(make), run, tuple(grads))
        return run

    return register


def _as_float32(make):
    def make32(rng):
        return {
            k: v.astype(np.float32) if v.dtype == np.float64 else v for k, v in make(rng).items()
        }

    return make32


def _out(y):
    return {"out": y}, {}


# Input makers. Values of non-smooth functions include the kinks themselves on purpose:
# torch defines the derivative there (relu'(0)=0, abs'(0)=0, ties split in half, ...).
KINKS = np.array([-1.5, -1e-3, 0.0, 1e-3, 0.5, 2.5])


def normal(*shape, scale=1.0, shift=0.0, name="x"):
    return lambda rng: {name: shift + scale * rng.standard_normal(shape)}


def with_kinks(rng):
    return {"x": np.concatenate([rng.standard_normal(6) * 2, KINKS]).reshape(3, 4)}


def positive(*shape, name="x"):
    return lambda rng: {name: rng.uniform(0.5, 2.0, shape)}


def merge(*makers):
    def make(rng):
        out = {}
        for m in makers:
            out.update(m(rng))
        return out

    return make


def ints(name, high, *shape, fill=None):
    def make(rng):
        y = rng.integers(0, high, shape)
        if fill:
            for idx, v in fill.items():
                y[idx] = v
        return {name: y.astype(np.int64)}

    return make


def probs(name, *shape, zeros=False, axis=1):
    def make(rng):
        p = rng.uniform(0.1, 1.0, shape)
        if zeros:
            p[..., 0] = 0.0
        return {name: p / p.sum(axis=axis, keepdims=True)}

    return make


def uniform(name, low, high, *shape):
    return lambda rng: {name: rng.uniform(low, high, shape)}


# --- engine: element-wise ops (broadcasting where binary) ------------------------------
AB = merge(normal(2, 3, name="a"), normal(3, name="b"))
AB_COL = merge(normal(2, 3, name="a"), normal(2, 1, name="b"))


@case("add_broadcast", AB, grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] + x["b"])


@case("sub_broadcast_col", AB_COL, grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] - x["b"])


@case("mul_broadcast", AB, grads=("a", "b"), f32=True)
def _(lib, x):
    return _out(x["a"] * x["b"])


@case("div_broadcast", merge(normal(2, 3, name="a"), positive(2, 1, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] / x["b"])


@case("scalar_ops", normal(2, 3), f32=True)
def _(lib, x):
    t = x["x"]
    return _out(2.5 * t - 1.5 / (t * t + 1.0) + (3.0 - t) / 4.0 - (-t))


@case("pow_tensor_tensor", merge(positive(2, 3, name="a"), normal(3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] ** x["b"])


@case("pow_scalar_exponent", normal(2, 3), f32=True)
def _(lib, x):
    return _out(x["x"] ** 3 + x["x"] ** 2.0)


@case("pow_scalar_base", normal(2, 3), f32=True)
def _(lib, x):
    return _out(2.0 ** x["x"])


@case(
    "pow_zero_base",
    lambda rng: {"a": np.array([0.0, 0.0, 1.5]), "b": np.array([2.0, 0.5, 1.0])},
    grads=("b",),
)
def _(lib, x):
    return _out(x["a"] ** x["b"])


@case(
    "matmul_2d", merge(normal(2, 3, name="a"), normal(3, 4, name="b")), grads=("a", "b"), f32=True
)
def _(lib, x):
    return _out(x["a"] @ x["b"])


@case("matmul_batched", merge(normal(2, 2, 3, name="a"), normal(3, 4, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(lib.mod.matmul(x["a"], x["b"]))


@case("matmul_vec_mat", merge(normal(3, name="a"), normal(3, 2, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] @ x["b"])


@case("matmul_mat_vec", merge(normal(2, 3, name="a"), normal(3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] @ x["b"])


@case("matmul_vec_vec", merge(normal(3, name="a"), normal(3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(x["a"] @ x["b"])


def _unary(name, make, fn, f32=True):
    case(name, make, f32=f32)(lambda lib, x: _out(fn(lib, x["x"])))


_unary("exp", normal(2, 3), lambda lib, t: lib.mod.exp(t))
_unary("log", positive(2, 3), lambda lib, t: lib.mod.log(t))
_unary("log1p", uniform("x", -0.5, 2.0, 2, 3), lambda lib, t: lib.mod.log1p(t))
_unary("sqrt", positive(2, 3), lambda lib, t: lib.mod.sqrt(t))
_unary("abs_with_kinks", with_kinks, lambda lib, t: lib.mod.abs(t))
_unary("sin", normal(2, 3), lambda lib, t: t.sin())
_unary("cos", normal(2, 3), lambda lib, t: t.cos())
_unary("clamp_both", with_kinks, lambda lib, t: lib.mod.clamp(t, -1e-3, 0.5))
_unary("clamp_min", with_kinks, lambda lib, t: t.clamp(min=0.0))
_unary("clamp_max", with_kinks, lambda lib, t: t.clamp(max=1e-3))
_unary("neg", normal(2, 3), lambda lib, t: -t, f32=False)
_unary("clone", normal(2, 3), lambda lib, t: t.clone() * 2.0, f32=False)


@case(
    "maximum_with_ties",
    lambda rng: {"a": np.array([1.0, 2.0, -3.0, 0.5]), "b": np.array([1.0, 1.0, 2.0, 0.5])},
    grads=("a", "b"),
)
def _(lib, x):
    return _out(lib.mod.maximum(x["a"], x["b"]))


@case("minimum_broadcast", merge(normal(2, 3, name="a"), normal(3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(lib.mod.minimum(x["a"], x["b"]))


@case("where", merge(normal(2, 3, name="a"), normal(2, 3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(lib.mod.where(x["a"] > x["b"], x["a"], x["b"] * 2.0))


@case(
    "xlogy",
    merge(
        lambda rng: {"a": np.array([0.0, 0.5, 2.0, 0.0, 1.0])},
        lambda rng: {"b": np.array([0.3, 0.5, 1.5, 2.0, 0.7])},
    ),
    grads=("a", "b"),
)
def _(lib, x):
    return _out(lib.mod.xlogy(x["a"], x["b"]))


@case("cast_to_float32", normal(2, 3))
def _(lib, x):
    return _out(x["x"].to(lib.mod.float32) * 3.0)


# --- engine: reductions ----------------------------------------------------------------
X234 = normal(2, 3, 4)


@case("sum_all", X234, f32=True)
def _(lib, x):
    return _out(x["x"].sum())


@case("sum_dims_keepdim", X234)
def _(lib, x):
    return _out(x["x"].sum(dim=(0, 2), keepdim=True))


@case("mean_dim", X234, f32=True)
def _(lib, x):
    return _out(x["x"].mean(dim=1))


@case("mean_neg_dim_keepdim", X234)
def _(lib, x):
    return _out(x["x"].mean(dim=-1, keepdim=True))


@case("var_unbiased_dim", X234, f32=True)
def _(lib, x):
    return _out(x["x"].var(dim=1))


@case("var_biased_all", X234)
def _(lib, x):
    return _out(x["x"].var(correction=0))


@case("var_keepdim", X234)
def _(lib, x):
    return _out(x["x"].var(dim=(0, 2), keepdim=True))


@case("max_all", normal(3, 4))
def _(lib, x):
    return _out(x["x"].max())


@case("max_all_tied", lambda rng: {"x": np.array([[1.0, 3.0], [3.0, -2.0]])})
def _(lib, x):
    return _out(x["x"].max())


@case("min_all_tied", lambda rng: {"x": np.array([[1.0, -2.0], [3.0, -2.0]])})
def _(lib, x):
    return _out(x["x"].min())


@case("max_dim", normal(3, 4))
def _(lib, x):
    res = x["x"].max(dim=1)
    return {"out": res.values, "indices": res.indices}, {}


@case("min_dim_keepdim", normal(3, 4))
def _(lib, x):
    res = x["x"].min(dim=0, keepdim=True)
    return {"out": res.values, "indices": res.indices}, {}


@case("logsumexp", normal(3, 4, scale=3.0), f32=True)
def _(lib, x):
    return _out(lib.mod.logsumexp(x["x"], 1))


@case("logsumexp_keepdim_big", normal(3, 4, scale=3.0, shift=500.0))
def _(lib, x):
    return _out(lib.mod.logsumexp(x["x"], 0, keepdim=True))


# --- engine: shape ops -----------------------------------------------------------------
@case("reshape_view_flatten", X234)
def _(lib, x):
    t = x["x"]
    return _out(t.reshape(6, 4) * 1.0 + t.view(-1, 4) * 2.0 + t.flatten().reshape(6, 4) * 3.0)


@case("permute_transpose_T", X234)
def _(lib, x):
    t = x["x"]
    return _out(t.permute(2, 0, 1) * 2.0 + t.transpose(0, 2).transpose(1, 2))


@case("T_2d", normal(2, 3))
def _(lib, x):
    return _out(x["x"].T * 2.0)


@case("squeeze_unsqueeze", normal(2, 1, 3))
def _(lib, x):
    t = x["x"]
    return _out(t.squeeze(1).unsqueeze(0) * 1.5 + t.squeeze().unsqueeze(-1).squeeze(-1))


@case("getitem_basic", normal(3, 4))
def _(lib, x):
    t = x["x"]
    return _out(t[1:, ::2] * 2.0 + t[0, None, 1:3] + t[-1, ..., :2])


@case("getitem_repeated_index", normal(3, 4))
def _(lib, x):
    return _out(x["x"][[0, 2, 0, 0]] * 2.0)


@case("getitem_bool_mask", normal(3, 4))
def _(lib, x):
    return _out(x["x"][x["x"] > 0.1] * 3.0)


@case("gather", merge(normal(3, 4), ints("idx", 4, 3, 5)))
def _(lib, x):
    return _out(lib.mod.gather(x["x"], 1, x["idx"]))


@case("gather_dim0", merge(normal(3, 4), ints("idx", 3, 2, 4)))
def _(lib, x):
    return _out(x["x"].gather(0, x["idx"]))


@case("gather_index_smaller_than_input", merge(normal(3, 4), ints("idx", 3, 2, 2)))
def _(lib, x):
    return _out(x["x"].gather(0, x["idx"]))


@case("cat", merge(normal(2, 3, name="a"), normal(2, 2, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(lib.mod.cat([x["a"], x["b"], x["a"]], dim=1))


@case("stack", merge(normal(2, 3, name="a"), normal(2, 3, name="b")), grads=("a", "b"))
def _(lib, x):
    return _out(
        lib.mod.stack([x["a"], x["b"]], dim=-1) * 1.0 + lib.mod.stack([x["b"], x["a"]], dim=-1)
    )


@case("expand", normal(3, 1))
def _(lib, x):
    return _out(x["x"].expand(2, -1, 4))


# --- activations -----------------------------------------------------------------------
def _act(name, fn):
    case(name, with_kinks, f32=True)(lambda lib, x: _out(fn(lib, x["x"])))


_act("sigmoid", lambda lib, t: lib.F.sigmoid(t))
_act("tanh", lambda lib, t: lib.F.tanh(t))
_act("relu", lambda lib, t: lib.F.relu(t))
_act("leaky_relu_default", lambda lib, t: lib.F.leaky_relu(t))
_act("leaky_relu_0.2", lambda lib, t: lib.F.leaky_relu(t, 0.2))
_act("elu_default", lambda lib, t: lib.F.elu(t))
_act("elu_0.7", lambda lib, t: lib.F.elu(t, alpha=0.7))
_act("softplus_default", lambda lib, t: lib.F.softplus(t))
_act("softplus_beta2_threshold1", lambda lib, t: lib.F.softplus(t, beta=2.0, threshold=1.0))
_act("gelu", lambda lib, t: lib.F.gelu(t))
_act("gelu_tanh", lambda lib, t: lib.F.gelu(t, approximate="tanh"))
_act("selu", lambda lib, t: lib.F.selu(t))
_act("silu", lambda lib, t: lib.F.silu(t))
_act("softmax_dim1", lambda lib, t: lib.F.softmax(t, dim=1))
_act("softmax_dim0", lambda lib, t: lib.F.softmax(t, dim=0))
_act("log_softmax_dim1", lambda lib, t: lib.F.log_softmax(t, dim=1))
_act("log_softmax_dim0", lambda lib, t: lib.F.log_softmax(t, dim=0))
_act("module_Sigmoid", lambda lib, t: lib.nn.Sigmoid()(t))
_act("module_Tanh", lambda lib, t: lib.nn.Tanh()(t))
_act("module_ReLU", lambda lib, t: lib.nn.ReLU()(t))
_act("module_LeakyReLU", lambda lib, t: lib.nn.LeakyReLU(0.1)(t))
_act("module_ELU", lambda lib, t: lib.nn.ELU(0.5)(t))
_act("module_Softplus", lambda lib, t: lib.nn.Softplus(beta=0.5, threshold=0.5)(t))
_act("module_GELU", lambda lib, t: lib.nn.GELU()(t))
_act("module_GELU_tanh", lambda lib, t: lib.nn.GELU("tanh")(t))
_act("module_SELU", lambda lib, t: lib.nn.SELU()(t))
_act("module_SiLU", lambda lib, t: lib.nn.SiLU()(t))
_act("module_Softmax", lambda lib, t: lib.nn.Softmax(dim=1)(t))
_act("module_LogSoftmax", lambda lib, t: lib.nn.LogSoftmax(dim=-1)(t))


@case("softmax_3d_last", normal(2, 3, 4, scale=2.0))
def _(lib, x):
    return _out(lib.F.softmax(x["x"], dim=-1))


@case("log_softmax_3d_mid", normal(2, 3, 4, scale=2.0))
def _(lib, x):
    return _out(lib.F.log_softmax(x["x"], dim=1))


@case("log_softmax_large", lambda rng: {"x": np.array([[1000.0, 1.0, -5.0], [-1e4, 0.0, 1e4]])})
def _(lib, x):
    return _out(lib.F.log_softmax(x["x"], dim=1))


# --- losses ----------------------------------------------------------------------------
N, C = 5, 4
LOGITS = normal(N, C, scale=1.5)
CE = merge(LOGITS, ints("y", C, N))
CE_W = merge(CE, uniform("w", 0.2, 2.0, C))
CE_IGN = merge(LOGITS, ints("y", C, N, fill={1: -100, 3: -100}), uniform("w", 0.2, 2.0, C))
CE_IGN2 = merge(LOGITS, ints("y", C, N, fill={0: 2, 4: 2}))
CE_PROB = merge(LOGITS, probs("p", N, C, zeros=True), uniform("w", 0.2, 2.0, C))
REDUCTIONS = ("mean", "sum", "none")

for _r in REDUCTIONS:

    def _ce(lib, x, r=_r):
        return _out(lib.F.cross_entropy(x["x"], x["y"], reduction=r))

    def _ce_w(lib, x, r=_r):
        return _out(lib.F.cross_entropy(x["x"], x["y"], weight=x["w"], reduction=r))

    def _ce_ls(lib, x, r=_r):
        return _out(lib.F.cross_entropy(x["x"], x["y"], reduction=r, label_smoothing=0.15))

    def _ce_all(lib, x, r=_r):
        return _out(
            lib.F.cross_entropy(x["x"], x["y"], weight=x["w"], reduction=r, label_smoothing=0.3)
        )

    def _ce_ign(lib, x, r=_r):
        return _out(lib.F.cross_entropy(x["x"], x["y"], weight=x["w"], reduction=r))

    def _ce_prob(lib, x, r=_r):
        return _out(lib.F.cross_entropy(x["x"], x["p"], reduction=r))

    def _ce_prob_all(lib, x, r=_r):
        return _out(
            lib.F.cross_entropy(x["x"], x["p"], weight=x["w"], reduction=r, label_smoothing=0.2)
        )

    def _nll(lib, x, r=_r):
        return _out(lib.F.nll_loss(x["x"], x["y"], weight=x["w"], reduction=r))

    def _mse(lib, x, r=_r):
        return _out(lib.F.mse_loss(x["x"], x["t"], reduction=r))

    def _l1(lib, x, r=_r):
        return _out(lib.F.l1_loss(x["x"], x["t"], reduction=r))

    def _bce(lib, x, r=_r):
        return _out(lib.F.binary_cross_entropy_with_logits(x["x"], x["t"], reduction=r))

    def _bce_all(lib, x, r=_r):
        return _out(
            lib.F.binary_cross_entropy_with_logits(
                x["x"], x["t"], weight=x["w"], reduction=r, pos_weight=x["pw"]
            )
        )

    case(f"cross_entropy_{_r}", CE, f32=True)(_ce)
    case(f"cross_entropy_weight_{_r}", CE_W, f32=True)(_ce_w)
    case(f"cross_entropy_smoothing_{_r}", CE, f32=True)(_ce_ls)
    case(f"cross_entropy_weight_smoothing_ignore_{_r}", CE_IGN, f32=True)(_ce_all)
    case(f"cross_entropy_ignore_index_{_r}", CE_IGN)(_ce_ign)
    case(f"cross_entropy_prob_{_r}", CE_PROB, f32=True)(_ce_prob)
    case(f"cross_entropy_prob_weight_smoothing_{_r}", CE_PROB, f32=True)(_ce_prob_all)
    case(f"nll_loss_weight_ignore_{_r}", CE_IGN, f32=True)(_nll)
    case(f"mse_loss_{_r}", merge(normal(3, 4), normal(3, 4, name="t")), ("x", "t"), True)(_mse)
    case(f"l1_loss_{_r}", merge(normal(3, 4), normal(3, 4, name="t")), ("x", "t"), True)(_l1)
    case(f"bce_logits_{_r}", merge(normal(3, 4, scale=2), uniform("t", 0, 1, 3, 4)), f32=True)(_bce)
    case(
        f"bce_logits_weight_pos_weight_{_r}",
        merge(
            normal(3, 4, scale=2),
            uniform("t", 0, 1, 3, 4),
            uniform("w", 0.2, 2.0, 4),
            uniform("pw", 0.5, 3.0, 4),
        ),
        ("x", "t"),
        True,
    )(_bce_all)

    for _log_target in (False, True):

        def _kl(lib, x, r=_r, lt=_log_target):
            logq = lib.F.log_softmax(x["x"], dim=1)
            target = lib.mod.log(x["p"]) if lt else x["p"]
            return _out(lib.F.kl_div(logq, target, reduction=r, log_target=lt))

        case(
            f"kl_div_{_r}_log_target_{_log_target}",
            merge(LOGITS, probs("p", N, C)),
            ("x", "p"),
            True,
        )(_kl)


@case("cross_entropy_ignore_index_custom", CE_IGN2)
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["y"], ignore_index=2))


@case("cross_entropy_ignore_custom_smoothing_none", CE_IGN2)
def _(lib, x):
    return _out(
        lib.F.cross_entropy(x["x"], x["y"], ignore_index=2, reduction="none", label_smoothing=0.1)
    )


@case("cross_entropy_unbatched", merge(normal(C), lambda rng: {"y": np.array(2, dtype=np.int64)}))
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["y"]))


@case("cross_entropy_unbatched_prob", merge(normal(C), probs("p", C, axis=0)))
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["p"], label_smoothing=0.1))


@case("cross_entropy_kdim", merge(normal(2, C, 3), ints("y", C, 2, 3)))
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["y"], label_smoothing=0.05))


@case(
    "cross_entropy_kdim_none", merge(normal(2, C, 3), ints("y", C, 2, 3), uniform("w", 0.2, 2.0, C))
)
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["y"], weight=x["w"], reduction="none"))


@case("cross_entropy_kdim_prob", merge(normal(2, C, 3), probs("p", 2, C, 3)))
def _(lib, x):
    return _out(lib.F.cross_entropy(x["x"], x["p"]))


@case("kl_div_batchmean_zero_target", merge(LOGITS, probs("p", N, C, zeros=True)))
def _(lib, x):
    return _out(lib.F.kl_div(lib.F.log_softmax(x["x"], dim=1), x["p"], reduction="batchmean"))


@case(
    "bce_logits_extreme",
    lambda rng: {
        "x": np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]),
        "t": np.array([1.0, 0.0, 1.0, 1.0, 0.0]),
    },
    f32=True,
)
def _(lib, x):
    return _out(lib.F.binary_cross_entropy_with_logits(x["x"], x["t"], reduction="none"))


@case("module_CrossEntropyLoss", CE_IGN, f32=True)
def _(lib, x):
    loss = lib.nn.CrossEntropyLoss(weight=x["w"], ignore_index=-100, label_smoothing=0.1)
    return _out(loss(x["x"], x["y"]))


@case("module_NLLLoss", CE_IGN)
def _(lib, x):
    return _out(lib.nn.NLLLoss(reduction="sum")(lib.F.log_softmax(x["x"], 1), x["y"]))


@case("module_MSELoss", merge(normal(3, 4), normal(3, 4, name="t")))
def _(lib, x):
    return _out(lib.nn.MSELoss(reduction="sum")(x["x"], x["t"]))


@case("module_L1Loss", merge(normal(3, 4), normal(3, 4, name="t")))
def _(lib, x):
    return _out(lib.nn.L1Loss()(x["x"], x["t"]))


@case(
    "module_BCEWithLogitsLoss",
    merge(normal(3, 4), uniform("t", 0, 1, 3, 4), uniform("pw", 0.5, 3.0, 4)),
)
def _(lib, x):
    return _out(lib.nn.BCEWithLogitsLoss(pos_weight=x["pw"])(x["x"], x["t"]))


@case("module_KLDivLoss", merge(LOGITS, probs("p", N, C)))
def _(lib, x):
    loss = lib.nn.KLDivLoss(reduction="batchmean", log_target=True)
    return _out(loss(lib.F.log_softmax(x["x"], 1), lib.F.log_softmax(x["p"], 1)))


# --- layers ----------------------------------------------------------------------------
def _linear_module(lib, x, bias=True):
    layer = lib.nn.Linear(3, 2, bias=bias, dtype=x["x"].dtype)
    with lib.mod.no_grad():
        layer.weight.copy_(x["w"])
        if bias:
            layer.bias.copy_(x["b"])
    watched = {"weight": layer.weight}
    if bias:
        watched["bias"] = layer.bias
    return layer, watched


LIN = merge(normal(4, 3), normal(2, 3, name="w"), normal(2, name="b"))


@case("linear_functional", LIN, grads=("x", "w", "b"), f32=True)
def _(lib, x):
    return _out(lib.F.linear(x["x"], x["w"], x["b"]))


@case("linear_functional_no_bias_3d", merge(normal(2, 4, 3), normal(2, 3, name="w")), ("x", "w"))
def _(lib, x):
    return _out(lib.F.linear(x["x"], x["w"]))


@case("module_Linear", LIN, f32=True)
def _(lib, x):
    layer, watched = _linear_module(lib, x)
    return {"out": layer(x["x"])}, watched


@case("module_Linear_no_bias_3d", merge(normal(2, 4, 3), normal(2, 3, name="w")))
def _(lib, x):
    layer, watched = _linear_module(lib, x, bias=False)
    return {"out": layer(x["x"])}, watched


@case("module_Sequential_mlp", merge(LIN, normal(1, 2, name="w2"), normal(1, name="b2")))
def _(lib, x):
    dt = x["x"].dtype
    net = lib.nn.Sequential(
        lib.nn.Linear(3, 2, dtype=dt), lib.nn.Tanh(), lib.nn.Linear(2, 1, dtype=dt)
    )
    with lib.mod.no_grad():
        for p, k in zip(net.parameters(), ("w", "b", "w2", "b2")):
            p.copy_(x[k])
    return {"out": net(x["x"])}, dict(net.named_parameters())


def _bn_inputs(*shape, steps=3):
    def make(rng):
        out = {f"x{i}": 1.5 + 2.0 * rng.standard_normal(shape) for i in range(steps)}
        out["gamma"] = rng.uniform(0.5, 1.5, shape[1])
        out["beta"] = rng.standard_normal(shape[1])
        return out

    return make


def _batchnorm(lib, x, steps, eval_last=False, **kwargs):
    x0 = x["x0"]
    bn = lib.nn.BatchNorm1d(x0.shape[1], dtype=x0.dtype, **kwargs)
    watched = {}
    if bn.weight is not None:
        with lib.mod.no_grad():
            bn.weight.copy_(x["gamma"])
            bn.bias.copy_(x["beta"])
        watched = {"weight": bn.weight, "bias": bn.bias}
    outs = {}
    for i in range(steps):
        if eval_last and i == steps - 1:
            bn.eval()
        y = bn(x[f"x{i}"])
        outs[f"y{i}"] = y
        if bn.running_mean is not None:
            outs[f"running_mean{i}"] = lib.numpy(bn.running_mean)
            outs[f"running_var{i}"] = lib.numpy(bn.running_var)
            outs[f"num_batches_tracked{i}"] = lib.numpy(bn.num_batches_tracked)
    outs["out"] = y
    return outs, watched


BN_GRADS = ("x2",)


@case("batchnorm1d_train", _bn_inputs(6, 3), grads=BN_GRADS, f32=True)
def _(lib, x):
    return _batchnorm(lib, x, 3)


@case("batchnorm1d_train_3d", _bn_inputs(4, 3, 5), grads=BN_GRADS, f32=True)
def _(lib, x):
    return _batchnorm(lib, x, 3, momentum=0.3)


@case("batchnorm1d_momentum_none", _bn_inputs(5, 2), grads=BN_GRADS)
def _(lib, x):
    return _batchnorm(lib, x, 3, momentum=None)


@case("batchnorm1d_eval_after_train", _bn_inputs(6, 3), grads=BN_GRADS, f32=True)
def _(lib, x):
    return _batchnorm(lib, x, 3, eval_last=True, eps=1e-3)


@case("batchnorm1d_eval_3d", _bn_inputs(4, 3, 5), grads=BN_GRADS)
def _(lib, x):
    return _batchnorm(lib, x, 3, eval_last=True)


@case("batchnorm1d_no_affine_no_stats", _bn_inputs(6, 3), grads=BN_GRADS)
def _(lib, x):
    return _batchnorm(lib, x, 3, eval_last=True, affine=False, track_running_stats=False)


@case("batchnorm1d_two_rows", _bn_inputs(2, 3), grads=BN_GRADS)
def _(lib, x):
    return _batchnorm(lib, x, 3)


@case(
    "batch_norm_functional_train",
    merge(_bn_inputs(6, 3, steps=1), normal(3, name="rm"), positive(3, name="rv")),
    grads=("x0", "gamma", "beta"),
)
def _(lib, x):
    rm, rv = lib.numpy(x["rm"]), lib.numpy(x["rv"])
    if lib.name == "torch":
        rm, rv = lib.mod.from_numpy(rm), lib.mod.from_numpy(rv)
    y = lib.F.batch_norm(x["x0"], rm, rv, x["gamma"], x["beta"], training=True, momentum=0.2)
    return {"out": y, "running_mean": lib.numpy(rm), "running_var": lib.numpy(rv)}, {}


@case(
    "batch_norm_functional_eval",
    merge(_bn_inputs(6, 3, steps=1), normal(3, name="rm"), positive(3, name="rv")),
    grads=("x0", "gamma", "beta"),
)
def _(lib, x):
    rm, rv = lib.numpy(x["rm"]), lib.numpy(x["rv"])
    if lib.name == "torch":
        rm, rv = lib.mod.from_numpy(rm), lib.mod.from_numpy(rv)
    return _out(lib.F.batch_norm(x["x0"], rm, rv, x["gamma"], x["beta"], training=False, eps=0.1))


# ----------------------------------------------------------------------------- running
def run_case(lib: Lib, c: Case, inputs: Inputs, cot: np.ndarray | None) -> dict[str, np.ndarray]:
    """Run case ``c`` on ``inputs``; with ``cot``, also the gradients of ``sum(out * cot)``.

    Returns ``{"out/K": ..., "grad/K": ...}`` as ndarrays.
    """
    x = {k: lib.tensor(v, requires_grad=k in c.grads) for k, v in inputs.items()}
    with warnings.catch_warnings():
        # torch announces a future change of kl_div's "mean"; its present value is the reference.
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
        outs, watched = c.run(lib, x)
    result = {f"out/{k}": lib.numpy(v) for k, v in outs.items()}
    if cot is not None:
        (outs["out"] * lib.tensor(cot)).sum().backward()
        watched = {**{k: x[k] for k in c.grads}, **watched}
        for k, t in watched.items():
            if t.grad is None:
                raise RuntimeError(f"{lib.name}: case {c.name}: no gradient for {k}")
            result[f"grad/{k}"] = lib.numpy(t.grad)
    return result


def calculate_gains(lib: Lib) -> dict[str, float]:
    """``nn.init.calculate_gain`` for every nonlinearity netopt knows."""
    gain = lib.nn.init.calculate_gain
    out = {
        name: gain(name)
        for name in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh", "relu", "selu")
    }
    out["leaky_relu"] = gain("leaky_relu")
    out["leaky_relu_0.2"] = gain("leaky_relu", 0.2)
    out["leaky_relu_sqrt5"] = gain("leaky_relu", 5**0.5)
    return out


def main() -> int:
    import torch

    torch.use_deterministic_algorithms(True)
    lib = Lib("torch")
    arrays: dict[str, np.ndarray] = {}
    for index, c in enumerate(CASES.values()):
        rng = np.random.default_rng(np.random.SeedSequence([2024, index]))
        inputs = c.make(rng)
        shape_probe = run_case(lib, c, inputs, None)["out/out"]
        cot = rng.standard_normal(shape_probe.shape).astype(shape_probe.dtype)
        result = run_case(lib, c, inputs, cot)
        for k, v in inputs.items():
            arrays[f"{c.name}/in/{k}"] = v
        arrays[f"{c.name}/cot"] = cot
        for k, v in result.items():
            arrays[f"{c.name}/{k}"] = v
    for name, value in calculate_gains(lib).items():
        arrays[f"calculate_gain/{name}"] = np.array(value)
    arrays["torch_version"] = np.array(torch.__version__)
    np.savez_compressed(GOLDEN, **arrays)
    print(f"wrote {GOLDEN} ({len(CASES)} cases, {len(arrays)} arrays, torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
