r"""The descent experiment's figures and tables (drawn from the same run as its claims)."""

from __future__ import annotations

import math

import numpy as np

from ...core import FigureSpec, Table
from ...plotting import figure
from .batches import spread
from .saddle import SADDLE_BATCH

MISSING = "—"


def figures(result: dict, names: list[str], noise: dict, point: dict) -> list[FigureSpec]:
    """Loss against samples and against steps; gradient noise; the saddle."""
    fig1, (a1, a2) = figure(1, 2, width=10.0, height=3.9, sharey=True)
    for name in names:
        run = result["runs"][name][0]
        keep = run["samples"] > 0
        label = f"{name}, lr {result['lr'][name]:g}"
        a1.loglog(run["samples"][keep], run["loss"][keep], marker=".", ms=3, label=label)
        a2.loglog(run["steps"][keep], run["loss"][keep], marker=".", ms=3, label=label)
    a1.set_xlabel("samples processed (gradient work)")
    a1.set_ylabel("training cross-entropy (nats)")
    a2.set_xlabel("steps (updates)")
    a1.legend(fontsize=9, loc="lower left")
    fig2, b = figure(width=6.0, height=3.8)
    sizes, rel = np.array(noise["sizes"][:-1]), np.array(noise["rel"][:-1])
    b.loglog(sizes, rel, marker="o", label="measured at the initial weights")
    b.loglog(
        sizes, rel[0] * sizes**-0.5, linestyle="--", color="0.5", label=r"$\propto 1/\sqrt{n}$"
    )
    b.set_xlabel("batch size n")
    b.set_ylabel(r"relative gradient error $\|g_B - g\| / \|g\|$")
    b.legend(loc="lower left")
    fig3, c = figure(width=6.0, height=5.0)
    gx, gy = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200))
    cs = c.contour(gx, gy, gx**2 - gy**2, levels=np.linspace(-4, 4, 17), cmap="coolwarm")
    c.clabel(cs, fontsize=9)
    for i, r in enumerate(point["sgd"][:8]):
        c.plot(*r["path"].T, color="#2ca02c", lw=1, alpha=0.8,
               label=f"mini-batch SGD (n={SADDLE_BATCH})" if i == 0 else None)  # fmt: skip
    c.plot(*point["gd"]["path"].T, color="k", lw=2, marker=".", ms=3, label="batch GD")
    c.plot([0], [0], marker="x", color="k", ms=10, mew=2, linestyle="none", label="saddle")
    c.set_xlim(-2, 2)
    c.set_ylim(-2, 2)
    c.set_xlabel("x (f curves up: a minimum along x)")
    c.set_ylabel("y (f curves down: a maximum along y)")
    fig3.legend(fontsize=9, loc="outside lower center", ncols=3)
    return [
        FigureSpec("loss_curves", fig1, "Training loss of SGD (eq. 6-19), mini-batch descent "
                   "(eq. 6-20) and batch GD (eq. 6-18), each at its tuned learning rate (first "
                   "evaluation seed), against the samples processed (left: equal gradient "
                   "work) and against the steps taken (right: equal updates)."),
        FigureSpec("gradient_noise", fig2, "How far a mini-batch gradient is from the full "
                   "gradient, by batch size: the noise that lets SGD escape saddles (slide 29)."),
        FigureSpec("saddle", fig3, "The saddle of slide 28 (a minimum along one parameter, a "
                   "maximum along the other), contours of x^2 - y^2 (f up to a constant): batch "
                   "GD started on the ridge y = 0 stops at the saddle; the sampling noise of "
                   f"mini-batches of {SADDLE_BATCH} carries SGD away (8 runs drawn)."),
    ]  # fmt: skip


def _cell(value: float) -> float | str:
    return round(value, 4) if math.isfinite(value) else MISSING


def tables(result: dict, names: list[str], grid, threads: str) -> list[Table]:
    """The comparison per batch size, and the tuning grid's validation losses."""
    rows = []
    for name in names:
        runs = result["runs"][name]
        steps = result["steps"][name]
        seconds = [r["thread_seconds"] for r in runs]
        rows.append([
            name, steps, result["lr"][name], spread([r["final"] for r in runs]),
            spread([r["test_acc"] for r in runs], ".3f"),
            f"{np.median(seconds) / max(steps, 1) * 1e3:.3f}",
        ])  # fmt: skip
    tuned = [
        [name, *(_cell(result["medians"][name].get(lr, math.inf)) for lr in grid)] for name in names
    ]
    return [
        Table(
            "Batch sizes at their tuned learning rates, over the evaluation seeds (the last "
            f"column is a timing, thread CPU time with {threads}: shown, never used for a "
            "verdict)",
            ["method", "steps in the budget", "tuned lr", "training loss", "test accuracy",
             "timing: ms per step"],
            rows,
        ),
        Table(
            "Tuning: median validation loss per learning rate (— = diverged)",
            ["method", *(f"lr {lr:g}" for lr in grid)],
            tuned,
        ),
    ]  # fmt: skip
