r"""Measurements of the activations experiment (private): curves, derivatives, saturation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import netopt
from netopt.nn import functional as F

from ...core import Claim

SATURATION = 0.05
"""A unit is saturated where its derivative is below this fraction of the largest one."""
FAR = 20.0
"""Saturation at infinity is read off at x = +-FAR ..."""
FLAT = 1e-4
"""... where a saturating derivative must be below FLAT."""
LEAKY_SLOPE = 0.1
"""Leaky ReLU slope a (eq. 6-35) in the figures; torch's default 0.01 is in the table too."""

# name, function, chapter figure, chapter equation
FUNCTIONS: tuple[tuple[str, Callable, str, str], ...] = (
    ("sigmoid", F.sigmoid, "6.10", "6-31"),
    ("tanh", F.tanh, "6.11", "6-33"),
    ("ReLU", F.relu, "6.13", "6-34"),
    (f"Leaky ReLU (a={LEAKY_SLOPE})", lambda x: F.leaky_relu(x, LEAKY_SLOPE), "6.14", "6-35"),
    ("ELU (a=1)", lambda x: F.elu(x, 1.0), "6.15", "6-36"),
)


def derivative(function: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` element-wise, the derivative by netopt's backward pass."""
    leaf = netopt.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = function(leaf)
    out.sum().backward()
    return out._data, leaf._grad


def formula_claims(x: np.ndarray, curves: dict) -> list[Claim]:
    """The claims that the backward-pass derivatives match the chapter's formulas."""
    s, ds = curves["sigmoid"]
    t, dt = curves["tanh"]
    err_s = np.abs(ds - s * (1 - s)).max()
    err_t = np.abs(dt - (1 - t * t)).max()
    pos, neg = x > 1e-3, x < -1e-3
    relu_d = curves["ReLU"][1]
    leaky_d = curves[FUNCTIONS[3][0]][1]
    elu_y, elu_d = curves[FUNCTIONS[4][0]]
    piecewise = {
        "ReLU": max(np.abs(relu_d[pos] - 1).max(), np.abs(relu_d[neg]).max()),
        "Leaky ReLU": max(np.abs(leaky_d[pos] - 1).max(), np.abs(leaky_d[neg] - LEAKY_SLOPE).max()),
        "ELU": max(np.abs(elu_d[pos] - 1).max(), np.abs(elu_d[neg] - np.exp(x[neg])).max()),
    }
    elu_identity = np.abs(elu_d[neg] - (elu_y[neg] + 1.0)).max()
    return [
        Claim(
            "Sigmoid's derivative is sigma(z)(1 - sigma(z)) and at most 0.25, at z = 0 "
            "(eq. 6-31, figure 6.10)",
            bool(err_s < 1e-12 and abs(ds.max() - 0.25) < 1e-12 and x[ds.argmax()] == 0),
            f"max |backward - s(1-s)| = {err_s:.1e} on 2001 points in [-10, 10]; "
            f"max sigma' = {ds.max():.6f} at z = {x[ds.argmax()]:g}",
            kind="check",
        ),
        Claim(
            "Tanh's derivative is 1 - tanh^2(x) and at most 1, at x = 0 (eq. 6-33, figure 6.11)",
            bool(err_t < 1e-12 and abs(dt.max() - 1.0) < 1e-12 and x[dt.argmax()] == 0),
            f"max |backward - (1 - tanh^2)| = {err_t:.1e}; max tanh' = {dt.max():.6f} at "
            f"x = {x[dt.argmax()]:g}",
            kind="check",
        ),
        Claim(
            "Piecewise-linear units: ReLU' = 1 for x > 0 and 0 for x < 0; Leaky ReLU' = 1 and "
            "a (eq. 6-35); ELU' = 1 and a e^x = f(x) + a (eq. 6-36)",
            bool(max(piecewise.values()) < 1e-12 and elu_identity < 1e-12),
            ", ".join(f"{k} max error {v:.1e}" for k, v in piecewise.items())
            + f"; max |ELU' - (ELU + 1)| for x < 0: {elu_identity:.1e}",
            kind="check",
        ),
    ]


def saturation_at_infinity() -> tuple[list[list], list[Claim]]:
    """The saturation table's rows (derivatives at x = +-FAR) and its claims."""
    functions = [(name, fn) for name, fn, _, _ in FUNCTIONS]
    functions.append(("Leaky ReLU (a=0.01, torch default)", lambda x: F.leaky_relu(x)))
    rows, classes = [], {}
    for name, fn in functions:
        _, d = derivative(fn, np.array([-FAR, FAR]))
        left, right = bool(abs(d[0]) < FLAT), bool(abs(d[1]) < FLAT)
        kind = {(True, True): "fully saturating", (True, False): "left-saturating"}.get(
            (left, right), "right-saturating" if right else "non-saturating"
        )
        classes[name] = kind
        rows.append([name, float(d[0]), float(d[1]), left, right, kind])
    saturating = [classes["sigmoid"], classes["tanh"]]
    right_free = [n for n, k in classes.items() if n not in ("sigmoid", "tanh")]
    claims = [
        Claim(
            "Sigmoid and tanh are fully saturating: f'(x) -> 0 as x -> -inf and as x -> +inf "
            "(slide 44)",
            saturating == ["fully saturating"] * 2,
            f"sigmoid: {classes['sigmoid']}, tanh: {classes['tanh']} (|f'(+-{FAR:g})| < {FLAT:g})",
            kind="check",
        ),
        Claim(
            "ReLU and its variants are not saturating on the positive side: f'(x) = 1 as "
            "x -> +inf (slide 44); by the limit definition ReLU and ELU still saturate on "
            "the left and only Leaky ReLU on neither side",
            all(not row[4] and row[2] == 1.0 for row in rows[2:])
            and classes["ReLU"] == "left-saturating"
            and classes[FUNCTIONS[4][0]] == "left-saturating"
            and all(classes[n] == "non-saturating" for n in right_free if "Leaky" in n),
            "; ".join(f"{n}: {classes[n]}" for n in right_free),
            kind="check",
        ),
    ]
    return rows, claims
