r"""Gradient descent: batch, stochastic and mini-batch (梯度下降), eq. 6-18..6-20.

Three measurements, all with netopt's ``SGD``:

1. **Batch size at tuned learning rates** (:mod:`.batches`). Batch GD (:math:`n = N`),
   SGD (:math:`n = 1`) and mini-batches (:math:`n = 32`) on the digits, each with its own
   learning rate from one grid chosen on a validation split, re-run on fresh seeds; work
   is counted in samples processed and in steps, never in seconds, so the same seed gives
   the same verdicts and numbers in any process on any machine. Thread CPU time is shown
   as a timing only.
2. **Gradient noise** and 3. **the saddle point** (:mod:`.saddle`).
"""

from __future__ import annotations

import numpy as np

from netopt.lab.core import Context, Note, Result, experiment

from ..._threads import blas_thread_limit
from .._shared.nets import mlp_factory
from .._shared.training import digits
from . import batches, claims, figures, saddle

MINI = 32  # mini-batch size n of eq. 6-20
N_FIT = 500  # digits used for fitting; the rest of the training split validates


GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The learning rates every batch size is tuned over: wide enough that no size's choice
sits on an edge where the next value would still be stable."""


def settings(quick: bool) -> dict:
    """Budgets of a quick and a full run: epochs, lr grid, tuning and evaluation seeds."""
    if quick:
        return {"epochs": 3.0, "grid": GRID, "tune": 1, "eval": 5,
                "saddle_steps": 150, "saddle_runs": 10, "draws": 24}  # fmt: skip
    return {"epochs": 3.0, "grid": GRID, "tune": 3,
            "eval": 10, "saddle_steps": 300, "saddle_runs": 30, "draws": 64}  # fmt: skip


def sizes(n_fit: int = N_FIT, mini: int = MINI) -> dict[str, int]:
    """The three batch sizes, small to very large."""
    return {"SGD (n=1)": 1, f"mini-batch (n={mini})": mini, f"batch GD (n={n_fit})": n_fit}


def measure_batches(ctx: Context, quick: bool | None = None, **overrides) -> dict:
    r"""The tuned batch-size comparison of one seed (the measuring function of 3 findings).

    ``overrides`` go to :func:`.batches.compare` (``sizes``, ``epochs``, ``lrs``, ...), so a
    test can remove a finding's cause.
    """
    s = settings(ctx.quick if quick is None else quick)
    task = batches.task(digits(ctx), N_FIT, ctx.rng("fit-split"))
    args = {
        "sizes": sizes(), "grid": s["grid"], "epochs": s["epochs"],
        "tune_seeds": [ctx.rng(f"tune-{i}") for i in range(s["tune"])],
        "eval_seeds": [ctx.rng(f"eval-{i}") for i in range(s["eval"])],
    }  # fmt: skip
    args.update(overrides)
    with blas_thread_limit(1):
        return batches.compare(task, **args)


NOTE = Note(
    "Batch GD \u201cgeneralizes well\u201d is not supported",
    "The chapter lists good generalization among batch gradient descent's advantages. "
    "Nothing measured here supports it: at equal epochs, each batch size at its own tuned "
    "learning rate, batch GD has the lowest held-out accuracy (see the batch-size finding), "
    "and large-batch training is commonly found to generalize no better, often worse, than "
    "small batches at equal work. Batch GD's real advantages are a deterministic, exact "
    "gradient and convergence to a stationary point.",
)


@experiment(
    name="descent",
    title="Gradient descent: batch, stochastic and mini-batch",
    title_zh="用梯度下降法求解目标函数的极值",
    reference="eq. 6-18..6-20; slides 26-30 (saddle figure, slide 28)",
    order=3,
)
def run(ctx: Context) -> Result:
    """Measure batch sizes at tuned rates, gradient noise, a saddle escape."""
    s = settings(ctx.quick)
    result = measure_batches(ctx)
    ctx.progress(0.6, "batch sizes at tuned learning rates")
    data = digits(ctx)
    with blas_thread_limit(1) as threads:
        n = len(data.y_train)
        exact = mlp_factory((64, 32, 10), ctx.rng("init"), np.float64)
        noise = saddle.gradient_noise(
            exact, data, (1, 4, 16, MINI, 64, 256, n), s["draws"], ctx.rng("noise")
        )
        ctx.progress(0.8, "gradient noise")
        runs = [ctx.rng(f"saddle-sgd-{r}") for r in range(s["saddle_runs"])]
        point = saddle.saddle(ctx.rng("saddle-data"), runs, s["saddle_steps"])
    ctx.progress(1.0, "saddle point")
    names = list(sizes())
    return Result(
        claims=[
            *claims.batch_claims(result, names, s["epochs"], s["grid"], s["tune"]),
            claims.noise_claim(noise),
            *claims.saddle_claims(point),
        ],
        figures=figures.figures(result, names, noise, point),
        tables=figures.tables(result, names, s["grid"], threads),
        summary=(
            f"Three batch sizes on the digits, each at its own tuned learning rate, compared "
            f"by counted work ({s['eval']} seeds); how gradient noise scales with the batch; "
            "a saddle."
        ),
        notes=[NOTE],
    )
