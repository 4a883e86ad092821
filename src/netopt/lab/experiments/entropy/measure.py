r"""Measurements of the entropy experiment (private): the claims and tables of one run."""

from __future__ import annotations

import math

import numpy as np

from netopt import info, nn, optim
from netopt.data import load_digits

from ...core import Claim, Context, Table, seed_count
from .._shared import nets

A, B, C = (0.5, 0.5), (0.25, 0.75), (0.125, 0.875)
# (pair, the chapter's printed value, where it is printed): the "chapter says" column.
PRINTED = (
    ("D(A||B)", "0.1438", "slide 9 (0.14 on slide 8)"),
    ("D(A||C)", "0.41", "slide 8"),
    ("D(B||A)", "0.1308", "slide 9"),
)
TOLERANCE = 1e-10
"""Largest |error| accepted for an identity that holds exactly in real arithmetic."""


def worked_example() -> tuple[list[Claim], Table]:
    """The KL worked example of slides 8-9 against the printed values: claims and table."""
    measured = {
        "D(A||B)": info.kl_divergence(A, B),
        "D(A||C)": info.kl_divergence(A, C),
        "D(B||A)": info.kl_divergence(B, A),
    }
    rows, agree = [], []
    for pair, printed, where in PRINTED:
        decimals = len(printed.split(".")[1])
        agree.append(round(measured[pair], decimals) == float(printed))
        rows.append([pair, measured[pair], f"{printed} ({where})"])
    rows.append(["D(C||A)", info.kl_divergence(C, A), "not printed"])
    rows.append(["JS(A, B)", info.js_divergence(A, B), "not printed"])
    rows.append(["JS(B, A)", info.js_divergence(B, A), "not printed"])
    table = Table(
        "The chapter's worked example (A=(1/2,1/2), B=(1/4,3/4), C=(1/8,7/8)), in nats",
        ["quantity", "measured (nats)", "chapter says"],
        rows,
    )
    evidence = ", ".join(f"{k}={v:.6f}" for k, v in measured.items())
    claims = [
        Claim(
            "The worked example (slides 8-9): D(A||B)=0.1438, D(A||C)=0.41, D(B||A)=0.1308 "
            "nats, to the digits printed",
            all(agree),
            evidence,
            kind="check",
        ),
        Claim(
            "B is closer to the true distribution A than C is: D(A||B) < D(A||C) (slide 8)",
            measured["D(A||B)"] < measured["D(A||C)"],
            f"D(A||B)={measured['D(A||B)']:.4f} < D(A||C)={measured['D(A||C)']:.4f}",
            kind="check",
        ),
    ]
    return claims, table


def _random_distributions(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n`` random distributions over ``k`` outcomes, from spiky to flat."""
    alpha = rng.choice([0.2, 1.0, 5.0], size=(n, 1))
    return rng.gamma(np.broadcast_to(alpha, (n, k))) + 1e-300  # full support: KL finite


def pair_properties(rng: np.random.Generator, n: int) -> list[Claim]:
    """KL and JS properties measured on ``n`` random pairs of distributions."""
    p = _random_distributions(rng, n, 5)
    q = _random_distributions(rng, n, 5)
    p /= p.sum(axis=1, keepdims=True)
    q /= q.sum(axis=1, keepdims=True)
    d_pq, d_qp = info.kl_divergence(p, q), info.kl_divergence(q, p)
    d_pp = info.kl_divergence(p, p)
    js_pq, js_qp = info.js_divergence(p, q), info.js_divergence(q, p)
    chain = np.abs(info.cross_entropy(p, q) - (info.entropy(p) + d_pq)).max()
    asym_ab = info.kl_divergence(A, B) - info.kl_divergence(B, A)
    asymmetric = np.abs(d_pq - d_qp) > 1e-6
    return [
        Claim(
            "KL divergence is not symmetric: D(P||Q) != D(Q||P) (slide 9)",
            abs(asym_ab) > 1e-3 and asymmetric.mean() > 0.9,
            f"D(A||B) - D(B||A) = {asym_ab:.4f}; {asymmetric.mean():.1%} of {n} random "
            f"pairs differ by more than 1e-6 (largest gap {np.abs(d_pq - d_qp).max():.3f})",
            kind="check",
        ),
        Claim(
            "KL divergence is non-negative, and 0 for P = Q (slide 9)",
            bool(min(d_pq.min(), d_qp.min()) >= -1e-12 and np.abs(d_pp).max() <= 1e-12),
            f"smallest D over {2 * n} ordered random pairs {min(d_pq.min(), d_qp.min()):.2e}; "
            f"largest |D(P||P)| {np.abs(d_pp).max():.1e}",
            kind="check",
        ),
        Claim(
            "Cross-entropy is entropy plus KL: H(P,Q) = H(P) + D(P||Q) (slide 7)",
            bool(chain <= TOLERANCE),
            f"largest |H(P,Q) - H(P) - D(P||Q)| over {n} random pairs: {chain:.1e}",
            kind="check",
        ),
        Claim(
            "JS divergence is symmetric and lies between 0 and ln 2 (slide 10)",
            bool(
                np.abs(js_pq - js_qp).max() <= TOLERANCE
                and js_pq.min() >= -1e-12
                and js_pq.max() <= math.log(2) + 1e-12
            ),
            f"largest |JS(P,Q) - JS(Q,P)| {np.abs(js_pq - js_qp).max():.1e}; JS in "
            f"[{js_pq.min():.4f}, {js_pq.max():.4f}], ln 2 = {math.log(2):.4f}",
            kind="check",
        ),
    ]


def binary_grid() -> tuple[np.ndarray, np.ndarray]:
    r"""1001 probabilities p in [0, 1] and the binary entropy H(p) in nats (slide 5).

    Examples
    --------
    >>> p, h = binary_grid()
    >>> float(p[500]), round(float(h[500]), 4)
    (0.5, 0.6931)
    """
    p = np.linspace(0.0, 1.0, 1001)
    return p, info.entropy(np.stack([p, 1.0 - p], axis=-1))


def binary_entropy_claim() -> Claim:
    """The binary entropy is 0 at p in {0, 1} and ln 2 at p = 1/2 (slide 5)."""
    p, h = binary_grid()
    peak = int(np.argmax(h))
    return Claim(
        "Entropy measures uncertainty: a binary source has H = 0 when its outcome is "
        "certain and the largest H, ln 2 nats = 1 bit, at p = 1/2 (slide 5)",
        bool(h[0] == 0 and h[-1] == 0 and p[peak] == 0.5 and abs(h[peak] - math.log(2)) < 1e-12),
        f"H(0)={h[0] + 0.0:.3g}, H(1)={h[-1] + 0.0:.3g}; argmax over 1001 p's at p={p[peak]:.3f}, "
        f"H={h[peak]:.6f} nats = {info.entropy([0.5, 0.5], base=2):.6f} bits",
        kind="check",
    )


def _random_table(rng: np.random.Generator) -> np.ndarray:
    nx, ny = rng.integers(2, 9, size=2)
    table = rng.gamma(rng.choice([0.2, 1.0, 5.0]), size=(nx, ny))
    table[rng.random((nx, ny)) < 0.2] = 0.0  # zero cells: 0 log 0 = 0
    if table.sum() == 0:
        table[0, 0] = 1.0
    return table / table.sum()


def joint_identities(rng: np.random.Generator, n: int) -> tuple[list[Claim], Table]:
    """The identities of slides 7 and 11-13 on ``n`` random joint tables."""
    errors = {k: 0.0 for k in ("chain", "cond", "mi_h", "mi_sum", "mi_kl", "indep")}
    smallest_mi, largest_gap = np.inf, -np.inf
    for _ in range(n):
        pxy = _random_table(rng)
        d = info.decompose(pxy)
        px, py = pxy.sum(axis=1), pxy.sum(axis=0)
        kl = info.kl_divergence(pxy.ravel(), np.outer(px, py).ravel(), normalize=True)
        product = info.decompose(np.outer(px, py), normalize=True)
        for key, err in (
            ("chain", d.h_xy - (d.h_x + d.h_y_given_x)),
            ("cond", d.h_x_given_y - (d.h_xy - d.h_y)),
            ("mi_h", d.mutual_information - (d.h_x - d.h_x_given_y)),
            ("mi_sum", d.mutual_information - (d.h_x + d.h_y - d.h_xy)),
            ("mi_kl", d.mutual_information - kl),
            ("indep", product.h_xy - (product.h_x + product.h_y)),
        ):
            errors[key] = max(errors[key], abs(err))
        errors["indep"] = max(errors["indep"], abs(product.mutual_information))
        smallest_mi = min(smallest_mi, d.mutual_information)
        largest_gap = max(largest_gap, d.h_x_given_y - d.h_x)
    labels = {
        "chain": "H(X,Y) = H(X) + H(Y|X)",
        "cond": "H(X|Y) = H(X,Y) - H(Y)  (slide 12)",
        "mi_h": "I(X;Y) = H(X) - H(X|Y)  (slide 13)",
        "mi_sum": "I(X;Y) = H(X) + H(Y) - H(X,Y)  (slide 13)",
        "mi_kl": "I(X;Y) = D(p(x,y) || p(x)p(y))  (slide 13)",
        "indep": "independent X, Y: H(X,Y) = H(X) + H(Y), I = 0  (slide 5)",
    }
    table = Table(
        f"Identities on {n} random joint tables (2-8 x 2-8 outcomes, 20% zero cells)",
        ["identity", "largest |error|"],
        [[labels[k], float(v)] for k, v in errors.items()]
        + [["min I(X;Y)  (should be >= 0)", float(smallest_mi)]]
        + [["max H(X|Y) - H(X)  (should be <= 0)", float(largest_gap)]],
    )
    where = f"over {n} random joint tables"
    claims = [
        Claim(
            "Chain rule and conditional entropy: H(X,Y) = H(X) + H(Y|X), "
            "H(X|Y) = H(X,Y) - H(Y) (slide 12)",
            max(errors["chain"], errors["cond"]) <= TOLERANCE,
            f"largest errors {errors['chain']:.1e} and {errors['cond']:.1e} {where}",
            kind="check",
        ),
        Claim(
            "Mutual information: I(X;Y) = H(X) - H(X|Y) = H(X) + H(Y) - H(X,Y) "
            "= D(p(x,y) || p(x)p(y)) (slide 13)",
            max(errors["mi_h"], errors["mi_sum"], errors["mi_kl"]) <= TOLERANCE,
            f"largest errors {errors['mi_h']:.1e}, {errors['mi_sum']:.1e}, "
            f"{errors['mi_kl']:.1e} {where}",
            kind="check",
        ),
        Claim(
            "Uncertainties of independent sources add: H(X,Y) = H(X) + H(Y) and "
            "I(X;Y) = 0 (slide 5)",
            errors["indep"] <= TOLERANCE,
            f"largest error {errors['indep']:.1e} on the product tables p(x)p(y) {where}",
            kind="check",
        ),
        Claim(
            "I(X;Y) >= 0, and knowing Y never increases the uncertainty of X: "
            "H(X|Y) <= H(X) (slides 12-13)",
            bool(smallest_mi >= -1e-12 and largest_gap <= 1e-12),
            f"min I(X;Y) = {smallest_mi:.2e}; max H(X|Y) - H(X) = {largest_gap:.3f} {where}",
            kind="check",
        ),
    ]
    return claims, table


def train_classifier(ctx: Context, run: int = 0, lr: float = 0.5) -> list[dict]:
    """Softmax regression on digits; the (true, predicted) joint table at a few steps.

    ``run`` picks independent initial weights and batch orders (run 0 is the one drawn);
    ``lr=0`` removes the training, the cause of the MI finding.
    """
    split = load_digits(seed=ctx.seed)
    suffix = "" if run == 0 else f"-{run}"
    rng = ctx.rng("classifier" + suffix)
    model = nn.Sequential(nn.Linear(64, 10, rng=rng))
    optimizer = optim.SGD(model.parameters(), lr=lr)
    steps = 150 if ctx.quick else 600
    checkpoints = sorted({0, 2, 5, 10, 20, 50, 100, steps})
    snapshots = []
    batches = nets.batches(len(split.x_train), 32, steps, ctx.rng("batches" + suffix))
    for step in range(steps + 1):
        if step in checkpoints:
            predicted = nets.predict(model, split.x_test)
            pxy = _pad_to_classes(split.y_test, predicted, 10)
            snapshots.append(
                {
                    "step": step,
                    "pxy": pxy,
                    "d": info.decompose(pxy),
                    "accuracy": float((predicted == split.y_test).mean()),
                }
            )
        if step < steps:
            idx = next(batches)
            nets.cross_entropy_step(model, optimizer, split.x_train[idx], split.y_train[idx])
    return snapshots


def mi_gain(snapshots: list[dict]) -> tuple[float, float]:
    """I(X;Y) gained and H(X|Y) lost from the first to the last snapshot, in nats."""
    d0, d = snapshots[0]["d"], snapshots[-1]["d"]
    return d.mutual_information - d0.mutual_information, d0.h_x_given_y - d.h_x_given_y


def mi_claim(runs: list[list[dict]]) -> Claim:
    """The finding that training raises I(true; predicted), over independent runs."""
    gains = [mi_gain(r) for r in runs]
    k = len(runs)
    need = math.ceil(0.8 * k)
    held = [bool(gain > 0.5 and drop > 0) for gain, drop in gains]
    count = sum(held)
    mi = np.array([g for g, _ in gains])
    acc = np.array([r[-1]["accuracy"] for r in runs])
    steps = runs[0][-1]["step"]
    return Claim(
        "MI is the information one variable carries about the other (slide 13): "
        "training raises I(true; predicted) and lowers H(true | predicted)",
        count >= need,
        f"{seed_count(held)}: I rose by median {np.median(mi):.3f} nats (range "
        f"{mi.min():.3f}-{mi.max():.3f}) in {steps} steps and H(X|Y) fell; test accuracy "
        f"median {np.median(acc):.1%} (range {acc.min():.1%}-{acc.max():.1%})",
        kind="finding",
        protocol={
            "seeds": k,
            "tuning": "none: softmax regression, SGD lr 0.5, batch 32 (fixed before the runs)",
            "statistic": f"per run (initial weights and batch order): I(X;Y) on the test set "
            f"rises by more than 0.5 nats and H(X|Y) falls; >= {need} of {k} seeds",
            "per_seed": held,
        },
    )


def _pad_to_classes(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """The joint table over all ``k`` classes (a class never predicted keeps a zero column)."""
    table = np.zeros((k, k))
    np.add.at(table, (y_true, y_pred), 1.0)
    return table / table.sum()


def venn_claims(snapshots: list[dict]) -> tuple[list[Claim], Table]:
    """The Venn diagram's regions before and after training: claims and table."""
    first, last = snapshots[0], snapshots[-1]
    d0, d = first["d"], last["d"]
    regions = d.h_x_given_y + d.mutual_information + d.h_y_given_x
    rows = [
        [name, float(getattr(d0, field)), float(getattr(d, field))]
        for name, field in (
            ("H(X)  true digit", "h_x"),
            ("H(Y)  predicted digit", "h_y"),
            ("H(X,Y)", "h_xy"),
            ("H(X|Y)", "h_x_given_y"),
            ("H(Y|X)", "h_y_given_x"),
            ("I(X;Y)", "mutual_information"),
        )
    ]
    rows.append(["test accuracy", first["accuracy"], last["accuracy"]])
    table = Table(
        "Venn regions of (X = true digit, Y = predicted digit) on the test set, nats",
        ["quantity", f"untrained (step {first['step']})", f"trained (step {last['step']})"],
        rows,
    )
    claims = [
        Claim(
            "The Venn diagram (slide 14) on a real joint table (true vs predicted digit): "
            "H(X,Y) = H(X|Y) + I(X;Y) + H(Y|X), H(X) = H(X|Y) + I(X;Y)",
            bool(
                abs(regions - d.h_xy) <= TOLERANCE
                and abs(d.h_x - d.h_x_given_y - d.mutual_information) <= TOLERANCE
            ),
            f"H(X|Y)+I+H(Y|X) = {d.h_x_given_y:.4f}+{d.mutual_information:.4f}+"
            f"{d.h_y_given_x:.4f} = {regions:.4f}; H(X,Y) = {d.h_xy:.4f}",
            kind="check",
        ),
    ]
    return claims, table
