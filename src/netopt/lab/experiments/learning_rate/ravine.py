r"""The ravine of the chapter's figures 6.5-6.8 and netopt's optimizers on it (private).

:math:`f(\theta) = 0.1\,\theta_1^2 + 2\,\theta_2^2`: :func:`netopt.data.surfaces.ravine`
with curvatures :data:`CURVATURES` (0.2 and 4). Every setting of
an optimizer family runs at once: one parameter per setting, one parameter group per
setting (its own ``lr``, ``momentum``). The gradient :math:`(0.2\,\theta_1, 4\,\theta_2)` is
written into each parameter's gradient array in closed form
(:func:`netopt.data.surfaces.ravine_gradient`): the same numbers as a backward pass of
:func:`objective` (a test compares them), several times faster on 2-vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data.surfaces import ravine, ravine_gradient
from netopt.optim import SGD, Adagrad, Adam, RMSprop

from .._shared.training import first_at_or_below

#: The ravine's curvatures (module docstring): the flat :math:`\theta_1` and the steep
#: :math:`\theta_2` of the chapter's figure 6.5.
CURVATURES = (0.2, 4.0)

START = (-8.0, 2.0)
TOL = 1e-3  # distance to the minimum that counts as converged
BETAS = (0.5, 0.7, 0.8, 0.9)  # momentum grid, shared by momentum and NAG
LRS = (0.03, 0.05, 0.1, 0.15, 0.2)  # lr * curvature 4 <= 0.8: the underdamped regime

#: name -> (optimizer class, grid of settings); each method is shown at its best setting.
FAMILIES: dict[str, tuple[type, list[dict[str, Any]]]] = {
    "GD": (SGD, [{"lr": a} for a in (0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.48)]),
    "Momentum": (SGD, [{"lr": a, "momentum": b} for b in BETAS for a in LRS]),
    "NAG": (SGD, [{"lr": a, "momentum": b, "nesterov": True} for b in BETAS for a in LRS]),
    "AdaGrad": (Adagrad, [{"lr": a} for a in (0.3, 1.0, 2.0, 3.0)]),
    "RMSProp": (RMSprop, [{"lr": a} for a in (0.03, 0.1, 0.3)]),
    "Adam": (Adam, [{"lr": a} for a in (0.1, 0.3, 1.0)]),
}


def objective(theta: netopt.Tensor) -> netopt.Tensor:
    r"""The ravine :math:`f(\theta)` of the module docstring, curvatures :data:`CURVATURES`."""
    return ravine(theta[0], theta[1], CURVATURES)


def run_settings(cls: type, settings: list[dict[str, float]], steps: int) -> np.ndarray:
    r"""Run ``cls`` with every setting from :data:`START` for ``steps`` steps.

    Returns
    -------
    ndarray, shape (len(settings), steps + 1, 2)
        The iterates, the start included.
    """
    params = [nn.Parameter(np.array(START)) for _ in settings]
    opt = cls([{"params": [p], **s} for p, s in zip(params, settings)])
    paths = np.empty((len(settings), steps + 1, 2))
    paths[:, 0] = START
    for t in range(1, steps + 1):
        for p in params:
            p._grad = ravine_gradient(*p._data, CURVATURES)
        opt.step()
        for k, p in enumerate(params):
            paths[k, t] = p._data
    return paths


def measure(path: np.ndarray) -> dict[str, Any]:
    r"""Steps until :math:`\lVert\theta\rVert` stays below :data:`TOL`, the :math:`\theta_2`
    path length and sign changes up to then, and the step after which each coordinate
    stays within ``TOL / sqrt(2)``.

    "Stays" matters: an oscillating method can pass through the tolerance ball and leave it
    again; the count is the step after its last exit (None if it is outside at the end).
    """
    dist = np.linalg.norm(path, axis=1)
    outside = np.flatnonzero(~(dist < TOL))
    n = (
        None
        if outside.size and outside[-1] == len(path) - 1
        else (int(outside[-1]) + 1 if outside.size else 0)
    )
    end = len(path) if n is None else n + 1
    x1, x2 = path[:end, 0], path[:end, 1]
    settle = []
    for c in range(2):
        out_c = np.flatnonzero(~(np.abs(path[:, c]) < TOL / np.sqrt(2)))
        settle.append(int(out_c[-1]) + 1 if out_c.size else 0)
    return {
        "steps": n,
        "first_entry": first_at_or_below(dist, TOL),
        "x2_path": float(np.abs(np.diff(x2)).sum()),
        "x2_flips": int(np.sum(np.signbit(x2[1:]) != np.signbit(x2[:-1]))),
        "x1_flips": int(np.sum(np.signbit(x1[1:]) != np.signbit(x1[:-1]))),
        "settle": settle,
        "finite": bool(np.all(np.isfinite(path))),
    }


def run_all(steps: int) -> dict[str, dict[str, Any]]:
    """Every family's grid: paths, measurements, and the best setting (fewest steps)."""
    out = {}
    for name, (cls, grid) in FAMILIES.items():
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging grid point is data
            paths = run_settings(cls, grid, steps)
        stats = [measure(p) for p in paths]
        reached = [i for i, s in enumerate(stats) if s["steps"] is not None]
        best = min(reached, key=lambda i: stats[i]["steps"]) if reached else None
        shown = 0 if best is None else best  # the setting drawn and compared
        out[name] = {"grid": grid, "paths": paths, "stats": stats, "best": best, "shown": shown}
    return out


def chapter_nag(lr: float, beta: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The chapter's Nesterov steps, in NumPy, on the ravine.

    :math:`\theta' = \theta_{t-1} - \alpha\beta v_{t-1}`, :math:`g' = \nabla f(\theta')`,
    :math:`v_t = g' + \beta v_{t-1}`, :math:`\theta_t = \theta_{t-1} - \alpha v_t`, from
    :math:`v_0 = 0`. Returns the iterates :math:`\theta_t` and the look-ahead points
    :math:`\theta_t - \alpha\beta v_t`.
    """
    theta, v = np.array(START), np.zeros(2)
    thetas, ahead = [theta.copy()], [theta.copy()]
    for _ in range(steps):
        g = ravine_gradient(*(theta - lr * beta * v), CURVATURES)
        v = g + beta * v
        theta = theta - lr * v
        thetas.append(theta.copy())
        ahead.append(theta - lr * beta * v)
    return np.array(thetas), np.array(ahead)


def sutskever_momentum(lrs: np.ndarray, beta: float) -> np.ndarray:
    r"""Momentum in the form :math:`v_t = \beta v_{t-1} - \alpha_t g_t`,
    :math:`\theta_t = \theta_{t-1} + v_t` (Sutskever et al. 2013, Keras), on the ravine, with
    the learning rate ``lrs[t-1]`` at step ``t``."""
    theta, v = np.array(START), np.zeros(2)
    out = [theta.copy()]
    for lr in lrs:
        v = beta * v - lr * ravine_gradient(*theta, CURVATURES)
        theta = theta + v
        out.append(theta.copy())
    return np.array(out)
