"""torch's ``grad_fn`` names for every op netopt records (the golden file).

Run ``.venv/bin/python tests/golden/make_grad_fn.py`` to rewrite ``tests/golden/grad_fn.json``
from torch 2.13: ``{case: [name of the result's node, name of its first input's node, ...]}``
(the chain down the first input to a leaf). ``tests/autograd/test_grad_fn.py`` imports this
file (without torch) for :data:`CASES` and :func:`run_case`, so netopt and torch run the same
calls; cases where netopt's node is not torch's top node are in :data:`DIFFERENT`, with the
name netopt shows and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).with_name("grad_fn.json")


def inputs(lib: Any) -> dict[str, Any]:
    """The operands, from one seeded draw, as ``lib`` tensors (torch or netopt)."""
    rng = np.random.default_rng(0)

    def leaf(*shape: int) -> Any:
        return lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    return {
        "x": leaf(3, 4),
        "y": leaf(4, 5),
        "v": leaf(4),
        "b": leaf(2, 3, 4),
        "b2": leaf(2, 4, 5),
        "w": leaf(5, 4),
        "bias": leaf(5),
        "img": leaf(1, 2, 6, 6),
        "kern": leaf(3, 2, 3, 3),
        "seq": leaf(1, 2, 8),
        "labels": lib.tensor(np.array([0, 1, 2])),
    }


Case = Callable[[Any, Any, dict], Any]

#: name -> call on (library, its nn.functional, inputs) returning a result tensor.
CASES: dict[str, Case] = {
    "add": lambda t, F, i: i["x"] + i["x"],
    "add_scalar": lambda t, F, i: i["x"] + 1,
    "sub": lambda t, F, i: i["x"] - i["x"],
    "rsub": lambda t, F, i: 1 - i["x"],
    "mul": lambda t, F, i: i["x"] * i["x"],
    "mul_scalar": lambda t, F, i: i["x"] * 2,
    "div": lambda t, F, i: i["x"] / i["x"],
    "div_scalar": lambda t, F, i: i["x"] / 2,
    "rdiv": lambda t, F, i: 1 / i["x"],
    "neg": lambda t, F, i: -i["x"],
    "pow_scalar": lambda t, F, i: i["x"] ** 2,
    "pow_tensor": lambda t, F, i: i["x"].abs() ** i["x"],
    "rpow": lambda t, F, i: 2 ** i["x"],
    "mm": lambda t, F, i: i["x"] @ i["y"],
    "mv": lambda t, F, i: i["x"] @ i["v"],
    "dot": lambda t, F, i: i["v"] @ i["v"],
    "bmm": lambda t, F, i: i["b"] @ i["b2"],
    "batch_at_matrix": lambda t, F, i: i["b"] @ i["y"],
    "vector_at_matrix": lambda t, F, i: i["v"] @ i["y"],
    "exp": lambda t, F, i: i["x"].exp(),
    "log": lambda t, F, i: i["x"].abs().log(),
    "log1p": lambda t, F, i: i["x"].abs().log1p(),
    "sqrt": lambda t, F, i: i["x"].abs().sqrt(),
    "abs": lambda t, F, i: i["x"].abs(),
    "sin": lambda t, F, i: i["x"].sin(),
    "cos": lambda t, F, i: i["x"].cos(),
    "tan": lambda t, F, i: i["x"].tan(),
    "sinh": lambda t, F, i: i["x"].sinh(),
    "cosh": lambda t, F, i: i["x"].cosh(),
    "sign": lambda t, F, i: i["x"].sign(),
    "square": lambda t, F, i: i["x"].square(),
    "clamp": lambda t, F, i: i["x"].clamp(-1, 1),
    "clamp_min": lambda t, F, i: i["x"].clamp(min=0),
    "maximum": lambda t, F, i: t.maximum(i["x"], i["x"] * 2),
    "minimum": lambda t, F, i: t.minimum(i["x"], i["x"] * 2),
    "where": lambda t, F, i: t.where(i["x"] > 0, i["x"], i["x"] * 2),
    "xlogy": lambda t, F, i: t.xlogy(i["x"], i["x"].abs()),
    "to_double": lambda t, F, i: i["x"].double(),
    "clone": lambda t, F, i: i["x"].clone(),
    "relu": lambda t, F, i: i["x"].relu(),
    "sigmoid": lambda t, F, i: i["x"].sigmoid(),
    "tanh": lambda t, F, i: i["x"].tanh(),
    "leaky_relu": lambda t, F, i: F.leaky_relu(i["x"]),
    "elu": lambda t, F, i: F.elu(i["x"]),
    "gelu": lambda t, F, i: F.gelu(i["x"]),
    "silu": lambda t, F, i: F.silu(i["x"]),
    "softplus": lambda t, F, i: F.softplus(i["x"]),
    "softmax": lambda t, F, i: i["x"].softmax(1),
    "log_softmax": lambda t, F, i: i["x"].log_softmax(1),
    "einsum": lambda t, F, i: t.einsum("ij,jk->ik", i["x"], i["y"]),
    "sum": lambda t, F, i: i["x"].sum(),
    "sum_dim": lambda t, F, i: i["x"].sum(1),
    "mean": lambda t, F, i: i["x"].mean(),
    "mean_dim": lambda t, F, i: i["x"].mean(1),
    "var": lambda t, F, i: i["x"].var(),
    "var_dim": lambda t, F, i: i["x"].var(1),
    "norm": lambda t, F, i: i["x"].norm(),
    "logsumexp": lambda t, F, i: i["x"].logsumexp(1),
    "max": lambda t, F, i: i["x"].max(),
    "min": lambda t, F, i: i["x"].min(),
    "max_dim": lambda t, F, i: i["x"].max(1).values,
    "min_dim": lambda t, F, i: i["x"].min(1).values,
    "reshape": lambda t, F, i: i["x"].reshape(12),
    "view": lambda t, F, i: i["x"].view(12),
    "flatten": lambda t, F, i: i["x"].flatten(),
    "unsqueeze": lambda t, F, i: i["x"].unsqueeze(0),
    "permute": lambda t, F, i: i["x"].permute(1, 0),
    "transpose": lambda t, F, i: i["x"].transpose(0, 1),
    "T": lambda t, F, i: i["x"].T,
    "t": lambda t, F, i: i["x"].t(),
    "expand": lambda t, F, i: i["v"].expand(3, 4),
    "index_int": lambda t, F, i: i["x"][0],
    "index_slice": lambda t, F, i: i["x"][1:],
    "index_int_slice": lambda t, F, i: i["x"][0, 1:],
    "index_slice_int": lambda t, F, i: i["x"][1:, 0],
    "index_none": lambda t, F, i: i["x"][None],
    "index_mask": lambda t, F, i: i["x"][i["x"] > 0],
    "index_list": lambda t, F, i: i["x"][[0, 1]],
    "cat": lambda t, F, i: t.cat([i["x"], i["x"]]),
    "stack": lambda t, F, i: t.stack([i["x"], i["x"]]),
    "gather": lambda t, F, i: i["x"].gather(1, i["labels"].reshape(3, 1)),
    "linear": lambda t, F, i: F.linear(i["x"], i["w"], i["bias"]),
    "linear_no_bias": lambda t, F, i: F.linear(i["x"], i["w"]),
    "linear_3d": lambda t, F, i: F.linear(i["b"], i["w"], i["bias"]),
    "linear_relu": lambda t, F, i: F.relu(F.linear(i["x"], i["w"], i["bias"])),
    "dropout": lambda t, F, i: F.dropout(i["x"], 0.5),
    "dropout2d": lambda t, F, i: F.dropout2d(i["img"], 0.5),
    "conv2d": lambda t, F, i: F.conv2d(i["img"], i["kern"]),
    "max_pool2d": lambda t, F, i: F.max_pool2d(i["img"], 2),
    "max_pool1d": lambda t, F, i: F.max_pool1d(i["seq"], 2),
    "avg_pool2d": lambda t, F, i: F.avg_pool2d(i["img"], 2),
    "adaptive_avg_pool2d": lambda t, F, i: F.adaptive_avg_pool2d(i["img"], 2),
    "adaptive_avg_pool2d_1": lambda t, F, i: F.adaptive_avg_pool2d(i["img"], 1),
    "adaptive_max_pool2d": lambda t, F, i: F.adaptive_max_pool2d(i["img"], 2),
    "batch_norm": lambda t, F, i: F.batch_norm(i["x"], None, None, training=True),
    "layer_norm": lambda t, F, i: F.layer_norm(i["x"], (4,)),
    "group_norm": lambda t, F, i: F.group_norm(i["img"], 2),
    "pad_constant": lambda t, F, i: F.pad(i["x"], (1, 1)),
    "pad_reflect": lambda t, F, i: F.pad(i["img"], (1, 1, 1, 1), mode="reflect"),
    "pad_replicate": lambda t, F, i: F.pad(i["img"], (1, 1, 1, 1), mode="replicate"),
    "embedding": lambda t, F, i: F.embedding(i["labels"], i["x"]),
    "cross_entropy": lambda t, F, i: F.cross_entropy(i["x"], i["labels"]),
    "cross_entropy_none": lambda t, F, i: F.cross_entropy(i["x"], i["labels"], reduction="none"),
    "cross_entropy_probs": lambda t, F, i: F.cross_entropy(i["x"], i["x"].detach().softmax(1)),
    "cross_entropy_smoothing": lambda t, F, i: F.cross_entropy(
        i["x"], i["labels"], label_smoothing=0.1
    ),
    "nll_loss": lambda t, F, i: F.nll_loss(i["x"].log_softmax(1), i["labels"]),
    "mse_loss": lambda t, F, i: F.mse_loss(i["x"], i["x"].detach() + 1),
    "mse_loss_none": lambda t, F, i: F.mse_loss(i["x"], i["x"].detach() + 1, reduction="none"),
    "l1_loss": lambda t, F, i: F.l1_loss(i["x"], i["x"].detach() + 1),
    "l1_loss_sum": lambda t, F, i: F.l1_loss(i["x"], i["x"].detach() + 1, reduction="sum"),
    "smooth_l1_loss": lambda t, F, i: F.smooth_l1_loss(i["x"], i["x"].detach() + 1),
    "huber_loss": lambda t, F, i: F.huber_loss(i["x"], i["x"].detach() + 1),
    "bce_none": lambda t, F, i: F.binary_cross_entropy(
        i["x"].sigmoid(), i["x"].detach().sigmoid(), reduction="none"
    ),
    "bce": lambda t, F, i: F.binary_cross_entropy(i["x"].sigmoid(), i["x"].detach().sigmoid()),
    "bce_with_logits": lambda t, F, i: F.binary_cross_entropy_with_logits(
        i["x"], i["x"].detach().sigmoid()
    ),
    "multi_margin_loss": lambda t, F, i: F.multi_margin_loss(i["x"], i["labels"]),
    "conv1d": lambda t, F, i: F.conv1d(i["seq"], i["kern"][:, :, 0]),
    "avg_pool1d": lambda t, F, i: F.avg_pool1d(i["seq"], 2),
    "adaptive_avg_pool1d": lambda t, F, i: F.adaptive_avg_pool1d(i["seq"], 2),
    "adaptive_max_pool1d": lambda t, F, i: F.adaptive_max_pool1d(i["seq"], 2),
    "bce_with_logits_none": lambda t, F, i: F.binary_cross_entropy_with_logits(
        i["x"], i["x"].detach().sigmoid(), reduction="none"
    ),
    "bce_sum": lambda t, F, i: F.binary_cross_entropy(
        i["x"].sigmoid(), i["x"].detach().sigmoid(), reduction="sum"
    ),
    "kl_div": lambda t, F, i: F.kl_div(
        i["x"].log_softmax(1), i["x"].detach().softmax(1), reduction="batchmean"
    ),
    "kl_div_none": lambda t, F, i: F.kl_div(
        i["x"].log_softmax(1), i["x"].detach().softmax(1), reduction="none"
    ),
    "pad_circular": lambda t, F, i: F.pad(i["img"], (1, 1, 1, 1), mode="circular"),
    "std": lambda t, F, i: i["x"].std(),
    "addmm": lambda t, F, i: t.addmm(i["bias"], i["x"], i["w"].T),
    "squeeze": lambda t, F, i: i["x"][None].squeeze(0),
    "selu": lambda t, F, i: F.selu(i["x"]),
    "mm_function": lambda t, F, i: t.mm(i["x"], i["y"]),
    "bmm_function": lambda t, F, i: t.bmm(i["b"], i["b2"]),
    "dot_function": lambda t, F, i: t.dot(i["v"], i["v"]),
    "sum_keepdim": lambda t, F, i: i["x"].sum(1, keepdim=True),
    "norm_dim": lambda t, F, i: i["x"].norm(dim=1),
    "norm_p1": lambda t, F, i: i["x"].norm(p=1),
    "clamp_function": lambda t, F, i: t.clamp(i["x"], min=-0.5, max=0.5),
    "to_float64": lambda t, F, i: i["x"].to(t.float64),
    "rsub_of_a_result": lambda t, F, i: 1.0 - i["x"] * 2,
    "where_scalar": lambda t, F, i: t.where(i["x"] > 0, i["x"], 0.0),
    "index_tensor": lambda t, F, i: i["x"][i["labels"]],
    "index_0d_tensor": lambda t, F, i: i["x"][i["labels"][1], 1:],
    "index_full_slices": lambda t, F, i: i["x"][:, :],
    "index_slice_none": lambda t, F, i: i["x"][:, None],
    "index_ellipsis": lambda t, F, i: i["x"][...],
    "index_ellipsis_int": lambda t, F, i: i["x"][..., 1],
}

#: case -> (the name netopt shows, whether torch records a node of that name for the call,
#: why netopt's node is not torch's top node).
DIFFERENT: dict[str, tuple[str, bool, str]] = {
    "rdiv": ("DivBackward0", False, "torch records 1/x as reciprocal, then multiply"),
    "bmm": ("BmmBackward0", True, "torch adds an UnsafeViewBackward0 over the bmm"),
    "batch_at_matrix": ("MmBackward0", True, "torch folds the batch into an mm, then views"),
    "vector_at_matrix": ("MmBackward0", True, "torch lifts the vector, mm, then squeezes"),
    "einsum": ("EinsumBackward0", False, "torch records permutes, views and a bmm"),
    "t": ("PermuteBackward0", False, "netopt's t() is a permute"),
    "unsqueeze": ("ViewBackward0", False, "netopt's unsqueeze is a reshape"),
    "expand": ("AddBackward0", False, "netopt's expand adds zeros of the target shape"),
    "linear_3d": ("AddmmBackward0", True, "torch flattens the batch into an addmm, then views"),
    "max_pool1d": ("MaxPool2DWithIndicesBackward0", True, "both pool in 2-d; torch squeezes"),
    "avg_pool1d": ("AvgPool2DBackward0", True, "both pool in 2-d; torch squeezes"),
    "adaptive_avg_pool1d": ("AdaptiveAvgPool2DBackward0", True, "2-d pooling, then squeeze"),
    "adaptive_max_pool1d": ("AdaptiveMaxPool2DBackward0", True, "2-d pooling, then squeeze"),
    "std": ("SqrtBackward0", False, "netopt's std is the square root of var"),
    "addmm": ("AddBackward0", False, "netopt's addmm adds the input to an mm"),
    "squeeze": ("ViewBackward0", False, "netopt's squeeze is a reshape"),
    "selu": ("MulBackward0", False, "netopt's selu is a scale times elu"),
    "bce_sum": ("SumBackward0", False, "the elementwise loss, then the sum"),
    "cross_entropy_probs": ("CrossEntropyBackward0", False, "one node; torch composes it"),
    "cross_entropy_smoothing": ("CrossEntropyBackward0", False, "one node; torch composes it"),
    "nll_loss": ("DivBackward0", False, "netopt composes nll_loss: gather, sum, divide"),
    "bce": ("MeanBackward0", False, "netopt records the elementwise loss, then the mean"),
    "bce_with_logits": ("MeanBackward0", False, "the elementwise loss, then the mean"),
}


def chain(node: Any) -> list[str]:
    """Names from ``node`` down its first input to a leaf (``AccumulateGrad``)."""
    names = []
    while node is not None:
        names.append(type(node).__name__)
        nexts = [n for n, _ in getattr(node, "next_functions", ()) if n is not None]
        node = nexts[0] if nexts else None
    return names


def run_case(lib: Any, functional: Any, name: str) -> list[str]:
    """The chain of the result of case ``name`` run on ``lib`` (torch or netopt)."""
    return chain(CASES[name](lib, functional, inputs(lib)).grad_fn)


def main() -> None:
    """Write torch's chains for every case to :data:`GOLDEN`."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)  # the dropout masks; names do not depend on them
    out = {"torch_version": torch.__version__}
    out["chains"] = {name: run_case(torch, F, name) for name in CASES}
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
