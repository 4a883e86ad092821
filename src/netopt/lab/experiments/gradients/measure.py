r"""Measurements of the gradients experiment (private): deep nets' gradient norms, clipping, L2."""

from __future__ import annotations

import math

import numpy as np

import netopt
from netopt import nn, optim
from netopt.nn import functional as F
from netopt.nn.utils import clip_grad_norm_
from netopt.regularization import l2_penalty

from ...core import Claim, Context, Table
from .._shared import nets

DEPTH = 10
"""Hidden layers of the deep nets (64 units each)."""
EXPLODE_GAIN = 1.5
"""The exploding net's weights are this multiple of He's (each layer scales signals by it)."""
LR = 0.05
"""SGD learning rate of the depth and L2 runs."""
EXPLODE_LR = 0.05
MAX_NORM = 5.0
"""``clip_grad_norm_`` threshold of the clipped run."""
DIVERGED = 1e6
"""A run has diverged when its loss is not finite or above this."""
L2_LAMBDAS = (0.0, 1e-3, 1e-2)

# name: (label, activation, init, batch_norm)
CONFIGS = {
    "sigmoid": ("sigmoid, default init", nn.Sigmoid, None, False),
    "relu": ("ReLU, default init", nn.ReLU, None, False),
    "relu_he": ("ReLU + He init", nn.ReLU, nets.he_init, False),
    "sigmoid_bn": ("sigmoid + BatchNorm", nn.Sigmoid, None, True),
}


def _layer_norms(model: nn.Module, x: np.ndarray, y: np.ndarray) -> list[float]:
    loss = F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y))
    model.zero_grad()
    loss.backward()
    norms = [float(np.linalg.norm(layer.weight.grad)) for layer in nets.linears(model)]
    model.zero_grad()
    return norms


def _accuracy(model: nn.Module, split: object) -> float:
    return float((nets.predict(model, split.x_test) == split.y_test).mean())


def depth_run(ctx: Context, split: object, key: str, steps: int) -> dict:
    """Layer gradient norms at initialisation and test accuracy in training, one config."""
    _, activation, init, batch_norm = CONFIGS[key]
    model = nets.mlp(
        [64] + [64] * DEPTH + [10],
        activation,
        rng=ctx.rng(f"init-{key}"),
        init=init,
        batch_norm=batch_norm,
    )
    norms = _layer_norms(model, split.x_train[:256], split.y_train[:256])
    optimizer = optim.SGD(model.parameters(), lr=LR)
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng("batches"))
    every = max(steps // 30, 1)
    history = {"step": [0], "accuracy": [_accuracy(model, split)]}
    for step in range(1, steps + 1):
        idx = next(batches)
        nets.cross_entropy_step(model, optimizer, split.x_train[idx], split.y_train[idx])
        if step % every == 0 or step == steps:
            history["step"].append(step)
            history["accuracy"].append(_accuracy(model, split))
    return {"norms": norms, "history": history, "steps": steps}


def _scaled_he(linear: nn.Linear, rng: np.random.Generator) -> None:
    nets.he_init(linear, rng)
    linear.weight.data *= EXPLODE_GAIN


def _weight_norm(model: nn.Module) -> float:
    return math.sqrt(
        sum(float(np.sum(np.square(m.weight.data, dtype=np.float64))) for m in nets.linears(model))
    )


def explode_run(ctx: Context, split: object, clip: float | None, steps: int) -> dict:
    """SGD on a net with weights EXPLODE_GAIN x He's, clipped at ``clip`` or not."""
    model = nets.mlp(
        [64] + [64] * DEPTH + [10], nn.ReLU, rng=ctx.rng("init-explode"), init=_scaled_he
    )
    optimizer = optim.SGD(model.parameters(), lr=EXPLODE_LR)
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng("batches"))
    losses, norms, weights = [], [], [_weight_norm(model)]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is the expected result
        for _ in range(steps):
            idx = next(batches)
            x, y = netopt.tensor(split.x_train[idx]), netopt.tensor(split.y_train[idx])
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            if clip is None:
                norm = nn.utils.get_total_norm([p.grad for p in model.parameters()])
            else:
                norm = clip_grad_norm_(model.parameters(), max_norm=clip)
            losses.append(float(loss.item()))
            norms.append(float(norm))
            if not math.isfinite(losses[-1]) or losses[-1] > DIVERGED:
                break
            optimizer.step()
            weights.append(_weight_norm(model))
    diverged = not math.isfinite(losses[-1]) or losses[-1] > DIVERGED
    return {
        "clip": clip,
        "losses": losses,
        "norms": norms,
        "weights": weights,
        "diverged": diverged,
        "accuracy": float("nan") if diverged else _accuracy(model, split),
    }


def l2_run(ctx: Context, split: object, lam: float, steps: int) -> dict:
    """The weight norm while training with ``lam * l2_penalty(model)`` added to the loss."""
    model = nets.mlp(
        [64] + [64] * DEPTH + [10], nn.ReLU, rng=ctx.rng("init-relu_he"), init=nets.he_init
    )
    optimizer = optim.SGD(model.parameters(), lr=LR)
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng("batches"))
    weights = [_weight_norm(model)]
    for _ in range(steps):
        idx = next(batches)
        x, y = netopt.tensor(split.x_train[idx]), netopt.tensor(split.y_train[idx])
        loss = F.cross_entropy(model(x), y)
        if lam:
            loss = loss + lam * l2_penalty(model)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        weights.append(_weight_norm(model))
    return {
        "lam": lam,
        "weights": weights,
        "loss": float(loss.item()),
        "accuracy": _accuracy(model, split),
    }


def _ratio(run: dict) -> float:
    """First hidden layer's gradient norm over the output layer's."""
    return run["norms"][0] / run["norms"][-1]


def depth_claims(runs: dict) -> list[Claim]:
    """The claims on vanishing gradients and the remedies ReLU, He init, BatchNorm."""
    ratios = {k: _ratio(r) for k, r in runs.items()}
    accuracy = {k: max(r["history"]["accuracy"]) for k, r in runs.items()}
    steps = runs["sigmoid"]["steps"]

    def pair(key: str) -> str:
        return f"{CONFIGS[key][0]}: first/last = {ratios[key]:.2g}"

    return [
        Claim(
            f"Gradients vanish in a deep sigmoid net: the first layer's gradient is orders of "
            f"magnitude smaller than the last layer's ({DEPTH} hidden layers, slide 52)",
            ratios["sigmoid"] < 1e-3,
            pair("sigmoid") + f" ({runs['sigmoid']['norms'][0]:.1e} vs "
            f"{runs['sigmoid']['norms'][-1]:.1e})",
        ),
        Claim(
            "ReLU with He initialisation keeps the gradient norm of the same order across "
            "depth (within 10x), slide 53's remedy 1",
            0.1 <= ratios["relu_he"] <= 10,
            pair("relu_he"),
        ),
        Claim(
            "Batch normalisation before each sigmoid also keeps the gradient norm of the same "
            "order across depth (within 10x), slide 53's remedy 4",
            0.1 <= ratios["sigmoid_bn"] <= 10,
            pair("sigmoid_bn"),
        ),
        Claim(
            "ReLU removes the activation's factor, not the weights': with PyTorch's default "
            "init (std 1/sqrt(3 fan_in), below He's sqrt(2/fan_in)) the gradient still shrinks "
            "more than 20x across the depth",
            ratios["relu"] < 0.05,
            pair("relu"),
        ),
        Claim(
            "Vanishing gradients stop learning: within the same SGD steps the deep sigmoid net "
            "stays near chance, while ReLU + He and sigmoid + BatchNorm learn",
            bool(
                accuracy["sigmoid"] <= 0.25
                and min(accuracy["relu_he"], accuracy["sigmoid_bn"]) >= 0.8
            ),
            f"best test accuracy within {steps} steps: "
            + ", ".join(f"{CONFIGS[k][0]} {a:.1%}" for k, a in accuracy.items()),
        ),
    ]


def explode_claims(runs: dict) -> list[Claim]:
    """The claims that unclipped SGD diverges and the clipped run trains."""
    free, clipped = runs[None], runs[MAX_NORM]
    where = len(free["losses"])
    return [
        Claim(
            f"Gradients explode when each layer amplifies (weights {EXPLODE_GAIN:g} x He's, "
            f"slide 52): unclipped SGD (lr {EXPLODE_LR:g}) diverges",
            bool(free["diverged"] and free["norms"][0] > 10 * MAX_NORM),
            f"gradient norm {free['norms'][0]:.3g} at step 1; loss {free['losses'][0]:.3g} -> "
            f"{free['losses'][-1]:.3g} at step {where} (diverged: loss > {DIVERGED:g} or "
            "not finite)",
        ),
        Claim(
            f"Gradient clipping (clip_grad_norm_, max_norm={MAX_NORM:g}) keeps the same net "
            "and learning rate stable, and it learns (slide 53, remedy 2)",
            bool(
                not clipped["diverged"]
                and clipped["losses"][-1] < clipped["losses"][0] / 5
                and clipped["accuracy"] >= 0.7
            ),
            f"loss {clipped['losses'][0]:.3g} -> {clipped['losses'][-1]:.3g} in "
            f"{len(clipped['losses'])} steps, test accuracy {clipped['accuracy']:.1%}; largest "
            f"gradient norm before clipping {max(clipped['norms']):.3g}",
        ),
    ]


def l2_claim(runs: dict) -> Claim:
    """The claim that the L2 penalty keeps the weight norm below its initial value."""
    free, strong = runs[0.0]["weights"], runs[L2_LAMBDAS[-1]]["weights"]
    return Claim(
        "L2 weight regularisation (eq. 6-11) limits the weights: without it the weight "
        f"norm grows during training, with lambda = {L2_LAMBDAS[-1]:g} it stays below its "
        "initial value (slide 53, remedy 3)",
        bool(free[-1] > free[0] and max(strong[1:]) < strong[0]),
        f"||W||: {free[0]:.2f} -> {free[-1]:.2f} without L2, {strong[0]:.2f} -> "
        f"{strong[-1]:.2f} (max {max(strong[1:]):.2f}) with lambda = {L2_LAMBDAS[-1]:g}",
    )


def depth_table(runs: dict) -> Table:
    """Gradient norms per layer and accuracy of the depth runs."""
    rows = []
    for key, run in runs.items():
        norms = run["norms"]
        rows.append(
            [
                CONFIGS[key][0],
                norms[0],
                norms[len(norms) // 2],
                norms[-1],
                _ratio(run),
                max(run["history"]["accuracy"]),
                run["history"]["accuracy"][-1],
            ]
        )
    return Table(
        f"Gradient norms at initialisation ({DEPTH} hidden layers) and learning",
        [
            "net",
            "|dL/dW| layer 1",
            f"layer {len(norms) // 2 + 1}",
            f"layer {len(norms)} (output)",
            "first / last",
            "best test accuracy",
            f"test accuracy after {run['steps']} steps",
        ],
        rows,
    )


def explode_table(explode: dict, l2_runs: dict) -> Table:
    """Loss, gradient and weight norms of the clipping and L2 runs."""
    rows = []
    for clip, run in explode.items():
        label = "no clipping" if clip is None else f"clip_grad_norm_(max_norm={clip:g})"
        rows.append(
            [
                f"x{EXPLODE_GAIN:g} He, {label}",
                len(run["losses"]),
                run["losses"][-1],
                max(run["norms"]),
                run["weights"][-1],
                run["accuracy"],
            ]
        )
    for lam, run in l2_runs.items():
        rows.append(
            [
                f"He, lr {LR:g}, L2 lambda = {lam:g}",
                len(run["weights"]) - 1,
                run["loss"],
                float("nan"),
                run["weights"][-1],
                run["accuracy"],
            ]
        )
    return Table(
        "Exploding gradients, clipping and L2 (final loss: last batch, L2 penalty included; "
        "nan: not measured)",
        ["run", "steps run", "final loss", "largest gradient norm", "final ||W||", "test accuracy"],
        rows,
    )
