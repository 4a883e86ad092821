r"""Vectors along a dimension: ``normalize`` (to unit :math:`L_p` norm) and
``cosine_similarity``, composed of the autograd ops (:func:`~netopt.autograd.reduce.norm`,
:func:`~netopt.autograd.ops.clamp`, division, sum), so their gradients are those ops'.

As torch, each norm is clamped from below by ``eps`` before dividing:

.. math::
    \operatorname{normalize}(x) = \frac{x}{\max(\|x\|_p, \epsilon)}, \qquad
    \cos(x_1, x_2) = \sum_d \frac{x_{1}}{\max(\|x_1\|_2, \epsilon)}
    \frac{x_{2}}{\max(\|x_2\|_2, \epsilon)},

so a zero vector gives 0, not NaN (its gradient is :math:`1/\epsilon` times the other
factor, as torch's).
"""

from __future__ import annotations

import numpy as np

from ...autograd.ops import clamp, div
from ...autograd.reduce import norm, sum
from ...autograd.shape import expand
from ...autograd.tensor import Tensor

__all__ = ["cosine_similarity", "normalize"]


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    r"""``input`` divided by its :math:`L_p` norm along ``dim`` (clamped to at least
    ``eps``), as ``torch.nn.functional.normalize``; ``p`` is 1 or 2 (module notes).

    Raises
    ------
    ValueError
        Any other ``p`` (from :func:`~netopt.autograd.reduce.norm`).
    """
    return div(input, clamp(norm(input, p, dim, keepdim=True), min=eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r"""Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (after broadcasting
    them to one shape), as ``torch.nn.functional.cosine_similarity``; each norm is
    clamped to at least ``eps`` (module notes).

    Raises
    ------
    RuntimeError
        Shapes that do not broadcast, naming both.
    """
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError as err:
        raise RuntimeError(
            f"cosine_similarity: shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not broadcast"
        ) from err
    x1 = x1 if x1.shape == shape else expand(x1, *shape)
    x2 = x2 if x2.shape == shape else expand(x2, *shape)
    unit1 = div(x1, clamp(norm(x1, 2, dim, keepdim=True), min=eps))
    unit2 = div(x2, clamp(norm(x2, 2, dim, keepdim=True), min=eps))
    return sum(unit1 * unit2, dim)
