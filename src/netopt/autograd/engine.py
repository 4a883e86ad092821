r"""The backward pass: reverse-mode accumulation over a recorded graph.

Every result is numbered when :func:`netopt.autograd.tensor.make_result` records it, after
its operands, so creation order is a topological order. :func:`run_backward` keeps a heap
of the nodes that have received a gradient and pops the newest first: a node is processed
only after every node that consumed it (no recursion, so a chain of any depth works). It
sums the gradients per node in a dict, and at the end accumulates into the leaves'
``.grad``: into the leaf's gradient slot (:mod:`netopt.autograd.grad_slots`), adopted when
nothing else can see the array (:func:`_adopt`), or with ``+=`` when a gradient is
already there. Before accumulating it checks that no tensor the graph reads was written
in place after being read (:mod:`netopt.autograd.version`).
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

import numpy as np

from .grad_slots import begin_pass, end_pass, grad_slot
from .version import check_graph, last_write


def run_backward(root: Any, seed: np.ndarray) -> None:
    """Accumulate ``d(root)/d(leaf)``, given ``seed`` = the gradient of ``root``, into every
    leaf's ``grad`` (what :meth:`netopt.Tensor.backward` does after checking its input)."""
    if root._backward is None:  # a leaf: its own gradient is the seed
        _accumulate_leaf(root, seed, {id(seed)})
        return
    # Every result is created after its operands, so processing nodes from the newest
    # (largest ``_seq``) down is a reverse topological order: a node is popped only
    # after every node that consumed it. Leaves have no backward and wait until the
    # end, when all their contributions are summed.
    grads: dict[int, np.ndarray] = {id(root): seed}
    heap: list[tuple[int, Any]] = [(-root._seq, root)]
    leaves: list[Any] = []
    written, outer = begin_pass()
    try:
        while heap:
            node = heappop(heap)[1]
            for parent, pg in zip(node._parents, node._backward(grads.pop(id(node)))):
                if parent is None or pg is None or not parent.requires_grad:
                    continue
                key = id(parent)
                prev = grads.get(key)
                if prev is not None:
                    grads[key] = prev + pg
                    continue
                grads[key] = pg
                if parent._backward is None:
                    leaves.append(parent)
                else:
                    heappush(heap, (-parent._seq, parent))
    finally:
        end_pass(outer)
    # ``node`` is the oldest node visited: an in-place write after it was recorded may have
    # changed what a node read (see :mod:`netopt.autograd.version`); raise before any leaf
    # accumulates.
    if last_write[0] > node._seq:
        check_graph(root)
    # Arrays a leaf may not adopt as its ``grad``: the seed (possibly the caller's) and
    # every array already adopted by another leaf in this pass.
    taken: set[int] = {id(seed)}
    for leaf in leaves:
        g = grads[id(leaf)]
        if leaf._grad is None and written.get(id(leaf)) is g:
            leaf._grad = g  # an op wrote the whole gradient into the leaf's slot
        else:
            _accumulate_leaf(leaf, g, taken)


def _accumulate_leaf(leaf: Any, g: np.ndarray, taken: set[int]) -> None:
    """Add ``g`` to ``leaf.grad``: into the leaf's gradient slot, adopted, or in place."""
    if leaf._grad is not None:
        leaf._grad += g
        return
    slot = grad_slot(leaf)
    if slot is not None and slot.shape == g.shape:
        if slot is not g:
            np.copyto(slot, g)
        leaf._grad = slot
    else:
        leaf._grad = _adopt(g, leaf._data, taken)


def _adopt(g: np.ndarray, like: np.ndarray, taken: set[int]) -> np.ndarray:
    """``g`` itself as a leaf's new gradient when nothing else can see it, else a copy.

    Ops return fresh arrays or pass their input gradient through (``add`` hands the same
    array to both operands), and no op keeps or writes the gradients it is given; so an
    array that owns its memory, has the leaf's dtype and shape and was not adopted
    before in this pass belongs to nobody else, and copying it would be wasted work.
    """
    if (
        id(g) not in taken
        and g.base is None
        and g.dtype == like.dtype
        and g.shape == like.shape
        and g.flags.writeable
    ):
        taken.add(id(g))
        return g
    return np.array(g, dtype=like.dtype, copy=True)
