r"""Figures of the gradients experiment (private): norms against depth, clipping, L2."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...plotting import figure


def depth_figure(runs: dict, configs: dict, lr: float) -> Any:
    """Per-layer gradient norm at init (log) and test accuracy while training."""
    fig, (norm_ax, acc_ax) = figure(1, 2, width=11.0, height=4.3)
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
    norm_ax.legend(fontsize=8)
    acc_ax.set_xlabel(f"SGD step (lr {lr:g}, batch 32)")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.set_ylim(0, 1)
    chance = 1 / 10  # ten digit classes
    acc_ax.axhline(chance, color="0.5", linestyle=":", linewidth=1)
    acc_ax.text(0, chance + 0.01, "chance (1/10)", color="0.4", fontsize=8)
    acc_ax.set_title("learning")
    acc_ax.legend(fontsize=8, loc="upper left")
    return fig


def explode_figure(runs: dict, name: Any, diverged: float) -> Any:
    """Loss and pre-clip gradient norm per step, with and without clipping; ``name(label)``
    says how each run clipped."""
    fig, (loss_ax, norm_ax) = figure(1, 2, width=11.0, height=4.0)
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
    loss_ax.legend(fontsize=8)
    norm_ax.set_yscale("log")
    norm_ax.set_xscale("log")
    norm_ax.set_xlabel("SGD step (log scale)")
    norm_ax.set_ylabel("total gradient norm before clipping (log scale)")
    norm_ax.set_title("gradient norm")
    norm_ax.legend(fontsize=8)
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
