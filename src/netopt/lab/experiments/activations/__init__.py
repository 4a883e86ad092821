r"""Activation functions (激活函数): the chapter's slides 43-49 and figures 6.10-6.15, measured.

Curves of sigmoid, tanh, ReLU, Leaky ReLU and ELU from :mod:`netopt.nn.functional`, and
their derivatives from netopt's autograd (``backward``, not hand-written formulas), which
are then compared with the chapter's formulas. Saturation (slide 44: :math:`f'(x) \to 0`
as :math:`x \to \pm\infty`) is measured numerically, and then in training: the fraction
of saturated hidden units of small sigmoid and tanh nets on digits, what gradient they
receive and whether they recover.

A hidden unit is *saturated* on an input when its derivative there is below
:data:`SATURATION` (5%) of the activation's largest derivative: :math:`\sigma'(z) < 0.0125`
(:math:`|z| > 4.4`) or :math:`\tanh'(z) < 0.05` (:math:`|z| > 2.2`).
"""

from __future__ import annotations

import numpy as np

from ...core import Context, Note, Result, Table, experiment
from . import measure, training
from .figures import curves_spec, training_spec
from .measure import FAR, FUNCTIONS, SATURATION, derivative


@experiment(
    name="activations",
    title="Activation functions",
    title_zh="激活函数",
    reference="slides 43-49: saturation (slide 44), sigmoid eq. 6-31 and figure 6.10, tanh "
    "eq. 6-33 and figure 6.11, ReLU figure 6.13, Leaky ReLU eq. 6-35 and figure 6.14, ELU "
    "eq. 6-36 and figure 6.15",
    order=5,
)
def run(ctx: Context) -> Result:
    r"""Measure the curves, derivatives and saturation of the chapter's activations."""
    x = np.linspace(-10.0, 10.0, 2001)
    curves = {name: derivative(fn, x) for name, fn, _, _ in FUNCTIONS}
    claims = measure.formula_claims(x, curves)
    saturation_rows, saturation_claims = measure.saturation_at_infinity()
    claims += saturation_claims
    ctx.progress(0.1, "training sigmoid and tanh nets")
    runs = training.training_runs(ctx, 5 if ctx.quick else 10)
    claims += training.training_claims(runs)
    ctx.progress(0.9, "drawing")
    tables = [
        Table(
            f"Saturation at infinity (slide 44), derivatives by backward at x = +-{FAR:g}",
            ["function", "f'(-20)", "f'(+20)", "left-saturating", "right-saturating", "class"],
            saturation_rows,
        ),
        training.training_table(runs),
    ]
    figures = [curves_spec(x, curves), training_spec({k: v[0] for k, v in runs.items()})]
    summary = (
        "Curves and derivatives come from netopt.nn.functional and its backward pass. "
        "Saturation is read off the derivative at x = +-20: sigmoid and tanh saturate on both "
        "sides; ReLU, Leaky ReLU and ELU keep f' = 1 on the right, which is what the chapter "
        "calls non-saturating, although by slide 44's limit definition ReLU and ELU are "
        "left-saturating (only Leaky ReLU is not). In training, saturated units (derivative "
        f"below {SATURATION:.0%} of the maximum) receive almost no gradient and stay saturated."
    )
    return Result(claims=claims, figures=figures, tables=tables, summary=summary, notes=[NOTE])


NOTE = Note(
    "The saturation definition's limit is misprinted",
    "Slide 44 defines saturation with a limit written n \u2192 \u221e; the variable of the "
    "limit is the input x of the activation f: f is right-saturating when "
    "lim_{x\u2192+\u221e} f'(x) = 0, left-saturating when lim_{x\u2192-\u221e} f'(x) = 0, "
    "and saturating when both hold. This page reads f' at x = \u00b120.",
)
