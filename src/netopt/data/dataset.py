r"""Datasets: indexable collections of samples, PyTorch's ``torch.utils.data`` API on NumPy.

A :class:`Dataset` maps an index to a sample and knows its length. :class:`TensorDataset`
holds whole arrays (inputs, targets, ...) that share their first dimension, so a mini-batch
is one fancy-indexing operation per array. :class:`Subset` and :func:`random_split` carve a
dataset into parts (train / validation) without copying it.
"""

from __future__ import annotations

import abc
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_number
from ..autograd import Tensor


def _sample_field(value: Any) -> np.ndarray:
    return np.asarray(value._data if isinstance(value, Tensor) else value)


def _stack(values: Sequence[Any], field: int | str) -> np.ndarray:
    batch = np.stack([_sample_field(v) for v in values])
    if batch.dtype.kind == "f" and not np.all(np.isfinite(batch)):
        raise ValueError(f"field {field} of the batch contains NaN or inf")
    return batch


def collate(samples: Sequence[Any]) -> tuple[np.ndarray, ...] | dict[Any, np.ndarray] | np.ndarray:
    r"""Stack a list of samples into a batch, field by field (``default_collate`` on NumPy).

    Parameters
    ----------
    samples : sequence
        Samples as a dataset's ``__getitem__`` returns them: each a tuple (or list) of
        fields, a dict of fields (the same keys in every sample, as PyTorch's
        ``default_collate``), or a single array-like. Tensors contribute their ``.data``.

    Returns
    -------
    tuple of ndarray, dict of ndarray, or ndarray
        One array per field, with a new leading batch axis (a dict keyed as the samples
        for dict samples); a single array when the samples are neither tuples nor dicts.
        Python ints stack to int64, Python floats to float64 (as NumPy).

    Raises
    ------
    ValueError
        If ``samples`` is empty, samples have different numbers of fields, or a float field
        holds NaN or inf.

    Examples
    --------
    >>> xs, ys = collate([(np.zeros(2), 1), (np.ones(2), 0)])
    >>> xs.shape, ys.tolist()
    ((2, 2), [1, 0])
    """
    if len(samples) == 0:
        raise ValueError("cannot collate an empty list of samples")
    first = samples[0]
    if isinstance(first, Mapping):
        keys = list(first)
        if any(not isinstance(s, Mapping) or list(s) != keys for s in samples):
            raise ValueError(f"every sample must be a dict with the keys {keys}, as the first one")
        return {k: _stack([s[k] for s in samples], k) for k in keys}
    if not isinstance(first, (tuple, list)):
        return _stack(samples, 0)
    width = len(first)
    if any(not isinstance(s, (tuple, list)) or len(s) != width for s in samples):
        raise ValueError(f"every sample must have {width} fields, as the first one")
    return tuple(_stack([s[i] for s in samples], i) for i in range(width))


class Dataset(abc.ABC):
    r"""An indexable collection of samples: subclasses define ``__getitem__`` and ``__len__``.

    :meth:`get_batch` gathers many samples at once; the default stacks ``self[i]`` one by
    one with :func:`collate`, and subclasses that hold arrays override it with one
    vectorized indexing step. :class:`~netopt.data.DataLoader` calls it for every batch.

    Examples
    --------
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), i * i
    >>> x, y = Squares().get_batch(np.array([3, 1]))
    >>> x.tolist(), y.tolist()
    ([3.0, 1.0], [9, 1])
    """

    @abc.abstractmethod
    def __getitem__(self, index: int) -> Any:
        """Return sample ``index``."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """Return the number of samples."""

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...] | np.ndarray:
        r"""Return the samples at ``indices`` stacked into a batch.

        Parameters
        ----------
        indices : ndarray of int
            Sample positions, in batch order.

        Returns
        -------
        tuple of ndarray, or ndarray
            As :func:`collate`.
        """
        return collate([self[int(i)] for i in indices])


def _as_field(array: Any, position: int) -> np.ndarray:
    arr = array._data if isinstance(array, Tensor) else np.asarray(array)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"array {position} has unsupported dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"array {position} is a scalar; it needs a sample axis")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"array {position} contains NaN or inf")
    return arr


class TensorDataset(Dataset):
    r"""Samples drawn row-wise from arrays that share their first dimension.

    Parameters
    ----------
    *arrays : ndarray or Tensor
        Inputs, targets, ... with the same length along axis 0. Stored as given, without a
        copy and without a dtype change (the caller chooses the dtype; netopt's loaders
        return float32 features and int64 labels).

    Raises
    ------
    ValueError
        If no array is given, an array is 0-d, the arrays differ in length, the dataset is
        empty, or a float array holds NaN or inf.
    TypeError
        If an array's dtype is not bool, integer or float.

    Notes
    -----
    ``dataset[i]`` (or ``dataset[i:j]``) returns a tuple of tensors, as torch's, viewing the
    stored arrays; :meth:`get_batch` fancy-indexes every array
    with the index vector (a copy, so a batch never aliases the dataset). The arrays are
    checked once, here; mutating them afterwards bypasses that check.

    Examples
    --------
    >>> ds = TensorDataset(np.arange(6.0).reshape(3, 2), np.array([0, 1, 0]))
    >>> len(ds), ds[1][0].tolist(), ds[1][1]
    (3, [2.0, 3.0], tensor(1))
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        fields = tuple(_as_field(a, i) for i, a in enumerate(arrays))
        lengths = [len(f) for f in fields]
        if len(set(lengths)) != 1:
            raise ValueError(f"Size mismatch between arrays: lengths {lengths}")
        if lengths[0] == 0:
            raise ValueError("TensorDataset is empty (0 samples)")
        self.arrays = fields

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(np.asarray(a[index])) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        r"""Fancy-index every array with ``indices`` (one vectorized step per array).

        Parameters
        ----------
        indices : ndarray of int
            Sample positions, in batch order.

        Returns
        -------
        tuple of ndarray
            One array per stored array, rows in the order of ``indices``.
        """
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    r"""The samples of ``dataset`` at positions ``indices``, in that order, without a copy.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__getitem__`` and ``__len__``.
    indices : sequence of int
        Positions in ``dataset``, each in ``[0, len(dataset))``.

    Raises
    ------
    ValueError
        If an index is out of range or ``indices`` is not 1-D.
    TypeError
        If ``indices`` are not integers.

    Examples
    --------
    >>> ds = TensorDataset(np.arange(5))
    >>> part = Subset(ds, [4, 0])
    >>> len(part), part[0][0]
    (2, tensor(4))
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1:
            raise ValueError(f"indices must be 1-D, got shape {idx.shape}")
        if idx.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, got dtype {idx.dtype}")
        n = len(dataset)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"indices must lie in [0, {n}), got [{idx.min()}, {idx.max()}]")
        self.dataset = dataset
        self.indices = idx.astype(np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...] | np.ndarray:
        r"""Map ``indices`` through :attr:`indices` and fetch from the parent dataset.

        Parameters
        ----------
        indices : ndarray of int
            Positions in this subset.

        Returns
        -------
        tuple of ndarray, or ndarray
            As the parent's ``get_batch`` (or :func:`collate` for a plain dataset).
        """
        parent = self.indices[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(parent)
        return collate([self.dataset[int(i)] for i in parent])


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Torch's rule: fractions summing to 1 become floor(f*n), remainder round-robin."""
    values = list(lengths)
    if not values:
        raise ValueError("lengths must not be empty")
    for i, v in enumerate(values):
        if not is_number(v):
            raise TypeError(f"length at index {i} must be a number, got {v!r}")
    if math.isclose(sum(values), 1) and sum(values) <= 1:
        for i, frac in enumerate(values):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [math.floor(n * frac) for frac in values]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    for i, v in enumerate(values):
        if int(v) != v or v < 0:
            raise ValueError(f"length at index {i} must be a non-negative integer, got {v!r}")
    counts = [int(v) for v in values]
    if sum(counts) != n:
        raise ValueError(
            f"Sum of input lengths ({sum(counts)}) does not equal the length of the input "
            f"dataset ({n})"
        )
    return counts


def random_split(
    dataset: Any,
    lengths: Sequence[float],
    rng: np.random.Generator | None = None,
    *,
    generator: np.random.Generator | None = None,
) -> list[Subset]:
    r"""Split ``dataset`` at random into non-overlapping :class:`Subset` objects.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__getitem__`` and ``__len__``.
    lengths : sequence of int or float
        Sizes of the parts, summing to ``len(dataset)``; or fractions summing to 1, turned
        into ``floor(f * len(dataset))`` with the remainder dealt one by one to the parts
        from the first on (``torch.utils.data.random_split``'s rule).
    rng : numpy.random.Generator, optional
        Draws the permutation; netopt's default generator when None.
    generator : netopt.Generator, optional
        torch's name for ``rng`` (give one of them).

    Returns
    -------
    list of Subset
        The parts, in the order of ``lengths``; together a permutation of the dataset.

    Raises
    ------
    ValueError
        If the lengths do not sum to the dataset size, a fraction is outside [0, 1], or a
        length is negative or fractional.
    TypeError
        If a length is not a number or ``rng`` is not a Generator.

    Examples
    --------
    >>> ds = TensorDataset(np.arange(10))
    >>> train, val = random_split(ds, [0.75, 0.25], rng=np.random.default_rng(0))
    >>> len(train), len(val)
    (8, 2)
    """
    gen = _random.resolve(rng, generator)
    counts = _split_lengths(len(dataset), lengths)
    order = gen.permutation(sum(counts))
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]
