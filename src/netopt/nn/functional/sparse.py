r"""``embedding`` (``torch.nn.functional.embedding``): row lookup with a scatter-add backward.

.. math:: y_{i} = W_{\text{input}_i}, \qquad
    \frac{\partial L}{\partial W_j} = \sum_{i:\ \text{input}_i = j} g_i
    \quad (0 \text{ for } j = \text{padding\_idx}).
"""

from __future__ import annotations

import numpy as np

from ..._validate import is_int
from ...autograd.tensor import Tensor, make_result


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    r"""Rows of ``weight`` (``(num_embeddings, dim)``) at the integer indices ``input``.

    ``padding_idx`` rows get no gradient. ``max_norm``, ``scale_grad_by_freq`` and
    ``sparse`` of torch's function are not implemented.

    Examples
    --------
    >>> import netopt
    >>> embedding(netopt.tensor([2, 0]), netopt.tensor([[0.0], [1.0], [2.0]])).tolist()
    [[2.0], [0.0]]
    """
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {idx.dtype} instead (while checking arguments for "
            "embedding)"
        )
    w = weight._data
    if idx.size and (idx.min() < -w.shape[0] or idx.max() >= w.shape[0]):
        raise IndexError("index out of range in self")
    if padding_idx is not None and not is_int(padding_idx):
        raise TypeError(f"padding_idx must be an int or None, got {padding_idx!r}")
    pad = None if padding_idx is None else padding_idx % w.shape[0]
    flat = idx.reshape(-1) % w.shape[0]
    out = w[flat].reshape(*idx.shape, w.shape[1])

    def backward(g: np.ndarray) -> tuple:
        gw = np.zeros_like(w)
        np.add.at(gw, flat, g.reshape(-1, w.shape[1]))
        if pad is not None:
            gw[pad] = 0
        return (None, gw)

    return make_result(out, (input, weight), backward)
