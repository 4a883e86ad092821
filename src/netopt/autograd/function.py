r"""Custom differentiable operations, as ``torch.autograd.Function``.

Subclass :class:`Function` with two static methods, ``forward(ctx, *inputs)`` and
``backward(ctx, *grad_outputs)``, and call ``MyFunction.apply(*inputs)``. ``forward`` runs
without recording (its tensors are plain values); what ``backward`` needs is kept with
``ctx.save_for_backward(...)`` and read back as ``ctx.saved_tensors``;
``ctx.needs_input_grad`` tells which inputs want a gradient. ``backward`` returns one
gradient (a tensor or None) per input of ``forward``. The torch 2 form, ``forward(*inputs)``
plus ``setup_context(ctx, inputs, output)``, works too.

netopt records the result like any op (:func:`~netopt.autograd.tensor.make_result`): the
engine calls ``backward`` with the gradient of the output as a tensor and takes the
arrays of what it returns. One output tensor per ``forward`` (torch allows several).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import no_grad
from .tensor import Tensor, make_result, needs_grad


class FunctionCtx:
    """What ``forward`` hands to ``backward`` (torch's ``ctx``); any attribute may be set.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        One flag per input of ``forward``: True where the input is a tensor that requires
        grad.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (or None) for ``backward``; read them as :attr:`saved_tensors`."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to :meth:`save_for_backward`, in order."""
        return self._saved

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted for torch compatibility: integer outputs are never differentiated."""

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for torch compatibility (netopt records no in-place writes)."""

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (True, the default) or None for a missing gradient."""
        self.materialize_grads = bool(value)


class Function:
    r"""Base class of custom operations with a hand-written gradient (``torch.autograd.Function``).

    Examples
    --------
    >>> import netopt
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x**2 * g
    >>> x = netopt.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad.tolist()
    [12.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method."
        )

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The operation's value; override as a staticmethod."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """One gradient per input of ``forward``; override as a staticmethod."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        """torch 2's split form: fill ``ctx`` from ``inputs`` and ``output``."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` without recording and record the result with ``backward``."""
        ctx = FunctionCtx(tuple(needs_grad(a) for a in args))
        split = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if split else cls.forward(ctx, *args, **kwargs)
            if split:
                cls.setup_context(ctx, args, out)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {len(out)} outputs; netopt's custom "
                "Functions have one output tensor"
            )
        if not isinstance(out, Tensor):
            out = Tensor(np.asarray(out))
        result_dtype = out._data.dtype

        def backward(g: np.ndarray) -> tuple:
            with no_grad():
                grads = cls.backward(ctx, Tensor(g))
            if not isinstance(grads, tuple):
                grads = (grads,)
            if len(grads) != len(args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of "
                    f"gradients (expected {len(args)}, got {len(grads)})"
                )
            arrays = []
            for arg, grad in zip(args, grads, strict=True):
                if grad is None or not needs_grad(arg):
                    arrays.append(None)
                    continue
                arr = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
                if arr.shape != arg._data.shape:
                    raise RuntimeError(
                        f"Function {cls.__name__}Backward returned an invalid gradient - got "
                        f"{list(arr.shape)} but expected shape compatible with "
                        f"{list(arg._data.shape)}"
                    )
                arrays.append(arr.astype(arg._data.dtype, copy=False))
            return tuple(arrays)

        if result_dtype.kind != "f":
            return out
        return make_result(out._data, tuple(args), backward)


def once_differentiable(fn: Any) -> Any:
    """torch's decorator for a ``backward`` that is not itself differentiable: a no-op in
    netopt, whose backward passes never record."""
    return fn
