r"""``autograd.grad``: gradients of outputs with respect to chosen tensors, returned.

Unlike :meth:`netopt.Tensor.backward`, nothing accumulates into any ``.grad``: the
gradients of ``outputs`` (weighted by ``grad_outputs``) with respect to ``inputs`` are
returned as new tensors. ``inputs`` may be leaves or intermediate results. The walk is the
engine's (:mod:`netopt.autograd.engine`): nodes popped newest first, so a node's gradient
is complete when it is popped.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .tensor import Tensor


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    r"""Sum of :math:`\partial o / \partial x` weighted by ``grad_outputs``, per input ``x``.

    As ``torch.autograd.grad``: one gradient per input (None for an input the outputs do
    not depend on, with ``allow_unused=True``; zeros with ``materialize_grads=True``).

    Raises
    ------
    RuntimeError
        If an output does not require grad, a scalar-only default ``grad_output`` is
        needed for a non-scalar output, or an input is unused and ``allow_unused`` is False.
    NotImplementedError
        For ``create_graph=True`` or ``is_grads_batched=True`` (netopt's gradients are
        arrays, not graphs).
    """
    if create_graph or is_grads_batched:
        raise NotImplementedError(
            "autograd.grad(create_graph=True / is_grads_batched=True): netopt's gradients "
            "are arrays, not graphs"
        )
    outs, ins = _as_tuple(outputs), _as_tuple(inputs)
    seeds = _seeds(outs, grad_outputs)
    wanted = {id(x): i for i, x in enumerate(ins)}
    for x in ins:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    found = _walk(outs, seeds, wanted)
    result: list[Tensor | None] = []
    for i, x in enumerate(ins):
        g = found.get(i)
        if g is None:
            if materialize_grads:
                result.append(Tensor(np.zeros_like(x._data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(Tensor(np.array(g, dtype=x._data.dtype)))
    return tuple(result)


def _seeds(outs: Sequence[Any], grad_outputs: Any) -> list[np.ndarray]:
    given = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outs)
    if len(given) != len(outs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(given)} for {len(outs)}"
        )
    seeds = []
    for out, g in zip(outs, given, strict=True):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seeds.append(np.ones_like(out._data))
        else:
            seed = np.asarray(g._data if isinstance(g, Tensor) else g, dtype=out._data.dtype)
            if seed.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {seed.shape} and "
                    f"output[0] has a shape of {out._data.shape}."
                )
            seeds.append(seed)
    return seeds


def _walk(outs: Sequence[Tensor], seeds: list[np.ndarray], wanted: dict[int, int]) -> dict:
    """Gradients of the wanted tensors, by their position in ``inputs``."""
    grads: dict[int, np.ndarray] = {}
    heap: list[tuple[int, int, Any]] = []
    found: dict[int, np.ndarray] = {}
    tie = 0

    def add(node: Any, g: np.ndarray) -> None:
        nonlocal tie
        key = id(node)
        if key in grads:
            grads[key] = grads[key] + g
            return
        grads[key] = g
        tie += 1
        heappush(heap, (-node._seq, tie, node))

    for out, seed in zip(outs, seeds, strict=True):
        add(out, seed)
    while heap:
        node = heappop(heap)[2]
        g = grads.pop(id(node))
        if id(node) in wanted:
            found[wanted[id(node)]] = g
        if node._backward is None:
            continue
        for parent, pg in zip(node._parents, node._backward(g), strict=False):
            if parent is not None and pg is not None and parent.requires_grad:
                add(parent, pg)
    return found
