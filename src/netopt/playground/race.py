r"""The optimizer race: netopt optimizers side by side on a 2-D loss surface.

Each racer is one :class:`~netopt.nn.Parameter` :math:`\theta = (x, y)` with its own
:mod:`netopt.optim` optimizer, started from the same point; every step evaluates the
surface with netopt's autograd, calls ``backward`` and ``optimizer.step()``. A racer
*reaches* the minimum at the first step where :math:`\|\theta - \theta^*\| <` :data:`TOL`
for the nearest minimiser :math:`\theta^*`, and stops; a racer whose coordinates leave
:math:`[-10^6, 10^6]` or turn non-finite has *diverged*. Verdicts are step counts.

Surfaces: those of :mod:`netopt.data.surfaces` (the formulas are there), evaluated on netopt
tensors, so the contours and the gradients come from the same code: ``ravine`` with the
chapter's curvatures 0.2 and 4 (figures 6.5-6.8), ``rosenbrock``, ``saddle`` (minima at
:math:`(0, \pm 1)`), ``beale``, and ``quadratic`` with the race's eigenvalues along axes
rotated by 30 degrees. Gradient descent on a quadratic is stable
exactly when :math:`0 < \alpha < 2/\lambda_{\max}` (:func:`stable_lr`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import netopt
from netopt import nn

from .._validate import is_int, is_real
from ..data import surfaces
from .trainer import build_optimizer

TOL = 1e-3
MAX_STEPS = 1000
MAX_RACERS = 6
RACE_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def _ravine(x, y, _lam):
    return surfaces.ravine(x, y)  # the chapter's curvatures 0.2 and 4


def _rosenbrock(x, y, _lam):
    return surfaces.rosenbrock(x, y)


def _saddle(x, y, _lam):
    return surfaces.saddle(x, y)


def _beale(x, y, _lam):
    return surfaces.beale(x, y)


def _quadratic(x, y, lam):
    return surfaces.quadratic(x, y, lam, angle=math.pi / 6)


#: name -> (function of (x, y, eigenvalues), view box (x0, x1, y0, y1), minimisers, start).
SURFACES: dict[str, tuple[Any, tuple[float, ...], list[tuple[float, float]], tuple]] = {
    "ravine": (_ravine, (-10.0, 10.0, -5.0, 5.0), [(0.0, 0.0)], (-8.0, 2.0)),
    "rosenbrock": (_rosenbrock, (-2.0, 2.0, -1.0, 3.0), [(1.0, 1.0)], (-1.5, 2.0)),
    "saddle": (_saddle, (-2.0, 2.0, -2.0, 2.0), [(0.0, 1.0), (0.0, -1.0)], (1.8, 0.01)),
    "beale": (_beale, (-4.5, 4.5, -4.5, 4.5), [(3.0, 0.5)], (1.0, 1.5)),
    "quadratic": (_quadratic, (-10.0, 10.0, -10.0, 10.0), [(0.0, 0.0)], (-8.0, 6.0)),
}


def stable_lr(eigenvalues: tuple[float, float]) -> float:
    r"""The largest stable gradient-descent step on a quadratic: :math:`2/\lambda_{\max}`.

    >>> stable_lr((0.2, 4.0))
    0.5
    """
    return 2.0 / max(eigenvalues)


def contours(surface: str, eigenvalues: tuple[float, float], resolution: int = 80) -> np.ndarray:
    """The surface on a ``resolution`` x ``resolution`` grid over its view box, row-major
    from the top-left, as uint8 levels of :math:`\\log(1 + f - \\min f)`."""
    fn, (x0, x1, y0, y1), _, _ = SURFACES[surface]
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y1, y0, resolution)
    gx, gy = np.meshgrid(xs, ys)
    with netopt.no_grad():
        f = fn(netopt.tensor(gx.ravel()), netopt.tensor(gy.ravel()), eigenvalues).numpy()
    level = np.log1p(f - f.min())
    level = level / max(level.max(), 1e-12)
    return np.round(level * 255.0).astype(np.uint8)


def check_race(raw: Any) -> dict[str, Any]:
    """Check a race request from the browser; raise ``ValueError`` naming the bad field."""
    if not isinstance(raw, dict):
        raise ValueError("race must be an object")
    unknown = sorted(set(raw) - {"type", "surface", "start", "racers", "eigenvalues", "steps"})
    if unknown:
        raise ValueError(f"unknown race key(s): {', '.join(map(str, unknown))}")
    surface = raw.get("surface", "ravine")
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, got {surface!r}")
    start = raw.get("start", list(SURFACES[surface][3]))
    if not (isinstance(start, list) and len(start) == 2 and all(map(is_real, start))):
        raise ValueError(f"start must be two finite numbers, got {start!r}")
    if not all(abs(v) <= 100 for v in start):
        raise ValueError(f"start must lie in [-100, 100]^2, got {start!r}")
    lam = raw.get("eigenvalues", [0.2, 4.0])
    if not (
        isinstance(lam, list)
        and len(lam) == 2
        and all(is_real(v) and 0.01 <= v <= 100 for v in lam)
    ):
        raise ValueError(f"eigenvalues must be two numbers in [0.01, 100], got {lam!r}")
    steps = raw.get("steps", 300)
    if not (is_int(steps) and 1 <= steps <= MAX_STEPS):
        raise ValueError(f"steps must be an integer in [1, {MAX_STEPS}], got {steps!r}")
    racers = raw.get("racers")
    if not (isinstance(racers, list) and 1 <= len(racers) <= MAX_RACERS):
        raise ValueError(f"racers must be a list of 1 to {MAX_RACERS} optimizers")
    checked = [_check_racer(r) for r in racers]
    return {
        "surface": surface,
        "start": [float(v) for v in start],
        "eigenvalues": [float(v) for v in lam],
        "steps": int(steps),
        "racers": checked,
    }


_RACER_RANGES = {
    "lr": (1e-6, 100.0),
    "momentum": (0.0, 0.999),
    "beta1": (0.0, 0.999),
    "beta2": (0.0, 0.9999),
    "alpha": (0.0, 0.9999),
}


def _check_racer(raw: Any) -> dict[str, Any]:
    """One racer: an optimizer name and its hyper-parameters."""
    if not isinstance(raw, dict) or raw.get("optimizer") not in RACE_OPTIMIZERS:
        raise ValueError(f"each racer needs an optimizer from {', '.join(RACE_OPTIMIZERS)}")
    racer = {
        "optimizer": raw["optimizer"],
        "lr": 0.1,
        "momentum": 0.9,
        "beta1": 0.9,
        "beta2": 0.999,
        "alpha": 0.99,
        "weight_decay": 0.0,
    }
    for key, value in raw.items():
        if key == "optimizer":
            continue
        if key not in _RACER_RANGES:
            raise ValueError(f"unknown racer key {key!r}")
        low, high = _RACER_RANGES[key]
        if not (is_real(value) and low <= value <= high):
            raise ValueError(f"racer {key} must be a number in [{low}, {high}], got {value!r}")
        racer[key] = float(value)
    return racer


def run_race(race: dict[str, Any]) -> list[dict[str, Any]]:
    """Run every racer of a checked race; return per racer its ``path`` (list of [x, y],
    the start included), ``reached`` (the step count, or None) and ``diverged``."""
    fn, _, minima, _ = SURFACES[race["surface"]]
    lam = tuple(race["eigenvalues"])
    goal = np.array(minima)
    results = []
    for racer in race["racers"]:
        theta = nn.Parameter(netopt.tensor(np.array(race["start"], dtype=np.float64)))
        optimizer = build_optimizer(racer, [theta])
        path = [list(race["start"])]
        reached, diverged = None, False
        for step in range(1, race["steps"] + 1):
            optimizer.zero_grad()
            with np.errstate(all="ignore"):
                fn(theta[0], theta[1], lam).backward()
                optimizer.step()
            point = theta.detach().numpy().astype(np.float64)
            if not np.all(np.isfinite(point)) or np.abs(point).max() > 1e6:
                diverged = True
                break
            path.append([float(point[0]), float(point[1])])
            if np.min(np.linalg.norm(goal - point, axis=1)) < TOL:
                reached = step
                break
        results.append({"path": path, "reached": reached, "diverged": diverged})
    return results
