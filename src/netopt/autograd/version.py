r"""Version counters: catching in-place changes of tensors a pending graph still needs.

A node's backward reads the arrays its operands (and sometimes its result) had when it was
recorded. Writing one of them in place before ``backward()`` (``w -= 1`` under ``no_grad``,
an optimizer step, ``x[0] = 5``) would silently give a wrong gradient; PyTorch refuses it
at ``backward()`` with "one of the variables needed for gradient computation has been
modified by an inplace operation", and so does netopt.

How, at no cost when nothing is written in place:

- One process-wide clock numbers both events: every recorded result gets the next tick as
  its creation number ``_seq`` (:func:`netopt.autograd.tensor.make_result`), and every
  in-place write of a tensor (:func:`mark_modified`) stamps the tensor with the next tick.
  A tensor's counter (``_vc``, created at its first in-place write and shared by the views
  of one storage: ``detach()``, ``reshape``, basic indexing...) holds its version (the
  number of in-place writes, torch's ``t._version``) and the tick of its last write.
- A node was recorded before a write of one of its operands exactly when the operand's
  last-write tick exceeds the node's ``_seq``. The engine compares only the newest write
  anywhere (:data:`last_write`) with the oldest node its pass visited; only when a write
  came later does it walk the graph again and check each node (:func:`check_graph`).
  The usual ``zero_grad; forward; backward; step`` writes parameters after ``backward``,
  before the next forward records, so that walk never runs in it.

netopt checks every operand of a node and the node's own result, where torch checks only
the tensors the node saved; an in-place write torch would allow (of an operand of an
addition, say) may therefore be refused too. Writes through ``.data`` are not counted
(torch's ``.data`` escape hatch behaves the same).
"""

from __future__ import annotations

import itertools
from typing import Any

#: The clock: creation numbers of results and the ticks of in-place writes.
clock = itertools.count(1)

#: ``[tick]`` of the newest in-place write of any tensor (0: none yet).
last_write = [0]


def mark_modified(t: Any) -> None:
    """Count an in-place write of ``t``'s storage (bump its version, stamp the tick)."""
    tick = next(clock)
    vc = t._vc
    if vc is None:
        t._vc = [1, tick]
    else:
        vc[0] += 1
        vc[1] = tick
    last_write[0] = tick


def mark_all_modified(tensors: Any) -> None:
    """:func:`mark_modified` for each of ``tensors`` (one tick for all: an optimizer step)."""
    tick = next(clock)
    for t in tensors:
        vc = t._vc
        if vc is None:
            t._vc = [1, tick]
        else:
            vc[0] += 1
            vc[1] = tick
    last_write[0] = tick


def version(t: Any) -> int:
    """How many in-place writes ``t``'s storage has had (torch's ``Tensor._version``)."""
    vc = t._vc
    return 0 if vc is None else vc[0]


def share_counter(view: Any, base: Any) -> Any:
    """Make ``view`` (a result sharing ``base``'s storage) share ``base``'s counter; return it.

    A write through either is then seen by the nodes that saved the other.
    """
    vc = base._vc
    if vc is None:
        vc = base._vc = [0, 0]
    view._vc = vc
    return view


def check_graph(root: Any) -> None:
    """Raise if a tensor some node below ``root`` reads was written after that node's record.

    Raises
    ------
    RuntimeError
        torch's message, naming the tensor's dtype, shape and version.
    """
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        seq = node._seq
        for t in (node, *node._parents):
            if t is None:
                continue
            vc = t._vc
            if vc is not None and vc[1] > seq:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [netopt.Tensor of dtype {t._data.dtype} and shape "
                    f"{list(t._data.shape)}] is at version {vc[0]}, written after the operation "
                    "that uses it was recorded. Hint: do the in-place change after backward(), "
                    "or on a clone()."
                )
            if t is not node and t._backward is not None and id(t) not in seen:
                seen.add(id(t))
                stack.append(t)
