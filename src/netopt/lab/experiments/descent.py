r"""Gradient descent: batch, stochastic and mini-batch (梯度下降), eq. 6-18..6-20.

Four measurements, all with netopt's ``DataLoader`` and ``SGD``:

1. **Progress per epoch and per second.** One MLP (same initial weights, same learning
   rate) is trained on the digits with batch gradient descent (:math:`n = N`, eq. 6-18),
   stochastic gradient descent (:math:`n = 1`, eq. 6-19) and mini-batches (:math:`n = 32`,
   eq. 6-20). The full training loss is measured along the way against epochs and against
   the CPU time spent in training steps (evaluation is not counted; one BLAS thread; the
   calling thread's CPU clock, so neither other programs competing for the cores nor idle
   worker threads of other libraries in the process shift a curve).
2. **Gradient noise.** At the initial weights, the relative error of the mini-batch
   gradient against the full gradient, :math:`\lVert g_B - g\rVert / \lVert g\rVert`, for
   batch sizes 1..256: it falls as :math:`1/\sqrt n`.
3. **Saddle point** (slide 28's saddle figure). On
   :math:`f(x, y) = \frac1N\sum_i (x - a_i)^2 - (y - b_i)^2 = x^2 - y^2 + c` with centered
   data, batch gradient descent started on the ridge :math:`y = 0` never leaves it and
   converges to the saddle; mini-batch SGD's sampling noise pushes it off and it escapes.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import DataLoader, TensorDataset
from netopt.lab.core import Claim, Context, FigureSpec, Result, Table, experiment
from netopt.lab.plotting import figure
from netopt.nn import functional as F
from netopt.optim import SGD

from .._threads import blas_thread_limit
from ._shared.nets import mlp_factory
from ._shared.training import digits, evaluate

LR = 0.05  # one learning rate for all three methods
MINI = 32  # mini-batch size n of eq. 6-20
CLAIM_SECONDS = 0.3  # compute budget at which the three descents are compared
SADDLE_LR, SADDLE_N, SADDLE_BATCH = 0.05, 256, 8


def _clocked(
    make: Any, data: Any, batch_size: int, epochs: float, seconds: float, rng: Any
) -> dict[str, np.ndarray]:
    """Train until both ``epochs`` and ``seconds`` of stepping are done; full loss ~8x/epoch.

    Seconds are the calling thread's CPU time (``time.thread_time``) in training steps:
    with one BLAS thread that is the computing time. Wall time would count time lost to
    other programs, and the process's CPU time the spinning of idle worker threads (an
    OpenMP pool that another library, e.g. PyTorch in the test suite, just used).
    """
    model = make()
    opt = SGD(model.parameters(), lr=LR)
    full = batch_size >= len(data.y_train)
    loader = DataLoader(data.train_set, batch_size=batch_size, shuffle=not full, rng=rng)
    per_epoch = len(loader)
    every = max(1, per_epoch // 8)
    log = [(0.0, 0.0, evaluate(model, F.cross_entropy, data.x_train, data.y_train))]
    clock, step = 0.0, 0
    while True:
        start = time.thread_time()
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            step += 1
            if step % every == 0:
                clock += time.thread_time() - start
                loss = evaluate(model, F.cross_entropy, data.x_train, data.y_train)
                log.append((step / per_epoch, clock, loss))
                if log[-1][0] >= epochs and clock >= seconds:
                    arr = np.array(log)
                    return {
                        "epoch": arr[:, 0], "time": arr[:, 1], "loss": arr[:, 2],
                        "steps_per_epoch": per_epoch,
                    }  # fmt: skip
                start = time.thread_time()
        clock += time.thread_time() - start


def _at(curve: dict[str, np.ndarray], key: str, value: float) -> float:
    """The loss at the first record whose ``key`` (epoch or time) reaches ``value``."""
    return float(curve["loss"][np.searchsorted(curve[key], value)])


def _flat_grad(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    model.zero_grad()
    F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y)).backward()
    return np.concatenate([p.grad.ravel() for p in model.parameters()])


def _gradient_noise(make: Any, data: Any, sizes: tuple[int, ...], draws: int, rng: Any) -> dict:
    """Relative RMS error of mini-batch gradients against the full gradient, per size."""
    model = make()
    x, y = data.x_train, data.y_train
    g = _flat_grad(model, x, y)
    rel = []
    for n in sizes:
        sq = [
            np.sum((_flat_grad(model, x[idx], y[idx]) - g) ** 2)
            for idx in (rng.choice(len(y), size=n, replace=False) for _ in range(draws))
        ]
        rel.append(float(np.sqrt(np.mean(sq)) / np.linalg.norm(g)))
    small = np.array(sizes) <= 64
    slope = float(np.polyfit(np.log(np.array(sizes)[small]), np.log(np.array(rel)[small]), 1)[0])
    return {"sizes": sizes, "rel": rel, "slope": slope}


def _saddle_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Centered samples: :math:`b` is symmetric on a 1/64 grid, so :math:`\sum b_i = 0`
    exactly in floating point and the full gradient on the ridge is exactly zero."""
    a = rng.normal(size=SADDLE_N)
    k = rng.integers(-64, 65, SADDLE_N // 2) / 64.0
    return a - a.mean(), rng.permutation(np.concatenate([k, -k]))


def _saddle_run(a: np.ndarray, b: np.ndarray, batch: int, steps: int, rng: Any) -> dict:
    """Descend on f from (1.5, 0) with batches of ``batch``; stop once |y| > 1."""
    x, y = nn.Parameter(np.array(1.5)), nn.Parameter(np.array(0.0))
    opt = SGD([x, y], lr=SADDLE_LR)
    loader = DataLoader(TensorDataset(a, b), batch_size=batch, shuffle=batch < len(a), rng=rng)
    path, escape = [(1.5, 0.0)], None
    while escape is None and len(path) <= steps:
        for ab, bb in loader:
            opt.zero_grad()
            ((x - ab) ** 2 - (y - bb) ** 2).mean().backward()
            opt.step()
            path.append((float(x.data), float(y.data)))
            if abs(float(y.data)) > 1.0:
                escape = len(path) - 1
            if escape is not None or len(path) > steps:
                break
    return {"path": np.array(path), "escape": escape, "params": (x, y)}


def _saddle(ctx: Context, steps: int, runs: int) -> dict[str, Any]:
    a, b = _saddle_data(ctx.rng("saddle-data"))
    gd = _saddle_run(a, b, SADDLE_N, steps, None)
    x, y = gd["params"]

    def grad_at(px: float, py: float) -> np.ndarray:
        x.data[...], y.data[...] = px, py
        x.grad = y.grad = None
        ((x - a) ** 2 - (y - b) ** 2).mean().backward()
        return np.array([float(x.grad), float(y.grad)])

    end = gd["path"][-1]
    grad = grad_at(*end)
    h = 1e-4
    hess = np.array(
        [(grad_at(*(end + h * e)) - grad_at(*(end - h * e))) / (2 * h) for e in np.eye(2)]
    )
    sgd = [_saddle_run(a, b, SADDLE_BATCH, steps, ctx.rng(f"saddle-sgd-{r}")) for r in range(runs)]
    return {
        "gd": gd, "sgd": sgd, "grad": grad, "eig": np.linalg.eigvalsh((hess + hess.T) / 2),
        "ridge": bool(np.all(gd["path"][:, 1] == 0.0)), "steps": steps,
    }  # fmt: skip


@experiment(
    name="descent",
    title="Gradient descent: batch, stochastic and mini-batch",
    title_zh="用梯度下降法求解目标函数的极值",
    reference="eq. 6-18..6-20; slides 26-30 (saddle figure, slide 28)",
    order=3,
)
def run(ctx: Context) -> Result:
    """Measure batch vs stochastic vs mini-batch descent, gradient noise, a saddle escape."""
    epochs, seconds = (2, 0.3) if ctx.quick else (6, 2.0)
    data = digits(ctx)
    make = mlp_factory((64, 32, 10), ctx.rng("init"))
    n = len(data.y_train)
    methods = {f"batch GD (n={n})": n, "SGD (n=1)": 1, f"mini-batch (n={MINI})": MINI}
    with blas_thread_limit(1) as threads:
        curves = {}
        for i, (name, size) in enumerate(methods.items()):
            curves[name] = _clocked(make, data, size, epochs, seconds, ctx.rng("batches"))
            ctx.progress(0.2 * (i + 1), name)
        sizes = (1, 4, 16, MINI, 64, 256, n)
        exact = mlp_factory((64, 32, 10), ctx.rng("init"), np.float64)  # same draws, float64
        noise = _gradient_noise(exact, data, sizes, 24 if ctx.quick else 64, ctx.rng("noise"))
        ctx.progress(0.75, "gradient noise")
        saddle = _saddle(ctx, 150 if ctx.quick else 300, 10 if ctx.quick else 30)
    ctx.progress(1.0, "saddle point")
    return Result(
        claims=_claims(curves, methods, epochs, noise, saddle),
        figures=_figures(curves, epochs, noise, saddle, threads),
        tables=_tables(curves, methods, epochs, seconds, noise, threads),
        summary=(
            f"One MLP, one learning rate ({LR}), three batch sizes: loss per epoch and per "
            "second of computation; how gradient noise scales with the batch; a saddle."
        ),
    )


def _claims(curves, methods, epochs, noise, saddle) -> list[Claim]:
    names = list(methods)
    batch, sgd, mini = names
    per_epoch = {k: curves[k]["time"][-1] / curves[k]["epoch"][-1] for k in names}
    at_e = {k: _at(curves[k], "epoch", epochs) for k in names}
    # The comparison is made early in training, at the same budget in quick and full
    # runs: given enough time every method converges and the ranking is lost in the
    # noise of the last digits (a 2 s budget let SGD edge ahead on one full run).
    at_t = {k: _at(curves[k], "time", CLAIM_SECONDS) for k in names}
    rel = dict(zip(noise["sizes"], noise["rel"]))
    escapes = [r["escape"] for r in saddle["sgd"]]
    escaped = [e for e in escapes if e is not None]
    gd_path = saddle["gd"]["path"]

    def show(d: dict, fmt: str) -> str:
        return ", ".join(f"{k} {format(v, fmt)}" for k, v in d.items())

    return [
        Claim(
            f"Per epoch, SGD (one sample per step) makes the most progress and batch GD "
            f"(one step per pass) the least (same lr={LR})",
            at_e[sgd] < at_e[mini] < at_e[batch],
            f"training loss after {epochs} epochs: {show(at_e, '.4f')}",
        ),
        Claim(
            "Batch GD computes an epoch fastest (one matrix product over all samples), "
            "SGD slowest (one small product per sample)",
            per_epoch[batch] < per_epoch[mini] < per_epoch[sgd],
            f"seconds per epoch: {show(per_epoch, '.4f')}",
        ),
        Claim(
            "Mini-batch descent combines both: early in training, at equal computing time, "
            "it reaches the lowest training loss",
            at_t[mini] < min(at_t[batch], at_t[sgd]),
            f"training loss after {CLAIM_SECONDS:g} s of steps: {show(at_t, '.4f')}",
        ),
        Claim(
            "A mini-batch gradient is a noisy estimate of the full gradient whose error "
            "falls as 1/sqrt(n); the full batch has none",
            bool(-0.6 <= noise["slope"] <= -0.4 and rel[noise["sizes"][-1]] < 1e-12),
            "relative error ||g_B - g||/||g||: "
            + ", ".join(f"n={k}: {v:.3g}" for k, v in rel.items())
            + f" (float64; n=N is the full set in another order); log-log slope over n<=64:"
            f" {noise['slope']:.3f}",
        ),
        Claim(
            "Batch GD started on the ridge of the saddle f = x^2 - y^2 converges to the "
            "saddle point and stays stuck there",
            bool(
                saddle["ridge"]
                and np.linalg.norm(saddle["grad"]) < 1e-5
                and saddle["eig"][0] < 0 < saddle["eig"][1]
            ),
            f"y = 0 exactly at all {len(gd_path) - 1} steps; final point ({gd_path[-1, 0]:.2e},"
            f" {gd_path[-1, 1]:.0f}), |grad f| = {np.linalg.norm(saddle['grad']):.1e}; "
            f"Hessian eigenvalues there {saddle['eig'][0]:.3f}, {saddle['eig'][1]:.3f} "
            "(a saddle, not a minimum)",
        ),
        Claim(
            f"Mini-batch SGD (n={SADDLE_BATCH}) from the same start escapes the saddle: its "
            "sampling noise pushes it off the ridge",
            len(escaped) == len(escapes),
            f"{len(escaped)}/{len(escapes)} runs reached |y| > 1 within {saddle['steps']} "
            f"steps; escape step median {np.median(escaped) if escaped else float('nan'):.0f},"
            f" max {max(escaped) if escaped else float('nan')}",
        ),
    ]


def _figures(curves, epochs, noise, saddle, threads) -> list[FigureSpec]:
    fig1, (a1, a2) = figure(1, 2, width=10.0, height=3.9, sharey=True)
    for name, c in curves.items():
        keep = c["epoch"] > 0
        a1.loglog(c["epoch"][keep], c["loss"][keep], label=name)
        a2.semilogy(c["time"], c["loss"], label=name)
    a1.axvline(epochs, color="0.5", linestyle=":")
    a2.axvline(CLAIM_SECONDS, color="0.5", linestyle=":")  # where the claim compares
    a1.set_xlabel("epochs (passes over the 1,347 training digits, log scale)")
    a1.set_ylabel("training cross-entropy (nats)")
    a2.set_xlabel(f"seconds spent in training steps ({threads})")
    a1.legend(fontsize=8)
    fig2, b = figure(width=6.0, height=3.8)
    sizes, rel = np.array(noise["sizes"][:-1]), np.array(noise["rel"][:-1])
    b.loglog(sizes, rel, marker="o", label="measured at the initial weights")
    b.loglog(
        sizes, rel[0] * sizes**-0.5, linestyle="--", color="0.5", label=r"$\propto 1/\sqrt{n}$"
    )
    b.set_xlabel("batch size n")
    b.set_ylabel(r"relative gradient error $\|g_B - g\| / \|g\|$")
    b.legend()
    fig3, c = figure(width=6.0, height=5.0)
    gx, gy = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200))
    cs = c.contour(gx, gy, gx**2 - gy**2, levels=np.linspace(-4, 4, 17), cmap="coolwarm")
    c.clabel(cs, fontsize=6)
    for i, r in enumerate(saddle["sgd"][:8]):
        c.plot(*r["path"].T, color="#2ca02c", lw=1, alpha=0.8,
               label=f"mini-batch SGD (n={SADDLE_BATCH})" if i == 0 else None)  # fmt: skip
    c.plot(*saddle["gd"]["path"].T, color="k", lw=2, marker=".", ms=3, label="batch GD")
    c.plot([0], [0], marker="x", color="k", ms=10, mew=2, linestyle="none", label="saddle")
    c.set_xlim(-2, 2)
    c.set_ylim(-2, 2)
    c.set_xlabel("x (f curves up: a minimum along x)")
    c.set_ylabel("y (f curves down: a maximum along y)")
    c.legend(fontsize=8, loc="upper right")
    return [
        FigureSpec("loss_curves", fig1, "Training loss of batch GD (eq. 6-18), SGD (eq. 6-19) "
                   f"and mini-batch descent (eq. 6-20) at lr={LR}, against epochs (left) and "
                   "against the seconds spent computing steps (right)."),
        FigureSpec("gradient_noise", fig2, "How far a mini-batch gradient is from the full "
                   "gradient, by batch size: the noise that lets SGD escape saddles (slide 29)."),
        FigureSpec("saddle", fig3, "The saddle of slide 28 (a minimum along one parameter, a "
                   "maximum along the other), contours of x^2 - y^2 (f up to a constant): batch "
                   "GD started on the ridge y = 0 stops at the saddle; the sampling noise of "
                   f"mini-batches of {SADDLE_BATCH} carries SGD away (8 runs drawn)."),
    ]  # fmt: skip


def _tables(curves, methods, epochs, seconds, noise, threads) -> list[Table]:
    rel = dict(zip(noise["sizes"], noise["rel"]))
    rows = []
    for name, size in methods.items():
        c = curves[name]
        rows.append([
            name,
            int(c["steps_per_epoch"]),
            round(float(c["time"][-1] / c["epoch"][-1]), 5),
            round(_at(c, "epoch", epochs), 4),
            round(_at(c, "time", seconds), 4),
            round(float(c["epoch"][-1]), 2),
            f"{rel[size]:.3g}" if size in rel else "-",
        ])  # fmt: skip
    return [
        Table(
            f"Same MLP and lr={LR}; times are training steps only, {threads}",
            ["method", "steps / epoch", "s / epoch", f"loss @ {epochs} epochs",
             f"loss @ {seconds:g} s", "epochs run", "gradient error at start"],
            rows,
        )
    ]  # fmt: skip
