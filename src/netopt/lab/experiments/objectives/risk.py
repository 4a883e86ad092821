r"""Structural risk (eq. 6-11/6-12) and metrics against losses (slide 23).

**Structural risk.** Degree-12 Legendre-feature regression on 20 noisy points: for each
:math:`\lambda` the minimizer of :math:`R_{emp} + \lambda\tfrac12\lVert w\rVert^2`
(netopt's ``StructuralRisk``) is found from its normal equations and certified by netopt's
autograd (zero gradient). Its training error rises with :math:`\lambda` (a theorem for
ridge regression: a check); its test error is U-shaped (a finding, over data draws).

**Metrics are not losses.** One weight of the trained classifier is swept: accuracy is
piecewise constant (zero derivative almost everywhere), cross-entropy is smooth and its
autograd derivative matches a finite difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import make_polynomial_regression
from netopt.nn import functional as F
from netopt.regularization import StructuralRisk
from netopt.train import accuracy_score

DEGREE, N_TRAIN, NOISE = 12, 20, 0.2  # structural-risk regression


def risk_sweep(
    rng: np.random.Generator, init_rng: np.random.Generator, lambdas: np.ndarray,
    noise: float = NOISE, n_train: int = N_TRAIN,
) -> dict[str, Any]:  # fmt: skip
    """Structural-risk minimizers over ``lambdas``; train/test MSE and the certificate.

    ``noise`` and ``n_train`` are the cause of overfitting at small lambda: with no noise
    the U-shape of the test error goes away.
    """
    n_test = 480
    split = make_polynomial_regression(
        n_train + n_test, degree=3, noise=noise, test_size=n_test / (n_train + n_test),
        seed=rng,
    )  # fmt: skip

    def features(x: np.ndarray) -> np.ndarray:
        return np.polynomial.legendre.legvander(x[:, 0].astype(np.float64), DEGREE)[:, 1:]

    x_tr, x_te = features(split.x_train), features(split.x_test)
    y_tr = split.y_train.astype(np.float64)[:, None]
    y_te = split.y_test.astype(np.float64)[:, None]
    n = len(y_tr)
    xc, yc = x_tr - x_tr.mean(0), y_tr - y_tr.mean()
    model = nn.Linear(DEGREE, 1, dtype=np.float64, rng=init_rng)
    rows, worst_grad, fits = [], 0.0, []
    for lam in lambdas:
        # d/dw [ (1/N)||Xw + b - y||^2 + lam/2 ||w||^2 ] = 0 with b eliminated (centered data)
        w = np.linalg.solve(2.0 / n * xc.T @ xc + lam * np.eye(DEGREE), 2.0 / n * xc.T @ yc)
        model.weight._data[...] = w.T
        model.bias._data[...] = y_tr.mean() - x_tr.mean(0) @ w
        risk = StructuralRisk(nn.MSELoss(), model, l2=float(lam))
        model.zero_grad()
        risk(model(netopt.tensor(x_tr)), netopt.tensor(y_tr)).backward()
        worst_grad = max(worst_grad, *(float(np.abs(p._grad).max()) for p in model.parameters()))
        with netopt.no_grad():
            train = F.mse_loss(model(netopt.tensor(x_tr)), netopt.tensor(y_tr)).item()
            test = F.mse_loss(model(netopt.tensor(x_te)), netopt.tensor(y_te)).item()
        rows.append((float(lam), train, test, float(np.linalg.norm(w))))
        fits.append((model.weight._data.copy(), model.bias._data.copy()))
    return {"rows": rows, "grad": worst_grad, "split": split, "fits": fits, "features": features}


def weight_sweep(model: nn.Sequential, data: Any, points: int) -> dict[str, Any]:
    r"""Sweep the output weight :math:`W_{kj}` with the largest :math:`|\partial CE/\partial w|`.

    The logits are linear in :math:`W_{kj}` (:math:`S_k = W_{k\cdot} h + b_k`, eq. 6-13), so
    moving it by :math:`d` adds :math:`d\,h_j` to column :math:`k` of the logits computed
    once by the model. At every point, accuracy and cross-entropy are also evaluated at
    :math:`\pm 10^{-5}` for central-difference derivatives.
    """
    x, y = netopt.tensor(data.x_train), netopt.tensor(data.y_train)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    weight = model[-1].weight
    k, j = np.unravel_index(np.argmax(np.abs(weight._grad)), weight.shape)
    w0, autograd = float(weight._data[k, j]), float(weight._grad[k, j])
    with netopt.no_grad():
        hidden = x
        for layer in list(model)[:-1]:
            hidden = layer(hidden)
        logits0 = model[-1](hidden)._data
    h_j = hidden._data[:, j]
    offsets = np.linspace(-0.5, 0.5, points)
    h = 1e-5

    def at(d: float) -> tuple[float, float]:
        logits = logits0.copy()
        logits[:, k] += d * h_j
        ce = F.cross_entropy(netopt.tensor(logits), y).item()
        return accuracy_score(data.y_train, logits.argmax(1)), ce

    acc, ce, dacc, dce = (np.empty(points) for _ in range(4))
    for i, d in enumerate(offsets):
        (acc[i], ce[i]), (a_up, c_up), (a_dn, c_dn) = at(d), at(d + h), at(d - h)
        dacc[i], dce[i] = (a_up - a_dn) / (2 * h), (c_up - c_dn) / (2 * h)
    return {
        "where": (int(k), int(j)), "w0": w0, "values": w0 + offsets, "acc": acc, "ce": ce,
        "dacc": dacc, "dce": dce, "autograd": autograd, "central": float(dce[points // 2]),
        "h": h,
    }  # fmt: skip


def u_shaped(rows: list[tuple]) -> bool:
    """Whether the test error's minimum is inside the sweep and 10 % below both ends."""
    test = np.array([r[2] for r in rows])
    best = int(np.argmin(test))
    return bool(
        0 < best < len(rows) - 1 and test[0] > 1.1 * test[best] and test[-1] > 1.1 * test[best]
    )
