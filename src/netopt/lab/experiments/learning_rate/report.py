"""Figures and tables of the learning-rate experiment (private), drawn from its run."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from netopt.data import surfaces
from netopt.lab.core import FigureSpec, Table
from netopt.lab.plotting import COLORS, figure

from .ravine import CURVATURES, TOL


def _setting(s: dict[str, Any]) -> str:
    parts = [f"lr={s['lr']:.3g}"] + ([f"beta={s['momentum']:g}"] if "momentum" in s else [])
    return ", ".join(parts)


def _ravine_figures(ravine: dict[str, Any]) -> list[FigureSpec]:
    steps = ravine["GD"]["paths"].shape[1] - 1
    fig, axes = figure(3, 2, width=9.4, height=9.6, sharex=True, sharey=True)
    for ax, (name, r) in zip(axes.ravel(), ravine.items()):
        path, stats = r["paths"][r["shown"]], r["stats"][r["shown"]]
        end = (stats["steps"] or steps) + 1
        ravine_contours(ax, (-9.0, 3.0), (-3.0, 3.0))
        ax.plot(path[:end, 0], path[:end, 1], marker=".", ms=3, lw=1, color="#d62728")
        ax.set_title(f"{name} ({_setting(r['grid'][r['shown']])}): "
                     f"{fmt_steps(stats['steps'], steps)} steps")  # fmt: skip
        ax.label_outer()
    fig2, ax = figure(width=9.0, height=4.4)
    for name, r in ravine.items():
        dist = np.linalg.norm(r["paths"][r["shown"]], axis=1)
        ax.semilogy(np.arange(len(dist)), dist, label=f"{name} ({_setting(r['grid'][r['shown']])})")
    ax.axhline(TOL, color="0.4", linestyle=":", label=f"tolerance {TOL:g}")
    ax.set_ylim(1e-6, 20)
    ax.set_xlabel("step")
    ax.set_ylabel(r"distance to the minimum $\|\theta\|$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return [
        FigureSpec("ravine_paths", fig, "The ravine f = 0.1 theta1^2 + 2 theta2^2 of chapter "
                   "figures 6.5-6.8, from (-8, 2), each method at the best setting of its grid "
                   "(steps until it stays within 1e-3): plain GD zig-zags across the steep "
                   "direction (cf. figure 6.5), momentum (figure 6.6) and Nesterov (figures "
                   "6.7, 6.8) damp it; AdaGrad, RMSProp and Adam (eq. 6-29, 6-30) rescale "
                   "each coordinate."),
        FigureSpec("ravine_distance", fig2, "Distance to the minimum per step for the six "
                   "trajectories of the ravine figure (cf. figures 6.5-6.8)."),
    ]  # fmt: skip


def _schedule_figure(curves: dict[str, Any], plateau: dict[str, Any], cfg: dict) -> FigureSpec:
    fig, axes = figure(3, 2, width=9.4, height=10.0)
    for ax, c in zip(axes.ravel(), curves.values()):
        epochs = np.arange(len(c["lr"]))
        ax.plot(epochs, c["lr"], lw=2, label="netopt scheduler")
        ax.plot(epochs, c["closed"], "k:", lw=1, label="closed form")
        ax.set_title(textwrap.fill(c["label"], 44), fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate")
    fig.legend(*axes.ravel()[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    ax = axes.ravel()[-1]
    epochs = np.arange(1, len(plateau["val_loss"]) + 1)
    ax.step(np.arange(len(plateau["lr"])), plateau["lr"], where="post", lw=2)
    ax.set_xlabel("epoch (digits MLP, SGD)")
    ax.set_ylabel("learning rate (steps)", color=COLORS[0])
    ax.set_title(f"ReduceLROnPlateau(factor={cfg['factor']}, patience={cfg['patience']},\n"
                 f"threshold={cfg['threshold']}) on a real run", fontsize=9)  # fmt: skip
    twin = ax.twinx()
    twin.plot(epochs, plateau["val_loss"], color=COLORS[1], marker="o", ms=3)
    twin.set_ylabel("validation loss (nats, dots)", color=COLORS[1])
    twin.tick_params(labelsize=9)
    for cut in plateau["cuts"]:
        ax.axvline(cut, color="0.5", linestyle=":")
    return FigureSpec("schedules", fig, "Learning-rate schedules (slide 33: planned "
                      "adjustment, 有序调整; and adjustment by monitored performance, 基于性能"
                      "监测): curves read from netopt's schedulers, dotted closed forms; last "
                      "panel: a plateau scheduler on a real training run (learning rate as "
                      "steps, validation loss as dots, grey dotted lines where it cut the "
                      "rate).")  # fmt: skip


def _tuned_figure(m: dict[str, Any]) -> FigureSpec:
    cmp, eff = m["compare"], m["eff"]
    fig, (a1, a2) = figure(1, 2, width=9.4, height=4.6)
    names = list(cmp["tuned"])
    for i, name in enumerate(names):
        held = cmp["tuned"][name].held_out
        a1.plot(np.full(len(held), i), held, "o", ms=5, alpha=0.7, color=f"C{i}")
        a1.plot([i - 0.25, i + 0.25], [np.median(held)] * 2, color="k", lw=2)
    a1.set_xticks(range(len(names)))
    a1.set_xticklabels(
        [f"{k}\n" + _setting(cmp["tuned"][k].config).replace(", ", "\n") for k in names],
        fontsize=8,
    )
    a1.set_ylabel("held-out loss (test images)")
    a1.set_title(
        f"each at its tuned setting,\n{cmp['fresh']} fresh seeds (bar: median)", fontsize=9
    )
    every = max(cmp["steps"] // 10, 1)
    for name, values in eff.items():
        a2.semilogy(every * np.arange(1, len(values) + 1), values, marker="o", ms=3, label=name)
    a2.set_xlabel("step")
    a2.set_ylabel(r"median effective lr $\alpha/\sqrt{G}$")
    a2.legend(fontsize=8)
    caption = (
        "The optimizers of slides 34-40 on the same digits MLP, each at the learning rate "
        "(and momentum) the lab's tuning protocol chose on validation images; points are fresh "
        "seeds scored on the held-out test images (left). The per-parameter learning rates "
        "of AdaGrad (eq. 6-29) and RMSProp (eq. 6-30) during one run (right)."
    )
    return FigureSpec("optimizers_digits", fig, caption)


def _slide33_figure(m: dict[str, Any]) -> FigureSpec:
    fig, (a1, a2) = figure(1, 2, width=9.4, height=4.4)
    for name, r in m["regimes"][0].items():
        curve = np.where(np.isfinite(r["curve"]), r["curve"], np.nan)
        a1.plot(np.arange(len(curve)), curve, label=f"{name} (lr {r['lr']:g})")
    a1.set_yscale("log")
    a1.set_xlabel("full-batch step")
    a1.set_ylabel("training loss (log scale)")
    a1.legend(fontsize=8)
    noise = m["noise"][0]
    for name, r in noise.items():
        excess = np.maximum(np.asarray(r["excess"]), 1e-8)
        a2.semilogy(np.arange(1, len(excess) + 1), excess, label=name)
    a2.set_xlabel("epoch (noisy least squares, batch 4)")
    a2.set_ylabel("excess loss over the optimum (log)")
    a2.legend(fontsize=8)
    caption = (
        "Slide 33: full-batch descent of the digits MLP at a learning rate too small, good, "
        "too large and much too large (left, first seed). A constant rate stalls at the "
        "mini-batch noise floor; step, exponential, cosine and plateau schedules go lower "
        "(right, first seed)."
    )
    return FigureSpec("slide33", fig, caption)


def figures(m: dict[str, Any]) -> list[FigureSpec]:
    """All figures of the learning-rate experiment."""
    return [
        *_ravine_figures(m["ravine"]),
        _schedule_figure(m["curves"], m["plateau"], m["plateau_cfg"]),
        _tuned_figure(m),
        _slide33_figure(m),
    ]


def tables(m: dict[str, Any]) -> list[Table]:
    """The ravine table (each method's best grid setting) and the tuned comparison."""
    ravine, cmp = m["ravine"], m["compare"]
    steps = ravine["GD"]["paths"].shape[1] - 1
    rows = []
    for name, r in ravine.items():
        s = r["stats"][r["shown"]]
        rows.append([
            name, _setting(r["grid"][r["shown"]]), len(r["grid"]), fmt_steps(s["steps"], steps),
            fmt_steps(s["first_entry"], steps), round(s["x2_path"], 3), s["x2_flips"],
            s["settle"][0], s["settle"][1],
        ])  # fmt: skip
    ravine_table = Table(
        f"Ravine from (-8, 2), each method at the best setting of its grid (budget {steps} "
        f"steps): steps until ||theta|| stays below {TOL:g}",
        ["method", "best setting", "grid size", "steps (stays)", "first entry",
         "theta2 path", "theta2 sign changes", "theta1 settles", "theta2 settles"],
        rows,
    )  # fmt: skip
    sgd = cmp["tuned"]["SGD"].held_out
    digits_table = Table(
        f"Digits MLP (64-32-10), {cmp['steps']} steps of batch 32, each optimizer at its "
        f"tuned setting ({len(next(iter(cmp['spaces'].values())))} configurations each, "
        f"median validation loss over {cmp['select']} seeds); {cmp['fresh']} fresh seeds",
        ["optimizer", "chosen setting", "held-out loss (median)", "range",
         "training loss (median)", "test accuracy (median)", "below SGD (seeds)"],
        [
            [k, _setting(t.config), round(float(np.median(t.held_out)), 4),
             f"{t.held_out.min():.4f}-{t.held_out.max():.4f}",
             round(float(np.median(cmp["train"][k])), 4),
             round(float(np.median(cmp["accuracy"][k])), 4),
             "—" if k == "SGD" else f"{int(np.sum(t.held_out < sgd))} of {len(sgd)}"]
            for k, t in cmp["tuned"].items()
        ],
    )  # fmt: skip
    return [ravine_table, digits_table]


def ravine_contours(ax: Any, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Draw contour lines of the ravine on ``ax``, with the minimum marked by a star."""
    xs = np.linspace(*xlim, 200)
    ys = np.linspace(*ylim, 200)
    gx, gy = np.meshgrid(xs, ys)
    fz = surfaces.ravine(gx, gy, CURVATURES)
    levels = np.geomspace(0.02, max(float(fz.max()), 0.05), 12)
    ax.contour(gx, gy, fz, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot([0.0], [0.0], marker="*", color="k", markersize=10, linestyle="none")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\theta_1$ (flat direction, curvature 0.2)")
    ax.set_ylabel(r"$\theta_2$ (steep, curvature 4)")


def fmt_steps(n: int | None, budget: int) -> str:
    """``"42"``, or ``"> 500"`` when the tolerance was not reached within ``budget``."""
    return str(n) if n is not None else f"> {budget}"
