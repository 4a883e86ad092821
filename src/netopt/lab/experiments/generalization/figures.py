r"""Figures of the under/overfitting experiment, drawn from the run's numbers (private).

matplotlib is reached only through :mod:`netopt.lab.plotting`, when these functions run.
"""

from __future__ import annotations

import numpy as np

from ...core import FigureSpec
from ...plotting import COLORS, figure
from . import capacity, fewer, remedies

BLUE, RED, GREEN, PURPLE, ORANGE, BROWN, CYAN = COLORS
BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "ncol": 2}
"""Legend placement under an axes (below its x label), so that it never covers data."""


def figures_for(m: dict) -> list[FigureSpec]:
    """Every figure of the experiment, in the order of its claims."""
    return [
        _capacity(m["sweep"]),
        _spirals(m["spirals"]),
        _remedies(m["remedies"], m["bagging"]),
        _dropout(m["dropout_masks"]),
        _cross_validation(m["cv"]),
        _bagging(m["bagging"]),
        _fewer(m["fewer"][0], m["erm"][0]),
        _mnist1d(m["mnist1d"]),
    ]


def _capacity(sweep: dict) -> FigureSpec:
    fig, (ax, ax_fit) = figure(1, 2, width=9.4, height=5.0)
    d, best = sweep["degrees"], sweep["best"]
    ax.semilogy(d, sweep["train"], "o-", color=BLUE, label="training MSE")
    ax.semilogy(d, sweep["test"], "s-", color=RED, label="test MSE")
    ax.axhline(capacity.NOISE**2, color="0.4", ls="--", lw=1, label="noise variance (floor)")
    ax.axvline(best, color=GREEN, ls=":", lw=1.5, label=f"best test: degree {best}")
    ax.text(0.3, 0.97, "underfitting", transform=ax.get_xaxis_transform(), va="top")
    ax.text(
        d[-1] - 0.3, 0.97, "overfitting", transform=ax.get_xaxis_transform(), va="top", ha="right"
    )
    ax.set(xlabel="polynomial degree d (model capacity)", ylabel="mean squared error")
    ax.set_xticks(d[::2])
    ax.legend(fontsize=8, **BELOW)
    split = sweep["split"]
    grid = np.linspace(-1, 1, 400)
    truth = np.polynomial.legendre.legval(grid, np.eye(capacity.TRUE_DEGREE + 1)[-1])
    ax_fit.plot(grid, truth, color="0.2", lw=2, label=f"true P{capacity.TRUE_DEGREE}(x)")
    for degree, color in ((1, ORANGE), (best, GREEN), (capacity.MAX_DEGREE, PURPLE)):
        curve = capacity.legendre_features(grid, degree) @ sweep["coef"][degree]
        curve = np.clip(curve, -2.2, 2.2)  # leaves the axes (y in -2..2) there, as drawn
        ax_fit.plot(grid, curve, color=color, lw=1.5, label=f"degree {degree}")
    ax_fit.plot(split.x_train[:, 0], split.y_train, "o", color="k", ms=4, label="training data")
    ax_fit.set(xlabel="x", ylabel="y", ylim=(-2.0, 2.0))
    ax_fit.legend(fontsize=8, **BELOW)
    return FigureSpec(
        "polynomial_degree",
        fig,
        "Slide 56, under- and overfitting: least-squares polynomials of degree "
        f"0-{capacity.MAX_DEGREE} fitted to {capacity.N_TRAIN} noisy samples. Left: training "
        "error falls with every degree; test error (1,000 new samples, log scale) is "
        "U-shaped. Right: degree 1 underfits, "
        f"degree {best} follows the truth, degree {capacity.MAX_DEGREE} chases the noise.",
    )


def _spirals(spirals: dict) -> FigureSpec:
    models = spirals["models"]
    fig, axes = figure(1, len(models), width=9.4, height=4.0, sharey=True)
    split = spirals["split"]
    side = np.linspace(-1.25, 1.25, 121)
    gx, gy = np.meshgrid(side, side)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    for ax, (name, r) in zip(axes, models.items()):
        region = r["logits"](points).argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, region, levels=[-0.5, 0.5, 1.5], colors=[BLUE, RED], alpha=0.18)
        for label, color in ((0, BLUE), (1, RED)):
            pick = split.y_train == label
            ax.plot(*split.x_train[pick].T, ".", color=color, ms=4, label=f"class {label}")
        ax.set_title(f"{name}\ntrain {r['train']:.0%}, test {r['test']:.0%}", fontsize=9)
        ax.set(xlabel="x1", aspect="equal")
    axes[0].set_ylabel("x2")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return FigureSpec(
        "spirals",
        fig,
        "Slide 57, underfitting and its fixes: decision regions (shaded) on two spirals. A "
        "linear model cannot separate them (train accuracy near chance, 50%); polynomial "
        "features or two hidden layers can.",
    )


def _remedies(runs: list, bag: dict) -> FigureSpec:
    fig, (ax, ax_curve) = figure(2, 1, width=9.4, height=8.0)
    names = [*remedies.METHODS, "bagging"]
    rows = [[results[m] for _, results in runs] for m in remedies.METHODS] + [[bag["ensemble"]]]
    train = [np.mean([r["train_acc"] for r in row]) for row in rows]
    test = [np.mean([r["test_acc"] for r in row]) for row in rows]
    x = np.arange(len(names))
    ax.bar(x - 0.2, train, 0.4, color=BLUE, label="train accuracy (labels given)")
    ax.bar(x + 0.2, test, 0.4, color=RED, label="test accuracy (true labels)")
    for xi, tr, te in zip(x, train, test):
        ax.text(xi, max(tr, te) + 0.02, f"gap {tr - te:+.0%}", ha="center", fontsize=8)
    ax.set_xticks(x, names)
    ax.set(ylabel="accuracy", ylim=(0, 1.3))
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    results = runs[0][1]
    for method, color in zip(remedies.METHODS, (BLUE, RED, GREEN, PURPLE, ORANGE)):
        curve = results[method]["val_loss"]
        ax_curve.plot(np.arange(1, len(curve) + 1), curve, color=color, lw=1.3, label=method)
    best = results["early stopping"]["best_epoch"]
    if best is not None:
        ax_curve.axvline(best, color=GREEN, ls=":", lw=1.2)
        ax_curve.text(
            best,
            0.98,
            " early stop\n best epoch",
            color=GREEN,
            fontsize=8,
            va="top",
            transform=ax_curve.get_xaxis_transform(),
        )
    ax_curve.set(xlabel="epoch (full batch)", ylabel="validation cross-entropy (nats)")
    ax_curve.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return FigureSpec(
        "remedies",
        fig,
        "Slides 58-59, remedies for overfitting, on 100 digits of which 20% carry a wrong "
        "label. Top: training accuracy (against the labels given) vs test accuracy (true "
        "labels) and their gap for each remedy (dropout as in figure 6.17); a negative gap "
        "means the model refused the wrong training labels. Bottom: validation loss per epoch "
        "(first draw): without a remedy it rises as the wrong labels are memorized; early "
        "stopping keeps the best epoch.",
    )


def _dropout(steps: list) -> FigureSpec:
    fig, axes = figure(1, 2, width=9.0, height=3.6)
    sizes = (8, 10, 4)
    ys = [np.linspace(0.9, 0.1, n) for n in sizes]
    for t, (ax, masks) in enumerate(zip(axes, steps)):
        keep = [*masks, np.ones(sizes[2], dtype=bool)]
        for layer in range(2):
            for i, yi in enumerate(ys[layer]):
                for j, yj in enumerate(ys[layer + 1]):
                    live = keep[layer][i] and (layer == 1 or keep[1][j])
                    ax.plot(
                        [layer, layer + 1],
                        [yi, yj],
                        color="0.35" if live else "0.8",
                        lw=0.6,
                        ls="-" if live else "--",
                    )
        for layer, (y, k) in enumerate(zip(ys, keep)):
            colors = [BLUE if v else "white" for v in k]
            ax.scatter(np.full(len(y), layer), y, s=140, zorder=3, c=colors, edgecolors="k")
            for yi, v in zip(y, k):
                if not v:
                    ax.plot(layer, yi, "x", color=RED, ms=8, zorder=4)
        ax.set_title(
            f"training step {t + 1}: {int((~keep[0]).sum())}/8 inputs and "
            f"{int((~keep[1]).sum())}/10 hidden units dropped",
            fontsize=9,
        )
        ax.set_xticks([0, 1, 2], ["input", "hidden", "output"])
        ax.set(yticks=[], xlim=(-0.3, 2.3))
        ax.grid(False)
        ax.spines["left"].set_visible(False)
    return FigureSpec(
        "dropout",
        fig,
        "Cf. chapter figure 6.17, dropout: the masks netopt.nn.Dropout drew in two "
        f"consecutive training steps (p = {remedies.DROPOUT_INPUT} on inputs, "
        f"{remedies.DROPOUT} on hidden units; a few units shown). Dropped units (crossed) and "
        "their connections (dashed) take no part in that step; each step draws a new mask.",
    )


def _cross_validation(cv: dict) -> FigureSpec:
    fig, ax = figure(width=7.0, height=4.2)
    lam = cv["lambdas"]
    label = f"{capacity.FOLDS}-fold CV MSE (mean of {capacity.CV_REPEATS} splits)"
    ax.loglog(lam, cv["cv"], "o-", color=GREEN, label=label)
    ax.fill_between(
        lam,
        cv["cv_q25"],
        cv["cv_q75"],
        color=GREEN,
        alpha=0.15,
        label="CV MSE, quartiles over folds",
    )
    ax.loglog(lam, cv["train"], "^-", color=BLUE, label="training MSE")
    ax.loglog(lam, cv["test"], "s-", color=RED, label="test MSE (not used to choose)")
    ax.axvline(lam[cv["chosen"]], color=GREEN, ls=":", label=f"CV choice {lam[cv['chosen']]:.0e}")
    ax.axvline(lam[cv["best"]], color=RED, ls="--", lw=1, label=f"best test {lam[cv['best']]:.0e}")
    ax.set(xlabel="L2 strength lambda (log scale)", ylabel="mean squared error (log scale)")
    ax.legend(fontsize=8)
    return FigureSpec(
        "cross_validation",
        fig,
        f"Slide 59, cross-validation: the L2 strength of the degree-{capacity.RIDGE_DEGREE} "
        f"polynomial of the first figure, chosen from its {capacity.N_TRAIN} training points "
        "alone. Small lambda overfits, large lambda underfits (slide 57: weaken the "
        "regularization); the CV minimum lies near the test minimum.",
    )


def _bagging(bag: dict) -> FigureSpec:
    fig, ax = figure(width=6.4, height=4.0)
    members, growing = bag["member_test"], bag["growing"]
    m = np.arange(1, len(members) + 1)
    ax.plot(m, members, "o", color=BLUE, zorder=3, label="member m alone")
    ax.axhline(members.mean(), color=BLUE, ls="--", lw=1, label="average member")
    ax.plot(m, growing, "s-", color=RED, label="soft vote of members 1..m")
    ax.set(xlabel="number of members m", ylabel="test accuracy")
    ax.set_xticks(m)
    ax.legend(fontsize=8)
    return FigureSpec(
        "bagging",
        fig,
        "Slide 59, ensembles: bagging the no-remedy network of the remedies figure, each "
        "member trained on a bootstrap resample of the same 100 noisy digits.",
    )


def _fewer(run: dict, sweep: list) -> FigureSpec:
    fig, (ax, ax_n) = figure(1, 2, width=9.4, height=4.8)
    ks = list(run["pca"])
    ax.plot(ks, [run["pca"][k][1] for k in ks], "s-", color=RED, label="PCA: test")
    ax.plot(ks, [run["select"][k][1] for k in ks], "^-", color=PURPLE, label="selection: test")
    ax.axhline(run["all"][1], color="0.3", ls="--", lw=1,
               label=f"all {fewer.DIM} features: test")  # fmt: skip
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set(xlabel="features kept", ylabel="test accuracy")
    ax.legend(fontsize=8, **BELOW)
    sizes = [n for n, _, _ in sweep]
    ax_n.semilogx(sizes, [tr for _, tr, _ in sweep], "o-", color=BLUE, label="train")
    ax_n.semilogx(sizes, [te for _, _, te in sweep], "s-", color=RED, label="test")
    ax_n.set_xticks(sizes, [str(n) for n in sizes])
    ax_n.set(xlabel="training samples N (log scale)", ylabel="accuracy")
    ax_n.legend(fontsize=8, **BELOW)
    return FigureSpec(
        "fewer_features",
        fig,
        f"Slide 58, fewer features against overfitting: softmax regression on "
        f"{fewer.N_TRAIN} samples of {fewer.DIM} features, {fewer.INFORMATIVE} of them "
        "informative (left, first draw): the first principal components or the most "
        "label-correlated features against all of them. Right: empirical risk minimization "
        "with all features; the train-test gap closes as the training set grows.",
    )


def _mnist1d(runs: dict) -> FigureSpec:
    fig, ax = figure(width=6.4, height=4.0)
    names = list(runs)
    x = np.arange(len(names))
    bars = (
        ("train", "train (this run)", BLUE),
        ("test", "test (this run)", RED),
        ("paper", "test (published)", "0.6"),
    )
    for i, (key, label, color) in enumerate(bars):
        values = [runs[n][key] for n in names]
        ax.bar(x + (i - 1) * 0.27, values, 0.27, color=color, label=label)
        for xi, v in zip(x, values):
            ax.text(xi + (i - 1) * 0.27, v + 0.01, f"{v:.0%}", ha="center", fontsize=8)
    ax.set_xticks(x, names)
    ax.set(ylabel="accuracy", ylim=(0, 1.1))
    ax.legend(fontsize=8, loc="upper left")
    steps = runs[names[0]]["steps"]
    return FigureSpec(
        "mnist1d",
        fig,
        f"Slide 57, a non-linear model against underfitting: MNIST-1D after {steps} Adam "
        "steps, beside the accuracies published with the dataset (Greydanus, 2020).",
    )
