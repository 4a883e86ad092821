"""``Embedding``: a lookup table of learnable vectors (torch's ``nn.Embedding``)."""

from __future__ import annotations

import numpy as np

from .._validate import is_int
from ..autograd.tensor import Tensor
from . import init
from .functional.sparse import embedding
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    r"""``num_embeddings`` vectors of size ``embedding_dim``; ``forward(idx)`` returns rows.

    Initialized as torch: :math:`W \sim \mathcal N(0, 1)` drawn from ``rng``, with the row
    ``padding_idx`` (if given) zeroed; that row then gets no gradient. torch's
    ``max_norm`` (renormalizing looked-up rows in place), ``scale_grad_by_freq`` and
    ``sparse`` are out of scope and not accepted.

    Examples
    --------
    >>> import netopt
    >>> emb = Embedding(10, 3, padding_idx=0)
    >>> emb
    Embedding(10, 3, padding_idx=0)
    >>> emb(netopt.tensor([[0, 4]])).shape
    (1, 2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not is_int(n) or n < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {n!r}")
        if padding_idx is not None:
            if not is_int(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("Padding_idx must be within num_embeddings")
            padding_idx = int(padding_idx) % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        init.normal_(self.weight, 0.0, 1.0, rng)
        if padding_idx is not None:
            self.weight._data[padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
