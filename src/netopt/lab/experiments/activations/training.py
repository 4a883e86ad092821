r"""Saturation in training (private): small sigmoid and tanh nets on the digits.

Every run trains a 64-64-64-10 net with SGD (lr 0.3, batches of 32). Run 0 of each
configuration records a history for the figure; runs 1.. repeat the measurement with
fresh initial weights and batch orders, for the findings' paired counts. What makes a
unit saturated is defined in :mod:`.measure` (:data:`~.measure.SATURATION`).
"""

from __future__ import annotations

import math

import numpy as np

import netopt
from netopt import nn, optim
from netopt.data import load_digits
from netopt.nn import functional as F

from ...core import Claim, Context, Table, seed_count
from .._shared import nets
from .measure import SATURATION, derivative

SCALE = 16.0
"""Hidden weights are multiplied by this to make a net whose units start saturated."""
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
PEAK = {"sigmoid": 0.25, "tanh": 1.0}
"""The largest derivative of each activation (at 0)."""


def _probe_forward(model: nn.Sequential, x: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """Hidden pre-activations and dL/dz for each, via zero 'probe' leaves added to z."""
    h, probes, zs = netopt.tensor(x), [], []
    modules = list(model)
    for i, module in enumerate(modules):
        h = module(h)
        if isinstance(module, nn.Linear) and i + 1 < len(modules):
            probe = netopt.zeros(*h.shape, requires_grad=True)
            zs.append(h._data.copy())
            probes.append(probe)
            h = h + probe
    F.cross_entropy(h, netopt.tensor(y)).backward()
    model.zero_grad()
    return zs, [p._grad for p in probes]


def _saturated(kind: str, zs: list[np.ndarray]) -> np.ndarray:
    """Boolean (inputs, all hidden units) mask of saturated pairs, by backward."""
    module = ACTIVATIONS[kind]()
    return np.concatenate([derivative(module, z)[1] < SATURATION * PEAK[kind] for z in zs], axis=1)


def train_one(
    ctx: Context, name: str, scale: float, steps: int, run: int = 0,
    kind: str | None = None,
) -> dict:  # fmt: skip
    """Train one net; ``kind`` (default ``name``) is the activation actually used.

    Giving ``kind="tanh"`` to the "sigmoid" arm removes the cause of the sigmoid finding
    (its derivative of at most 0.25) while keeping its initial weights and batches.
    """
    kind = name if kind is None else kind
    split = load_digits(seed=ctx.seed)
    suffix = "" if run == 0 else f"-{run}"
    rng = ctx.rng(f"init-{name}{suffix}")  # the same weights for x1 and x SCALE
    model = nets.mlp([64, 64, 64, 10], ACTIVATIONS[kind], rng=rng)
    for linear in nets.linears(model)[:-1]:
        linear.weight._data *= scale
    optimizer = optim.SGD(model.parameters(), lr=0.3)
    every = max(steps // 30, 1)
    zs, grads = _probe_forward(model, split.x_test, split.y_test)
    start_mask = _saturated(kind, zs)
    dz = np.abs(np.concatenate(grads, axis=1))
    first_grad = _first_layer_grad(model, split.x_train[:256], split.y_train[:256])
    history = {"step": [], "accuracy": [], "saturated": []}
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng(f"batches{suffix}"))
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            history["step"].append(step)
            history["accuracy"].append(
                float((nets.predict(model, split.x_test) == split.y_test).mean())
            )
            if run == 0:  # the saturation curve is drawn for the first run only
                mask = _saturated(kind, _probe_forward(model, split.x_test, split.y_test)[0])
                history["saturated"].append(float(mask.mean()))
        if step < steps:
            idx = next(batches)
            nets.cross_entropy_step(model, optimizer, split.x_train[idx], split.y_train[idx])
    end_zs = _probe_forward(model, split.x_test, split.y_test)[0]
    reached = [s for s, a in zip(history["step"], history["accuracy"]) if a >= 0.8]
    return {
        "name": name, "scale": scale, "history": history, "start": start_mask,
        "end": _saturated(kind, end_zs), "z_end": np.concatenate(end_zs, axis=1),
        "dz_saturated": float(dz[start_mask].mean()) if start_mask.any() else math.nan,
        "dz_active": float(dz[~start_mask].mean()), "first_grad": first_grad,
        "steps_to_80": reached[0] if reached else None, "steps": steps,
    }  # fmt: skip


def _first_layer_grad(model: nn.Sequential, x: np.ndarray, y: np.ndarray) -> float:
    loss = F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y))
    model.zero_grad()
    loss.backward()
    norm = float(np.linalg.norm(nets.linears(model)[0].weight._grad))
    model.zero_grad()
    return norm


CONFIGS = (("sigmoid", 1.0), ("tanh", 1.0), ("sigmoid", SCALE), ("tanh", SCALE))


def training_runs(ctx: Context, runs: int = 1) -> dict[tuple[str, float], list[dict]]:
    """Train sigmoid and tanh nets, default and scaled weights; ``runs`` runs each."""
    steps = 300 if ctx.quick else 1500
    out: dict[tuple[str, float], list[dict]] = {c: [] for c in CONFIGS}
    for r in range(runs):
        for name, scale in CONFIGS:
            out[(name, scale)].append(train_one(ctx, name, scale, steps, r))
        ctx.progress(0.1 + 0.8 * (r + 1) / runs, f"training run {r + 1} of {runs}")
    return out


def label(run: dict) -> str:
    """The legend and table label of one training run."""
    init = "default init" if run["scale"] == 1 else f"weights x{run['scale']:g}"
    return f"{run['name']}, {init}"


def training_table(runs: dict) -> Table:
    """Saturated fraction and accuracy of the first run of every configuration."""
    rows = []
    for run in (r[0] for r in runs.values()):
        start, end = run["start"], run["end"]
        stayed = float(end[start].mean()) if start.any() else math.nan
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
        f"{next(iter(runs.values()))[0]['steps']} steps (first run); saturated = derivative < "
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


def _steps(run: dict) -> int:
    """Steps to 80 % test accuracy; twice the budget when never reached."""
    return run["steps"] * 2 if run["steps_to_80"] is None else run["steps_to_80"]


def slower(sig: dict, tanh: dict) -> bool:
    """One run's verdict: sigmoid's first-layer gradient < 1/4 of tanh's, and >= 2x slower."""
    ratio = sig["first_grad"] / tanh["first_grad"]
    reached = tanh["steps_to_80"] is not None
    return bool(ratio < 0.25 and reached and _steps(sig) >= 2 * max(tanh["steps_to_80"], 1))


def persists(run: dict) -> bool:
    """One run's verdict: most pairs saturated at the start still are; few new ones join."""
    start, end = run["start"], run["end"]
    if not start.any():
        return False  # nothing saturated: nothing to persist
    return bool(end[start].mean() > 0.5 and end[start].mean() >= 2 * end[~start].mean())


def _need(k: int) -> int:
    return math.ceil(0.8 * k)


def training_claims(runs: dict) -> list[Claim]:
    """Sigmoid vs tanh and persistence (findings), saturation and its gradient (checks)."""
    sigs, tanhs = runs[("sigmoid", 1.0)], runs[("tanh", 1.0)]
    bigs = [runs[("sigmoid", SCALE)], runs[("tanh", SCALE)]]
    sig, tanh, big = sigs[0], tanhs[0], [b[0] for b in bigs]
    k, budget = len(sigs), sig["steps"]
    ratios = np.array([s["first_grad"] / t["first_grad"] for s, t in zip(sigs, tanhs)])
    slow_held = [bool(slower(s, t)) for s, t in zip(sigs, tanhs)]
    kept_held = [bool(persists(s) and persists(t)) for s, t in zip(*bigs)]
    slow, kept = sum(slow_held), sum(kept_held)
    stayed = [[float(r["end"][r["start"]].mean()) for r in b] for b in bigs]
    joined = [[float(r["end"][~r["start"]].mean()) for r in b] for b in bigs]
    dz_ratio = [r["dz_saturated"] / r["dz_active"] for r in big]
    steps = {n: [_steps(r) for r in rs] for n, rs in (("sigmoid", sigs), ("tanh", tanhs))}

    def median(values: list) -> str:
        v = np.array(values, dtype=float)
        return f"median {np.median(v):.3g} (range {v.min():.3g}-{v.max():.3g})"

    seeds_protocol = "per run: fresh initial weights and batch order"
    return [
        Claim(
            "Sigmoid's small derivative (at most 0.25, against 1 for tanh) shrinks the "
            "gradient that reaches early layers, and the same net learns more slowly "
            "with sigmoid than with tanh",
            slow >= _need(k),
            f"{seed_count(slow_held)}; first-layer gradient norm at init sigmoid / tanh: "
            f"{median(list(ratios))}; steps to 80% test accuracy (twice the budget of "
            f"{budget} when never reached): sigmoid {median(steps['sigmoid'])}, tanh "
            f"{median(steps['tanh'])}",
            kind="finding",
            protocol={
                "seeds": k,
                "tuning": "none: SGD lr 0.3, batch 32, PyTorch's default init for both "
                "(the same rate for both nets; not tuned per activation)",
                "statistic": f"{seeds_protocol}: the ratio is below 0.25 and sigmoid needs "
                f"at least twice tanh's steps to 80%; >= {_need(k)} of {k} seeds",
                "per_seed": slow_held,
            },
        ),
        Claim(
            f"Large weights drive sigmoid and tanh units into saturation: with hidden weights "
            f"x{SCALE:g} many units start saturated, with PyTorch's default init none do "
            "(the pre-activations scale with the weights)",
            bool(
                all(r["start"].mean() >= 0.25 for r in big)
                and max(sig["start"].mean(), tanh["start"].mean()) < 0.01
            ),
            f"saturated at start: sigmoid {big[0]['start'].mean():.1%} (default "
            f"{sig['start'].mean():.1%}), tanh {big[1]['start'].mean():.1%} (default "
            f"{tanh['start'].mean():.1%})",
            kind="check",
        ),
        Claim(
            "Saturated units receive almost no gradient: |dL/dz| on saturated (unit, input) "
            "pairs is a small fraction of that on active ones (saturation is defined by a "
            "small derivative)",
            bool(max(dz_ratio) < 0.1),
            f"mean |dL/dz| saturated / active at the start: sigmoid {dz_ratio[0]:.3f}, "
            f"tanh {dz_ratio[1]:.3f}",
            kind="check",
        ),
        Claim(
            "So saturation persists through training: most (unit, input) pairs saturated "
            "at the start are still saturated at the end, far more often than active pairs "
            "become saturated",
            kept >= _need(k),
            f"{seed_count(kept_held)} (both activations); after {budget} steps, still saturated: "
            f"sigmoid {median(stayed[0])}, tanh {median(stayed[1])} of the pairs saturated "
            f"at the start; newly saturated: sigmoid {median(joined[0])}, tanh "
            f"{median(joined[1])} of the pairs active at the start",
            kind="finding",
            protocol={
                "seeds": k,
                "tuning": f"none: SGD lr 0.3, batch 32, hidden weights x{SCALE:g}",
                "statistic": f"{seeds_protocol}: for both activations, over half the pairs "
                "saturated at the start are saturated at the end, and at least twice the "
                f"fraction of active pairs that became saturated; >= {_need(k)} of {k} seeds",
                "per_seed": kept_held,
            },
        ),
    ]
