r"""Entropy in information theory (信息论中的熵): the chapter's slides 4-14, measured.

The worked KL example of slides 8-9 (A = (1/2, 1/2), B = (1/4, 3/4), C = (1/8, 7/8), in
nats) and KL's asymmetry; the binary entropy curve (slide 5); the identities of slides
7 and 11-13 on random joint tables; and the Venn diagram of slide 14 drawn, area for
area, from a real joint table: the true digit against the digit predicted by a small
netopt classifier trained on scikit-learn's digits.
"""

from __future__ import annotations

from netopt import info

from ...core import Claim, Context, Note, Result, Table, experiment
from . import measure
from .figures import binary_entropy_figure, kl_figure, training_figure, venn_figure


@experiment(
    name="entropy",
    title="Entropy in information theory",
    title_zh="信息论中的熵",
    reference="slides 4-14: entropy, cross-entropy (slide 7), KL example (slides 8-9), "
    "JS (slide 10), joint/conditional entropy and MI (slides 11-13), Venn diagram (slide 14)",
    order=1,
)
def run(ctx: Context) -> Result:
    r"""Measure the chapter's information-theory statements (see the module docstring)."""
    claims: list[Claim] = []
    tables: list[Table] = []
    kl_claims, kl_table = measure.worked_example()
    claims += kl_claims
    tables.append(kl_table)
    ctx.progress(0.1, "random distributions")
    n_pairs = 300 if ctx.quick else 3000
    claims += measure.pair_properties(ctx.rng("pairs"), n_pairs)
    claims.append(measure.binary_entropy_claim())
    ctx.progress(0.3, "random joint tables")
    n_tables = 300 if ctx.quick else 3000
    identity_claims, identity_table = measure.joint_identities(ctx.rng("tables"), n_tables)
    claims += identity_claims
    tables.append(identity_table)
    ctx.progress(0.5, "training a digit classifier")
    snapshots = measure.train_classifier(ctx)
    venn_claims, venn_table = measure.venn_claims(snapshots)
    claims += venn_claims
    others = [measure.train_classifier(ctx, run) for run in range(1, 5 if ctx.quick else 10)]
    claims.append(measure.mi_claim([snapshots, *others]))
    tables.append(venn_table)
    ctx.progress(0.9, "drawing")
    figures = [kl_figure(), binary_entropy_figure(), venn_figure(snapshots)]
    figures.append(training_figure(snapshots))
    summary = (
        f"The worked example, {n_pairs} random pairs of distributions and {n_tables} random "
        "joint tables check the definitions and identities; a softmax classifier trained on "
        f"digits ({snapshots[-1]['accuracy']:.1%} test accuracy) gives a real joint table "
        "of (true digit, predicted digit) for the Venn diagram. All values in nats unless "
        "marked (1 bit = ln 2 nats)."
    )
    return Result(claims=claims, figures=figures, tables=tables, summary=summary, notes=notes())


def notes() -> list[Note]:
    """The chapter's own errors in this section, flagged on the page."""
    same, p, q = (0.5, 0.5), (0.9, 0.1), (0.8, 0.2)
    h_same, h_pq = info.cross_entropy(same, same), info.cross_entropy(p, q)
    d_pq = info.kl_divergence(p, q)
    return [
        Note(
            "\u201cThe larger the cross-entropy, the more different the distributions\u201d "
            "holds only for a fixed P",
            "H(P,Q) = H(P) + D(P||Q): only the KL term measures the difference, and H(P) "
            "changes with P. Two identical distributions P = Q = (1/2, 1/2) have "
            f"H(P,Q) = {h_same:.4f} nats, more than P = (0.9, 0.1) against a different "
            f"Q = (0.8, 0.2): H(P,Q) = {h_pq:.4f} (D(P||Q) = {d_pq:.4f}). Comparing "
            "cross-entropies ranks Q's only against one and the same P (as a loss does, "
            "where P is the data).",
        ),
        Note(
            "Eq. 6-15 is misprinted",
            "It prints the second form of the cross-entropy as sum P(x) 1/log Q(x); it is "
            "sum P(x) log 1/Q(x) = -sum P(x) log Q(x), which is what netopt.info and this "
            "page compute.",
        ),
    ]
