r"""The objectives experiment's figures and tables (drawn from the same run as its claims)."""

from __future__ import annotations

import math

import numpy as np

from ...core import FigureSpec, Table
from ...plotting import figure
from .race import LOSSES, TARGET
from .risk import DEGREE, N_TRAIN

MISSING = "—"


def figures(race: dict, risk: dict, ws: dict) -> list[FigureSpec]:
    """Accuracy per epoch of both losses, the lambda sweep, the weight sweep."""
    fig1, ax = figure(width=6.4, height=3.8)
    for color, name in zip(("#1f77b4", "#d62728"), LOSSES):
        acc = race["runs"][name][0]["acc"]
        ax.plot(np.arange(1, len(acc) + 1), acc, color=color, marker="o", ms=3,
                label=f"{name}, tuned lr={race['lr'][name]:g}")  # fmt: skip
    ax.axhline(TARGET, color="0.4", linestyle=":", label=f"target {TARGET:.0%}")
    ax.set_xlabel("epoch (passes over the 1,000 fitting digits)")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Same MLP, initial weights and batches; only the loss differs")
    ax.legend(loc="lower right")
    rows = risk["rows"]
    lam = np.array([r[0] for r in rows])
    fig2, (a1, a2) = figure(1, 2, width=9.6, height=3.8)
    a1.loglog(lam, [r[1] for r in rows], marker="o", ms=3, label="train MSE (empirical risk)")
    a1.loglog(lam, [r[2] for r in rows], marker="s", ms=3, label="test MSE (480 new points)")
    best = int(np.argmin([r[2] for r in rows]))
    a1.axvline(lam[best], color="0.5", linestyle=":", label=rf"best $\lambda$={lam[best]:.2g}")
    a1.set_xlabel(r"$\lambda$ (weight of $J(f)=\frac{1}{2}\|w\|^2$, eq. 6-11)")
    a1.set_ylabel("mean squared error")
    a1.legend(fontsize=9)
    split, feats = risk["split"], risk["features"]
    grid = np.linspace(-1, 1, 300, dtype=np.float32)[:, None]
    a2.scatter(split.x_train[:, 0], split.y_train, color="k", s=14, label="20 training points")
    for i, tag in ((0, "smallest"), (best, "best"), (len(rows) - 1, "largest")):
        w, b = risk["fits"][i]
        a2.plot(grid[:, 0], feats(grid) @ w.T + b, label=rf"{tag} $\lambda$={lam[i]:.2g}")
    a2.set_ylim(-2.5, 2.5)
    a2.set_xlabel("x")
    a2.set_ylabel("y")
    a2.legend(fontsize=9)
    fig3, b1 = figure(width=6.4, height=3.8)
    b1.plot(ws["values"], ws["acc"], color="#1f77b4", drawstyle="steps-mid")
    b1.set_xlabel(f"output weight W[{ws['where'][0]}, {ws['where'][1]}] of the trained MLP")
    b1.set_ylabel("training accuracy", color="#1f77b4")
    b2 = b1.twinx()
    b2.plot(ws["values"], ws["ce"], color="#d62728")
    b2.set_ylabel("cross-entropy (nats)", color="#d62728")
    b1.axvline(ws["w0"], color="0.5", linestyle=":", label="trained value")
    b1.legend(loc="lower center", fontsize=9)
    ce_caption = (
        "Held-out accuracy per epoch of one MLP trained from the same initial weights with "
        "the same SGD and batches (first evaluation seed), once with cross-entropy (eq. "
        "6-15/6-16) and once with MSE (eq. 6-17) between its softmax output (eq. 6-14) and "
        "the one-hot label, each at the learning rate its tuning chose."
    )
    risk_caption = (
        "Structural risk (eq. 6-11/6-12) on 20 noisy points, degree-12 Legendre features: "
        "train and test error of each lambda's minimizer (left) and three of the fits (right)."
    )
    metric_caption = (
        "The chapter's question on slide 23 (can a metric replace the loss?): sweeping one "
        "weight, accuracy is a staircase (zero derivative between jumps), cross-entropy is "
        "smooth, so only the loss gives gradient descent (eq. 6-18) a direction."
    )
    return [
        FigureSpec("ce_vs_mse", fig1, ce_caption),
        FigureSpec("structural_risk", fig2, risk_caption),
        FigureSpec("metric_vs_loss", fig3, metric_caption),
    ]


def _epochs_text(run: dict, budget: int) -> str:
    if run["diverged"]:
        return "diverged"
    return str(run["epochs"]) if run["epochs"] is not None else f"> {budget}"


def tables(race: dict, risk: dict) -> list[Table]:
    """The tuning grid, the race on fresh seeds, the lambda sweep."""
    epochs = race["epochs"]
    tuning = Table(
        f"Tuning (validation split): median epochs to {TARGET:.0%} per learning rate "
        f"(budget {epochs}; — = not reached)",
        ["loss", *(f"lr {lr:g}" for lr in race["grid"]), "chosen lr"],
        [[name, *(v if math.isfinite(v) else MISSING for v in race["tuning"][name].values()),
          race["lr"][name]] for name in LOSSES],
    )  # fmt: skip
    rows = []
    for s, pair in enumerate(zip(*(race["runs"][n] for n in LOSSES))):
        rows.append([s, *(_epochs_text(r, epochs) for r in pair),
                     *(round(float(r["acc"][-1]), 4) if len(r["acc"]) else MISSING
                       for r in pair)])  # fmt: skip
    racing = Table(
        f"Fresh seeds at the tuned rates: epochs to {TARGET:.0%} test accuracy and the final one",
        ["seed", "cross-entropy: epochs", "MSE: epochs", "cross-entropy: final acc",
         "MSE: final acc"],
        rows,
    )  # fmt: skip
    sweep = Table(
        f"L2 sweep: degree-{DEGREE} Legendre features, {N_TRAIN} noisy training points "
        "(first data draw)",
        ["lambda", "train MSE", "test MSE", "||w||"],
        [[f"{r[0]:.1e}", round(r[1], 5), round(r[2], 5), round(r[3], 3)] for r in risk["rows"]],
    )
    return [tuning, racing, sweep]
