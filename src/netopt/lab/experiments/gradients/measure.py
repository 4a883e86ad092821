r"""Measurements of the gradients experiment (private): deep nets' gradient norms, clipping, L2."""

from __future__ import annotations

import math

import numpy as np

import netopt
from netopt import nn, optim
from netopt.nn import functional as F
from netopt.nn.utils import clip_grad_norm_, clip_grad_value_
from netopt.regularization import l2_penalty

from ...core import Claim, Context, Table, seed_count
from .._shared import nets

DEPTH = 10
"""Hidden layers of the deep nets (64 units each)."""
EXPLODE_GAIN = 1.55
"""The exploding net's weights are this multiple of He's (each layer scales signals by it).
Quick runs of seeds 0-9, three draws each: at 1.5 one draw of 30 never diverged unclipped
(its first loss 7.9 against 21-24), at 1.55 all 30 diverge within 6 steps while the clipped
runs reach at least 73.8% test accuracy (bound 70%) and cut the loss at least 14x (bound
5x); at 1.6 two clipped runs stay under 70% in the quick budget."""
LR = 0.05
"""SGD learning rate of the depth and L2 runs."""
EXPLODE_LR = 0.05
MAX_NORM = 5.0
"""``clip_grad_norm_`` threshold of the norm-clipped run."""
CLIP_VALUE = 0.05
"""``clip_grad_value_`` threshold of the value-clipped run."""
CLIPS = {"no clipping": None, "norm": ("norm", MAX_NORM), "value": ("value", CLIP_VALUE)}
"""The exploding net's three runs: label -> (kind, threshold) or None."""
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
    norms = [float(np.linalg.norm(layer.weight._grad)) for layer in nets.linears(model)]
    model.zero_grad()
    return norms


def _accuracy(model: nn.Module, split: object) -> float:
    return float((nets.predict(model, split.x_test) == split.y_test).mean())


def _deep_net(ctx: Context, key: str, stream: str, depth: int) -> nn.Sequential:
    _, activation, init, batch_norm = CONFIGS[key]
    return nets.mlp(
        [64] + [64] * depth + [10],
        activation,
        rng=ctx.rng(f"init-{key}{stream}"),
        init=init,
        batch_norm=batch_norm,
    )


def init_norms(ctx: Context, split: object, key: str, stream: str) -> list[float]:
    """Per-layer ``||dL/dW||`` at initialisation on 256 training images, one draw."""
    model = _deep_net(ctx, key, stream, DEPTH)
    return _layer_norms(model, split.x_train[:256], split.y_train[:256])


def depth_run(
    ctx: Context, split: object, key: str, steps: int, stream: str = "", depth: int = DEPTH
) -> dict:
    """Layer gradient norms at initialisation and test accuracy in training, one config
    (initial weights from ``ctx.rng("init-<key><stream>")``, batches ``"batches<stream>"``);
    ``depth`` hidden layers."""
    model = _deep_net(ctx, key, stream, depth)
    norms = _layer_norms(model, split.x_train[:256], split.y_train[:256])
    optimizer = optim.SGD(model.parameters(), lr=LR)
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng(f"batches{stream}"))
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
    linear.weight._data *= EXPLODE_GAIN


def _weight_norm(model: nn.Module) -> float:
    return math.sqrt(
        sum(float(np.sum(np.square(m.weight._data, dtype=np.float64))) for m in nets.linears(model))
    )


def explode_run(
    ctx: Context, split: object, clip: tuple[str, float] | None, steps: int, stream: str = ""
) -> dict:
    """SGD on a net with weights EXPLODE_GAIN x He's; ``clip`` is None, ``("norm", max)``
    (:func:`~netopt.nn.utils.clip_grad_norm_`) or ``("value", v)``
    (:func:`~netopt.nn.utils.clip_grad_value_`)."""
    model = nets.mlp(
        [64] + [64] * DEPTH + [10], nn.ReLU, rng=ctx.rng(f"init-explode{stream}"), init=_scaled_he
    )
    optimizer = optim.SGD(model.parameters(), lr=EXPLODE_LR)
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng(f"batches{stream}"))
    losses, norms, weights = [], [], [_weight_norm(model)]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is the expected result
        for _ in range(steps):
            idx = next(batches)
            x, y = netopt.tensor(split.x_train[idx]), netopt.tensor(split.y_train[idx])
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            norm = nn.utils.get_total_norm([p._grad for p in model.parameters()])
            if clip is not None and clip[0] == "norm":
                clip_grad_norm_(model.parameters(), max_norm=clip[1])
            elif clip is not None:
                clip_grad_value_(model.parameters(), clip[1])
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


LEARN_CHANCE, LEARN_MIN = 0.25, 0.7
"""'Stays near chance': best test accuracy <= 25%; 'learns': >= 70%."""


def learning_holds(best: dict[str, float]) -> bool:
    """The deep sigmoid net stays near chance while ReLU + He and sigmoid + BN learn."""
    return bool(
        best["sigmoid"] <= LEARN_CHANCE and min(best["relu_he"], best["sigmoid_bn"]) >= LEARN_MIN
    )


def clipping_holds(runs: dict) -> bool:
    """Unclipped SGD diverges; clipped by norm and by value it stays finite, the loss falls
    5x and test accuracy reaches 70%."""
    ok = runs["no clipping"]["diverged"]
    for label in ("norm", "value"):
        r = runs[label]
        ok = ok and not r["diverged"] and r["losses"][-1] < r["losses"][0] / 5
        ok = ok and r["accuracy"] >= 0.7
    return bool(ok)


def _spread(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"median {np.median(v):.2g} (range {v.min():.2g}-{v.max():.2g})"


def depth_claims(norms: list[dict], learn: list[dict], steps: int) -> list[Claim]:
    """Checks on gradient norms at initialisation (over ``len(norms)`` draws) and the
    finding that vanishing gradients stop learning (over ``len(learn)`` seeds)."""
    ratios = {k: [n[k][0] / n[k][-1] for n in norms] for k in CONFIGS}
    draws = f"first/last over {len(norms)} initial draws"

    def pair(key: str) -> str:
        return f"{CONFIGS[key][0]}: {draws} {_spread(ratios[key])}"

    held = [learning_holds(b) for b in learn]
    return [
        Claim(
            f"Gradients vanish in a deep sigmoid net: the first layer's gradient is orders of "
            f"magnitude smaller than the last layer's ({DEPTH} hidden layers, slide 52)",
            max(ratios["sigmoid"]) < 1e-3,
            pair("sigmoid") + " (sigmoid' <= 1/4 per layer: a product of small factors)",
            kind="check",
        ),
        Claim(
            "ReLU with He initialisation keeps the gradient norm of the same order across "
            "depth (within 10x), slide 53's remedy 1",
            all(0.1 <= r <= 10 for r in ratios["relu_he"]),
            pair("relu_he") + " (He's variance 2/fan_in is chosen to make this so)",
            kind="check",
        ),
        Claim(
            "Batch normalisation before each sigmoid also keeps the gradient norm of the same "
            "order across depth (within 10x), slide 53's remedy 4",
            all(0.1 <= r <= 10 for r in ratios["sigmoid_bn"]),
            pair("sigmoid_bn"),
            kind="check",
        ),
        Claim(
            "ReLU removes the activation's factor, not the weights': with PyTorch's default "
            "init (std 1/sqrt(3 fan_in), below He's sqrt(2/fan_in)) the gradient still shrinks "
            "more than 20x across the depth",
            max(ratios["relu"]) < 0.05,
            pair("relu"),
            kind="check",
        ),
        Claim(
            "Vanishing gradients stop learning: within the same SGD steps the deep sigmoid net "
            f"stays near chance (best test accuracy <= {LEARN_CHANCE:.0%}), while ReLU + He and "
            f"sigmoid + BatchNorm learn (>= {LEARN_MIN:.0%})",
            all(held),
            f"best test accuracy within {steps} steps: "
            + ", ".join(
                f"{CONFIGS[k][0]} {_spread([b[k] for b in learn])}"
                for k in ("sigmoid", "relu_he", "sigmoid_bn")
            )
            + f"; holds on {seed_count(held)}",
            kind="finding",
            protocol={
                "seeds": len(learn),
                "tuning": f"none: SGD lr {LR:g}, batch 32, the same for every net",
                "statistic": "every seed: sigmoid <= 25% and both remedies >= 70% best test "
                "accuracy",
                "per_seed": held,
            },
        ),
    ]


def explode_claims(seeds: list[dict]) -> list[Claim]:
    """The finding that unclipped SGD diverges and clipping (norm, value) trains."""
    held = [clipping_holds(r) for r in seeds]
    free = [r["no clipping"] for r in seeds]
    return [
        Claim(
            f"Gradients explode when each layer amplifies (weights {EXPLODE_GAIN:g} x He's, "
            f"slide 52): unclipped SGD (lr {EXPLODE_LR:g}) diverges, while the same net and "
            f"learning rate clipped by norm (clip_grad_norm_, max_norm={MAX_NORM:g}) or by "
            f"value (clip_grad_value_, {CLIP_VALUE:g}) stays stable and learns (slide 53, "
            "remedy 2)",
            all(held),
            f"unclipped: gradient norm at step 1 {_spread([r['norms'][0] for r in free])}, "
            f"diverged (loss > {DIVERGED:g} or not finite) after "
            f"{_spread([len(r['losses']) for r in free])} steps; "
            + "; ".join(
                f"clipped by {k}: final loss {_spread([r[k]['losses'][-1] for r in seeds])}, "
                f"test accuracy {_spread([r[k]['accuracy'] for r in seeds])}"
                for k in ("norm", "value")
            )
            + f"; holds on {seed_count(held)}",
            kind="finding",
            protocol={
                "seeds": len(seeds),
                "tuning": "none: the thresholds and lr are fixed",
                "statistic": "every seed: unclipped diverges; each clipped run finite, loss "
                "down 5x, test accuracy >= 70%",
                "per_seed": held,
            },
        )
    ]


def l2_claim(runs: dict) -> Claim:
    """The check that the L2 penalty keeps the weight norm below its initial value."""
    free, strong = runs[0.0]["weights"], runs[L2_LAMBDAS[-1]]["weights"]
    return Claim(
        "L2 weight regularisation (eq. 6-11) pulls the weights toward zero: without it the "
        f"weight norm grows during training, with lambda = {L2_LAMBDAS[-1]:g} it stays below "
        "its initial value",
        bool(free[-1] > free[0] and max(strong[1:]) < strong[0]),
        f"||W||: {free[0]:.2f} -> {free[-1]:.2f} without L2, {strong[0]:.2f} -> "
        f"{strong[-1]:.2f} (max {max(strong[1:]):.2f}) with lambda = {L2_LAMBDAS[-1]:g} "
        "(the penalty's gradient is lambda * w: a decay built into the update)",
        kind="check",
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


def clip_label(label: str) -> str:
    """``"no clipping"``, ``"clip_grad_norm_(max_norm=5)"`` or ``"clip_grad_value_(0.05)"``."""
    if CLIPS[label] is None:
        return label
    kind, value = CLIPS[label]
    return (
        f"clip_grad_norm_(max_norm={value:g})" if kind == "norm" else f"clip_grad_value_({value:g})"
    )


def explode_table(explode: dict, l2_runs: dict) -> Table:
    """Loss, gradient and weight norms of the clipping and L2 runs."""
    rows = []
    for label, run in explode.items():
        rows.append(
            [
                f"x{EXPLODE_GAIN:g} He, {clip_label(label)}",
                len(run["losses"]),
                run["losses"][-1],
                max(run["norms"]),
                run["weights"][-1],
                "—" if run["diverged"] else run["accuracy"],
            ]
        )
    for lam, run in l2_runs.items():
        rows.append(
            [
                f"He, lr {LR:g}, L2 lambda = {lam:g}",
                len(run["weights"]) - 1,
                run["loss"],
                "—",
                run["weights"][-1],
                run["accuracy"],
            ]
        )
    return Table(
        "Exploding gradients, clipping and L2, first seed (final loss: last batch, L2 penalty "
        "included; —: not measured, or the run diverged)",
        ["run", "steps run", "final loss", "largest gradient norm", "final ||W||", "test accuracy"],
        rows,
    )
