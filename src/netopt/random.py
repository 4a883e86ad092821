"""The default random generator behind ``netopt.manual_seed``.

netopt's functions take an explicit ``rng: numpy.random.Generator`` wherever they draw
random numbers. When a caller passes none, they draw from this module's default
generator, which ``netopt.manual_seed(n)`` reseeds (the PyTorch habit). Library code
never touches NumPy's global random state.

Threads: as torch's default generator, this one is shared by the whole process (not per
thread). Sharing it is safe: :func:`manual_seed` replaces it with one assignment, and a
NumPy ``Generator`` serializes draws with its bit generator's lock, so no draw is lost or
corrupted. But the order in which threads draw from it is up to the scheduler, so for
results that do not depend on thread timing give each thread its own generator (``rng=``;
``numpy.random.SeedSequence(seed).spawn(n)`` makes independent ones).
"""

from __future__ import annotations

import numpy as np

_default = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed netopt's default generator and return it.

    Parameters
    ----------
    seed : int
        A non-negative integer, passed to :class:`numpy.random.SeedSequence`.

    Examples
    --------
    >>> import netopt
    >>> a = netopt.manual_seed(0).random()
    >>> b = netopt.manual_seed(0).random()
    >>> a == b
    True
    """
    global _default
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    _default = np.random.default_rng(np.random.SeedSequence(int(seed)))
    return _default


def default_generator() -> np.random.Generator:
    """Return the generator used when a function is called without ``rng``."""
    return _default


def resolve(rng: np.random.Generator | None) -> np.random.Generator:
    """Return ``rng`` itself, or the default generator when it is None."""
    if rng is None:
        return _default
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}")
    return rng
