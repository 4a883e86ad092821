r"""Channel-wise dropout ``dropout1d`` and ``dropout2d`` (``torch.nn.functional``).

One Bernoulli draw per (sample, channel) zeroes a whole feature map, the rest scaled:

.. math:: y_{n,c,\cdot} = \frac{m_{n,c}}{1-p}\, x_{n,c,\cdot}, \qquad m_{n,c} \sim
    \mathrm{Bernoulli}(1-p),

so neighbouring, correlated activations are dropped together (Tompson et al., 2015).
"""

from __future__ import annotations

import numpy as np

from ... import random as _random
from ..._validate import is_number
from ...autograd.tensor import Tensor, make_result


def _channel_dropout(input, p, training, rng, spatial: int, name: str) -> Tensor:
    if not is_number(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = input._data
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a "
            f"{x.ndim}D input."
        )
    if not training or p == 0.0:
        return input
    lead = x.shape[: x.ndim - spatial]
    if p == 1.0:
        mask = np.zeros(lead, dtype=x.dtype)
    else:
        keep = _random.resolve(rng).random(lead, dtype=np.float32) >= p
        mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    mask = mask.reshape(lead + (1,) * spatial)
    return make_result(x * mask, (input,), lambda g: (g * mask,))


def dropout1d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | None = None,
    *,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p`` (module doc);
    ``inplace`` as :func:`netopt.nn.functional.dropout`."""
    return _channel_dropout(
        input, p, training, None if isinstance(rng, bool) else rng, 1, "dropout1d"
    )


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | None = None,
    *,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` with probability ``p``;
    ``inplace`` as :func:`netopt.nn.functional.dropout`."""
    return _channel_dropout(
        input, p, training, None if isinstance(rng, bool) else rng, 2, "dropout2d"
    )
