r"""Measurements of the activations experiment (private): curves, derivatives, saturation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import netopt
from netopt import nn, optim
from netopt.data import load_digits
from netopt.nn import functional as F

from ...core import Claim, Context, Table
from .._shared import nets

SATURATION = 0.05
"""A unit is saturated where its derivative is below this fraction of the largest one."""
FAR = 20.0
"""Saturation at infinity is read off at x = +-FAR ..."""
FLAT = 1e-4
"""... where a saturating derivative must be below FLAT."""
LEAKY_SLOPE = 0.1
"""Leaky ReLU slope a (eq. 6-35) in the figures; torch's default 0.01 is in the table too."""
SCALE = 16.0
"""Hidden weights are multiplied by this to make a net whose units start saturated."""

# name, function, chapter figure, chapter equation
FUNCTIONS: tuple[tuple[str, Callable, str, str], ...] = (
    ("sigmoid", F.sigmoid, "6.10", "6-31"),
    ("tanh", F.tanh, "6.11", "6-33"),
    ("ReLU", F.relu, "6.13", "6-34"),
    (f"Leaky ReLU (a={LEAKY_SLOPE})", lambda x: F.leaky_relu(x, LEAKY_SLOPE), "6.14", "6-35"),
    ("ELU (a=1)", lambda x: F.elu(x, 1.0), "6.15", "6-36"),
)


def derivative(function: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` element-wise, the derivative by netopt's backward pass."""
    leaf = netopt.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = function(leaf)
    out.sum().backward()
    return out.data, leaf.grad


def formula_claims(x: np.ndarray, curves: dict) -> list[Claim]:
    """The claims that the backward-pass derivatives match the chapter's formulas."""
    s, ds = curves["sigmoid"]
    t, dt = curves["tanh"]
    err_s = np.abs(ds - s * (1 - s)).max()
    err_t = np.abs(dt - (1 - t * t)).max()
    pos, neg = x > 1e-3, x < -1e-3
    relu_d = curves["ReLU"][1]
    leaky_d = curves[FUNCTIONS[3][0]][1]
    elu_y, elu_d = curves[FUNCTIONS[4][0]]
    piecewise = {
        "ReLU": max(np.abs(relu_d[pos] - 1).max(), np.abs(relu_d[neg]).max()),
        "Leaky ReLU": max(np.abs(leaky_d[pos] - 1).max(), np.abs(leaky_d[neg] - LEAKY_SLOPE).max()),
        "ELU": max(np.abs(elu_d[pos] - 1).max(), np.abs(elu_d[neg] - np.exp(x[neg])).max()),
    }
    elu_identity = np.abs(elu_d[neg] - (elu_y[neg] + 1.0)).max()
    return [
        Claim(
            "Sigmoid's derivative is sigma(z)(1 - sigma(z)) and at most 0.25, at z = 0 "
            "(eq. 6-31, figure 6.10)",
            bool(err_s < 1e-12 and abs(ds.max() - 0.25) < 1e-12 and x[ds.argmax()] == 0),
            f"max |backward - s(1-s)| = {err_s:.1e} on 2001 points in [-10, 10]; "
            f"max sigma' = {ds.max():.6f} at z = {x[ds.argmax()]:g}",
        ),
        Claim(
            "Tanh's derivative is 1 - tanh^2(x) and at most 1, at x = 0 (eq. 6-33, figure 6.11)",
            bool(err_t < 1e-12 and abs(dt.max() - 1.0) < 1e-12 and x[dt.argmax()] == 0),
            f"max |backward - (1 - tanh^2)| = {err_t:.1e}; max tanh' = {dt.max():.6f} at "
            f"x = {x[dt.argmax()]:g}",
        ),
        Claim(
            "Piecewise-linear units: ReLU' = 1 for x > 0 and 0 for x < 0; Leaky ReLU' = 1 and "
            "a (eq. 6-35); ELU' = 1 and a e^x = f(x) + a (eq. 6-36)",
            bool(max(piecewise.values()) < 1e-12 and elu_identity < 1e-12),
            ", ".join(f"{k} max error {v:.1e}" for k, v in piecewise.items())
            + f"; max |ELU' - (ELU + 1)| for x < 0: {elu_identity:.1e}",
        ),
    ]


def saturation_at_infinity() -> tuple[list[list], list[Claim]]:
    """The saturation table's rows (derivatives at x = +-FAR) and its claims."""
    functions = [(name, fn) for name, fn, _, _ in FUNCTIONS]
    functions.append(("Leaky ReLU (a=0.01, torch default)", lambda x: F.leaky_relu(x)))
    rows, classes = [], {}
    for name, fn in functions:
        _, d = derivative(fn, np.array([-FAR, FAR]))
        left, right = bool(abs(d[0]) < FLAT), bool(abs(d[1]) < FLAT)
        kind = {(True, True): "fully saturating", (True, False): "left-saturating"}.get(
            (left, right), "right-saturating" if right else "non-saturating"
        )
        classes[name] = kind
        rows.append([name, float(d[0]), float(d[1]), left, right, kind])
    saturating = [classes["sigmoid"], classes["tanh"]]
    right_free = [n for n, k in classes.items() if n not in ("sigmoid", "tanh")]
    claims = [
        Claim(
            "Sigmoid and tanh are fully saturating: f'(x) -> 0 as x -> -inf and as x -> +inf "
            "(slide 44)",
            saturating == ["fully saturating"] * 2,
            f"sigmoid: {classes['sigmoid']}, tanh: {classes['tanh']} (|f'(+-{FAR:g})| < {FLAT:g})",
        ),
        Claim(
            "ReLU and its variants are not saturating on the positive side: f'(x) = 1 as "
            "x -> +inf (slide 44); by the limit definition ReLU and ELU still saturate on "
            "the left and only Leaky ReLU on neither side",
            all(not row[4] and row[2] == 1.0 for row in rows[2:])
            and classes["ReLU"] == "left-saturating"
            and classes[FUNCTIONS[4][0]] == "left-saturating"
            and all(classes[n] == "non-saturating" for n in right_free if "Leaky" in n),
            "; ".join(f"{n}: {classes[n]}" for n in right_free),
        ),
    ]
    return rows, claims


def _act_module(name: str) -> type[nn.Module]:
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[name]


def _probe_forward(model: nn.Sequential, x: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """Hidden pre-activations and dL/dz for each, via zero 'probe' leaves added to z."""
    h, probes, zs = netopt.tensor(x), [], []
    modules = list(model)
    for i, module in enumerate(modules):
        h = module(h)
        if isinstance(module, nn.Linear) and i + 1 < len(modules):
            probe = netopt.zeros(*h.shape, requires_grad=True)
            zs.append(h.data.copy())
            probes.append(probe)
            h = h + probe
    F.cross_entropy(h, netopt.tensor(y)).backward()
    model.zero_grad()
    return zs, [p.grad for p in probes]


def _saturated(name: str, zs: list[np.ndarray]) -> np.ndarray:
    """Boolean (inputs, all hidden units) mask of saturated pairs, by backward."""
    module = _act_module(name)()
    peak = 0.25 if name == "sigmoid" else 1.0
    return np.concatenate([derivative(module, z)[1] < SATURATION * peak for z in zs], axis=1)


def _train_one(ctx: Context, name: str, scale: float, steps: int) -> dict:
    split = load_digits(seed=ctx.seed)
    rng = ctx.rng(f"init-{name}")  # the same weights for x1 and x SCALE
    model = nets.mlp([64, 64, 64, 10], _act_module(name), rng=rng)
    for linear in nets.linears(model)[:-1]:
        linear.weight.data *= scale
    optimizer = optim.SGD(model.parameters(), lr=0.3)
    every = max(steps // 30, 1)
    zs, grads = _probe_forward(model, split.x_test, split.y_test)
    start_mask = _saturated(name, zs)
    dz = np.abs(np.concatenate(grads, axis=1))
    first_grad = _first_layer_grad(model, split.x_train[:256], split.y_train[:256])
    history = {"step": [], "accuracy": [], "saturated": []}
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng("batches"))
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            mask = _saturated(name, _probe_forward(model, split.x_test, split.y_test)[0])
            accuracy = float((nets.predict(model, split.x_test) == split.y_test).mean())
            history["step"].append(step)
            history["accuracy"].append(accuracy)
            history["saturated"].append(float(mask.mean()))
        if step < steps:
            idx = next(batches)
            nets.cross_entropy_step(model, optimizer, split.x_train[idx], split.y_train[idx])
    end_zs = _probe_forward(model, split.x_test, split.y_test)[0]
    end_mask = _saturated(name, end_zs)
    reached = [s for s, a in zip(history["step"], history["accuracy"]) if a >= 0.8]
    return {
        "name": name,
        "scale": scale,
        "history": history,
        "start": start_mask,
        "end": end_mask,
        "z_end": np.concatenate(end_zs, axis=1),
        "dz_saturated": float(dz[start_mask].mean()) if start_mask.any() else float("nan"),
        "dz_active": float(dz[~start_mask].mean()),
        "first_grad": first_grad,
        "steps_to_80": reached[0] if reached else None,
        "steps": steps,
    }


def _first_layer_grad(model: nn.Sequential, x: np.ndarray, y: np.ndarray) -> float:
    loss = F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y))
    model.zero_grad()
    loss.backward()
    norm = float(np.linalg.norm(nets.linears(model)[0].weight.grad))
    model.zero_grad()
    return norm


def training_runs(ctx: Context) -> dict[tuple[str, float], dict]:
    """Train sigmoid and tanh nets, default and scaled weights; one run each."""
    steps = 300 if ctx.quick else 1500
    runs = {}
    configs = [("sigmoid", 1.0), ("tanh", 1.0), ("sigmoid", SCALE), ("tanh", SCALE)]
    for i, (name, scale) in enumerate(configs):
        ctx.progress(0.1 + 0.8 * i / len(configs), f"training {name} x{scale:g}")
        runs[(name, scale)] = _train_one(ctx, name, scale, steps)
    return runs


def label(run: dict) -> str:
    """The legend and table label of one training run."""
    init = "default init" if run["scale"] == 1 else f"weights x{run['scale']:g}"
    return f"{run['name']}, {init}"


def training_table(runs: dict) -> Table:
    """Saturated fraction and accuracy of every training run, start and end."""
    rows = []
    for run in runs.values():
        start, end = run["start"], run["end"]
        stayed = float(end[start].mean()) if start.any() else float("nan")
        rows.append(
            [
                label(run),
                float(start.mean()),
                float(end.mean()),
                stayed,
                run["dz_saturated"],
                run["dz_active"],
                run["first_grad"],
                run["history"]["accuracy"][-1],
                "never" if run["steps_to_80"] is None else run["steps_to_80"],
            ]
        )
    return Table(
        f"Two-hidden-layer nets (64-64-64-10) on digits, SGD lr 0.3, batch 32, "
        f"{next(iter(runs.values()))['steps']} steps; saturated = derivative < "
        f"{SATURATION:.0%} of its maximum, over (test input, hidden unit) pairs",
        [
            "net",
            "saturated at start",
            "saturated at end",
            "of those saturated at start: still at end",
            "mean |dL/dz| saturated (start)",
            "mean |dL/dz| active (start)",
            "first-layer |grad W| (start)",
            "test accuracy (end)",
            "steps to 80% test accuracy",
        ],
        rows,
    )


def training_claims(runs: dict) -> list[Claim]:
    """The claims measured on the training runs: saturation, its gradient, its persistence."""
    sig, tanh = runs[("sigmoid", 1.0)], runs[("tanh", 1.0)]
    big = [runs[("sigmoid", SCALE)], runs[("tanh", SCALE)]]
    budget = sig["steps"]

    def steps_text(run: dict) -> str:
        return f"> {budget}" if run["steps_to_80"] is None else str(run["steps_to_80"])

    sig_steps = budget * 2 if sig["steps_to_80"] is None else sig["steps_to_80"]
    slower = tanh["steps_to_80"] is not None and sig_steps >= 2 * max(tanh["steps_to_80"], 1)
    ratio = sig["first_grad"] / tanh["first_grad"]
    stayed = [float(r["end"][r["start"]].mean()) for r in big]
    joined = [float(r["end"][~r["start"]].mean()) for r in big]
    dz_ratio = [r["dz_saturated"] / r["dz_active"] for r in big]
    return [
        Claim(
            "Sigmoid's small derivative (at most 0.25, against 1 for tanh) shrinks the "
            "gradient that reaches early layers, and the same net learns more slowly "
            "with sigmoid than with tanh",
            bool(ratio < 0.25 and slower),
            f"first-layer gradient norm at init: sigmoid {sig['first_grad']:.2e}, tanh "
            f"{tanh['first_grad']:.2e} (ratio {ratio:.3f}); steps to 80% test accuracy: "
            f"sigmoid {steps_text(sig)}, tanh {steps_text(tanh)}",
        ),
        Claim(
            f"Large weights drive sigmoid and tanh units into saturation: with hidden weights "
            f"x{SCALE:g} many units start saturated, with PyTorch's default init none do",
            bool(
                all(r["start"].mean() >= 0.25 for r in big)
                and max(sig["start"].mean(), tanh["start"].mean()) < 0.01
            ),
            f"saturated at start: sigmoid {big[0]['start'].mean():.1%} (default "
            f"{sig['start'].mean():.1%}), tanh {big[1]['start'].mean():.1%} (default "
            f"{tanh['start'].mean():.1%})",
        ),
        Claim(
            "Saturated units receive almost no gradient: |dL/dz| on saturated (unit, input) "
            "pairs is a small fraction of that on active ones",
            bool(max(dz_ratio) < 0.1),
            f"mean |dL/dz| saturated / active at the start: sigmoid {dz_ratio[0]:.3f}, "
            f"tanh {dz_ratio[1]:.3f}",
        ),
        Claim(
            "So saturation persists through training: most (unit, input) pairs saturated "
            "at the start are still saturated at the end, far more often than active pairs "
            "become saturated",
            bool(min(stayed) > 0.5 and all(s >= 2 * j for s, j in zip(stayed, joined))),
            f"after {budget} steps, still saturated: sigmoid {stayed[0]:.1%}, tanh "
            f"{stayed[1]:.1%} of the pairs saturated at the start; newly saturated: sigmoid "
            f"{joined[0]:.1%}, tanh {joined[1]:.1%} of the pairs active at the start",
        ),
    ]
