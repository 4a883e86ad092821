r"""Underfitting and overfitting (欠拟合与过拟合): the chapter's slides 56-59, measured.

The chapter defines underfitting (a model too weak for the patterns in the data: poor on the
training *and* the test set) and overfitting (a model so flexible that it learns the noise of
individual samples: excellent on the training set, poor on the test set), and lists remedies
for each. This experiment measures every one of them in the same run:

* capacity: polynomial degree 0..20 on 25 noisy points, training error falls, test error is
  U-shaped; a linear classifier underfits two spirals, polynomial features, hidden layers or
  boosted decision stumps fix it; on MNIST-1D a linear model underfits where an MLP and the
  paper's CNN do not;
* remedies for overfitting on 100 digits with 20% wrong labels: L2 (eq. 6-11), dropout
  (figure 6.17), early stopping, data augmentation, each measured against the same network
  without a remedy; bagging against one network trained on all the data; k-fold
  cross-validation of the L2 strength;
* L1 and L2 keeping the degree-20 polynomial's weights from exploding (:mod:`.explosion`);
* fewer features (PCA, feature selection) against overfitting, the train-test gap of
  empirical risk minimization shrinking as the training set grows, and L1's sparse weights
  against L2's (:mod:`.fewer`);
* data augmentation (random shift and scale) against the MNIST-1D CNN's overfitting on 1,000
  training signals (:mod:`.augmentation`).

Findings repeat over ``repeats`` independent draws of the run's seed (the polynomial ones,
which cost little, over ``poly_draws``); figures and tables show the first draw. The draws of
each setting come from :func:`polynomial_draws` and :func:`remedy_draws`, whose keywords
remove a finding's cause (the tests' cause-removed runs).

All training is netopt's (:func:`netopt.train.fit`, :class:`netopt.train.EarlyStopping`,
:class:`netopt.regularization.StructuralRisk`, :class:`netopt.nn.Dropout`,
:class:`netopt.data.RandomShift2d`, :class:`netopt.ensemble.BaggingEnsemble`); polynomial
regression and ridge are solved in closed form (least squares), and the closed-form ridge
solution is checked to be a stationary point of netopt's structural risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import netopt
from netopt import nn
from netopt.data import load_digits, load_mnist1d

from ..._threads import blas_thread_limit
from ...core import Context, Result, experiment
from . import augmentation, capacity, explosion, features, fewer, remedies
from .claims import claims_for
from .figures import figures_for
from .tables import tables_for


@dataclass(frozen=True)
class Settings:
    """Run sizes: ``netopt lab --quick`` measures the same claims with fewer steps."""

    spiral_epochs: int
    remedy_epochs: int
    repeats: int
    """Independent draws (subset, wrong labels, initial weights) of the remedies setting."""
    poly_draws: int
    """Independent draws of the polynomial data (degree sweep and cross-validation)."""
    bag_members: int
    mnist1d_steps: int
    """Adam steps of each MNIST-1D model (the paper's protocol: 6,000)."""
    augment_steps: int
    """Adam steps of each arm of the augmentation finding (per draw)."""
    clean_control: bool
    """Also run the remedies with correct labels (full mode; reported, not claimed)."""


QUICK = Settings(
    spiral_epochs=300,
    remedy_epochs=150,
    repeats=3,
    poly_draws=10,
    bag_members=5,
    mnist1d_steps=300,
    augment_steps=350,
    clean_control=False,
)
FULL = Settings(
    spiral_epochs=1000,
    remedy_epochs=300,
    repeats=5,
    poly_draws=10,
    bag_members=10,
    mnist1d_steps=6000,
    augment_steps=600,
    clean_control=True,
)


@experiment(
    name="generalization",
    title="Underfitting and overfitting",
    title_zh="欠拟合与过拟合",
    reference="slides 56-59 (欠拟合和过拟合问题及其应对策略): definitions (slide 56); remedies "
    "for underfitting: polynomial features, non-linear models, weaker regularization, "
    "ensembles (slide 57); remedies for overfitting: fewer features / PCA, L1/L2 "
    "regularization (eq. 6-11), data augmentation, early stopping (slide 58), dropout "
    "(figure 6.17), cross-validation, bagging (slide 59)",
    order=7,
)
def run(ctx: Context) -> Result:
    r"""Measure under- and overfitting and each remedy of the chapter's last section."""
    settings = QUICK if ctx.quick else FULL
    with blas_thread_limit(1):
        measured = _measure(ctx, settings)
    ctx.progress(0.95, "drawing")
    return Result(
        claims=claims_for(measured),
        figures=figures_for(measured),
        tables=tables_for(measured),
        summary=_summary(measured),
    )


def _stream(name: str, r: int) -> str:
    """The first repeat keeps the stream names of the single-draw runs."""
    return name if r == 0 else f"{name}-{r}"


def _measure(ctx: Context, s: Settings) -> dict:
    ctx.progress(0.0, "polynomial degree sweep and cross-validation")
    out: dict = {"settings": s, "spiral_runs": [], "boosting": []}
    out["sweeps"], out["cvs"] = polynomial_draws(ctx, s)
    out["explosion"] = [explosion.penalized(sweep["split"]) for sweep in out["sweeps"]]
    out["sweep"], out["cv"] = out["sweeps"][0], out["cvs"][0]
    for r in range(s.repeats):
        ctx.progress(0.05 + 0.1 * r / s.repeats, "two spirals")
        spirals = capacity.spirals(
            ctx.rng(_stream("spirals-data", r)),
            ctx.rng(_stream("spirals-init", r)),
            ctx.rng(_stream("spirals-shuffle", r)),
            epochs=s.spiral_epochs,
        )
        out["spiral_runs"].append(spirals)
        out["boosting"].append(fewer.boosting(spirals["split"]))
    out["spirals"] = out["spiral_runs"][0]
    digits = load_digits(seed=int(ctx.rng("digits-split").integers(2**31)))
    ctx.progress(0.15, "remedies and bagging on 100 noisy digits")
    runs = remedy_draws(ctx, s)
    bags = [
        remedies.bagging(data, ctx.rng(_stream("bagging", r)), s.bag_members, s.remedy_epochs)
        for r, (data, _) in enumerate(runs)
    ]
    out["remedies"], out["baggings"], out["bagging"] = runs, bags, bags[0]
    out["dropout_masks"] = _dropout_masks(ctx)
    if s.clean_control:
        clean = remedies.noisy_small_digits(digits, ctx.rng("subset-clean"), 0.0)
        out["clean"] = _remedy_runs(ctx, clean, "clean", s.remedy_epochs)
    ctx.progress(0.65, "fewer features, training-set size")
    out["fewer"] = [fewer.fewer_features(ctx.rng(f"fewer-{r}")) for r in range(s.repeats)]
    out["erm"] = [fewer.erm_sweep(ctx.rng(f"erm-{r}")) for r in range(s.repeats)]
    out["sparsity"] = [fewer.sparsity(ctx.rng(f"sparsity-{r}")) for r in range(s.repeats)]
    ctx.progress(0.75, "MNIST-1D")
    streams = {"init": ctx.rng("mnist1d-init"), "shuffle": ctx.rng("mnist1d-shuffle")}
    split = load_mnist1d()  # generated once (about as long as a CNN draw), used by all
    out["mnist1d"] = features.mnist1d(streams, steps=s.mnist1d_steps, split=split)
    out["augmentation"] = []
    for r in range(s.repeats):
        ctx.progress(0.85 + 0.1 * r / s.repeats, "augmentation on the MNIST-1D CNN")
        rng = ctx.rng(_stream("augmentation", r))
        draw = augmentation.augmentation_run(rng, steps=s.augment_steps, split=split)
        out["augmentation"].append(draw)
    return out


def polynomial_draws(
    ctx: Context, s: Settings, *, n_train: int = capacity.N_TRAIN, held_out: bool = True
) -> tuple[list[dict], list[dict]]:
    """The ``s.poly_draws`` degree sweeps and cross-validations of the polynomial data.

    ``n_train=1000`` (enough data) and ``held_out=False`` (folds scored on their own
    training part) remove the causes of the U-shape and of cross-validation's choice.
    """
    sweeps, cvs = [], []
    for r in range(s.poly_draws):
        poly = capacity.polynomial_data(ctx.rng(_stream("polynomial-data", r)), n_train)
        sweeps.append(capacity.degree_sweep(poly))
        folds = ctx.rng(_stream("cv-folds", r))
        cvs.append(capacity.cross_validate_ridge(poly, folds, held_out=held_out))
    return sweeps, cvs


def remedy_draws(
    ctx: Context,
    s: Settings,
    *,
    remedy: bool = True,
    noise: float = remedies.LABEL_NOISE,
    per_class: int = remedies.PER_CLASS,
    methods: tuple[str, ...] = remedies.METHODS,
) -> list[tuple[dict, dict]]:
    """The remedies setting's ``s.repeats`` draws: ``(data, {method: scores})`` for each.

    ``remedy=False`` trains every method with its remedy switched off; ``noise=0`` and a
    large ``per_class`` remove the cause of overfitting (the tests' cause-removed runs).
    """
    digits = load_digits(seed=int(ctx.rng("digits-split").integers(2**31)))
    runs = []
    for r in range(s.repeats):
        data = remedies.noisy_small_digits(digits, ctx.rng(f"subset-{r}"), noise, per_class)
        runs.append((data, _remedy_runs(ctx, data, f"{r}", s.remedy_epochs, remedy, methods)))
    return runs


def _remedy_runs(
    ctx: Context,
    data: dict,
    tag: str,
    epochs: int,
    remedy: bool = True,
    methods: tuple[str, ...] = remedies.METHODS,
) -> dict:
    """Every method of ``methods`` from the same weights and batches."""
    results = {}
    for method in methods:
        streams = {k: ctx.rng(f"remedies-{k}-{tag}") for k in ("init", "shuffle", "dropout")}
        results[method] = remedies.train_method(method, data, streams, epochs, remedy=remedy)
    return results


def _dropout_masks(ctx: Context) -> list[list[np.ndarray]]:
    """Masks that :class:`netopt.nn.Dropout` draws in two consecutive training steps for a
    small drawing of figure 6.17 (8 inputs, 10 hidden units)."""
    rng = ctx.rng("dropout-figure")
    layers = [nn.Dropout(remedies.DROPOUT_INPUT, rng=rng), nn.Dropout(remedies.DROPOUT, rng=rng)]
    steps = []
    for _ in range(2):
        masks = [layer(netopt.ones(n))._data > 0 for layer, n in zip(layers, (8, 10))]
        steps.append(masks)
    return steps


def _summary(m: dict) -> str:
    """Two sentences of this run's numbers (the claims say whether they bear the chapter out)."""
    sweep, cv, bag = m["sweep"], m["cv"], m["bagging"]
    runs = m["remedies"]
    gaps = {method: runs[0][1][method]["gap"] for method in remedies.METHODS}
    mnist = m["mnist1d"]
    return (
        f"Polynomials on {capacity.N_TRAIN} noisy points: least test error at degree "
        f"{sweep['best']} (test MSE {sweep['test'][0]:.3f} at degree 0, "
        f"{sweep['test'][sweep['best']]:.3f} at {sweep['best']}, "
        f"{sweep['test'][-1]:.3g} at {capacity.MAX_DEGREE}). On 100 digits with "
        f"{remedies.LABEL_NOISE:.0%} wrong labels the train-test accuracy gap is "
        + ", ".join(f"{gap:.0%} with {method}" for method, gap in gaps.items())
        + f" (first draw); bagging {bag['ensemble']['test_acc']:.0%} test accuracy against "
        f"{runs[0][1]['no remedy']['test_acc']:.0%} for one network on all the data. "
        f"Cross-validation picks lambda = {cv['lambdas'][cv['chosen']]:.0e} (test MSE "
        f"{cv['test'][cv['chosen']]:.3f}, grid best {cv['test'][cv['best']]:.3f}); MNIST-1D: "
        "logistic regression "
        f"{mnist['logistic regression']['test']:.0%}, MLP {mnist['MLP']['test']:.0%}, CNN "
        f"{mnist['CNN']['test']:.0%} after {mnist['CNN']['steps']} steps (published 32%, 68% "
        "and 94%)."
    )
