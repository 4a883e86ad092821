r"""Vanishing and exploding gradients (梯度消失与梯度爆炸): slides 52-53, figure 6.16, measured.

"Many products of small factors make the gradient vanish, of large ones make it explode"
(slide 52), and four remedies (slide 53): a suitable activation (ReLU), gradient
clipping, weight regularisation (L1/L2) and batch normalisation. Measured on deep
(10 hidden layers of 64 units) perceptrons on scikit-learn's digits:

* per-layer gradient norms :math:`\|\partial L/\partial W_l\|` at initialisation for a
  sigmoid net, a ReLU net with PyTorch's default init, a ReLU net with He init, and a
  sigmoid net with BatchNorm before each activation; and how each of them trains;
* a ReLU net whose weights are 1.5 times He's: unclipped SGD diverges, the same run with
  :func:`netopt.nn.utils.clip_grad_norm_` or :func:`netopt.nn.utils.clip_grad_value_`
  trains (repeated over seeds);
* the recurrent cliff :math:`h_t = \sigma(w h_{t-1} + b)`, loss :math:`(h_T - y)^2`
  (:mod:`.cliff`): from a start on the cliff unclipped gradient descent is thrown far away
  and stays stuck, clipped by norm or by value it reaches the target (repeated over seeds);
* the weight norm with and without the L2 penalty of eq. 6-11
  (:func:`netopt.regularization.l2_penalty`).
"""

from __future__ import annotations

from dataclasses import dataclass

from netopt.data import load_digits

from ..._threads import blas_thread_limit
from ...core import Context, FigureSpec, Result, experiment
from . import cliff, measure
from .figures import cliff_figure, depth_figure, explode_figure, l2_figure
from .measure import (
    CLIPS,
    CONFIGS,
    DEPTH,
    DIVERGED,
    EXPLODE_GAIN,
    EXPLODE_LR,
    L2_LAMBDAS,
    LR,
)

LEARNERS = ("sigmoid", "relu_he", "sigmoid_bn")
"""The nets the vanishing-gradient finding trains on every seed."""


@dataclass(frozen=True)
class Settings:
    """Run sizes; ``--quick`` repeats the training findings over fewer seeds."""

    steps: int
    seeds: int
    init_draws: int


QUICK = Settings(steps=150, seeds=3, init_draws=5)
FULL = Settings(steps=400, seeds=5, init_draws=10)


@experiment(
    name="gradients",
    title="Vanishing and exploding gradients",
    title_zh="梯度消失与梯度爆炸",
    reference="slides 52-53: causes (deep network, figure 6.16) and remedies: ReLU, "
    "gradient clipping, L1/L2 weight regularisation (eq. 6-11), batch normalisation",
    order=6,
)
def run(ctx: Context) -> Result:
    r"""Measure gradient norms against depth, clipping and L2 on deep nets (module docstring)."""
    s = QUICK if ctx.quick else FULL
    split = load_digits(seed=ctx.seed)
    with blas_thread_limit(1):
        m = _measure(ctx, split, s)
    ctx.progress(0.9, "drawing")
    depth_runs, explode, l2_runs = m["depth"], m["explode"][0], m["l2"]
    figures = [
        FigureSpec(
            "depth",
            depth_figure(depth_runs, CONFIGS, LR),
            "Cf. chapter figure 6.16 (a deep network): gradient norm of each layer's weights "
            f"at initialisation for {DEPTH}-hidden-layer nets on digits (left, log scale; "
            "layer 1 is next to the input), and test accuracy while training with SGD "
            "(right), first seed.",
        ),
        FigureSpec(
            "clipping",
            explode_figure(explode, measure.clip_label, DIVERGED),
            f"Exploding gradients (slide 52) and gradient clipping (slide 53): a ReLU net "
            f"with weights {EXPLODE_GAIN:g} x He's, SGD lr {EXPLODE_LR:g}, without clipping, "
            "clipped by norm and clipped by value (first seed). Left: loss; right: gradient "
            "norm before clipping. The unclipped run stops where its loss diverges.",
        ),
        FigureSpec(
            "cliff",
            cliff_figure(m["cliff"][0], cliff.surface, cliff.clip_label),
            "The recurrent cliff (slide 52's exploding gradient in a recurrent unit, remedied by "
            f"slide 53's clipping): h_t = sigmoid(w h_(t-1) + b) for T = {cliff.T} steps from "
            f"h_0 = {cliff.H0:g}, loss (h_T - y)^2, gradient descent with lr {cliff.LR:g} from "
            "a start on the cliff (first seed). Left: the loss over (w, b) (dark: low) and the "
            "paths; the unclipped run leaves the picture in its first step. Right: the loss "
            "per step.",
        ),
        FigureSpec(
            "l2",
            l2_figure(l2_runs, LR),
            "Weight regularisation (slide 53, eq. 6-11): total weight norm of a ReLU + He net "
            "trained with loss + lambda * l2_penalty(model), for three lambdas.",
        ),
    ]
    claims = (
        measure.depth_claims(m["norms"], m["learn"], s.steps)
        + measure.explode_claims(m["explode"])
        + cliff.claims(m["cliff"])
        + [measure.l2_claim(l2_runs)]
    )
    tables = [
        measure.depth_table(depth_runs),
        measure.explode_table(explode, l2_runs),
        cliff.table(m["cliff"][0]),
    ]
    summary = (
        f"Deep nets of {DEPTH} hidden layers x 64 units on digits, SGD with batch 32 for "
        f"{s.steps} steps. Gradient norms are the Frobenius norms of dL/dW per layer on 256 "
        f"training images at initialisation ({s.init_draws} draws). Training findings repeat "
        f"over {s.seeds} seeds; figures and tables show the first. The recurrent cliff: one "
        f"sigmoid unit, {cliff.STEPS} gradient-descent steps per run, a new start and target "
        "per seed."
    )
    return Result(claims=claims, figures=figures, tables=tables, summary=summary)


def _measure(ctx: Context, split: object, s: Settings) -> dict:
    m: dict = {"depth": {}}
    for i, key in enumerate(CONFIGS):
        ctx.progress(0.05 + 0.3 * i / len(CONFIGS), f"depth: {CONFIGS[key][0]}")
        m["depth"][key] = measure.depth_run(ctx, split, key, s.steps)
    m["norms"] = [
        {k: measure.init_norms(ctx, split, k, f"-draw{i}") for k in CONFIGS}
        for i in range(s.init_draws)
    ]
    m["learn"] = [{k: max(m["depth"][k]["history"]["accuracy"]) for k in LEARNERS}]
    for i in range(1, s.seeds):
        ctx.progress(0.35 + 0.2 * i / s.seeds, f"depth, seed {i}")
        m["learn"].append(
            {
                k: max(measure.depth_run(ctx, split, k, s.steps, f"-{i}")["history"]["accuracy"])
                for k in LEARNERS
            }
        )
    ctx.progress(0.55, "exploding gradients and clipping")
    m["explode"] = [
        {
            label: measure.explode_run(ctx, split, clip, s.steps, "" if i == 0 else f"-{i}")
            for label, clip in CLIPS.items()
        }
        for i in range(s.seeds)
    ]
    ctx.progress(0.75, "the recurrent cliff")
    m["cliff"] = [cliff.run(ctx, "" if i == 0 else f"-{i}") for i in range(s.seeds)]
    ctx.progress(0.8, "L2 regularisation")
    m["l2"] = {lam: measure.l2_run(ctx, split, lam, s.steps) for lam in L2_LAMBDAS}
    return m
