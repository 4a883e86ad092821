"""Tensor methods ported code reaches for beyond :mod:`._methods`: ``amax``, ``amin``,
``prod``, ``nansum`` (:mod:`.reduce_more`), ``clamp_min``/``clamp_max``, ``add``/``sub``
with ``alpha=`` (also as the functions :func:`add`/:func:`sub`, ``netopt.add``), and the
in-place ``relu_``, ``exp_``, ``clamp_``, ``clamp_min_``, ``clamp_max_``.

The in-place methods follow torch's autograd rules: outside a graph (grad mode off, or a
tensor that does not require grad) they overwrite the storage, so views see the change;
on a leaf that requires grad, with grad mode on, they raise torch's RuntimeError; on a
graph result they record the op and the tensor becomes the new node (``h.relu_()`` as a
statement differentiates as in torch). There the tensor gets new storage: a view taken
of it before keeps the old values, and a node recorded before that read it is refused
at ``backward()`` (:mod:`netopt.autograd.version`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activation, grad_mode, ops, reduce_more
from ._methods import _leaf_check
from .tensor import Tensor
from .version import mark_modified


def _check_alpha(input: Any, other: Any, alpha: Any) -> None:
    """torch's refusals: a float ``alpha`` with an integer or bool result, a bool ``alpha``
    with a result that is not bool (RuntimeError, torch's messages)."""
    floating = isinstance(alpha, (float, np.floating))
    boolean = isinstance(alpha, (bool, np.bool_))
    if not (floating or boolean):
        return
    operands = (x._data if isinstance(x, Tensor) else x for x in (input, other))
    kind = np.result_type(*operands).kind
    if floating and kind in "iub":
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    if boolean and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` (``torch.add``; ``alpha`` keyword-only, default 1; a float
    ``alpha`` with integer tensors is torch's RuntimeError)."""
    _check_alpha(input, other, alpha)
    return ops.add(input, other if alpha == 1 else other * alpha)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` (``torch.sub``; ``alpha`` keyword-only, default 1; a float
    ``alpha`` with integer tensors is torch's RuntimeError)."""
    _check_alpha(input, other, alpha)
    return ops.sub(input, other if alpha == 1 else other * alpha)


def _clamp_min(self: Tensor, min: Any) -> Tensor:
    """``clamp(min=min)`` (``torch.Tensor.clamp_min``)."""
    return ops.clamp(self, min=min)


def _clamp_max(self: Tensor, max: Any) -> Tensor:
    """``clamp(max=max)`` (``torch.Tensor.clamp_max``)."""
    return ops.clamp(self, max=max)


def _rebase(self: Tensor, op: Any, args: tuple) -> Tensor:
    """Make the graph result ``self`` the node ``op(self, *args)``, in place."""
    shell = Tensor(self._data, requires_grad=True)  # the node as recorded so far
    shell._parents, shell._backward, shell._seq = self._parents, self._backward, self._seq
    shell._vc = self._vc  # shared with views of the old storage
    self._vc = None if self._vc is None else list(self._vc)
    mark_modified(self)  # nodes that read ``self`` before are refused at backward()
    new = op(shell, *args)
    self._data, self._parents, self._backward, self._seq = (
        new._data,
        new._parents,
        new._backward,
        new._seq,
    )
    return self


def _inplace_unary(op: Any, name: str) -> Any:
    def method(self: Tensor, *args: Any) -> Tensor:
        if grad_mode.state.enabled and self.requires_grad:
            _leaf_check(self)
            return _rebase(self, op, args)
        with grad_mode.no_grad():
            out = op(Tensor(self._data), *args)._data
        try:
            np.copyto(self._data, out, casting="same_kind")
        except TypeError as err:  # a float result into an integer tensor
            raise RuntimeError(
                f"result type {out.dtype} can't be cast to the desired output type "
                f"{self._data.dtype}"
            ) from err
        mark_modified(self)
        return self

    method.__name__ = name
    method.__doc__ = (
        f"In-place ``{name[:-1]}`` (torch's autograd rules for in-place ops: module notes)."
    )
    return method


def _clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In-place ``clamp(min, max)`` (torch's autograd rules for in-place ops: module notes)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _inplace_clamp(self, min, max)


_inplace_clamp = _inplace_unary(ops.clamp, "clamp_")

Tensor.amax = reduce_more.amax
Tensor.amin = reduce_more.amin
Tensor.prod = reduce_more.prod
Tensor.nansum = reduce_more.nansum
Tensor.add = add
Tensor.sub = Tensor.subtract = sub
Tensor.clamp_min = _clamp_min
Tensor.clamp_max = _clamp_max
Tensor.relu_ = _inplace_unary(activation.relu, "relu_")
Tensor.exp_ = _inplace_unary(ops.exp, "exp_")
Tensor.clamp_ = Tensor.clip_ = _clamp_
Tensor.clamp_min_ = _inplace_unary(_clamp_min, "clamp_min_")
Tensor.clamp_max_ = _inplace_unary(_clamp_max, "clamp_max_")
