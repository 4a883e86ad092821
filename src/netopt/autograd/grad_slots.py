r"""Gradient slots: preallocated arrays that the backward pass fills with a leaf's gradient.

An owner of gradient storage (an optimizer keeping a group's gradients in one flat
buffer, :mod:`netopt.optim._flat`) registers, for a leaf tensor, an array of the leaf's
shape and dtype with :func:`set_grad_slot`. While the slot holds, a *new* gradient of the
leaf (one that arrives while ``leaf.grad`` is None) is written into the slot instead of a
fresh array, and ``leaf.grad`` is the slot afterwards; a gradient that accumulates
(``leaf.grad`` already set) is added in place as usual. The engine reads the slot with
:func:`grad_slot`; an op whose backward can compute a leaf's whole gradient with an
``out=`` argument asks :func:`gradient_out` and writes there directly.

A slot holds until :func:`clear_grad_slot`, until ``leaf.data`` is replaced by another
array (``Module.to(dtype)`` casting, a user rebinding ``p.data``: the registration is
tied to the storage it was made for), or until the leaf is garbage collected. Nothing
else about a tensor changes: the registry lives in this module, not on the tensor.

Threads: the registry is shared (an optimizer may be built in one thread and stepped in
another) and changed only by single dict operations, atomic under the GIL; the record of
the slots offered in a running backward pass is per thread, so two threads running
backward passes at once (on different leaves) never see each other's record.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

#: ``id(leaf)`` -> (a weak reference to the leaf, the ``leaf.data`` the slot was registered
#: for, the slot). An entry is dropped when its leaf is collected, before the id can be reused.
_slots: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}

#: Per thread, ``written``: ``id(leaf)`` -> slot for the leaves whose slot an op's backward
#: was offered in the running backward pass (None outside a pass); see :func:`gradient_out`.
_pass = threading.local()


def set_grad_slot(leaf: Any, slot: np.ndarray) -> None:
    """Register ``slot`` as where the backward pass puts a new gradient of ``leaf``.

    Raises
    ------
    ValueError
        If ``slot``'s shape or dtype differs from ``leaf.data``'s.
    """
    data = leaf._data
    if slot.shape != data.shape or slot.dtype != data.dtype:
        raise ValueError(
            f"gradient slot of shape {slot.shape} and dtype {slot.dtype} does not fit a "
            f"tensor of shape {data.shape} and dtype {data.dtype}"
        )
    key = id(leaf)

    def forget(ref: weakref.ref, key: int = key) -> None:
        entry = _slots.get(key)
        if entry is not None and entry[0] is ref:
            _slots.pop(key, None)  # another thread may have cleared it meanwhile

    _slots[key] = (weakref.ref(leaf, forget), data, slot)


def clear_grad_slot(leaf: Any) -> None:
    """Forget ``leaf``'s slot (if any); its next new gradient is a fresh array."""
    _slots.pop(id(leaf), None)


def grad_slot(leaf: Any) -> np.ndarray | None:
    """The slot registered for ``leaf`` while it holds, else None."""
    entry = _slots.get(id(leaf))
    if entry is None or entry[1] is not leaf._data:
        return None
    return entry[2]


def gradient_out(leaf: Any) -> np.ndarray | None:
    """Where an op's backward may write the whole gradient of ``leaf`` now, or None.

    The slot is offered only inside a backward pass, only while ``leaf.grad`` is None
    (the gradient is new, not accumulated), and once per pass: a second contribution to
    the same leaf is then a new array that the engine adds.
    ``np.matmul(a, b, out=gradient_out(w))`` allocates as usual when the answer is None.
    """
    entry = _slots.get(id(leaf))
    if entry is None or leaf._grad is not None or entry[1] is not leaf._data:
        return None
    written = getattr(_pass, "written", None)
    key = id(leaf)
    if written is None or key in written:
        return None
    slot = written[key] = entry[2]
    return slot


def begin_pass() -> tuple[dict[int, np.ndarray], dict[int, np.ndarray] | None]:
    """Start this thread's record of the slots offered in a backward pass.

    Returns the record (``id(leaf)`` -> slot: the engine can tell from it, without a
    lookup, that a leaf's summed gradient *is* its slot) and the enclosing pass's record,
    to hand back to :func:`end_pass`.
    """
    outer = getattr(_pass, "written", None)
    written: dict[int, np.ndarray] = {}
    _pass.written = written
    return written, outer


def end_pass(outer: dict[int, np.ndarray] | None) -> None:
    """End the pass that :func:`begin_pass` started, restoring the enclosing record."""
    _pass.written = outer
