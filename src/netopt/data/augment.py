r"""Data augmentation: random, label-preserving transforms applied per batch.

Augmentation enlarges the training set with transformed copies :math:`T(x)` that keep the
label :math:`y`, a remedy for overfitting: the model must fit
:math:`\{(T(x_n), y_n)\}` for many :math:`T`, which a memorizer cannot. Each transform is a
callable ``transform(x_batch, rng) -> x_batch`` that draws its randomness from the injected
:class:`numpy.random.Generator` (one draw per sample, vectorized over the batch) and returns a
new array of the same shape and dtype; pass it as ``DataLoader(..., transform=...)``.

Images are 8x8 digits (scikit-learn's ``load_digits``), given as rows of 64 pixels or as
(B, 8, 8); signals are MNIST-1D rows of length 40.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import is_int, is_number
from .geometry import _batch, _check_fill, _check_shape, rotate_images, shift_images


def _check_int(value: Any, name: str) -> int:
    if not is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return int(value)


def _check_real(value: Any, name: str) -> float:
    if not is_number(value) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


class GaussianNoise:
    r"""Add i.i.d. Gaussian noise to every feature.

    .. math:: x' = x + \sigma\varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)

    Parameters
    ----------
    std : float
        :math:`\sigma \ge 0`.
    clip : (float, float), optional
        Clip the result to ``[low, high]`` (e.g. ``(0, 1)`` for scaled digits).

    Raises
    ------
    ValueError
        On a negative or non-finite ``std``, or ``clip`` with ``low > high``.

    Examples
    --------
    >>> x = np.zeros((2, 3), np.float32)
    >>> GaussianNoise(0.1)(x, np.random.default_rng(0)).dtype
    dtype('float32')
    """

    def __init__(self, std: float, clip: tuple[float, float] | None = None) -> None:
        self.std = _check_real(std, "std")
        if clip is not None and (len(clip) != 2 or not clip[0] <= clip[1]):
            raise ValueError(f"clip must be (low, high) with low <= high, got {clip!r}")
        self.clip = None if clip is None else (float(clip[0]), float(clip[1]))

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _batch(x_batch)
        out = x + self.std * rng.standard_normal(x.shape)
        if self.clip is not None:
            out = np.clip(out, *self.clip)
        return out.astype(x.dtype)


class RandomShift2d:
    r"""Shift each image by :math:`(\Delta r, \Delta c)` drawn uniformly from
    :math:`\{-m, \dots, m\}^2` (see :func:`shift_images`).

    Parameters
    ----------
    max_shift : int, default 1
        :math:`m`, the largest shift in pixels.
    image_shape : (int, int), default (8, 8)
        Shape of one image.
    fill : float, default 0.0
        Value of uncovered pixels (the digits' background).

    Raises
    ------
    ValueError
        On a negative ``max_shift``, a bad ``image_shape`` or ``fill``.

    Examples
    --------
    >>> x = np.ones((3, 64))
    >>> RandomShift2d(1)(x, np.random.default_rng(0)).shape
    (3, 64)
    """

    def __init__(
        self, max_shift: int = 1, image_shape: tuple[int, int] = (8, 8), fill: float = 0.0
    ) -> None:
        self.max_shift = _check_int(max_shift, "max_shift")
        self.image_shape = _check_shape(image_shape)
        self.fill = _check_fill(fill)

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        m = self.max_shift
        shifts = rng.integers(-m, m + 1, size=(len(_batch(x_batch)), 2))
        return shift_images(x_batch, shifts, self.image_shape, self.fill)


class RandomRotation2d:
    r"""Rotate each image by an angle drawn uniformly from :math:`[-a, a]` degrees
    (see :func:`rotate_images`).

    Parameters
    ----------
    max_degrees : float, default 10.0
        :math:`a`, the largest rotation.
    image_shape : (int, int), default (8, 8)
        Shape of one image.
    fill : float, default 0.0
        Value outside the image.

    Raises
    ------
    ValueError
        On a negative ``max_degrees``, a bad ``image_shape`` or ``fill``.

    Examples
    --------
    >>> x = np.ones((3, 8, 8), np.float32)
    >>> RandomRotation2d(15)(x, np.random.default_rng(0)).shape
    (3, 8, 8)
    """

    def __init__(
        self, max_degrees: float = 10.0, image_shape: tuple[int, int] = (8, 8), fill: float = 0.0
    ) -> None:
        self.max_degrees = _check_real(max_degrees, "max_degrees")
        self.image_shape = _check_shape(image_shape)
        self.fill = _check_fill(fill)

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        a = self.max_degrees
        degrees = rng.uniform(-a, a, size=len(_batch(x_batch)))
        return rotate_images(x_batch, degrees, self.image_shape, self.fill)


class RandomShift1d:
    r"""Shift each signal by :math:`s` samples, :math:`s` uniform on :math:`\{-m, \dots, m\}`.

    .. math:: x'_i = x_{(i - s) \bmod L} \ \text{(wrap)}, \qquad
              x'_i = x_{i - s} \text{ or fill outside } [0, L) \ \text{(constant)}

    Parameters
    ----------
    max_shift : int
        :math:`m`.
    mode : {'wrap', 'constant'}, default 'wrap'
        Circular shift (MNIST-1D's own translation is circular) or shift in ``fill``.
    fill : float, default 0.0
        Value shifted in when ``mode='constant'``.

    Raises
    ------
    ValueError
        On a negative ``max_shift``, an unknown ``mode`` or a bad ``fill``.

    Examples
    --------
    >>> x = np.arange(5.0)[None, :]
    >>> RandomShift1d(0)(x, np.random.default_rng(0)).tolist()
    [[0.0, 1.0, 2.0, 3.0, 4.0]]
    """

    def __init__(self, max_shift: int, mode: str = "wrap", fill: float = 0.0) -> None:
        self.max_shift = _check_int(max_shift, "max_shift")
        if mode not in ("wrap", "constant"):
            raise ValueError(f"mode must be 'wrap' or 'constant', got {mode!r}")
        self.mode = mode
        self.fill = _check_fill(fill)

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _batch(x_batch)
        if x.ndim != 2:
            raise ValueError(f"x_batch must be (B, L) signals, got shape {x.shape}")
        m, length = self.max_shift, x.shape[1]
        s = rng.integers(-m, m + 1, size=len(x))
        src = np.arange(length)[None, :] - s[:, None]
        rows = np.arange(len(x))[:, None]
        if self.mode == "wrap":
            return x[rows, src % length]
        inside = (src >= 0) & (src < length)
        return np.where(inside, x[rows, np.clip(src, 0, length - 1)], self.fill).astype(x.dtype)


class RandomScale1d:
    r"""Multiply each signal by a factor :math:`a` uniform on :math:`[\mathrm{low}, \mathrm{high})`.

    MNIST-1D's generator scales amplitudes by :math:`1 \pm 0.2`; the default matches.

    Parameters
    ----------
    low, high : float, default 0.8, 1.2
        Range of the factor, ``0 <= low <= high``.

    Raises
    ------
    ValueError
        If ``low > high`` or either is negative or non-finite.

    Examples
    --------
    >>> RandomScale1d(2.0, 2.0)(np.ones((1, 3)), np.random.default_rng(0)).tolist()
    [[2.0, 2.0, 2.0]]
    """

    def __init__(self, low: float = 0.8, high: float = 1.2) -> None:
        self.low, self.high = _check_real(low, "low"), _check_real(high, "high")
        if self.low > self.high:
            raise ValueError(f"low must not exceed high, got low={low!r}, high={high!r}")

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _batch(x_batch)
        a = rng.uniform(self.low, self.high, size=(len(x),) + (1,) * (x.ndim - 1))
        return (x * a).astype(x.dtype)


class Compose:
    r"""Apply transforms in order, all drawing from the same generator.

    Parameters
    ----------
    transforms : sequence of callable
        Each ``t(x_batch, rng) -> x_batch``.

    Raises
    ------
    TypeError
        If a transform is not callable.

    Examples
    --------
    >>> t = Compose([RandomScale1d(2.0, 2.0), RandomScale1d(3.0, 3.0)])
    >>> t(np.ones((1, 2)), np.random.default_rng(0)).tolist()
    [[6.0, 6.0]]
    """

    def __init__(
        self, transforms: Sequence[Callable[[np.ndarray, np.random.Generator], np.ndarray]]
    ) -> None:
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"transform {i} is not callable: {t!r}")

    def __call__(self, x_batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for t in self.transforms:
            x_batch = t(x_batch, rng)
        return x_batch
