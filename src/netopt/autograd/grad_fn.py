"""``Tensor.grad_fn``: the recorded op of a result, under PyTorch's name for the same op.

netopt records one ``backward(g)`` closure per op (see :mod:`netopt.autograd.ops`); this
module gives it the name torch 2.13 shows for the same call (``MmBackward0``,
``AddmmBackward0``, ``NllLossBackward0``, ...), as an instance of a class of that name, so
``type(t.grad_fn).__name__``, ``t.grad_fn.name()``, ``repr(t.grad_fn)`` and the
``grad_fn=<...>`` part of a tensor's repr read as torch's. ``next_functions`` lists the
nodes that feed it (``AccumulateGrad`` for a leaf that requires grad, ``None`` for an
operand without a gradient), as torch's.

The name is worked out only when ``grad_fn`` is read, from the op's closure (the operands'
kinds and shapes), so recording a graph costs nothing extra.

Where the two engines decompose an op differently, netopt's one node takes the name of
torch's node that does the work (a batched ``matmul``: ``BmmBackward0``, where torch adds
an ``UnsafeViewBackward0`` on top; ``Linear`` on a 3-d input: ``AddmmBackward0``; 1-d
pooling: the 2-d node), or shows netopt's own last op where torch has no such node
(``einsum``, a fused ``cross_entropy`` with probabilities, ``nll_loss``, ``std``,
``addmm``, ``squeeze``). Every such case, with its reason, is in
``tests/golden/make_grad_fn.py`` (``DIFFERENT``) and ``docs/conventions.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor, as_array

#: netopt op (the function that records the node) -> torch's name where it is fixed.
FIXED: dict[str, str] = {
    "add": "AddBackward0",
    "mul": "MulBackward0",
    "div": "DivBackward0",
    "neg": "NegBackward0",
    "log1p": "Log1PBackward0",
    "clamp": "ClampBackward1",
    "cast": "ToCopyBackward0",
    "_clone": "CloneBackward0",
    "square": "PowBackward0",
    "var": "VarBackward0",
    "norm": "LinalgVectorNormBackward0",
    "reshape": "ViewBackward0",
    "dropout": "MulBackward0",
    "_channel_dropout": "MulBackward0",
    "_convolution": "ConvolutionBackward0",
    "_max_pool": "MaxPool2DWithIndicesBackward0",
    "_avg_pool": "AvgPool2DBackward0",
    "_adaptive_max": "AdaptiveMaxPool2DBackward0",
    "batch_norm": "NativeBatchNormBackward0",
    "layer_norm": "NativeLayerNormBackward0",
    "group_norm": "NativeGroupNormBackward0",
    "_cross_entropy_plain": "NllLossBackward0",
}


def _closure(fn: Any) -> dict[str, Any]:
    """The variables a closure captured, by name (an empty cell is left out)."""
    out = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # pragma: no cover (a cell not yet assigned)
            pass
    return out


def _ndim(x: Any) -> int:
    return np.ndim(as_array(x))


def _sub(c: dict) -> str:
    return "SubBackward0" if isinstance(c.get("a"), Tensor) else "RsubBackward1"


def _pow(c: dict) -> str:
    a_tensor, b_tensor = isinstance(c.get("a"), Tensor), isinstance(c.get("b"), Tensor)
    if a_tensor and b_tensor:
        return "PowBackward1"
    return "PowBackward0" if a_tensor else "PowBackward2"


def _matmul(c: dict) -> str:
    na, nb = np.ndim(c["ad"]), np.ndim(c["bd"])
    if na == 1 and nb == 1:
        return "DotBackward0"
    if nb == 1:
        return "MvBackward0"
    if nb == 2:
        return "MmBackward0"
    return "BmmBackward0"


def _extremum(c: dict) -> str:
    return "MaximumBackward0" if c["worse"] is np.less else "MinimumBackward0"


def _reduction(kind: str) -> Callable[[dict], str]:
    def name(c: dict) -> str:
        whole = not c.get("keepdim") and len(c.get("axes", ())) == _ndim(c["a"])
        return f"{kind}Backward{0 if whole else 1}"

    return name


def _full_extremum(c: dict) -> str:
    x = as_array(c["a"])
    return "MaxBackward1" if c["value"] == np.max(x) else "MinBackward1"


def _dim_extremum(c: dict) -> str:
    x, idx = as_array(c["a"]), c["idx"]
    picked = np.take_along_axis(x, idx, axis=c["dim"])
    top = np.max(x, axis=c["dim"], keepdims=True)
    return "MaxBackward0" if np.array_equal(picked, top) else "MinBackward0"


def _is_int(item: Any) -> bool:
    """An integer index, a 0-d integer array (a tensor index) included."""
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        return True
    return isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu"


def _getitem(c: dict) -> str:
    # torch indexes item by item, so its last node is the last item that does something:
    # ``None`` unsqueezes, an int selects, a slice slices; ``...`` and a full ``:`` add no
    # node, except that a lone ``x[:]`` is a slice and ``x[:, :]`` an alias.
    index = c["index"]
    items = index if isinstance(index, tuple) else (index,)
    if not all(i is None or i is Ellipsis or isinstance(i, slice) or _is_int(i) for i in items):
        return "IndexBackward0"
    for item in reversed(items):
        if item is None:
            return "UnsqueezeBackward0"
        if _is_int(item):
            return "SelectBackward0"
        if isinstance(item, slice) and item != slice(None):
            return "SliceBackward0"
    return "SliceBackward0" if isinstance(index, slice) else "AliasBackward0"


def _affine(c: dict) -> str:
    if c.get("relu"):
        return "ReluBackward0"
    return "MmBackward0" if c.get("bias") is None else "AddmmBackward0"


def _adaptive_avg(c: dict) -> str:
    # torch averages to a (1, 1) output with ``mean`` over the spatial dimensions;
    # ``ah``/``aw`` are the averaging matrices, one row per output position
    if np.shape(c["ah"])[0] == 1 and np.shape(c["aw"])[0] == 1:
        return "MeanBackward1"
    return "AdaptiveAvgPool2DBackward0"


def _pad(c: dict) -> str:
    mode, n = c.get("mode"), len(c.get("pads", ()))
    if mode == "reflect":
        return f"ReflectionPad{n}DBackward0"
    if mode == "replicate":
        return f"ReplicationPad{n}DBackward0"
    return "CopySlices" if mode == "circular" else "ConstantPadNdBackward0"


def _cross_entropy(c: dict) -> str:
    if c.get("y") is not None and c.get("label_smoothing") == 0:
        return "NllLossBackward0"
    return "CrossEntropyBackward0"


def _fused_pointwise(c: dict) -> str:
    slope, reduction = c["slope"], c.get("reduction")
    if slope is np.sign:  # torch composes l1_loss: abs, then the reduction
        return {"mean": "MeanBackward0", "sum": "SumBackward0"}.get(reduction, "AbsBackward0")
    op = slope.__qualname__.split(".")[0]
    names = {
        "huber_loss": "HuberLossBackward0",
        "smooth_l1_loss": "SmoothL1LossBackward0",
    }
    return names.get(op, "FusedPointwiseBackward0")


def _function(c: dict) -> str:
    return f"{c['cls'].__name__}Backward"


#: netopt op -> function of the op's captured variables giving torch's name.
RESOLVED: dict[str, Callable[[dict], str]] = {
    "sub": _sub,
    "pow": _pow,
    "matmul": _matmul,
    "_extremum": _extremum,
    "sum": _reduction("Sum"),
    "mean": _reduction("Mean"),
    "_full_extremum": _full_extremum,
    "_dim_extremum": _dim_extremum,
    "getitem": _getitem,
    "_affine": _affine,
    "_adaptive_avg": _adaptive_avg,
    "pad": _pad,
    "cross_entropy": _cross_entropy,
    "_fused_pointwise": _fused_pointwise,
    "Function": _function,
}


def torch_name(backward: Any) -> str:
    """torch's name for the node that ``backward`` (an op's closure) belongs to.

    Looked up in :data:`FIXED`, then :data:`RESOLVED`; any other op ``foo_bar`` is
    ``FooBarBackward0`` (torch's rule for ``exp``, ``relu``, ``log_softmax``, ...).
    """
    op = getattr(backward, "__qualname__", "Function").split(".")[0]
    if op in FIXED:
        return FIXED[op]
    if op in RESOLVED and getattr(backward, "__code__", None) is not None:
        try:
            return RESOLVED[op](_closure(backward))
        except (KeyError, TypeError, ValueError, IndexError):  # an unexpected closure
            pass
    return "".join(part.capitalize() for part in op.split("_") if part) + "Backward0"


class Node:
    """Base of the nodes :attr:`Tensor.grad_fn` returns; each name is its own subclass."""

    __slots__ = ()

    def name(self) -> str:
        """The node's class name, as torch's ``grad_fn.name()``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class GradFn(Node):
    """The op that made a non-leaf tensor (``<MulBackward0 object at ...>``)."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self._tensor = tensor

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """``(node, 0)`` per operand: its ``grad_fn``, an ``AccumulateGrad`` for a leaf that
        requires grad, ``None`` for an operand that gets no gradient."""
        return tuple((_node_of(p), 0) for p in self._tensor._parents)


class AccumulateGrad(Node):
    """The node that adds a gradient into a leaf's ``.grad`` (``variable`` is the leaf)."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @property
    def next_functions(self) -> tuple:
        """Empty: a leaf has no inputs."""
        return ()


_CLASSES: dict[str, type] = {}


def _node_of(t: Any) -> Node | None:
    if not isinstance(t, Tensor) or not t.requires_grad:
        return None
    return AccumulateGrad(t) if t._backward is None else grad_fn(t)


def grad_fn(t: Tensor) -> GradFn | None:
    """``t.grad_fn``: None for a leaf, else a node named as torch names the op."""
    if t._backward is None:
        return None
    name = torch_name(t._backward)
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (GradFn,), {"__slots__": (), "__module__": __name__})
    return cls(t)
