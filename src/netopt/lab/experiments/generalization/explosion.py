r"""L1 and L2 against exploding weights (private; slide 58, eqs. 6-11 and 6-12).

The degree-20 polynomial of :mod:`.capacity` fitted by least squares to 25 noisy points of
:math:`P_3` interpolates the noise with enormous coefficients (the true weights: 1 on
:math:`P_3`, 0 elsewhere, norm 1). Minimizing the structural risk instead,

.. math::

    \frac1N\|\Phi w - y\|^2 + \lambda\,\Omega(w),\qquad
    \Omega = \tfrac12\|w_{1:}\|_2^2 \ \text{(L2)}\quad\text{or}\quad \|w_{1:}\|_1\ \text{(L1)},

(the bias :math:`w_0` unpenalized) keeps them near the true size. L2 is solved in closed form
(:func:`.capacity.ridge`), L1 by scikit-learn's coordinate descent (``Lasso`` minimizes
:math:`\frac1{2N}\|\cdot\|^2 + \alpha\|w\|_1`, so :math:`\alpha = \lambda/2`).
"""

from __future__ import annotations

import numpy as np

from ...core import Claim
from .._shared.tuning import count, spread
from . import capacity

PENALTIES = {"L2": 1e-2, "L1": 1e-2}
"""The fixed strengths :math:`\\lambda` of each penalty (not tuned on the test set)."""
EXPLODED = 100.0
"""Unpenalized weights 'explode' when their norm is at least this multiple of the true one."""
TAMED = 2.0
"""Penalized weights are 'tamed' when their norm is at most this multiple of the true one."""
MOST = 0.8
"""The finding must hold on at least this share of the run's draws."""


def lasso(features: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    r"""Minimize :math:`\frac1N\|\Phi w - y\|^2 + \lambda\|w_{1:}\|_1` (column 0 the bias)."""
    from sklearn.linear_model import Lasso

    fit = Lasso(alpha=0.5 * lam, max_iter=100_000, tol=1e-10).fit(features[:, 1:], y)
    return np.concatenate([[fit.intercept_], fit.coef_])


def penalized(split, penalties: dict[str, float] | None = None) -> dict:
    r"""Weight norm and test MSE of the degree-20 fit without a penalty, with L2 and with L1.

    Parameters
    ----------
    split
        The polynomial data (:func:`.capacity.polynomial_data`).
    penalties : dict, optional
        ``{"L2": lambda, "L1": lambda}``, default :data:`PENALTIES`; 0 removes a penalty.

    Returns
    -------
    dict
        ``"none"``, ``"L2"``, ``"L1"`` -> ``{"norm": ||w_1:||, "test": test MSE}``, and
        ``"l1_zeros"``: the fraction of L1's weights that are exactly 0.
    """
    lams = PENALTIES if penalties is None else penalties
    d = capacity.RIDGE_DEGREE
    x_tr, x_te = (
        capacity.legendre_features(split.x_train, d),
        capacity.legendre_features(split.x_test, d),
    )
    y_tr, y_te = split.y_train.astype(np.float64), split.y_test.astype(np.float64)
    fits = {
        "none": np.linalg.lstsq(x_tr, y_tr, rcond=None)[0],
        "L2": capacity.ridge(x_tr, y_tr, lams["L2"]),
        "L1": lasso(x_tr, y_tr, lams["L1"])
        if lams["L1"]
        else np.linalg.lstsq(x_tr, y_tr, rcond=None)[0],
    }
    out: dict = {
        k: {"norm": float(np.linalg.norm(w[1:])), "test": float(np.mean((x_te @ w - y_te) ** 2))}
        for k, w in fits.items()
    }
    out["l1_zeros"] = float(np.mean(fits["L1"][1:] == 0.0))
    return out


def tamed(run: dict) -> bool:
    """Unpenalized weights explode, both penalized ones stay near the true norm (1)."""
    return bool(
        run["none"]["norm"] >= EXPLODED
        and run["L2"]["norm"] <= TAMED
        and run["L1"]["norm"] <= TAMED
    )


def holds(runs: list[dict]) -> bool:
    """:func:`tamed` on at least :data:`MOST` of the draws."""
    return bool(sum(tamed(r) for r in runs) >= MOST * len(runs))


def explosion_claim(runs: list[dict]) -> Claim:
    """The finding, over the run's draws of the polynomial data."""
    flags = [tamed(r) for r in runs]
    lam = PENALTIES
    return Claim(
        "L1 and L2 regularization (eqs. 6-11, 6-12) keep an over-flexible model's weights from "
        f"exploding: the degree-{capacity.RIDGE_DEGREE} least-squares polynomial on "
        f"{capacity.N_TRAIN} noisy points has a weight norm at least {EXPLODED:g}x the true "
        f"cubic's, with either penalty at most {TAMED:g}x (on at least {MOST:.0%} of the draws)",
        holds(runs),
        f"weight norm (true: 1) without a penalty {spread([r['none']['norm'] for r in runs])}, "
        + ", ".join(f"{k} (lambda {lam[k]:g}) {spread([r[k]['norm'] for r in runs])}" for k in lam)
        + "; test MSE "
        + ", ".join(f"{k} {spread([r[k]['test'] for r in runs])}" for k in ("none", *lam))
        + f" (noise floor {capacity.NOISE**2:.3f}); L1's exact zeros "
        f"{spread([r['l1_zeros'] for r in runs])}; holds on {count(flags)}",
        kind="finding",
        protocol={
            "seeds": len(runs),
            "tuning": "none: the settings are fixed and stated with the claim",
            "statistic": f"at least {MOST:.0%} of the draws: unpenalized norm >= {EXPLODED:g}, "
            f"L2 and L1 norms <= {TAMED:g}",
        },
    )
