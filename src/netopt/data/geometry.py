r"""Geometry of small images: whole-pixel shifts and bilinear rotations, batched in NumPy.

Deterministic functions of their arguments; :mod:`netopt.data.augment` draws the shifts and
angles at random. An image batch is (B, H*W) rows (as ``load_digits`` gives them) or
(B, H, W); the result has the input's shape and dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int, is_number


def _batch(x: Any) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x_batch must be a float ndarray, got {getattr(x, 'dtype', type(x))}")
    if x.ndim < 2:
        raise ValueError(f"x_batch must have a batch axis and features, got shape {x.shape}")
    return x


def _check_shape(image_shape: Any) -> tuple[int, int]:
    shape = tuple(image_shape)
    if len(shape) != 2 or any(not is_int(s) or s < 1 for s in shape):
        raise ValueError(f"image_shape must be two positive ints, got {image_shape!r}")
    return int(shape[0]), int(shape[1])


def _images(x: Any, image_shape: tuple[int, int]) -> np.ndarray:
    """(B, H, W) view of a batch given as (B, H*W) rows or (B, H, W) images."""
    x = _batch(x)
    h, w = image_shape
    if x.shape[1:] not in ((h * w,), (h, w)):
        raise ValueError(f"x_batch of shape {x.shape} does not hold {h}x{w} images")
    return x.reshape(len(x), h, w)


def _gather(images: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """``images[b, rows, cols]``, with ``fill`` where (rows, cols) falls outside the image."""
    b, h, w = images.shape
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    batch = np.arange(b).reshape(b, *([1] * (rows.ndim - 1)))
    values = images[batch, np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    return np.where(inside, values, fill)


def _check_fill(fill: Any) -> float:
    if not is_number(fill) or not np.isfinite(fill):
        raise ValueError(f"fill must be a finite number, got {fill!r}")
    return float(fill)


def shift_images(
    x: np.ndarray, shifts: np.ndarray, image_shape: tuple[int, int] = (8, 8), fill: float = 0.0
) -> np.ndarray:
    r"""Translate each image by whole pixels, filling the uncovered border with ``fill``.

    .. math:: x'_{r,c} = x_{r - \Delta r,\; c - \Delta c}

    Parameters
    ----------
    x : ndarray of float, shape (B, H*W) or (B, H, W)
        The images.
    shifts : ndarray of int, shape (B, 2)
        :math:`(\Delta r, \Delta c)` per image: positive moves the content down and right.
    image_shape : (int, int), default (8, 8)
        :math:`(H, W)`.
    fill : float, default 0.0
        Value of pixels shifted in from outside.

    Returns
    -------
    ndarray
        Shape and dtype of ``x``.

    Raises
    ------
    ValueError, TypeError
        On a non-float ``x``, a shape that does not hold the images, or bad ``shifts``.

    Examples
    --------
    >>> shift_images(np.arange(4.0).reshape(1, 4), np.array([[0, 1]]), (2, 2))
    array([[0., 0., 0., 2.]])
    """
    images = _images(x, _check_shape(image_shape))
    shifts = np.asarray(shifts)
    if shifts.shape != (len(images), 2) or shifts.dtype.kind not in "iu":
        raise ValueError(f"shifts must be ints of shape ({len(images)}, 2), got {shifts.shape}")
    h, w = images.shape[1:]
    rows = np.arange(h)[None, :, None] - shifts[:, 0, None, None]
    cols = np.arange(w)[None, None, :] - shifts[:, 1, None, None]
    return _gather(images, rows, cols, _check_fill(fill)).astype(x.dtype).reshape(x.shape)


def rotate_images(
    x: np.ndarray, degrees: np.ndarray, image_shape: tuple[int, int] = (8, 8), fill: float = 0.0
) -> np.ndarray:
    r"""Rotate each image about its center, counter-clockwise as displayed, bilinearly.

    Output pixel :math:`p` takes the input at :math:`c + R(-\phi)(p - c)`, with :math:`c` the
    image center and coordinates :math:`(u, v)` = (column, -row); the four neighbours are
    blended bilinearly and neighbours outside the image count as ``fill``. This equals
    ``scipy.ndimage.rotate(img, phi, reshape=False, order=1, mode='grid-constant')``.

    Parameters
    ----------
    x : ndarray of float, shape (B, H*W) or (B, H, W)
        The images.
    degrees : ndarray of float, shape (B,)
        :math:`\phi` per image, in degrees.
    image_shape : (int, int), default (8, 8)
        :math:`(H, W)`.
    fill : float, default 0.0
        Value outside the image.

    Returns
    -------
    ndarray
        Shape and dtype of ``x``.

    Raises
    ------
    ValueError, TypeError
        On a non-float ``x``, a shape that does not hold the images, or bad ``degrees``.

    Examples
    --------
    >>> img = np.zeros((1, 3, 3)); img[0, 0, 1] = 1.0
    >>> rotate_images(img, np.array([90.0]), (3, 3)).round(12)[0]
    array([[0., 0., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    images = _images(x, _check_shape(image_shape)).astype(np.float64)
    phi = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    if phi.shape != (len(images),) or not np.all(np.isfinite(phi)):
        raise ValueError(f"degrees must be {len(images)} finite numbers, got shape {phi.shape}")
    h, w = images.shape[1:]
    rc, cc = (h - 1) / 2, (w - 1) / 2
    r, c = np.indices((h, w), dtype=np.float64)
    u, v = c - cc, rc - r
    cos, sin = np.cos(phi)[:, None, None], np.sin(phi)[:, None, None]
    src_r = rc - (-u * sin + v * cos)
    src_c = cc + (u * cos + v * sin)
    r0, c0 = np.floor(src_r), np.floor(src_c)
    fr, fc = src_r - r0, src_c - c0
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    fill = _check_fill(fill)
    out = np.zeros_like(src_r)
    for dr, dc, weight in (
        (0, 0, (1 - fr) * (1 - fc)),
        (0, 1, (1 - fr) * fc),
        (1, 0, fr * (1 - fc)),
        (1, 1, fr * fc),
    ):
        out += weight * _gather(images, r0 + dr, c0 + dc, fill)
    return out.astype(x.dtype).reshape(x.shape)
