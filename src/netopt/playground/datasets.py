r"""The playground's 2-D data sets and input features (NumPy only).

Four classification sets in the manner of TensorFlow Playground (circle, XOR, Gaussian
clusters, two spirals; labels 0/1) and two regression sets (a plane and the chapter's
cubic polynomial), all on the square :math:`[-6, 6]^2`. ``noise`` in :math:`[0, 0.5]` is the
fraction of the square's half-width by which points are jittered (the spread of the
clusters, the noise on the regression target). The points are drawn from one
``numpy.random.Generator`` in a fixed order, shuffled once, and split: the first
``round(train_ratio * n)`` points train, the rest test.

The features are the classic seven: :math:`x_1, x_2, x_1^2, x_2^2, x_1x_2, \sin x_1,
\sin x_2`; :func:`features` stacks the chosen ones in that order.
"""

from __future__ import annotations

import numpy as np

#: Half-width of the square the points live in.
RADIUS = 6.0

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "polynomial")
DATASETS = CLASSIFICATION + REGRESSION

#: Feature name -> function of (x1, x2); the order is the order of the input columns.
FEATURES = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1sq": lambda a, b: a * a,
    "x2sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: np.sin(a),
    "sinx2": lambda a, b: np.sin(b),
}


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inner disc (label 1) and outer ring (label 0), half the points each."""
    inner = n // 2
    r = np.concatenate([rng.uniform(0.0, 0.5, inner), rng.uniform(0.7, 1.0, n - inner)]) * (
        RADIUS - 1.0
    )
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    xy = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    xy += rng.uniform(-1.0, 1.0, (n, 2)) * noise * RADIUS
    label = (np.concatenate([np.ones(inner), np.zeros(n - inner)])).astype(np.float64)
    return xy, label


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points away from the axes; label 1 where x1*x2 > 0."""
    xy = rng.uniform(0.3, RADIUS - 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    label = (xy[:, 0] * xy[:, 1] > 0).astype(np.float64)
    xy += rng.uniform(-1.0, 1.0, (n, 2)) * noise * RADIUS
    return xy, label


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clusters at (2, 2) (label 1) and (-2, -2) (label 0)."""
    half = n // 2
    std = 0.5 + 7.0 * noise
    centers = np.concatenate([np.full((half, 2), 2.0), np.full((n - half, 2), -2.0)])
    xy = centers + std * rng.standard_normal((n, 2))
    label = np.concatenate([np.ones(half), np.zeros(n - half)])
    return xy, label


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, 1.75 turns each."""
    half = n // 2
    t = np.concatenate([np.linspace(0.0, 1.0, half), np.linspace(0.0, 1.0, n - half)])
    phase = np.concatenate([np.zeros(half), np.full(n - half, np.pi)])
    r = t * (RADIUS - 1.0)
    angle = 1.75 * t * 2.0 * np.pi + phase
    xy = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    xy += rng.uniform(-1.0, 1.0, (n, 2)) * noise * RADIUS * 0.5
    label = np.concatenate([np.ones(half), np.zeros(n - half)])
    return xy, label


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target (x1 + x2) / 12 in [-1, 1], plus uniform noise."""
    xy = rng.uniform(-RADIUS, RADIUS, (n, 2))
    y = (xy[:, 0] + xy[:, 1]) / (2.0 * RADIUS) + rng.uniform(-1.0, 1.0, n) * noise
    return xy, y


def _polynomial(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's cubic: the Legendre polynomial P3 of x1/6, plus Gaussian noise."""
    xy = rng.uniform(-RADIUS, RADIUS, (n, 2))
    u = xy[:, 0] / RADIUS
    y = (5.0 * u**3 - 3.0 * u) / 2.0 + noise * rng.standard_normal(n)
    return xy, y


_MAKERS = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "plane": _plane,
    "polynomial": _polynomial,
}


def make_dataset(
    name: str, n: int, noise: float, train_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n`` points of data set ``name``, shuffle them and split train/test.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.
    n : int
        Number of points, at least 4.
    noise : float
        In [0, 0.5].
    train_ratio : float
        Fraction of points for training, in [0.1, 0.9].
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    tuple of ndarray
        ``(xy_train, y_train, xy_test, y_test)``: float64 coordinates of shape (m, 2) and
        targets of shape (m,).

    Examples
    --------
    >>> a = make_dataset("xor", 10, 0.0, 0.5, np.random.default_rng(0))
    >>> [part.shape for part in a]
    [(5, 2), (5,), (5, 2), (5,)]
    """
    if name not in _MAKERS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if not 4 <= n:
        raise ValueError(f"n must be at least 4, got {n}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be in [0, 0.5], got {noise}")
    if not 0.1 <= train_ratio <= 0.9:
        raise ValueError(f"train_ratio must be in [0.1, 0.9], got {train_ratio}")
    xy, y = _MAKERS[name](n, noise, rng)
    order = rng.permutation(n)
    xy, y = xy[order], y[order]
    m = round(train_ratio * n)
    return xy[:m], y[:m], xy[m:], y[m:]


def features(xy: np.ndarray, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """Stack the named features of the points ``xy`` (shape (m, 2)) as float32 columns.

    Examples
    --------
    >>> features(np.array([[2.0, 3.0]]), ["x1", "x1x2"])
    array([[2., 6.]], dtype=float32)
    """
    unknown = [name for name in names if name not in FEATURES]
    if unknown or not names:
        raise ValueError(f"features must be a non-empty subset of {list(FEATURES)}, got {names}")
    a, b = xy[:, 0], xy[:, 1]
    cols = [FEATURES[name](a, b) for name in FEATURES if name in names]
    return np.stack(cols, axis=1).astype(np.float32)


def grid(resolution: int) -> np.ndarray:
    """The centres of a ``resolution`` x ``resolution`` grid over the square, row-major from
    the top-left (x1 grows along a row, x2 falls down the rows), shape (resolution**2, 2)."""
    step = 2.0 * RADIUS / resolution
    centres = -RADIUS + step * (np.arange(resolution) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)
