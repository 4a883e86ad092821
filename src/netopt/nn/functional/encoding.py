"""``one_hot``: class indices to indicator vectors (the one-hot targets of eq. 6-13)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.tensor import Tensor, as_array


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    r"""Indicator vectors :math:`e_{y}`: ``out[..., c] = 1`` where ``c == tensor[...]``, else 0.

    The result is int64 with one more, last dimension of length ``num_classes``
    (``max + 1`` when it is -1), as ``torch.nn.functional.one_hot``; not differentiable.

    Raises
    ------
    TypeError
        If ``tensor`` is not an integer tensor.
    ValueError
        If a class value is negative or not smaller than ``num_classes``.

    Examples
    --------
    >>> import netopt
    >>> one_hot(netopt.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    y = np.asarray(as_array(tensor))
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot(): class values must be integers, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError(f"one_hot(): class values must be non-negative, got {y.min()}")
    if num_classes == -1:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and y.max() >= num_classes:
        raise ValueError(
            f"one_hot(): class values must be smaller than num_classes={num_classes}, got {y.max()}"
        )
    return Tensor((y[..., None] == np.arange(num_classes)).astype(np.int64))
