r"""From paired samples to tables: binning, contingency tables, empirical joint distributions.

Discrete samples (integers, strings, booleans, integer-valued floats) are used as
labels; the rows and columns of a table follow the sorted unique values
(``numpy.unique`` order, as ``sklearn.metrics.cluster.contingency_matrix``).
Continuous samples must be binned with an explicit ``bins=``: floats that are not
whole numbers are refused as labels, because every distinct value would become its
own symbol and the plug-in entropy would just be :math:`\log N`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int

__all__ = ["contingency_table", "discretize", "joint_distribution"]

#: An integer ``bins`` may exceed neither this nor :data:`BINS_PER_SAMPLE` per sample,
#: whichever is larger: far more bins than samples leave almost every bin empty (the
#: estimates say nothing more) and only cost memory (``bins=12000`` on two samples used
#: to build a 12000 x 12000 table).
MIN_BIN_LIMIT = 1024
BINS_PER_SAMPLE = 16
#: The most cells a binned contingency table may have (2**25 int64 cells: 256 MiB).
MAX_TABLE_CELLS = 2**25


def _samples(x: Any, name: str) -> np.ndarray:
    """A non-empty 1-D array of labels or numbers."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of samples, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: no samples")
    if arr.dtype.kind not in "biufUS":
        raise TypeError(f"{name} must hold numbers or strings, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def _edges(x: np.ndarray, bins: Any, name: str) -> np.ndarray:
    if is_int(bins):
        if bins < 1:
            raise ValueError(f"bins must be a positive integer, got {bins}")
        limit = max(MIN_BIN_LIMIT, BINS_PER_SAMPLE * x.size)
        if bins > limit:
            raise ValueError(
                f"{bins} bins are far beyond the data: {x.size} samples of {name} fill at most "
                f"{x.size} bins; use at most {limit} bins"
            )
        return np.histogram_bin_edges(x, bins=int(bins))
    if isinstance(bins, (bool, str)) or np.ndim(bins) != 1:
        raise TypeError(f"bins must be a positive integer or a 1-D sequence of edges, got {bins!r}")
    edges = np.asarray(bins, dtype=np.float64)
    if edges.size < 2 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
        raise ValueError(
            f"bin edges must be at least 2 finite, strictly increasing numbers, got {bins!r}"
        )
    outside = (x < edges[0]) | (x > edges[-1])
    if outside.any():
        raise ValueError(
            f"{name} has values outside the bin edges [{edges[0]:g}, {edges[-1]:g}]: "
            f"{float(x[outside][0])!r}"
        )
    return edges


def discretize(x: Any, bins: Any) -> np.ndarray:
    r"""Bin continuous samples: the index of each sample's bin, as ``numpy.histogram`` bins.

    .. math::
        b(x) = i \quad\text{for}\quad e_i \le x < e_{i+1},
        \qquad\text{the last bin closed: } e_{k-1} \le x \le e_k

    Parameters
    ----------
    x : array_like
        1-D real samples, finite.
    bins : int or sequence of float
        Number of equal-width bins spanning ``[min(x), max(x)]`` (as
        ``numpy.histogram_bin_edges``), or the bin edges themselves, strictly
        increasing and covering every sample.

    Returns
    -------
    ndarray of int64
        Bin indices in ``0 .. k-1`` (``k`` bins); ``np.bincount(discretize(x, bins),
        minlength=k)`` equals ``np.histogram(x, bins)[0]``.

    Raises
    ------
    ValueError
        If ``x`` is empty, not 1-D, or has NaN or infinite values; if ``bins`` is
        below 1, or edges are not increasing, or a sample falls outside the edges.
    TypeError
        If ``x`` is not real-valued or ``bins`` is neither an integer nor a sequence.

    Notes
    -----
    ``numpy.histogram`` silently drops samples outside explicit edges; here that is an
    error, because dropping samples changes every estimate made from the counts.

    Examples
    --------
    >>> discretize([0.0, 0.4, 0.6, 1.0], bins=2)
    array([0, 0, 1, 1])
    >>> discretize([0.1, 2.5], bins=[0, 1, 2, 3])
    array([0, 2])
    """
    codes, _ = _bin(_samples(x, "x"), bins, "x")
    return codes


def _bin(x: np.ndarray, bins: Any, name: str) -> tuple[np.ndarray, int]:
    """Bin indices of real samples and the number of bins."""
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers to be binned, got dtype {x.dtype}")
    x = x.astype(np.float64)
    edges = _edges(x, bins, name)
    k = edges.size - 1
    idx = np.searchsorted(edges, x, side="right") - 1
    return np.minimum(idx, k - 1).astype(np.int64), k


def _codes(x: np.ndarray, bins: Any, name: str) -> tuple[np.ndarray, int]:
    """Integer codes of the samples and the number of levels (bins or unique labels)."""
    if bins is not None:
        return _bin(x, bins, name)
    if x.dtype.kind == "f":
        frac = x[x != np.round(x)]
        if frac.size:
            raise ValueError(
                f"{name} holds non-integer floats (e.g. {float(frac[0])!r}), which look like "
                "continuous samples: pass bins= to discretize them"
            )
    levels, codes = np.unique(x, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), levels.size


def _paired(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = _samples(x, "x"), _samples(y, "y")
    if xs.size != ys.size:
        raise ValueError(
            f"x and y must be paired samples of equal length, got {xs.size} and {ys.size}"
        )
    return xs, ys


def _level_counts(x: Any, bins: Any = None, name: str = "x") -> np.ndarray:
    """Counts of each level of the samples ``x`` (labels, or bins when ``bins`` is given)."""
    codes, k = _codes(_samples(x, name), bins, name)
    return np.bincount(codes, minlength=k)


def contingency_table(x: Any, y: Any, *, bins: Any = None) -> np.ndarray:
    r"""Count the pairs: the contingency table of paired discrete samples.

    .. math::
        n_{ij} = \#\{k : x_k = a_i,\ y_k = b_j\}, \qquad \sum_{i,j} n_{ij} = N

    Parameters
    ----------
    x, y : array_like
        Paired 1-D samples of equal length: labels (integers, strings, booleans,
        integer-valued floats), or real numbers when ``bins`` is given.
    bins : int or sequence of float, optional
        Bin both ``x`` and ``y`` with :func:`discretize` (an integer gives each its own
        equal-width bins over its range). To bin only one of them, pass
        ``discretize(x, bins)`` in its place.

    Returns
    -------
    ndarray of int64, shape (levels of x, levels of y)
        Rows follow the sorted unique values of ``x`` (or its bins, empty bins
        included), columns those of ``y``.

    Raises
    ------
    ValueError
        If a sample array is empty, not 1-D, has NaN, or the lengths differ; if
        floats that are not whole numbers are given without ``bins``; bad ``bins``, an
        integer ``bins`` above ``max(MIN_BIN_LIMIT, BINS_PER_SAMPLE * N)``, or a binned
        table of more than :data:`MAX_TABLE_CELLS` cells.
    TypeError
        If samples are neither numbers nor strings.

    Examples
    --------
    >>> contingency_table(["a", "b", "a", "a"], [0, 1, 1, 1])
    array([[1, 2],
           [0, 1]])
    """
    xs, ys = _paired(x, y)
    cx, kx = _codes(xs, bins, "x")
    cy, ky = _codes(ys, bins, "y")
    if bins is not None and kx * ky > MAX_TABLE_CELLS:
        raise ValueError(
            f"{bins!r} bins give a {kx} x {ky} contingency table ({kx * ky:,} cells, more "
            f"than {MAX_TABLE_CELLS:,}) for {xs.size} samples; use fewer bins"
        )
    table = np.zeros((kx, ky), dtype=np.int64)
    np.add.at(table, (cx, cy), 1)
    return table


def joint_distribution(x: Any, y: Any, *, bins: Any = None) -> np.ndarray:
    r"""The empirical joint distribution of paired samples: counts divided by N.

    .. math::
        \hat p(a_i, b_j) = \frac{n_{ij}}{N}

    Parameters
    ----------
    x, y : array_like
        Paired 1-D samples of equal length (see :func:`contingency_table`).
    bins : int or sequence of float, optional
        Bin continuous samples, as in :func:`contingency_table`.

    Returns
    -------
    ndarray of float64, shape (levels of x, levels of y)
        A joint table ready for :func:`~netopt.info.mutual_information` and the other
        table measures (rows x, columns y); the measures of it are the plug-in
        estimates.

    Raises
    ------
    ValueError, TypeError
        As :func:`contingency_table`.

    Examples
    --------
    >>> joint_distribution([0, 0, 1, 1], [0, 0, 1, 0])
    array([[0.5 , 0.  ],
           [0.25, 0.25]])
    """
    table = contingency_table(x, y, bins=bins)
    return table / table.sum()
