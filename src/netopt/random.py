"""The default random generator behind ``netopt.manual_seed``, and :class:`Generator`.

netopt's functions take an explicit ``rng: numpy.random.Generator`` wherever they draw
random numbers (and ``generator=`` where torch has that keyword). When a caller passes none,
they draw from this module's default generator, which ``netopt.manual_seed(n)`` reseeds
(the PyTorch habit). Library code never touches NumPy's global random state.

:class:`Generator` is ``torch.Generator``'s API (``manual_seed``, ``seed``,
``initial_seed``, ``get_state``/``set_state``) on a NumPy ``Generator`` (it *is* one, a
subclass), so it goes wherever an ``rng`` does. Its bits are NumPy's PCG64 seeded through
``numpy.random.SeedSequence``, not torch's Mersenne twister: the same seed gives the same
stream in netopt, a different one from torch's.

Threads: as torch's default generator, this one is shared by the whole process (not per
thread). Sharing it is safe: :func:`manual_seed` replaces it with one assignment, and a
NumPy ``Generator`` serializes draws with its bit generator's lock, so no draw is lost or
corrupted. But the order in which threads draw from it is up to the scheduler, so for
results that do not depend on thread timing give each thread its own generator (``rng=``;
``numpy.random.SeedSequence(seed).spawn(n)`` makes independent ones).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

#: torch's seed of a fresh ``torch.Generator()`` (``default_rng_seed_val``).
DEFAULT_SEED = 67280421310721
_U64 = 2**64
_STATE_BYTES = 8 + 16 + 16 + 1 + 4  # seed, PCG64 state and increment, the cached 32 bits


def _check_seed(seed: Any) -> int:
    """``seed`` as torch reads it: an int in [-2**63, 2**64), negatives taken mod 2**64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    seed = int(seed)
    if not -(2**63) <= seed < _U64:
        raise ValueError(f"seed must be in [-2**63, 2**64 - 1] (torch's range), got {seed}")
    return seed % _U64


class Generator(np.random.Generator):
    """A random generator with ``torch.Generator``'s methods (a NumPy ``Generator`` too).

    Parameters
    ----------
    device : str, default "cpu"
        Only the CPU (netopt computes there); any other device raises RuntimeError.

    Notes
    -----
    A fresh generator is seeded with torch's default seed (67280421310721), so two fresh
    generators give the same stream, as torch's do; the stream itself is NumPy's PCG64
    from ``numpy.random.SeedSequence(seed)``, so ``Generator().manual_seed(s)`` draws what
    ``numpy.random.default_rng(s)`` draws, not what torch's generator draws.

    Examples
    --------
    >>> g = Generator().manual_seed(3)
    >>> a = g.random(2)
    >>> bool((Generator().manual_seed(3).random(2) == a).all())
    True
    >>> g.initial_seed()
    3
    """

    def __init__(self, device: Any = "cpu") -> None:
        if isinstance(device, np.random.BitGenerator):
            raise TypeError(
                "netopt.Generator takes a device, not a bit generator; use "
                "numpy.random.Generator(bit_generator) for that"
            )
        where = "cpu" if device is None else str(device)
        if where != "cpu" and not where.startswith("cpu:"):
            raise RuntimeError(
                f"netopt computes on the CPU only; device {where!r} is not available "
                "(use 'cpu', or torch itself for accelerators)"
            )
        self._seed = DEFAULT_SEED
        self._seeds = np.random.SeedSequence(DEFAULT_SEED)  # what spawn() draws from
        super().__init__(np.random.PCG64(self._seeds))

    @property
    def device(self) -> str:
        """Where the generator's numbers are used: ``"cpu"``."""
        return "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place and return ``self`` (torch's chaining).

        Raises
        ------
        ValueError
            ``seed`` not an integer in torch's range [-2**63, 2**64 - 1]; a negative seed
            counts as ``seed + 2**64``, as in torch.
        """
        self._seed = _check_seed(seed)
        self._seeds = np.random.SeedSequence(self._seed)
        self.bit_generator.state = np.random.PCG64(self._seeds).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._seed

    def initial_seed(self) -> int:
        """The seed last set (:meth:`manual_seed` or :meth:`seed`)."""
        return self._seed

    def get_state(self) -> np.ndarray:
        """The whole state as a uint8 array (the seed and PCG64's state), for :meth:`set_state`."""
        st = self.bit_generator.state
        parts = (
            self._seed.to_bytes(8, "little"),
            st["state"]["state"].to_bytes(16, "little"),
            st["state"]["inc"].to_bytes(16, "little"),
            bytes([st["has_uint32"]]),
            int(st["uinteger"]).to_bytes(4, "little"),
        )
        return np.frombuffer(b"".join(parts), dtype=np.uint8).copy()

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (an array or a uint8 tensor); returns ``self``.

        Raises
        ------
        RuntimeError
            Not a state :meth:`get_state` made (wrong size or dtype), e.g. torch's.
        """
        if hasattr(new_state, "numpy"):
            new_state = new_state.numpy()
        raw = np.asarray(new_state)
        if raw.dtype != np.uint8 or raw.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"Expected a netopt generator state of {_STATE_BYTES} uint8 values but found "
                f"the input RNG state to be {raw.dtype} of shape {list(raw.shape)}"
            )
        b = raw.tobytes()
        self._seed = int.from_bytes(b[:8], "little")
        self._seeds = np.random.SeedSequence(self._seed)
        self.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(b[8:24], "little"),
                "inc": int.from_bytes(b[24:40], "little"),
            },
            "has_uint32": b[40],
            "uinteger": int.from_bytes(b[41:45], "little"),
        }
        return self

    def spawn(self, n_children: int) -> list[np.random.Generator]:
        """``n_children`` independent NumPy generators, as ``numpy.random.default_rng(s).spawn``
        gives for the seed ``s`` last set (each call continues the sequence of children);
        they have no torch-style seed, so they are plain ``numpy.random.Generator`` objects."""
        children = self._seeds.spawn(n_children)
        return [np.random.Generator(np.random.PCG64(c)) for c in children]

    def __reduce__(self) -> tuple:
        return (_restore, (self.get_state(),))

    def __repr__(self) -> str:
        return f"<netopt.Generator object at {id(self):#x}>"


def _restore(state: np.ndarray) -> Generator:
    """Unpickle a :class:`Generator` (copies and pickles keep the class and the seed)."""
    return Generator().set_state(state)


_default = Generator()
_default.seed()


def manual_seed(seed: int) -> Generator:
    """Reseed netopt's default generator and return it (torch's ``manual_seed``).

    Parameters
    ----------
    seed : int
        In torch's range [-2**63, 2**64 - 1]; a negative seed counts as ``seed + 2**64``.
        The stream is ``numpy.random.default_rng(seed)``'s.

    Examples
    --------
    >>> import netopt
    >>> a = netopt.manual_seed(0).random()
    >>> b = netopt.manual_seed(0).random()
    >>> a == b
    True
    """
    global _default
    _default = Generator().manual_seed(seed)
    return _default


def initial_seed() -> int:
    """The seed of the default generator (torch's ``initial_seed``)."""
    return _default.initial_seed()


def seed() -> int:
    """Reseed the default generator from the operating system and return the seed."""
    global _default
    fresh = Generator()
    fresh.seed()
    _default = fresh
    return fresh.initial_seed()


def get_rng_state() -> np.ndarray:
    """The default generator's state (torch's ``get_rng_state``)."""
    return _default.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator's state (torch's ``set_rng_state``)."""
    _default.set_state(new_state)


def default_generator() -> np.random.Generator:
    """Return the generator used when a function is called without ``rng``."""
    return _default


def resolve(rng: np.random.Generator | None, generator: Any = None) -> np.random.Generator:
    """The generator to draw from: ``rng`` or ``generator`` (torch's keyword; at most one of
    them), else the default generator.

    Raises
    ------
    TypeError
        Both given, or something that is not a NumPy ``Generator`` (a :class:`Generator` is
        one; a ``torch.Generator`` is not).
    """
    if generator is not None:
        if rng is not None:
            raise TypeError("got both rng and generator; pass one of them")
        rng = generator
    if rng is None:
        return _default
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a netopt.Generator, a numpy.random.Generator or None, "
            f"got {type(rng).__name__}"
        )
    return rng
