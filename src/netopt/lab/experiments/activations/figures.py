r"""Figures of the activations experiment (private): curves and saturation in training."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...core import FigureSpec
from ...plotting import COLORS, figure
from .measure import FAR, FUNCTIONS, SATURATION, derivative
from .training import SCALE, label


def saturation_edges(saturation: float) -> dict[str, float]:
    r"""|z| beyond which sigmoid / tanh are saturated: solve f'(z) = saturation * max f'.

    :math:`\sigma(1-\sigma) = c/4 \Rightarrow \sigma = (1+\sqrt{1-c})/2`;
    :math:`1 - \tanh^2 = c \Rightarrow \tanh = \sqrt{1-c}`.
    """
    sig = (1.0 + np.sqrt(1.0 - saturation)) / 2.0
    return {
        "sigmoid": float(np.log(sig / (1.0 - sig))),
        "tanh": float(np.arctanh(np.sqrt(1 - saturation))),
    }


def curves_figure(x: np.ndarray, curves: dict, functions: tuple, saturation: float) -> Any:
    """2 x 3 panels: each activation with its derivative, then |f'| on a log scale."""
    fig, axes = figure(2, 3, width=10.0, height=6.4)
    for ax, (name, _, fig_no, eq) in zip(axes.flat, functions):
        y, dy = curves[name]
        ax.plot(x, y, color=COLORS[0], label="f(x)")
        ax.plot(x, dy, color=COLORS[1], linestyle="--", label="f'(x) by backward")
        flat = dy < saturation * dy.max()
        ax.fill_between(
            x,
            0,
            1,
            where=flat,
            color="0.85",
            transform=ax.get_xaxis_transform(),
            label=f"f' < {saturation:.0%} of max",
        )
        ax.set_title(f"{name} (fig. {fig_no}, eq. {eq})", fontsize=11)
        ax.set_xlabel("x")
        ax.set_ylim(*((-1.6, 3.2) if "ReLU" in name or "ELU" in name else (-1.1, 1.1)))
        ax.set_xlim(x[0], x[-1])
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=9)
    ax = axes.flat[5]
    wide = np.linspace(-FAR, FAR, 801)
    # where each curve is labelled (x) and on which side of the line (va)
    spots = {"sigmoid": (13.0, "bottom"), "tanh": (5.5, "top"), "ReLU": (-4.0, "bottom")}
    spots.update({functions[3][0]: (-17.0, "bottom"), functions[4][0]: (-13.0, "top")})
    for (name, fn, _, _), color in zip(functions, COLORS):
        _, d = derivative(fn, wide)
        ax.plot(wide, np.where(d > 0, d, np.nan), color=color)
        x_at, va = spots[name]
        if name == "ReLU":
            text, y_at = "ReLU: 1 for x > 0, 0 for x < 0", 1.3
        else:
            text, y_at = name, float(derivative(fn, np.array([x_at]))[1][0])
        ax.text(x_at, y_at, text, color=color, fontsize=9, ha="center", va=va)
    ax.set_yscale("log")
    ax.set_ylim(1e-9, 8)
    ax.set_xlabel("x")
    ax.set_ylabel("|f'(x)| (log scale)")
    ax.set_title("saturation: f'(x) as |x| grows", fontsize=11)
    return fig


def training_figure(runs: dict, label: Callable[[dict], str], saturation: float) -> Any:
    """Accuracy and saturated fraction against steps; histogram of final pre-activations."""
    fig, (acc_ax, sat_ax, hist_ax) = figure(1, 3, width=10.0, height=4.0)
    styles = {1.0: "-", 16.0: "--"}
    colors = {"sigmoid": COLORS[0], "tanh": COLORS[1]}
    for run in runs.values():
        h = run["history"]
        style = dict(color=colors[run["name"]], linestyle=styles.get(run["scale"], ":"))
        acc_ax.plot(h["step"], h["accuracy"], label=label(run), **style)
        sat_ax.plot(h["step"], h["saturated"], label=label(run), **style)
    acc_ax.set_xlabel("SGD step")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.set_ylim(0, 1)
    acc_ax.set_title("learning")
    handles, labels = acc_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=9)
    sat_ax.set_xlabel("SGD step")
    sat_ax.set_ylabel("fraction of saturated (input, unit) pairs")
    sat_ax.set_ylim(0, 1)
    sat_ax.set_title(f"saturated: f'(z) < {saturation:.0%} of max")
    for run in runs.values():
        if run["scale"] != 1.0:
            hist_ax.hist(
                run["z_end"].ravel(),
                bins=80,
                range=(-20, 20),
                histtype="step",
                density=True,
                color=colors[run["name"]],
                label=label(run),
            )
    for name, edge in saturation_edges(saturation).items():
        for sign in (-1, 1):
            hist_ax.axvline(sign * edge, color=colors[name], linestyle=":", linewidth=1.2)
    hist_ax.text(
        0.02,
        0.97,
        "dotted: saturation edges\n(saturated outside)",
        transform=hist_ax.transAxes,
        va="top",
        fontsize=9,
    )
    hist_ax.set_xlabel("hidden pre-activation z after training")
    hist_ax.set_ylabel("density")
    hist_ax.set_title(f"where the saturated units sit (weights x{SCALE:g})")
    return fig


def curves_spec(x: np.ndarray, curves: dict) -> FigureSpec:
    """The curves figure with its caption."""
    return FigureSpec(
        "curves",
        curves_figure(x, curves, FUNCTIONS, SATURATION),
        "Cf. chapter figures 6.10 (sigmoid), 6.11 (tanh), 6.13 (ReLU), 6.14 (Leaky ReLU) and "
        "6.15 (ELU): each function (solid) and its derivative from netopt's backward pass "
        f"(dashed); shaded where the derivative is below {SATURATION:.0%} of its maximum. "
        "Last panel: |f'(x)| on a log scale out to x = +-20, where saturation shows as decay "
        "(ReLU's zero left derivative cannot be drawn on a log scale).",
    )


def training_spec(runs: dict) -> FigureSpec:
    """The saturation-in-training figure with its caption."""
    return FigureSpec(
        "saturation_training",
        training_figure(runs, label, SATURATION),
        "Saturation during training on digits (slide 44): test accuracy and the fraction of "
        "saturated (test input, hidden unit) pairs per step for sigmoid and tanh nets with "
        f"PyTorch's default init and with hidden weights x{SCALE:g}; right: the hidden "
        "pre-activations of the large-weight nets after training, with the saturation "
        "edges dotted (units outside them are saturated).",
    )
