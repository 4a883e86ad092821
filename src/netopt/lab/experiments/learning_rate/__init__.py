r"""Learning-rate methods (学习率的调节方法): schedules, momentum, NAG, AdaGrad, RMSProp, Adam.

Measured with netopt's optimizers and schedulers:

1. **The ravine** of figures 6.5-6.8 (:mod:`.ravine`): trajectories,
   steps to :math:`\lVert\theta\rVert < 10^{-3}`, the zig-zag along :math:`\theta_2` (its
   path length and sign changes), each method at the best setting of a small grid.
2. **Conventions**: the chapter's look-ahead Nesterov step, written out in NumPy on a digits
   MLP, against netopt's (PyTorch's) ``SGD(nesterov=True)``; the chapter's momentum
   (eq. 6-23/6-24, netopt's) against the :math:`v = \beta v - \alpha g` form, with a
   constant and with a scheduled learning rate.
3. **Schedules** (有序调整 and 基于性能监测的调整): curves from netopt's schedulers against
   their closed forms, and ``ReduceLROnPlateau`` on a real training run.
4. **A real task, fairly** (:mod:`.tuned`): the optimizers train the same digits MLP, each
   at its own learning rate (and momentum) chosen by the lab's one tuning protocol, compared
   on fresh seeds and held-out images; the effective-step rule of momentum; AdaGrad's and
   RMSProp's effective learning rates :math:`\alpha/\sqrt{G}` (eq. 6-29/6-30).
5. **Slide 33** (:mod:`.regimes`): too small, good, too large and divergent learning rates on
   the MLP; the divergence threshold :math:`2/\lambda_{max}` of a quadratic and momentum's
   wider :math:`(2 + 2\beta)/\lambda_{max}`.
6. **The noise floor** (:mod:`.noise_floor`): constant against decaying rates on noisy
   mini-batch SGD.

Findings repeat over independent streams of the run's seed (``ctx.rng("<what>-<i>")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import netopt
from netopt.data import DataLoader
from netopt.lab.core import Context, Result, experiment
from netopt.nn import functional as F
from netopt.optim import SGD
from netopt.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from netopt.train import fit

from ..._threads import blas_thread_limit
from .._shared.nets import mlp_factory
from .._shared.training import digits
from . import claims as _claims
from . import noise_floor as _noise
from . import ravine as _ravine
from . import regimes as _regimes
from . import schedules as _schedules
from . import tuned as _tuned
from .report import figures, tables

PLATEAU = {"factor": 0.5, "patience": 1, "threshold": 0.05}


def _plateau_run(ctx: Context, data: Any, make: Any, epochs: int) -> dict[str, Any]:
    model = make()
    opt = SGD(model.parameters(), lr=0.3)
    sched = ReduceLROnPlateau(opt, **PLATEAU)
    loader = DataLoader(data.train_set, batch_size=32, shuffle=True, rng=ctx.rng("batches"))
    val = DataLoader(data.test_set, batch_size=len(data.y_test))
    history = fit(model, F.cross_entropy, opt, loader, epochs=epochs, val_loader=val,
                  scheduler=sched, progress=False)  # fmt: skip
    decisions = list(sched.history)[-epochs:]
    return {
        "val_loss": history["val_loss"],
        "lr": [history["lr"][0]] + [d.new_lrs[0] for d in decisions],
        "cuts": [i + 1 for i, d in enumerate(decisions) if d.action == "reduce"],
        "rule": _schedules.plateau_rule(history["val_loss"], PLATEAU["patience"],
                                        PLATEAU["threshold"]),
    }  # fmt: skip


def _nag_check(data: Any, make: Any, steps: int, lr: float = 0.1, beta: float = 0.9) -> float:
    r"""Max |netopt's Nesterov iterate - the chapter's look-ahead point| on a digits MLP
    (full-batch descent on the first 256 training images)."""
    x, y = netopt.tensor(data.x_train[:256]), netopt.tensor(data.y_train[:256])
    ours, book = make(), make()
    opt = SGD(ours.parameters(), lr=lr, momentum=beta, nesterov=True)
    params = list(book.parameters())
    theta = [p._data.copy() for p in params]
    v = [np.zeros_like(t) for t in theta]
    worst = 0.0
    for _ in range(steps):
        for p, t, vi in zip(params, theta, v):  # the temporary position theta'
            p._data[...] = t - lr * beta * vi
        book.zero_grad()
        F.cross_entropy(book(x), y).backward()
        for i, p in enumerate(params):
            v[i] = p._grad + beta * v[i]
            theta[i] = theta[i] - lr * v[i]
        opt.zero_grad()
        F.cross_entropy(ours(x), y).backward()
        opt.step()
        for q, t, vi in zip(ours.parameters(), theta, v):
            worst = max(worst, float(np.abs(q._data - (t - lr * beta * vi)).max()))
    return worst


def _momentum_forms(steps: int) -> dict[str, float]:
    """Max |netopt momentum - (v = beta v - lr g) form| on the ravine, constant vs StepLR."""
    out = {}
    for name, scheduled in (("constant", False), ("StepLR", True)):
        p = netopt.nn.Parameter(np.array(_ravine.START))
        opt = SGD([p], lr=0.1, momentum=0.8)
        sched = StepLR(opt, step_size=10, gamma=0.5) if scheduled else None
        path, lrs = [p._data.copy()], []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.zero_grad()
            _ravine.objective(p).backward()
            opt.step()
            if sched is not None:
                sched.step()
            path.append(p._data.copy())
        other = _ravine.sutskever_momentum(np.array(lrs), 0.8)
        out[name] = float(np.abs(np.array(path) - other).max())
    return out


@dataclass(frozen=True)
class Settings:
    """Run sizes; ``--quick`` repeats the findings over fewer seeds, with fewer steps."""

    ravine_steps: int
    seeds: int
    """Independent repeats of each untuned finding."""
    steps: int
    """Mini-batch steps of each digits run of the tuned comparison."""
    select: int
    fresh: int


QUICK = Settings(ravine_steps=300, seeds=3, steps=100, select=2, fresh=3)
FULL = Settings(ravine_steps=600, seeds=5, steps=300, select=3, fresh=5)
RULE = {"lr": 0.003, "momentum": 0.9, "steps": 300, "large_lr": 0.03}
"""The effective-step rule's setting: small alpha, and a larger one shown for contrast."""


@experiment(
    name="learning_rate",
    title="Learning-rate methods: schedules, momentum, NAG, AdaGrad, RMSProp, Adam",
    title_zh="梯度下降法中学习率的调节方法",
    reference="figures 6.5-6.8; eq. 6-21..6-30; slides 33-40",
    order=4,
)
def run(ctx: Context) -> Result:
    """Ravine, conventions, schedules, the tuned comparison and slide 33 (module docstring)."""
    s = QUICK if ctx.quick else FULL
    with blas_thread_limit(1):
        m = _measure(ctx, s)
    ctx.progress(1.0, "done")
    return Result(
        claims=_claims.claims(m),
        figures=figures(m),
        tables=tables(m),
        summary=(
            "Six optimizers in the chapter's ravine, the two momentum conventions and "
            "Nesterov's look-ahead checked step by step, schedule curves; then, on real and "
            "noisy data, the optimizers each at its own tuned learning rate, the effective-"
            "step rule, slide 33's learning-rate regimes and the noise floor of a constant "
            "rate, each repeated over independent seeds of this run."
        ),
    )


def _measure(ctx: Context, s: Settings) -> dict[str, Any]:
    m: dict[str, Any] = {"settings": s, "rule": RULE, "plateau_cfg": PLATEAU}
    m["ravine"] = _ravine.run_all(s.ravine_steps)
    ctx.progress(0.1, "ravine")
    data = digits(ctx, np.float64)
    make = mlp_factory((64, 32, 10), ctx.rng("init"), np.float64)
    m["nag"] = _nag_check(data, make, 10 if ctx.quick else 30)
    m["forms"] = _momentum_forms(60)
    m["curves"] = _schedules.all_curves()
    m["plateau"] = _plateau_run(ctx, data, make, 12 if ctx.quick else 30)
    ctx.progress(0.2, "conventions and schedules")
    data32 = digits(ctx, np.float32)
    m["compare"] = _tuned.compare(ctx, data32, s.steps, s.select, s.fresh)
    ctx.progress(0.6, "tuned comparison")
    chosen = {k: m["compare"]["tuned"][k].config for k in ("AdaGrad", "RMSProp")}
    every = max(s.steps // 10, 1)
    m["eff"] = {
        k: _tuned.effective_lrs(ctx, data32, k, c, s.steps, every) for k, c in chosen.items()
    }
    m["rule_gaps"] = [
        {
            name: _tuned.effective_step_gap(
                ctx, data32, f"rule-{i}", lr, RULE["momentum"], RULE["steps"], scale
            )
            for name, lr, scale in (
                ("rule", RULE["lr"], 1 / (1 - RULE["momentum"])),
                ("no rule", RULE["lr"], 1.0),
                ("large lr", RULE["large_lr"], 1 / (1 - RULE["momentum"])),
            )
        }
        for i in range(s.seeds)
    ]
    ctx.progress(0.75, "effective-step rule")
    m["regimes"] = [
        _regimes.net_regimes(ctx, data32, str(i), _regimes.REGIME_LRS) for i in range(s.seeds)
    ]
    hessians = [_regimes.random_quadratic(ctx.rng(f"quadratic-{i}")) for i in range(s.seeds)]
    m["thresholds"] = [
        {
            "lambda_max": float(np.linalg.eigvalsh(h)[-1]),
            "gd": _regimes.threshold(h, 0.0),
            "momentum": _regimes.threshold(h, _regimes.BETA),
        }
        for h in hessians
    ]
    ctx.progress(0.85, "slide 33")
    m["noise"] = [_noise.run(ctx.rng(f"noise-{i}")) for i in range(s.seeds)]
    return m
