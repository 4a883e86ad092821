"""Checking a ``dim`` argument against a tensor's rank, as torch does."""

from __future__ import annotations

from typing import Any


def wrap_dim(dim: Any, ndim: int) -> int:
    """``dim`` as an index in ``range(max(ndim, 1))`` (a negative one counts from the end;
    a 0-d tensor takes 0 and -1, as torch).

    Raises
    ------
    IndexError
        ``dim`` out of range, with torch's message naming it.

    Examples
    --------
    >>> wrap_dim(-1, 3)
    2
    """
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def wrap_dims(dims: Any, ndim: int, name: str = "dims") -> tuple[int, ...]:
    """Each of ``dims`` through :func:`wrap_dim`, sorted; a repeated one raises torch's
    RuntimeError.

    >>> wrap_dims((-1, 0), 3)
    (0, 2)
    """
    wrapped = [wrap_dim(d, ndim) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of {name}")
    return tuple(sorted(wrapped))
