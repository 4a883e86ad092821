r"""Figures of the entropy experiment (private): KL asymmetry, binary entropy, Venn, MI."""

from __future__ import annotations

import math

import numpy as np

from netopt import info

from ...core import FigureSpec
from ...plotting import figure
from .measure import A, B, C, binary_grid
from .venn import draw_venn


def kl_figure() -> FigureSpec:
    """KL divergence in both directions and JS between A and a Bernoulli Q."""
    q = np.linspace(0.005, 0.995, 397)
    bern = np.stack([q, 1.0 - q], axis=-1)
    a = np.broadcast_to(np.array(A), bern.shape)
    fig, ax = figure(width=7.2, height=4.4)
    ax.plot(q, info.kl_divergence(a, bern), label="D(A || Q)")
    ax.plot(q, info.kl_divergence(bern, a), label="D(Q || A)", linestyle="--")
    ax.plot(q, info.js_divergence(a, bern), label="JS(A, Q)", linestyle=":")
    for name, dist, color in (("B", B, "#2ca02c"), ("C", C, "#9467bd")):
        d_a = info.kl_divergence(A, dist)
        d_b = info.kl_divergence(dist, A)
        ax.plot([dist[0]] * 2, [d_a, d_b], "o", color=color)
        ax.annotate(
            f"{name}: D(A||{name})={d_a:.4f}\n     D({name}||A)={d_b:.4f}",
            (dist[0], d_a),
            xytext=(dist[0] + 0.04, d_a + 0.25),
            arrowprops={"arrowstyle": "->", "color": color},
            fontsize=9,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.2)
    ax.set_xlabel("Q(0), probability that Q emits '0'")
    ax.set_ylabel("divergence (nats)")
    ax.set_title("KL is asymmetric: A = (1/2, 1/2) against Q = (Q(0), 1 - Q(0))")
    ax.legend(loc="upper center")
    return FigureSpec(
        "kl_asymmetry",
        fig,
        "KL divergence between the true distribution A and Bernoulli distributions Q, in "
        "both directions, with the chapter's B and C marked (slides 8-10; the chapter has "
        "no numbered figure here). The two KL curves differ except at Q = A; JS is symmetric.",
    )


def binary_entropy_figure() -> FigureSpec:
    """The binary entropy curve with its maximum marked (slide 5)."""
    p, h = binary_grid()
    fig, ax = figure(width=6.4, height=4.0)
    ax.plot(p, h, label="H(p) = -p ln p - (1-p) ln(1-p)")
    peak = int(np.argmax(h))
    ax.plot(p[peak], h[peak], "o", color="#d62728")
    ax.annotate(
        f"max {h[peak]:.4f} nats = {h[peak] / math.log(2):.4f} bit at p = {p[peak]:.2f}",
        (p[peak], h[peak]),
        xytext=(0.5, 0.3),
        ha="center",
        arrowprops={"arrowstyle": "->"},
    )
    ax.set_xlabel("p = P(source emits '1')")
    ax.set_ylabel("entropy H (nats)")
    right = ax.secondary_yaxis(
        "right", functions=(lambda x: x / math.log(2), lambda b: b * math.log(2))
    )
    right.set_ylabel("entropy H (bits)")
    ax.set_ylim(0, 0.8)
    ax.set_title("Binary entropy: uncertainty is largest for a fair source")
    ax.legend(loc="lower center")
    return FigureSpec(
        "binary_entropy",
        fig,
        "Entropy of a binary source against its probability p, measured with netopt.info "
        "(slide 5, information entropy; no numbered figure in the chapter).",
    )


def venn_figure(snapshots: list[dict]) -> FigureSpec:
    """The entropy Venn diagram untrained and trained (slide 14)."""
    first, last = snapshots[0], snapshots[-1]
    fig, axes = figure(1, 2, width=10.5, height=4.4)
    for ax, snap, label in ((axes[0], first, "untrained"), (axes[1], last, "trained")):
        draw_venn(ax, snap["d"])
        ax.set_title(f"{label} (step {snap['step']}, test accuracy {snap['accuracy']:.1%})")
    fig.suptitle("Entropy Venn diagram of X = true digit, Y = predicted digit (areas to scale)")
    return FigureSpec(
        "venn",
        fig,
        "Cf. the chapter's Venn diagram (slide 14, 文氏图图解), drawn from real joint tables: "
        "X = true digit and Y = digit predicted by a netopt softmax classifier on held-out "
        "digits, before and after training. Circle areas are H(X) and H(Y), the overlap is "
        "I(X;Y), the crescents are H(X|Y) and H(Y|X), in nats.",
    )


def training_figure(snapshots: list[dict]) -> FigureSpec:
    """The trained classifier's joint table and the entropies during training."""
    last = snapshots[-1]
    fig, (left, right) = figure(1, 2, width=10.5, height=4.2)
    image = left.imshow(last["pxy"], cmap="Blues")
    left.grid(False)
    left.set_xticks(range(10))
    left.set_yticks(range(10))
    left.set_xlabel("Y = predicted digit")
    left.set_ylabel("X = true digit")
    left.set_title(f"joint table p(x, y) after {last['step']} steps")
    fig.colorbar(image, ax=left, label="probability")
    steps = [s["step"] for s in snapshots]
    for field, label in (
        ("h_x", "H(X)"),
        ("h_y", "H(Y)"),
        ("h_x_given_y", "H(X|Y)"),
        ("mutual_information", "I(X;Y)"),
    ):
        right.plot(steps, [getattr(s["d"], field) for s in snapshots], "o-", label=label)
    right.set_xscale("symlog", linthresh=10)
    right.set_xlabel("SGD step (batch 32, lr 0.5; step 0 = untrained)")
    right.set_ylabel("nats")
    right.set_title("training moves entropy from H(X|Y) into I(X;Y)")
    right.legend(loc="center right")
    return FigureSpec(
        "mi_training",
        fig,
        "Left: the joint table of (true, predicted) digit on held-out digits after training "
        "(the table behind the Venn diagram). Right: its entropies as the classifier trains "
        "(slides 12-13): the mutual information grows, the conditional entropy shrinks.",
    )
