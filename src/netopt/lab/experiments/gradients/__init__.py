r"""Vanishing and exploding gradients (梯度消失与梯度爆炸): slides 52-53, figure 6.16, measured.

"Many products of small factors make the gradient vanish, of large ones make it explode"
(slide 52), and four remedies (slide 53): a suitable activation (ReLU), gradient
clipping, weight regularisation (L1/L2) and batch normalisation. Measured on deep
(10 hidden layers of 64 units) perceptrons on scikit-learn's digits:

* per-layer gradient norms :math:`\|\partial L/\partial W_l\|` at initialisation for a
  sigmoid net, a ReLU net with PyTorch's default init, a ReLU net with He init, and a
  sigmoid net with BatchNorm before each activation; and how each of them trains;
* a ReLU net whose weights are 1.5 times He's: unclipped SGD diverges, the same run with
  :func:`netopt.nn.utils.clip_grad_norm_` trains;
* the weight norm with and without the L2 penalty of eq. 6-11
  (:func:`netopt.regularization.l2_penalty`).
"""

from __future__ import annotations

from netopt.data import load_digits

from ...core import Context, FigureSpec, Result, experiment
from . import measure
from .figures import depth_figure, explode_figure, l2_figure
from .measure import (
    CONFIGS,
    DEPTH,
    DIVERGED,
    EXPLODE_GAIN,
    EXPLODE_LR,
    L2_LAMBDAS,
    LR,
    MAX_NORM,
)


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
    split = load_digits(seed=ctx.seed)
    steps = 300 if ctx.quick else 600
    depth_runs = {}
    for i, key in enumerate(CONFIGS):
        ctx.progress(0.05 + 0.45 * i / len(CONFIGS), f"depth: {CONFIGS[key][0]}")
        depth_runs[key] = measure.depth_run(ctx, split, key, steps)
    ctx.progress(0.5, "exploding gradients and clipping")
    explode = {clip: measure.explode_run(ctx, split, clip, steps) for clip in (None, MAX_NORM)}
    ctx.progress(0.7, "L2 regularisation")
    l2_runs = {lam: measure.l2_run(ctx, split, lam, steps) for lam in L2_LAMBDAS}
    ctx.progress(0.9, "drawing")
    figures = [
        FigureSpec(
            "depth",
            depth_figure(depth_runs, CONFIGS, LR),
            "Cf. chapter figure 6.16 (a deep network): gradient norm of each layer's weights "
            f"at initialisation for {DEPTH}-hidden-layer nets on digits (left, log scale; "
            "layer 1 is next to the input), and test accuracy while training with SGD "
            "(right).",
        ),
        FigureSpec(
            "clipping",
            explode_figure(explode, MAX_NORM, DIVERGED),
            f"Exploding gradients (slide 52) and gradient clipping (slide 53): a ReLU net "
            f"with weights {EXPLODE_GAIN:g} x He's, SGD lr {EXPLODE_LR:g}, without clipping "
            f"and with clip_grad_norm_(max_norm={MAX_NORM:g}). Left: loss; right: gradient "
            "norm before clipping. The unclipped run stops where its loss diverges.",
        ),
        FigureSpec(
            "l2",
            l2_figure(l2_runs, LR),
            "Weight regularisation (slide 53, eq. 6-11): total weight norm of a ReLU + He net "
            "trained with loss + lambda * l2_penalty(model), for three lambdas.",
        ),
    ]
    claims = (
        measure.depth_claims(depth_runs)
        + measure.explode_claims(explode)
        + [measure.l2_claim(l2_runs)]
    )
    tables = [measure.depth_table(depth_runs), measure.explode_table(explode, l2_runs)]
    summary = (
        f"Deep nets of {DEPTH} hidden layers x 64 units on digits, SGD with batch 32 for "
        f"{steps} steps. Gradient norms are the Frobenius norms of dL/dW per layer on 256 "
        "training images at initialisation. Every net draws its initial weights from the "
        "same seeded stream."
    )
    return Result(claims=claims, figures=figures, tables=tables, summary=summary)
