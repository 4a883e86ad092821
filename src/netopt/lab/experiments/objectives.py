r"""Objective functions: empirical and structural risk (目标函数), eq. 6-9..6-17.

Three measurements, all with netopt:

1. **Cross-entropy vs MSE** (eq. 6-15/6-16 vs 6-17). The same MLP (same initial weights,
   optimizer, batches) is trained on the digits with the cross-entropy of its softmax
   output and with the mean squared error between that output and the one-hot label,
   over a grid of learning rates; we count the epochs each needs to reach 90 % held-out
   accuracy.
2. **Structural risk** (eq. 6-11/6-12). Degree-12 Legendre-feature regression on 20
   noisy points: for each :math:`\lambda` the minimizer of
   :math:`R_{emp} + \lambda\tfrac12\lVert w\rVert^2` (netopt's ``StructuralRisk``) is found
   from its normal equations and certified by netopt's autograd (zero gradient); train
   error rises with :math:`\lambda`, test error is U-shaped.
3. **Metrics are not losses**. One weight of the trained classifier is swept: accuracy is
   piecewise constant (zero derivative almost everywhere), cross-entropy is smooth and its
   autograd derivative matches a finite difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import DataLoader, make_polynomial_regression
from netopt.lab.core import Claim, Context, FigureSpec, Result, Table, experiment
from netopt.lab.plotting import figure
from netopt.nn import functional as F
from netopt.optim import SGD
from netopt.regularization import StructuralRisk
from netopt.train import Callback, accuracy_score, fit

from .._threads import blas_thread_limit
from ._shared.nets import mlp_factory
from ._shared.training import StopOnDivergence, digits, first_at_or_below

TARGET = 0.90  # held-out accuracy the two losses race to
HEADLINE_LR = 0.3  # the learning rate of the same-everything comparison
DEGREE, N_TRAIN, NOISE = 12, 20, 0.2  # structural-risk regression


def mse_on_softmax(logits: netopt.Tensor, target: netopt.Tensor) -> netopt.Tensor:
    r"""Eq. 6-17 on the class probabilities: :math:`\frac1{NK}\sum (Q_{ik} - P_{ik})^2`.

    :math:`Q = \mathrm{softmax}(S)` (eq. 6-14) and :math:`P` is the one-hot label, the same
    :math:`P, Q` as the cross-entropy of eq. 6-15/6-16 (``F.cross_entropy``) compares.
    """
    onehot = np.eye(logits.shape[1], dtype=logits.data.dtype)[target.data]
    return F.mse_loss(F.softmax(logits, dim=1), netopt.tensor(onehot))


LOSSES = {"cross-entropy": F.cross_entropy, "MSE": mse_on_softmax}


class StopAtTarget(Callback):
    """Stop :func:`~netopt.train.fit` once the held-out accuracy reaches :data:`TARGET`."""

    def on_epoch_end(self, epoch: int, logs: Any) -> None:
        if logs["val_accuracy"] >= TARGET:
            self.stop_training = True
            self.stop_reason = f"val_accuracy {logs['val_accuracy']:.3f} >= {TARGET}"


def _race(ctx: Context, data: Any, make: Any, lrs: tuple[float, ...], epochs: int) -> dict:
    """Train one copy of the initial model per (loss, lr); held-out accuracy per epoch.

    At :data:`HEADLINE_LR` both runs go the full ``epochs`` (they are plotted); at the other
    learning rates a run stops when it reaches the target or diverges.
    """
    runs: dict[tuple[str, float], dict[str, Any]] = {}
    val = DataLoader(data.test_set, batch_size=len(data.y_test))
    for i, lr in enumerate(lrs):
        for name, loss_fn in LOSSES.items():
            model = make()
            loader = DataLoader(data.train_set, batch_size=32, shuffle=True, rng=ctx.rng("batches"))
            guard = StopOnDivergence(limit=20.0)
            callbacks = [guard] if lr == HEADLINE_LR else [guard, StopAtTarget()]
            history = fit(
                model, loss_fn, SGD(model.parameters(), lr=lr), loader, epochs=epochs,
                val_loader=val, metrics=["accuracy"], callbacks=callbacks, progress=False,
            )  # fmt: skip
            acc = np.array(history["val_accuracy"]) if len(history) else np.zeros(0)
            reached = first_at_or_below(-acc, -TARGET)
            runs[name, lr] = {
                "model": model,
                "acc": acc,
                "epochs": None if reached is None or guard.diverged else reached + 1,
                "diverged": guard.diverged,
            }
        ctx.progress(0.6 * (i + 1) / len(lrs), f"cross-entropy vs MSE, lr={lr}")
    return runs


def _logit_gradients(make: Any, data: Any) -> dict[str, float]:
    """Mean per-sample norm of dLoss/dlogits at the initial weights, per loss (times N)."""
    with netopt.no_grad():
        logits = make()(netopt.tensor(data.x_train)).data
    out = {}
    for name, loss_fn in LOSSES.items():
        z = netopt.tensor(logits, requires_grad=True)
        loss_fn(z, netopt.tensor(data.y_train)).backward()
        out[name] = float(np.linalg.norm(z.grad, axis=1).mean() * len(logits))
    return out


def _risk_sweep(ctx: Context, lambdas: np.ndarray) -> dict[str, Any]:
    """Structural-risk minimizers over ``lambdas``; train/test MSE and the certificate."""
    n_test = 480
    split = make_polynomial_regression(
        N_TRAIN + n_test, degree=3, noise=NOISE, test_size=n_test / (N_TRAIN + n_test),
        seed=ctx.rng("poly"),
    )  # fmt: skip

    def features(x: np.ndarray) -> np.ndarray:
        return np.polynomial.legendre.legvander(x[:, 0].astype(np.float64), DEGREE)[:, 1:]

    x_tr, x_te = features(split.x_train), features(split.x_test)
    y_tr = split.y_train.astype(np.float64)[:, None]
    y_te = split.y_test.astype(np.float64)[:, None]
    n = len(y_tr)
    xc, yc = x_tr - x_tr.mean(0), y_tr - y_tr.mean()
    model = nn.Linear(DEGREE, 1, dtype=np.float64, rng=ctx.rng("poly-init"))
    rows, worst_grad, fits = [], 0.0, []
    for lam in lambdas:
        # d/dw [ (1/N)||Xw + b - y||^2 + lam/2 ||w||^2 ] = 0 with b eliminated (centered data)
        w = np.linalg.solve(2.0 / n * xc.T @ xc + lam * np.eye(DEGREE), 2.0 / n * xc.T @ yc)
        model.weight.data[...] = w.T
        model.bias.data[...] = y_tr.mean() - x_tr.mean(0) @ w
        risk = StructuralRisk(nn.MSELoss(), model, l2=float(lam))
        model.zero_grad()
        risk(model(netopt.tensor(x_tr)), netopt.tensor(y_tr)).backward()
        worst_grad = max(worst_grad, *(float(np.abs(p.grad).max()) for p in model.parameters()))
        with netopt.no_grad():
            train = F.mse_loss(model(netopt.tensor(x_tr)), netopt.tensor(y_tr)).item()
            test = F.mse_loss(model(netopt.tensor(x_te)), netopt.tensor(y_te)).item()
        rows.append((float(lam), train, test, float(np.linalg.norm(w))))
        fits.append((model.weight.data.copy(), model.bias.data.copy()))
    return {"rows": rows, "grad": worst_grad, "split": split, "fits": fits, "features": features}


def _weight_sweep(model: nn.Sequential, data: Any, points: int) -> dict[str, Any]:
    r"""Sweep the output weight :math:`W_{kj}` with the largest :math:`|\partial CE/\partial w|`.

    The logits are linear in :math:`W_{kj}` (:math:`S_k = W_{k\cdot} h + b_k`, eq. 6-13), so
    moving it by :math:`d` adds :math:`d\,h_j` to column :math:`k` of the logits computed
    once by the model. At every point, accuracy and cross-entropy are also evaluated at
    :math:`\pm 10^{-5}` for central-difference derivatives.
    """
    x, y = netopt.tensor(data.x_train), netopt.tensor(data.y_train)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    weight = model[-1].weight
    k, j = np.unravel_index(np.argmax(np.abs(weight.grad)), weight.shape)
    w0, autograd = float(weight.data[k, j]), float(weight.grad[k, j])
    with netopt.no_grad():
        hidden = x
        for layer in list(model)[:-1]:
            hidden = layer(hidden)
        logits0 = model[-1](hidden).data
    h_j = hidden.data[:, j]
    offsets = np.linspace(-0.5, 0.5, points)
    h = 1e-5

    def at(d: float) -> tuple[float, float]:
        logits = logits0.copy()
        logits[:, k] += d * h_j
        ce = F.cross_entropy(netopt.tensor(logits), y).item()
        return accuracy_score(data.y_train, logits.argmax(1)), ce

    acc, ce, dacc, dce = (np.empty(points) for _ in range(4))
    for i, d in enumerate(offsets):
        (acc[i], ce[i]), (a_up, c_up), (a_dn, c_dn) = at(d), at(d + h), at(d - h)
        dacc[i], dce[i] = (a_up - a_dn) / (2 * h), (c_up - c_dn) / (2 * h)
    return {
        "where": (int(k), int(j)), "w0": w0, "values": w0 + offsets, "acc": acc, "ce": ce,
        "dacc": dacc, "dce": dce, "autograd": autograd, "central": float(dce[points // 2]),
        "h": h,
    }  # fmt: skip


def _figures(runs: dict, risk: dict, ws: dict) -> list[FigureSpec]:
    fig1, ax = figure(width=6.4, height=3.8)
    for color, name in zip(("#1f77b4", "#d62728"), LOSSES):
        run = runs[name, HEADLINE_LR]
        ax.plot(np.arange(1, len(run["acc"]) + 1), run["acc"], color=color, marker="o", ms=3,
                label=f"{name}, lr={HEADLINE_LR}")  # fmt: skip
        best = min(
            (lr for (n, lr) in runs if n == name and runs[n, lr]["epochs"] is not None),
            key=lambda lr: runs[name, lr]["epochs"], default=None,
        )  # fmt: skip
        if best is not None and best != HEADLINE_LR:
            acc = runs[name, best]["acc"]
            ax.plot(np.arange(1, len(acc) + 1), acc, color=color, linestyle="--", marker="x",
                    ms=4, label=f"{name}, lr={best:g} (its fastest; stops at target)")  # fmt: skip
    ax.axhline(TARGET, color="0.4", linestyle=":", label=f"target {TARGET:.0%}")
    ax.set_xlabel("epoch (passes over the 1,347 training digits)")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Same MLP, initial weights, SGD and batches; only the loss differs")
    ax.legend(fontsize=8)
    rows = risk["rows"]
    lam = np.array([r[0] for r in rows])
    fig2, (a1, a2) = figure(1, 2, width=9.6, height=3.8)
    a1.loglog(lam, [r[1] for r in rows], marker="o", ms=3, label="train MSE (empirical risk)")
    a1.loglog(lam, [r[2] for r in rows], marker="s", ms=3, label="test MSE (480 new points)")
    best = int(np.argmin([r[2] for r in rows]))
    a1.axvline(lam[best], color="0.5", linestyle=":", label=rf"best $\lambda$={lam[best]:.2g}")
    a1.set_xlabel(r"$\lambda$ (weight of $J(f)=\frac{1}{2}\|w\|^2$, eq. 6-11)")
    a1.set_ylabel("mean squared error")
    a1.legend(fontsize=8)
    split, feats = risk["split"], risk["features"]
    grid = np.linspace(-1, 1, 300, dtype=np.float32)[:, None]
    a2.scatter(split.x_train[:, 0], split.y_train, color="k", s=14, label="20 training points")
    for i, tag in ((0, "smallest"), (best, "best"), (len(rows) - 1, "largest")):
        w, b = risk["fits"][i]
        a2.plot(grid[:, 0], feats(grid) @ w.T + b, label=rf"{tag} $\lambda$={lam[i]:.2g}")
    a2.set_ylim(-2.5, 2.5)
    a2.set_xlabel("x")
    a2.set_ylabel("y")
    a2.legend(fontsize=8)
    fig3, b1 = figure(width=6.4, height=3.8)
    b1.plot(ws["values"], ws["acc"], color="#1f77b4", drawstyle="steps-mid")
    b1.set_xlabel(f"output weight W[{ws['where'][0]}, {ws['where'][1]}] of the trained MLP")
    b1.set_ylabel("training accuracy", color="#1f77b4")
    b2 = b1.twinx()
    b2.plot(ws["values"], ws["ce"], color="#d62728")
    b2.set_ylabel("cross-entropy (nats)", color="#d62728")
    b1.axvline(ws["w0"], color="0.5", linestyle=":", label="trained value")
    b1.legend(loc="lower center", fontsize=8)
    ce_caption = (
        "Held-out accuracy per epoch of one MLP trained from the same initial weights with "
        "the same SGD and batches, once with cross-entropy (eq. 6-15/6-16) and once with MSE "
        "(eq. 6-17) between its softmax output (eq. 6-14) and the one-hot label."
    )
    risk_caption = (
        "Structural risk (eq. 6-11/6-12) on 20 noisy points, degree-12 Legendre features: "
        "train and test error of each lambda's minimizer (left) and three of the fits (right)."
    )
    metric_caption = (
        "The chapter's question on slide 23 (can a metric replace the loss?): sweeping one "
        "weight, accuracy is a staircase (zero derivative between jumps), cross-entropy is "
        "smooth, so only the loss gives gradient descent (eq. 6-18) a direction."
    )
    return [
        FigureSpec("ce_vs_mse", fig1, ce_caption),
        FigureSpec("structural_risk", fig2, risk_caption),
        FigureSpec("metric_vs_loss", fig3, metric_caption),
    ]


@experiment(
    name="objectives",
    title="Objective functions: empirical and structural risk",
    title_zh="模型优化中的目标函数",
    reference="eq. 6-9..6-17 (empirical risk, structural risk, cross-entropy, MSE)",
    order=2,
)
def run(ctx: Context) -> Result:
    """Measure: CE trains faster than MSE; L2 sweep; accuracy is piecewise constant."""
    quick = ctx.quick
    data = digits(ctx, np.float64)
    make = mlp_factory((64, 32, 10), ctx.rng("init"), np.float64)
    lrs = (0.3, 1.0, 3.0) if quick else (0.03, 0.1, 0.3, 1.0, 3.0)
    epochs = 8 if quick else 25
    with blas_thread_limit(1):
        runs = _race(ctx, data, make, lrs, epochs)
        grads = _logit_gradients(make, data)
        lambdas = np.logspace(-7, 2, 10 if quick else 19)
        risk = _risk_sweep(ctx, lambdas)
        ctx.progress(0.8, "structural risk sweep")
        ws = _weight_sweep(runs["cross-entropy", HEADLINE_LR]["model"], data, 401)
    ctx.progress(1.0, "accuracy vs cross-entropy in one weight")
    return Result(
        claims=_claims(runs, lrs, epochs, grads, risk, ws),
        figures=_figures(runs, risk, ws),
        tables=_tables(runs, lrs, epochs, risk),
        summary=(
            "Cross-entropy and MSE race on the digits from the same start; an L2 sweep "
            "traces structural risk; one weight sweep shows why accuracy cannot be trained."
        ),
    )


def _epochs_text(run: dict, budget: int) -> str:
    if run["diverged"]:
        return "diverged"
    return str(run["epochs"]) if run["epochs"] is not None else f"> {budget}"


def _claims(runs, lrs, epochs, grads, risk, ws) -> list[Claim]:
    ce, mse = runs["cross-entropy", HEADLINE_LR], runs["MSE", HEADLINE_LR]
    inf = float("inf")

    def score(run: dict) -> float:
        return inf if run["epochs"] is None else run["epochs"]

    best_ce = min(score(runs["cross-entropy", lr]) for lr in lrs)
    best_mse = min(score(runs["MSE", lr]) for lr in lrs)
    rows = risk["rows"]
    train = np.array([r[1] for r in rows])
    test = np.array([r[2] for r in rows])
    best = int(np.argmin(test))
    accs, ces = ws["acc"], ws["ce"]
    acc_flat = float(np.mean(ws["dacc"] == 0))
    ce_flat = float(np.mean(ws["dce"] == 0))
    rel = abs(ws["autograd"] - ws["central"]) / max(abs(ws["central"]), 1e-12)
    return [
        Claim(
            f"Cross-entropy trains the classifier to {TARGET:.0%} held-out accuracy in fewer "
            f"epochs than MSE (same initial weights, SGD lr={HEADLINE_LR}, batches)",
            score(ce) < score(mse),
            f"epochs to {TARGET:.0%}: cross-entropy {_epochs_text(ce, epochs)}, MSE "
            f"{_epochs_text(mse, epochs)}; accuracy after {epochs} epochs "
            f"{ce['acc'][-1]:.3f} vs {mse['acc'][-1]:.3f}; mean |dL/dlogits| per sample at "
            f"the start: {grads['cross-entropy']:.3f} vs {grads['MSE']:.3f}",
        ),
        Claim(
            "Cross-entropy stays ahead when each loss gets its best learning rate",
            best_ce < best_mse,
            "fewest epochs over lr in {" + ", ".join(f"{lr:g}" for lr in lrs) + "}: "
            f"cross-entropy {best_ce:g}, MSE {best_mse:g} (inf = target not reached)",
        ),
        Claim(
            "Structural risk: the training error of the minimizer rises with lambda",
            bool(np.all(np.diff(train) >= -1e-12)),
            f"train MSE {train[0]:.4f} at lambda={rows[0][0]:.0e} -> {train[-1]:.4f} at "
            f"lambda={rows[-1][0]:g}, non-decreasing over {len(rows)} values; minimizers "
            f"certified by netopt's autograd, max |grad R_sr| = {risk['grad']:.1e}",
        ),
        Claim(
            "Structural risk: test error is U-shaped in lambda (too little regularization "
            "overfits 20 noisy points, too much underfits)",
            bool(
                0 < best < len(rows) - 1
                and test[0] > 1.1 * test[best]
                and test[-1] > 1.1 * test[best]
            ),
            f"test MSE {test[0]:.3f} at lambda={rows[0][0]:.0e}, minimum {test[best]:.3f} "
            f"at lambda={rows[best][0]:.2g}, {test[-1]:.3f} at lambda={rows[-1][0]:g}",
        ),
        Claim(
            "Accuracy is piecewise constant in a weight (no gradient signal); cross-entropy "
            "is smooth and its gradient is informative",
            bool(acc_flat > 0.95 and ce_flat == 0.0 and rel < 1e-4),
            f"at {len(accs)} values of W{list(ws['where'])} (trained value +-0.5): accuracy "
            f"took {len(np.unique(accs))} distinct values and its central difference "
            f"(h={ws['h']:g}) was exactly 0 at {acc_flat:.1%} of them; cross-entropy took "
            f"{len(np.unique(ces))} values, derivative 0 at {ce_flat:.0%}; at the trained "
            f"value dCE/dw = {ws['autograd']:.6g} (autograd) vs {ws['central']:.6g} "
            "(central difference)",
        ),
    ]


def _tables(runs, lrs, epochs, risk) -> list[Table]:
    race = Table(
        f"Epochs to {TARGET:.0%} held-out accuracy (budget {epochs}) and final accuracy",
        ["lr", "cross-entropy: epochs", "MSE: epochs", "cross-entropy: final acc",
         "MSE: final acc"],
        [
            [lr, _epochs_text(runs["cross-entropy", lr], epochs),
             _epochs_text(runs["MSE", lr], epochs),
             round(float(runs["cross-entropy", lr]["acc"][-1]), 4)
             if len(runs["cross-entropy", lr]["acc"]) else "-",
             round(float(runs["MSE", lr]["acc"][-1]), 4)
             if len(runs["MSE", lr]["acc"]) else "-"]
            for lr in lrs
        ],
    )  # fmt: skip
    sweep = Table(
        f"L2 sweep: degree-{DEGREE} Legendre features, {N_TRAIN} noisy training points",
        ["lambda", "train MSE", "test MSE", "||w||"],
        [[f"{r[0]:.1e}", round(r[1], 5), round(r[2], 5), round(r[3], 3)] for r in risk["rows"]],
    )
    return [race, sweep]
