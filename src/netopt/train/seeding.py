r"""One seed, independent random streams: for initialization, shuffling, dropout, ...

:class:`numpy.random.SeedSequence` spawns child sequences whose streams are statistically
independent, so changing how many numbers one consumer draws (a wider layer, another
dropout mask) never shifts what another sees. netopt never seeds global state: pass each
generator to what uses it (``nn.Linear(..., rng=init)``, ``DataLoader(..., rng=shuffle)``,
``nn.Dropout(p, rng=dropout)``).
"""

from __future__ import annotations

import numpy as np

from .._validate import is_int


def seeded_streams(seed: int, n: int) -> list[np.random.Generator]:
    r"""Return ``n`` independent generators spawned from one seed.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    n : int
        How many streams (>= 1).

    Returns
    -------
    list of numpy.random.Generator
        ``[default_rng(c) for c in SeedSequence(seed).spawn(n)]``: the same seed gives the
        same streams on every machine, and stream ``i`` does not depend on ``n``.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative int or ``n`` not a positive int.

    Examples
    --------
    >>> init, shuffle, dropout = seeded_streams(0, 3)
    >>> a = seeded_streams(0, 3)[1].random()
    >>> b = seeded_streams(0, 5)[1].random()
    >>> a == b
    True
    """
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not is_int(n) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    return [np.random.default_rng(child) for child in np.random.SeedSequence(int(seed)).spawn(n)]
