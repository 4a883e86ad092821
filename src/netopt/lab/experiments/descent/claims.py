r"""The descent experiment's claims, each measured by a function that takes its cause.

A finding holds when its paired count over the evaluation seeds reaches
:func:`~.batches.needed` (80 %, rounded up). Each measuring function exposes the cause
of its finding as a parameter, so a test can remove the cause and see the finding fail.
"""

from __future__ import annotations

import numpy as np

from ...core import Claim, seed_count
from .batches import loss_at_step, needed, spread
from .saddle import SADDLE_BATCH


def _losses_at(result: dict, name: str, work: str, step: int | None = None) -> list[float]:
    runs = result["runs"][name]
    if work == "samples":
        return [r["final"] for r in runs]
    if work == "steps":
        return [loss_at_step(r, step) for r in runs]
    raise ValueError(f"work must be 'samples' or 'steps', got {work!r}")


def order_count(result: dict, names: list[str], work: str = "samples") -> tuple[int, dict]:
    r"""Seeds where the fitting loss is ordered ``names[0] < names[1] < names[2]``.

    ``work="samples"``: at the end of the common epoch budget (equal samples processed);
    ``work="steps"``: after as many steps as the run with the fewest took (equal updates),
    which removes the cause (smaller batches take more steps per epoch).
    """
    step = min(result["steps"][k] for k in names)
    loss = {k: _losses_at(result, k, work, step) for k in names}
    count = sum(
        a < b < c for a, b, c in zip(loss[names[0]], loss[names[1]], loss[names[2]], strict=True)
    )
    return int(count), loss


def combine_count(result: dict, small: str, medium: str, large: str) -> tuple[int, dict]:
    r"""Seeds where ``medium`` beats ``large`` at equal samples and ``small`` at equal steps.

    Equal steps: after as many steps as ``medium`` takes in the budget.
    """
    step = result["steps"][medium]
    by_samples = (_losses_at(result, medium, "samples"), _losses_at(result, large, "samples"))
    by_steps = (_losses_at(result, medium, "steps", step), _losses_at(result, small, "steps", step))
    both = [a < b and c < d for a, b, c, d in zip(*by_samples, *by_steps, strict=True)]
    return int(sum(both)), {"samples": by_samples, "steps": by_steps, "step": step}


def accuracy_count(result: dict, small: str, medium: str, large: str) -> tuple[int, dict]:
    """Seeds where both ``small`` and ``medium`` reach a higher test accuracy than ``large``."""
    acc = {k: [r["test_acc"] for r in result["runs"][k]] for k in (small, medium, large)}
    count = sum(
        s > g and m > g for s, m, g in zip(acc[small], acc[medium], acc[large], strict=True)
    )
    return int(count), acc


def escape_count(saddle: dict) -> int:
    """Mini-batch runs that left the saddle (|y| > 1) within the step budget."""
    return sum(r["escape"] is not None for r in saddle["sgd"])


def _protocol(result: dict, grid: list[float], tune_seeds: int, statistic: str, **more) -> dict:
    seeds = len(next(iter(result["runs"].values())))
    chosen = ", ".join(f"{k}: {v:g}" for k, v in result["lr"].items())
    return {
        "seeds": seeds,
        "tuning": f"each batch size its own lr from the grid {[float(g) for g in grid]}, "
        f"the same epoch budget, chosen by the median validation loss over {tune_seeds} "
        f"tuning seed(s); chosen: {chosen}",
        "statistic": statistic,
        "work": "samples processed (per-sample gradient evaluations) and steps (updates); no clock",
        **more,
    }


def batch_claims(result: dict, names: list[str], epochs: float, grid, tune_seeds: int) -> list:
    """The three findings on batch size at tuned learning rates."""
    small, medium, large = names
    k = len(result["runs"][small])
    need = needed(k)
    order, loss = order_count(result, names)
    both, parts = combine_count(result, small, medium, large)
    acc_count, acc = accuracy_count(result, small, medium, large)
    lr = result["lr"]
    return [
        Claim(
            "Per epoch (equal samples processed), SGD (one sample per step) makes the most "
            "progress and batch GD (one step per pass) the least, each batch size at its own "
            "tuned learning rate",
            order >= need,
            f"{order} of {k} seeds ordered SGD < mini-batch < batch GD in training loss after "
            f"{epochs:g} epochs; "
            + "; ".join(f"{n} (lr {lr[n]:g}) {spread(loss[n])}" for n in names),
            kind="finding",
            protocol=_protocol(
                result,
                grid,
                tune_seeds,
                f"paired by seed: fitting loss after {epochs:g} epochs; holds in "
                f">= {need} of {k} seeds",
            ),
        ),
        Claim(
            "Mini-batch descent combines both: at equal samples processed it reaches a lower "
            "training loss than batch GD, and at an equal number of steps a lower one than SGD "
            "(tuned learning rates)",
            both >= need,
            f"{both} of {k} seeds; at {epochs:g} epochs: {medium} {spread(parts['samples'][0])}"
            f" vs {large} {spread(parts['samples'][1])}; after {parts['step']} steps: "
            f"{medium} {spread(parts['steps'][0])} vs {small} {spread(parts['steps'][1])}",
            kind="finding",
            protocol=_protocol(
                result,
                grid,
                tune_seeds,
                f"paired by seed: both comparisons hold; >= {need} of {k} seeds",
            ),
        ),
        Claim(
            "Batch size and test accuracy (equal epochs, tuned learning rates): small (n=1) and "
            "medium mini-batches reach a higher held-out accuracy than a very large batch "
            "(the whole fitting set)",
            acc_count >= need,
            f"{acc_count} of {k} seeds; test accuracy "
            + "; ".join(f"{n} {spread(acc[n], '.3f')}" for n in names),
            kind="finding",
            protocol=_protocol(
                result,
                grid,
                tune_seeds,
                f"paired by seed: test accuracy (450 held-out digits) after "
                f"{epochs:g} epochs; >= {need} of {k} seeds",
            ),
        ),
    ]


def noise_claim(noise: dict) -> Claim:
    """The 1/sqrt(n) law of mini-batch gradient noise: a sampling identity, a check."""
    rel = dict(zip(noise["sizes"], noise["rel"]))
    return Claim(
        "A mini-batch gradient is a noisy estimate of the full gradient whose error "
        "falls as 1/sqrt(n); the full batch has none (the variance of a sample mean)",
        bool(-0.6 <= noise["slope"] <= -0.4 and rel[noise["sizes"][-1]] < 1e-12),
        "relative error ||g_B - g||/||g||: "
        + ", ".join(f"n={k}: {v:.3g}" for k, v in rel.items())
        + f" (float64; n=N is the full set in another order); log-log slope over n<=64:"
        f" {noise['slope']:.3f}",
        kind="check",
    )


def saddle_claims(saddle: dict) -> list[Claim]:
    """Batch GD stuck on the saddle (a check: built so) and SGD's escape (a finding)."""
    gd_path = saddle["gd"]["path"]
    escapes = [r["escape"] for r in saddle["sgd"]]
    escaped = [e for e in escapes if e is not None]
    held = [e is not None for e in escapes]
    k, need = len(escapes), needed(len(escapes))
    median = f"{np.median(escaped):.0f}" if escaped else "—"
    return [
        Claim(
            "Batch GD started on the ridge of the saddle f = x^2 - y^2 converges to the "
            "saddle point and stays stuck there (the data are centered so that it must)",
            bool(
                saddle["ridge"]
                and np.linalg.norm(saddle["grad"]) < 1e-5
                and saddle["eig"][0] < 0 < saddle["eig"][1]
            ),
            f"y = 0 exactly at all {len(gd_path) - 1} steps; final point ({gd_path[-1, 0]:.2e},"
            f" {gd_path[-1, 1]:.0f}), |grad f| = {np.linalg.norm(saddle['grad']):.1e}; "
            f"Hessian eigenvalues there {saddle['eig'][0]:.3f}, {saddle['eig'][1]:.3f} "
            "(a saddle, not a minimum)",
            kind="check",
        ),
        Claim(
            f"Mini-batch SGD (n={SADDLE_BATCH}) from the same start escapes the saddle: its "
            "sampling noise pushes it off the ridge",
            len(escaped) >= need,
            f"{seed_count(held)} reached |y| > 1 within {saddle['steps']} steps; "
            f"escape step median {median}, max {max(escaped) if escaped else '—'}",
            kind="finding",
            protocol={
                "seeds": k,
                "tuning": "none (lr 0.05 for batch GD and SGD alike)",
                "statistic": f"runs (sample orders) with |y| > 1 within {saddle['steps']} "
                f"steps; >= {need} of {k} seeds",
                "per_seed": held,
            },
        ),
    ]
