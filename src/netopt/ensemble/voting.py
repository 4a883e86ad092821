r"""How an ensemble combines its members: soft voting (mean probabilities) or hard voting.

With member class probabilities :math:`p_m(y \mid x) = \mathrm{softmax}(f_m(x))`, soft
voting predicts :math:`\arg\max_k \frac1M\sum_m p_m(k \mid x)` and hard voting the most
frequent of the members' :math:`\arg\max_k p_m(k \mid x)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import no_grad, tensor
from ..autograd.activation import softmax_array
from ..nn import Module

__all__ = ["VOTING", "average_probabilities", "majority_vote"]

VOTING = ("soft", "hard")


def _probabilities(models: Sequence[Module], x: Any) -> np.ndarray:
    """Stack of every model's class probabilities, shape ``(M, N, K)``, float64, eval mode."""
    if not models:
        raise ValueError("the ensemble has no members; fit it (or train with the callback) first")
    inputs = tensor(np.asarray(x, dtype=np.float64))
    out = []
    with no_grad():
        for model in models:
            model.eval()
            out.append(softmax_array(np.asarray(model(inputs)._data, dtype=np.float64), 1))
    return np.stack(out)


def average_probabilities(models: Sequence[Module], x: Any) -> np.ndarray:
    r"""Soft voting: the mean of the members' softmax probabilities.

    Parameters
    ----------
    models : sequence of Module
        Networks that map ``x`` to logits of the same ``K`` classes (set to eval mode).
    x : array_like of shape (N, ...)

    Returns
    -------
    ndarray of shape (N, K)
        :math:`\frac1M\sum_m \mathrm{softmax}(f_m(x))`; rows sum to 1.

    Raises
    ------
    ValueError
        If ``models`` is empty.

    Examples
    --------
    >>> from netopt import nn
    >>> a, b = nn.Linear(1, 2), nn.Linear(1, 2)
    >>> for m, bias in ((a, [0.0, 0.0]), (b, [0.0, np.log(3.0)])):
    ...     m.weight.data[...] = 0.0
    ...     m.bias.data[...] = bias
    >>> average_probabilities([a, b], [[1.0]]).round(3).tolist()   # (0.5 + 0.25) / 2
    [[0.375, 0.625]]
    """
    return _probabilities(models, x).mean(axis=0)


def majority_vote(models: Sequence[Module], x: Any) -> np.ndarray:
    r"""Hard voting: the class most members predict (ties go to the smallest index).

    Parameters
    ----------
    models : sequence of Module
    x : array_like of shape (N, ...)

    Returns
    -------
    ndarray of shape (N,), int64

    Raises
    ------
    ValueError
        If ``models`` is empty.

    Examples
    --------
    >>> from netopt import nn
    >>> members = [nn.Linear(1, 2) for _ in range(3)]
    >>> for m, bias in zip(members, ([1.0, 0.0], [0.0, 1.0], [0.0, 1.0])):
    ...     m.weight.data[...] = 0.0
    ...     m.bias.data[...] = bias
    >>> majority_vote(members, [[0.0], [5.0]]).tolist()
    [1, 1]
    """
    probs = _probabilities(models, x)
    votes = probs.argmax(axis=2)  # (M, N)
    counts = np.zeros(probs.shape[1:], dtype=np.int64)
    np.add.at(counts, (np.arange(probs.shape[1])[None, :], votes), 1)
    return counts.argmax(axis=1)
