r"""Slide 33: a learning rate too small, good, too large, divergent (private).

Two measurements with netopt's ``SGD``:

* :func:`net_regimes`: full-batch descent of the digits MLP at four learning rates; too
  small barely moves, a good one goes lowest, too large makes the loss go up and down,
  much too large never learns (or overflows).
* :func:`threshold`: on a random quadratic :math:`f(\theta) = \tfrac12\theta^\top H\theta`,
  the learning rate beyond which descent diverges, found by bisection, against theory:
  plain descent multiplies the component along an eigenvector of eigenvalue
  :math:`\lambda` by :math:`1 - \eta\lambda`, so it diverges once
  :math:`\eta > 2/\lambda_{max}`; heavy-ball momentum (netopt's form, eq. 6-23/6-24) is
  stable while :math:`\eta\lambda < 2 + 2\beta`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import Split
from netopt.lab.core import Context
from netopt.optim import SGD

from .._shared.nets import cross_entropy_step, mlp

#: slide 33's four regimes: name -> learning rate of full-batch descent on the digits MLP
REGIME_LRS = {"too small": 0.01, "good": 0.5, "too large": 2.0, "divergent": 20.0}
REGIME_STEPS, REGIME_IMAGES = 100, 256
DIM = 8
BETA = 0.9
"""Momentum of the stable-region measurement."""
"""Dimension of the random quadratic."""


def net_regimes(ctx: Context, data: Split, stream: str, lrs: dict[str, float]) -> dict[str, Any]:
    """Full-batch SGD of the digits MLP (same initial weights) at each of ``lrs``.

    Returns
    -------
    dict
        name -> ``{"lr", "curve", "final", "ups", "finite"}``: the loss per step (until it
        overflows), its last value, the fraction of steps that raised it.
    """
    x, y = data.x_train[:REGIME_IMAGES], data.y_train[:REGIME_IMAGES]
    out = {}
    for name, lr in lrs.items():
        model = mlp((64, 32, 10), rng=ctx.rng(f"regimes-init-{stream}"))
        opt = SGD(model.parameters(), lr=lr)
        curve = []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(REGIME_STEPS):
                curve.append(cross_entropy_step(model, opt, x, y))
                if not np.isfinite(curve[-1]) or curve[-1] > 1e6:
                    break
        c = np.array(curve)
        finite = bool(np.all(np.isfinite(c)))
        out[name] = {
            "lr": lr,
            "curve": c,
            "final": float(c[-1]) if finite else np.inf,
            "ups": float(np.mean(np.diff(c) > 0)) if len(c) > 1 else 0.0,
            "finite": finite,
        }
    return out


def regimes_hold(runs: dict[str, Any]) -> bool:
    r"""Slide 33's picture: too small ends above 90% of the initial loss; good ends lowest
    and below a quarter of it; too large raises the loss on at least 10% of its steps and
    ends above 5 times good (it oscillates instead of settling); divergent ends above the
    initial loss (or overflows)."""
    start = runs["good"]["curve"][0]
    finals = {k: r["final"] for k, r in runs.items()}
    return bool(
        finals["too small"] >= 0.9 * start
        and finals["good"] == min(finals.values())
        and finals["good"] <= 0.25 * start
        and runs["too large"]["ups"] >= 0.1
        and finals["too large"] > 5 * finals["good"]
        and finals["divergent"] > start
    )


def random_quadratic(rng: np.random.Generator) -> np.ndarray:
    r"""A symmetric positive definite :math:`H` (``DIM`` x ``DIM``): random rotation,
    eigenvalues log-uniform in :math:`[0.05, 1]\,\lambda_{max}`, :math:`\lambda_{max}` uniform
    in [1, 4]."""
    q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    top = rng.uniform(1.0, 4.0)
    eig = top * np.exp(rng.uniform(np.log(0.05), 0.0, size=DIM))
    eig[0] = top
    return (q * eig) @ q.T


def _diverges(h: np.ndarray, lrs: np.ndarray, beta: float, steps: int) -> np.ndarray:
    r"""Whether netopt's SGD (momentum ``beta``) at each of ``lrs`` leaves the start's norm
    behind by a factor 10 within ``steps`` steps.

    All learning rates run in one parameter :math:`\Theta` (one row each) at ``lr=1`` on
    :math:`\sum_k \tfrac{\eta_k}2\theta_k^\top H\theta_k`: row :math:`k` then takes
    exactly the steps of learning rate :math:`\eta_k` on :math:`f` (its velocity is
    :math:`\eta_k` times the other's).
    """
    theta = nn.Parameter(np.ones((len(lrs), DIM)) / np.sqrt(DIM))
    opt = SGD([theta], lr=1.0, momentum=beta)
    hess, scale = netopt.tensor(h), netopt.tensor(np.asarray(lrs, dtype=float).reshape(-1, 1))
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * scale * theta * (theta @ hess)).sum().backward()
        opt.step()
    return np.linalg.norm(theta._data, axis=1) > 10.0


def threshold(h: np.ndarray, beta: float, steps: int = 400, rounds: int = 3) -> float:
    r"""The measured divergence threshold :math:`\eta^*` of SGD with momentum ``beta`` on
    :math:`H`.

    Each round tries 9 learning rates evenly spaced over the current bracket (at first
    0.5 to 2 times the theory's :math:`(2 + 2\beta)/\lambda_{max}`) and keeps the two
    around the first that diverges; the answer is the last bracket's middle.
    """
    theory = (2 + 2 * beta) / float(np.linalg.eigvalsh(h)[-1])
    low, high = 0.5 * theory, 2.0 * theory
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(rounds):
            grid = np.linspace(low, high, 9)
            bad = _diverges(h, grid, beta, steps)
            first = int(np.argmax(bad)) if bad.any() else len(grid) - 1
            low, high = grid[max(first - 1, 0)], grid[first]
    return float(0.5 * (low + high))
