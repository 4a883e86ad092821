r"""Figures of the gradients experiment (private): norms against depth, clipping, L2, the
recurrent cliff.

Every figure is at most 9.4 inches wide, so the page (1044 px at 110 dpi) shows it at full
size and no text falls under 8 pt; legends sit below the panels, off the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...plotting import figure

WIDTH = 9.4
"""Inches: the page's content column at the report's dpi (no shrinking, text stays >= 8 pt)."""


def _legend_below(fig: Any, ax: Any) -> None:
    """One legend for the figure, below its panels (the panels share their labels)."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=9)


def depth_figure(runs: dict, configs: dict, lr: float) -> Any:
    """Per-layer gradient norm at init (log) and test accuracy while training."""
    fig, (norm_ax, acc_ax) = figure(1, 2, width=WIDTH, height=4.6)
    markers = ("o", "s", "^", "D", "v")
    for (key, run), marker in zip(runs.items(), markers):
        layers = np.arange(1, len(run["norms"]) + 1)
        norm_ax.plot(layers, run["norms"], marker=marker, label=configs[key][0])
        acc_ax.plot(run["history"]["step"], run["history"]["accuracy"], label=configs[key][0])
    norm_ax.set_yscale("log")
    norm_ax.set_xticks(np.arange(1, len(run["norms"]) + 1))
    norm_ax.set_xlabel("layer (1 = next to the input, last = output layer)")
    norm_ax.set_ylabel("||dL/dW|| at initialisation (log scale)")
    norm_ax.set_title("gradient norm against depth")
    acc_ax.set_xlabel(f"SGD step (lr {lr:g}, batch 32)")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.set_ylim(0, 1)
    chance = 1 / 10  # ten digit classes
    acc_ax.axhline(chance, color="0.5", linestyle=":", linewidth=1)
    last = run["history"]["step"][-1]
    acc_ax.text(last, chance + 0.03, "chance (1/10)", color="0.4", fontsize=8, ha="right")
    acc_ax.set_title("learning")
    _legend_below(fig, norm_ax)
    return fig


def explode_figure(runs: dict, name: Any, diverged: float) -> Any:
    """Loss and pre-clip gradient norm per step, with and without clipping; ``name(label)``
    says how each run clipped."""
    fig, (loss_ax, norm_ax) = figure(1, 2, width=WIDTH, height=4.4)
    for clip, run in runs.items():
        label = name(clip)
        steps = np.arange(1, len(run["losses"]) + 1)
        losses = np.asarray(run["losses"], dtype=float)
        shown = np.where(np.isfinite(losses), losses, np.nan)
        marker = "x" if run["diverged"] else None
        loss_ax.plot(steps, shown, marker=marker, label=label)
        norm_ax.plot(steps, run["norms"], marker=marker, label=label)
        if run["diverged"]:
            loss_ax.annotate(
                f"diverged at step {len(steps)}",
                (steps[-1], np.nanmax(shown)),
                xytext=(10, -4),
                textcoords="offset points",
                fontsize=9,
            )
    loss_ax.axhline(diverged, color="0.5", linestyle=":", linewidth=1)
    loss_ax.set_yscale("log")
    loss_ax.set_xscale("log")
    loss_ax.set_xlabel("SGD step (log scale)")
    loss_ax.set_ylabel("training loss (cross-entropy, log scale)")
    loss_ax.set_title("loss")
    norm_ax.set_yscale("log")
    norm_ax.set_xscale("log")
    norm_ax.set_xlabel("SGD step (log scale)")
    norm_ax.set_ylabel("total gradient norm before clipping (log scale)")
    norm_ax.set_title("gradient norm")
    _legend_below(fig, loss_ax)
    return fig


def l2_figure(runs: dict, lr: float) -> Any:
    """Total weight norm per step for each L2 strength."""
    fig, ax = figure(width=6.4, height=4.0)
    for lam, run in runs.items():
        ax.plot(
            np.arange(len(run["weights"])),
            run["weights"],
            label=f"lambda = {lam:g} (test accuracy {run['accuracy']:.1%})",
        )
    ax.set_xlabel(f"SGD step (lr {lr:g}, batch 32)")
    ax.set_ylabel("total weight norm ||W||")
    ax.set_title("L2 regularisation bounds the weights")
    ax.legend(fontsize=8)
    return fig


def cliff_figure(draw: dict, surface: Any, name: Any) -> Any:
    r"""The loss over (w, b) with the three descents' paths, and the loss per step.

    ``draw`` is one draw of :func:`netopt.lab.experiments.gradients.cliff.run`,
    ``surface(ws, bs, y)`` the loss on a grid, ``name(label)`` how a run clipped.
    """
    fig, (surf_ax, loss_ax) = figure(1, 2, width=WIDTH, height=4.6)
    start, runs = draw["start"], draw["runs"]
    ends = np.concatenate([r["path"] for k, r in runs.items() if r["clip"] is not None])
    w_lo, w_hi = min(ends[:, 0].min(), start["w0"]) - 0.5, max(ends[:, 0].max(), start["w0"]) + 0.5
    b_lo, b_hi = min(ends[:, 1].min(), start["b0"]) - 0.5, max(ends[:, 1].max(), start["b0"]) + 0.5
    ws, bs = np.linspace(w_lo, w_hi, 281), np.linspace(b_lo, b_hi, 281)
    loss = surface(ws, bs, start["y"])
    mesh = surf_ax.pcolormesh(ws, bs, loss, cmap="viridis", shading="auto", rasterized=True)
    fig.colorbar(mesh, ax=surf_ax, label="loss")
    for label, run in runs.items():
        path = run["path"]
        marker = None if run["clip"] is None else "."
        surf_ax.plot(
            path[:, 0], path[:, 1], marker=marker, markersize=3, linewidth=1.0, label=name(label)
        )
    surf_ax.plot(
        [start["w0"]], [start["b0"]], "*", color="white", mec="black", markersize=12, label="start"
    )
    free = runs["no clipping"]
    surf_ax.annotate(
        f"no clipping: step 1 lands at (w, b) = ({free['path'][1][0]:.3g}, "
        f"{free['path'][1][1]:.3g})",
        (0.03, 0.04),
        xycoords="axes fraction",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85},
    )
    surf_ax.set_xlim(w_lo, w_hi)
    surf_ax.set_ylim(b_lo, b_hi)
    surf_ax.set_xlabel("w")
    surf_ax.set_ylabel("b")
    surf_ax.set_title("loss (h_T - y)^2 over (w, b); the cliff is b = -w/2")
    for label, run in runs.items():
        losses = np.asarray(run["losses"], dtype=float)
        loss_ax.plot(np.arange(len(losses)), np.where(losses > 0, losses, np.nan), label=label)
    losses = free["losses"]
    loss_ax.annotate(
        f"no clipping: thrown {free['longest_step']:.3g} away at step 1,\n"
        f"loss {losses[0]:.2g} -> {losses[1]:.2g}, then flat (the unit saturates)",
        (0.97, 0.7),
        ha="right",
        va="top",
        xycoords="axes fraction",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85},
    )
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("gradient-descent step")
    loss_ax.set_ylabel("loss (log scale)")
    loss_ax.set_title("loss per step")
    _legend_below(fig, surf_ax)
    return fig
