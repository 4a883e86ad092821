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
4. **A real task**: the optimizers train the same digits MLP; AdaGrad's and RMSProp's
   effective learning rates :math:`\alpha/\sqrt{G}` (eq. 6-29/6-30) are tracked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt.data import DataLoader
from netopt.lab.core import Claim, Context, Result, experiment
from netopt.nn import functional as F
from netopt.optim import SGD, Adagrad, Adam, RMSprop
from netopt.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from netopt.train import Callback, fit

from ..._threads import blas_thread_limit
from .._shared.nets import mlp_factory
from .._shared.training import digits, evaluate
from . import ravine as _ravine
from . import schedules as _schedules
from .report import figures, tables

#: name -> (optimizer factory, its settings as text) for the digits comparison
OPTIMIZERS = {
    "SGD": (lambda p: SGD(p, lr=0.05), "lr=0.05"),
    "Momentum": (lambda p: SGD(p, lr=0.05, momentum=0.9), "lr=0.05, momentum=0.9"),
    "NAG": (lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True), "lr=0.05, momentum=0.9"),
    "AdaGrad": (lambda p: Adagrad(p, lr=0.05), "lr=0.05"),
    "RMSProp": (lambda p: RMSprop(p, lr=0.003), "lr=0.003, alpha=0.99"),
    "Adam": (lambda p: Adam(p, lr=0.003), "lr=0.003, betas=(0.9, 0.999)"),
}
PLATEAU = {"factor": 0.5, "patience": 1, "threshold": 0.05}


class EffectiveLR(Callback):
    r"""Record the median effective learning rate :math:`\alpha/(\sqrt{G}+\varepsilon)`
    over all weights after every epoch (AdaGrad's ``sum``, RMSProp's ``square_avg``)."""

    def __init__(self, optimizer: Any, key: str) -> None:
        self.optimizer, self.key, self.values = optimizer, key, []

    def on_epoch_end(self, epoch: int, logs: Any) -> None:
        group = self.optimizer.param_groups[0]
        g = np.concatenate([s[self.key].ravel() for s in self.optimizer.state.values()])
        self.values.append(float(np.median(group["lr"] / (np.sqrt(g) + group["eps"]))))


def _digits_runs(ctx: Context, data: Any, make: Any, epochs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (name, (build, _)) in enumerate(OPTIMIZERS.items()):
        model = make()
        opt = build(model.parameters())
        key = {"AdaGrad": "sum", "RMSProp": "square_avg"}.get(name)
        tracker = [EffectiveLR(opt, key)] if key else []
        loader = DataLoader(data.train_set, batch_size=32, shuffle=True, rng=ctx.rng("batches"))
        history = fit(model, F.cross_entropy, opt, loader, epochs=epochs, callbacks=tracker,
                      progress=False)  # fmt: skip
        with netopt.no_grad():
            pred = model(netopt.tensor(data.x_test)).data.argmax(1)
        out[name] = {
            "loss": history["loss"],
            "final": evaluate(model, F.cross_entropy, data.x_train, data.y_train),
            "acc": float(np.mean(pred == data.y_test)),
            "eff": tracker[0].values if tracker else None,
        }
        ctx.progress(0.4 + 0.4 * (i + 1) / len(OPTIMIZERS), f"digits: {name}")
    return out


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
    theta = [p.data.copy() for p in params]
    v = [np.zeros_like(t) for t in theta]
    worst = 0.0
    for _ in range(steps):
        for p, t, vi in zip(params, theta, v):  # the temporary position theta'
            p.data[...] = t - lr * beta * vi
        book.zero_grad()
        F.cross_entropy(book(x), y).backward()
        for i, p in enumerate(params):
            v[i] = p.grad + beta * v[i]
            theta[i] = theta[i] - lr * v[i]
        opt.zero_grad()
        F.cross_entropy(ours(x), y).backward()
        opt.step()
        for q, t, vi in zip(ours.parameters(), theta, v):
            worst = max(worst, float(np.abs(q.data - (t - lr * beta * vi)).max()))
    return worst


def _momentum_forms(steps: int) -> dict[str, float]:
    """Max |netopt momentum - (v = beta v - lr g) form| on the ravine, constant vs StepLR."""
    out = {}
    for name, scheduled in (("constant", False), ("StepLR", True)):
        p = netopt.nn.Parameter(np.array(_ravine.START))
        opt = SGD([p], lr=0.1, momentum=0.8)
        sched = StepLR(opt, step_size=10, gamma=0.5) if scheduled else None
        path, lrs = [p.data.copy()], []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.zero_grad()
            _ravine.objective(p).backward()
            opt.step()
            if sched is not None:
                sched.step()
            path.append(p.data.copy())
        other = _ravine.sutskever_momentum(np.array(lrs), 0.8)
        out[name] = float(np.abs(np.array(path) - other).max())
    return out


@experiment(
    name="learning_rate",
    title="Learning-rate methods: schedules, momentum, NAG, AdaGrad, RMSProp, Adam",
    title_zh="梯度下降法中学习率的调节方法",
    reference="figures 6.5-6.8; eq. 6-21..6-30; slides 33-40",
    order=4,
)
def run(ctx: Context) -> Result:
    """Ravine trajectories, convention checks, schedule curves, optimizers on the digits."""
    quick = ctx.quick
    with blas_thread_limit(1):
        ravine = _ravine.run_all(300 if quick else 600)
        ctx.progress(0.25, "ravine")
        data = digits(ctx, np.float64)
        make = mlp_factory((64, 32, 10), ctx.rng("init"), np.float64)
        nag = _nag_check(data, make, 10 if quick else 30)
        forms = _momentum_forms(60)
        curves = _schedules.all_curves()
        ctx.progress(0.4, "conventions and schedules")
        runs = _digits_runs(ctx, data, make, 8 if quick else 20)
        plateau = _plateau_run(ctx, data, make, 12 if quick else 30)
    ctx.progress(1.0, "plateau run")
    return Result(
        claims=_claims(ravine, nag, forms, curves, runs, plateau),
        figures=figures(ravine, curves, plateau, runs, PLATEAU),
        tables=tables(ravine, runs, OPTIMIZERS),
        summary=(
            "Six optimizers in the chapter's ravine, the two momentum conventions and "
            "Nesterov's look-ahead checked step by step, schedule curves, and the optimizers "
            "on a real task."
        ),
    )


def _claims(ravine, nag, forms, curves, runs, plateau) -> list[Claim]:
    def shown(name: str) -> dict:
        return ravine[name]["stats"][ravine[name]["shown"]]

    def setting(name: str) -> str:
        g = ravine[name]["grid"][ravine[name]["shown"]]
        return f"lr={g['lr']:g}" + (f", beta={g['momentum']:g}" if "momentum" in g else "")

    gd, mom = shown("GD"), shown("Momentum")
    creep = {  # |theta1| after 20 steps / |theta1| at the start, best settings
        k: float(abs(ravine[k]["paths"][ravine[k]["shown"], 20, 0] / _ravine.START[0]))
        for k in ("GD", "Momentum", "NAG")
    }
    nesterov = ravine["NAG"]["stats"][ravine["Momentum"]["shown"]]  # momentum's setting
    pairs = [
        (m["x2_path"], n["x2_path"])
        for m, n in zip(ravine["Momentum"]["stats"], ravine["NAG"]["stats"])
        if m["steps"] is not None and n["steps"] is not None
    ]
    first = {k: np.abs(np.diff(v["paths"][v["shown"], :2], axis=0))[0] for k, v in ravine.items()}
    ratio = {k: float(d[0] / d[1]) for k, d in first.items()}
    adaptive = ("AdaGrad", "RMSProp", "Adam")
    eff = {k: runs[k]["eff"] for k in ("AdaGrad", "RMSProp")}
    half = {k: v[-1] / v[len(v) // 2 - 1] for k, v in eff.items()}
    sgd = runs["SGD"]["final"]
    better = [k for k in OPTIMIZERS if k != "SGD" and runs[k]["final"] < sgd]
    worst_curve = max(c["diff"] for c in curves.values())
    return [
        Claim(
            "Plain GD zig-zags along the steep theta2 and creeps along the flat theta1 "
            "(figure 6.5)",
            bool(
                gd["steps"]
                and gd["x2_flips"] >= 0.9 * gd["steps"]
                and gd["x1_flips"] == 0
                and creep["GD"] > creep["Momentum"]
            ),
            f"GD at its best grid setting ({setting('GD')}): theta2 changed sign on "
            f"{gd['x2_flips']} of {gd['steps']} steps and travelled {gd['x2_path']:.1f} "
            f"(straight: 2.0), while theta1 never changed sign and after 20 steps was still "
            f"at {creep['GD']:.1%} of its start (momentum: {creep['Momentum']:.1%}, NAG: "
            f"{creep['NAG']:.1%})",
        ),
        Claim(
            "Momentum reaches the minimum in fewer steps than GD and damps the zig-zag "
            "(figure 6.6, eq. 6-21..6-24)",
            bool(
                mom["steps"]
                and gd["steps"]
                and mom["steps"] < gd["steps"]
                and mom["x2_path"] < gd["x2_path"]
            ),
            f"best settings, momentum ({setting('Momentum')}) vs GD ({setting('GD')}): "
            f"{mom['steps']} vs {gd['steps']} steps until within 1e-3 for good; theta2 path "
            f"{mom['x2_path']:.2f} vs {gd['x2_path']:.2f}, sign changes {mom['x2_flips']} vs "
            f"{gd['x2_flips']}",
        ),
        Claim(
            "Nesterov's look-ahead damps the oscillation faster than momentum (figures 6.7, 6.8)",
            bool(
                nesterov["steps"]
                and nesterov["settle"][1] < mom["settle"][1]
                and nesterov["x2_path"] < mom["x2_path"]
                and all(n <= m for m, n in pairs)
            ),
            f"at momentum's best setting ({setting('Momentum')}): theta2 settles after "
            f"{nesterov['settle'][1]} steps vs {mom['settle'][1]}, theta2 path "
            f"{nesterov['x2_path']:.2f} vs {mom['x2_path']:.2f} (whole run {nesterov['steps']} "
            f"vs {mom['steps']} steps, paced by theta1); NAG's theta2 path <= momentum's at "
            f"{sum(n <= m for m, n in pairs)} of the {len(pairs)} grid settings where both "
            f"converge; best on the grid: NAG {shown('NAG')['steps']}, momentum "
            f"{mom['steps']}, GD {gd['steps']} steps",
        ),
        Claim(
            "AdaGrad, RMSProp and Adam give each parameter its own learning rate: their "
            "first step is as long along the flat theta1 as along the steep theta2",
            bool(all(abs(ratio[k] - 1) < 1e-6 for k in adaptive) and ratio["GD"] < 0.5),
            "|step theta1| / |step theta2| at step 1: "
            + ", ".join(f"{k} {ratio[k]:.3f}" for k in ("GD", *adaptive))
            + f" (the gradient ratio is {ratio['GD']:.3f})",
        ),
        Claim(
            "AdaGrad's accumulated squared gradient keeps shrinking its effective learning "
            "rate; RMSProp's moving average (eq. 6-30) stops that",
            bool(half["AdaGrad"] < 1 and half["AdaGrad"] < half["RMSProp"]),
            "median alpha/sqrt(G) over the weights of the digits MLP after epoch 1, mid-"
            "training, last epoch: "
            + "; ".join(
                f"{k} {v[0]:.3g}, {v[len(v) // 2 - 1]:.3g}, {v[-1]:.3g} (x{half[k]:.3f} in "
                "the second half)"
                for k, v in eff.items()
            ),
        ),
        Claim(
            "The chapter's Nesterov step (gradient at theta - alpha*beta*v) and netopt's "
            "SGD(nesterov=True), PyTorch's form, give the same iterates: netopt stores the "
            "look-ahead point",
            nag < 1e-10,
            "digits MLP (float64, 256 images, full batch, lr=0.1, beta=0.9): max |netopt's "
            f"parameter - the chapter's look-ahead point theta - alpha*beta*v| = {nag:.1e}",
        ),
        Claim(
            "The chapter's momentum (v = g + beta*v, theta -= alpha*v; netopt, PyTorch) and "
            "the v = beta*v - alpha*g, theta += v form agree at a constant learning rate "
            "and part under a schedule",
            forms["constant"] < 1e-12 and forms["StepLR"] > 1e-3,
            f"ravine, 60 steps, max |difference|: constant lr {forms['constant']:.1e}; "
            f"StepLR (halve every 10 steps) {forms['StepLR']:.3g}",
        ),
        Claim(
            "netopt's schedulers follow their closed forms (step, exponential, cosine, warm "
            "restarts, warm-up + cosine)",
            worst_curve < 1e-12,
            f"max |scheduler - closed form| over 100 epochs of 5 schedules: {worst_curve:.1e}",
        ),
        Claim(
            "ReduceLROnPlateau cuts the rate only after the monitored loss stops improving "
            f"for more than patience={PLATEAU['patience']} epochs",
            bool(plateau["cuts"]) and plateau["cuts"] == plateau["rule"],
            f"digits MLP, SGD lr=0.3, val loss per epoch "
            f"{[round(v, 3) for v in plateau['val_loss']]}; cuts after epochs "
            f"{plateau['cuts']} (rule recomputed from the losses: {plateau['rule']}); "
            f"lr {plateau['lr'][0]:g} -> {plateau['lr'][-1]:g}",
        ),
        Claim(
            "On a real task, momentum, NAG, AdaGrad, RMSProp and Adam each train the MLP "
            "further than plain SGD in the same number of epochs",
            len(better) == len(OPTIMIZERS) - 1,
            "final training loss: "
            + ", ".join(f"{k} {runs[k]['final']:.4f}" for k in OPTIMIZERS)
            + " (settings in the table)",
        ),
    ]
