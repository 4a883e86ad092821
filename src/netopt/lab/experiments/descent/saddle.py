r"""Gradient noise and the saddle point (slides 28-29).

**Gradient noise.** At the initial weights, the relative error of the mini-batch gradient
against the full gradient, :math:`\lVert g_B - g\rVert / \lVert g\rVert`, for batch sizes
1..256: for batches drawn without replacement its mean square is
:math:`\frac{\sigma^2}{n}\,\frac{N - n}{N - 1}` (a sampling identity), so it falls as
:math:`1/\sqrt n` while :math:`n \ll N`.

**Saddle point.** On :math:`f(x, y) = \frac1N\sum_i (x - a_i)^2 - (y - b_i)^2 = x^2 - y^2 + c`
with centered data, batch gradient descent started on the ridge :math:`y = 0` never leaves
it and converges to the saddle (the data are built so that it must); mini-batch SGD's
sampling noise pushes it off and it escapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import netopt
from netopt import nn
from netopt.data import DataLoader, TensorDataset
from netopt.nn import functional as F
from netopt.optim import SGD

SADDLE_LR, SADDLE_N, SADDLE_BATCH = 0.05, 256, 8


def _flat_grad(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    model.zero_grad()
    F.cross_entropy(model(netopt.tensor(x)), netopt.tensor(y)).backward()
    return np.concatenate([p._grad.ravel() for p in model.parameters()])


def gradient_noise(make: Any, data: Any, sizes: tuple[int, ...], draws: int, rng: Any) -> dict:
    """Relative RMS error of mini-batch gradients against the full gradient, per size."""
    model = make()
    x, y = data.x_train, data.y_train
    g = _flat_grad(model, x, y)
    rel = []
    for n in sizes:
        sq = [
            np.sum((_flat_grad(model, x[idx], y[idx]) - g) ** 2)
            for idx in (rng.choice(len(y), size=n, replace=False) for _ in range(draws))
        ]
        rel.append(float(np.sqrt(np.mean(sq)) / np.linalg.norm(g)))
    small = np.array(sizes) <= 64
    slope = float(np.polyfit(np.log(np.array(sizes)[small]), np.log(np.array(rel)[small]), 1)[0])
    return {"sizes": sizes, "rel": rel, "slope": slope}


def saddle_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Centered samples: :math:`b` is symmetric on a 1/64 grid, so :math:`\sum b_i = 0`
    exactly in floating point and the full gradient on the ridge is exactly zero."""
    a = rng.normal(size=SADDLE_N)
    k = rng.integers(-64, 65, SADDLE_N // 2) / 64.0
    return a - a.mean(), rng.permutation(np.concatenate([k, -k]))


def saddle_run(a: np.ndarray, b: np.ndarray, batch: int, steps: int, rng: Any) -> dict:
    """Descend on f from (1.5, 0) with batches of ``batch``; stop once |y| > 1."""
    x, y = nn.Parameter(np.array(1.5)), nn.Parameter(np.array(0.0))
    opt = SGD([x, y], lr=SADDLE_LR)
    loader = DataLoader(TensorDataset(a, b), batch_size=batch, shuffle=batch < len(a), rng=rng)
    path, escape = [(1.5, 0.0)], None
    while escape is None and len(path) <= steps:
        for ab, bb in loader:
            opt.zero_grad()
            ((x - ab) ** 2 - (y - bb) ** 2).mean().backward()
            opt.step()
            path.append((float(x._data), float(y._data)))
            if abs(float(y._data)) > 1.0:
                escape = len(path) - 1
            if escape is not None or len(path) > steps:
                break
    return {"path": np.array(path), "escape": escape, "params": (x, y)}


def saddle(data_rng: Any, run_rngs: list, steps: int, batch: int = SADDLE_BATCH) -> dict:
    """Batch GD on the ridge, its end point's gradient and Hessian; ``batch``-sized SGD runs.

    ``batch`` is the cause of the escape: ``batch=SADDLE_N`` (no sampling noise) removes it.
    """
    a, b = saddle_data(data_rng)
    gd = saddle_run(a, b, SADDLE_N, steps, None)
    x, y = gd["params"]

    def grad_at(px: float, py: float) -> np.ndarray:
        x._data[...], y._data[...] = px, py
        x._grad = y._grad = None
        ((x - a) ** 2 - (y - b) ** 2).mean().backward()
        return np.array([float(x._grad), float(y._grad)])

    end = gd["path"][-1]
    grad = grad_at(*end)
    h = 1e-4
    hess = np.array(
        [(grad_at(*(end + h * e)) - grad_at(*(end - h * e))) / (2 * h) for e in np.eye(2)]
    )
    sgd = [saddle_run(a, b, batch, steps, rng) for rng in run_rngs]
    return {
        "gd": gd, "sgd": sgd, "grad": grad, "eig": np.linalg.eigvalsh((hess + hess.T) / 2),
        "ridge": bool(np.all(gd["path"][:, 1] == 0.0)), "steps": steps, "batch": batch,
    }  # fmt: skip
