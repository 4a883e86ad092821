"""The :class:`Tensor`: an ndarray that remembers how it was computed.

A tensor that ``requires_grad`` records, for every operation applied to it, the
operands (``_parents``) and a closure (``_backward``) that maps the gradient of the
result to the gradients of the operands, and a creation number (``_seq``).
:meth:`Tensor.backward` checks its input and hands the graph to
:func:`netopt.autograd.engine.run_backward`, which walks it newest node first and
accumulates into the ``.grad`` of every leaf.

Conventions follow PyTorch: Python floats become float32, NumPy arrays keep their
dtype, Python ints become int64; gradients accumulate across ``backward`` calls
until zeroed; ``numpy()`` refuses a tensor that requires grad.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import run_backward
from .grad_mode import state as _grad
from .legacy import NO_DATA, legacy_array
from .version import clock, share_counter
from .version import version as _version_of

Backward = Callable[[np.ndarray], Sequence["np.ndarray | None"]]

#: Numbers every recorded result in creation order; ``backward`` visits nodes newest first.
#: The same clock stamps in-place writes (:mod:`netopt.autograd.version`).
_creation_order = clock

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to a new ndarray with PyTorch's dtype rules (see :func:`tensor`):
    Python floats become float32, Python ints int64, arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    arr = np.array(data)
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    if arr.dtype.kind not in "fb":
        raise TypeError(f"can't convert data of dtype {arr.dtype} to a tensor")
    return arr


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``.

    If ``y = f(x)`` broadcast ``x`` of shape ``shape`` to ``grad.shape``, then
    ``dL/dx`` is ``dL/dy`` summed over the leading axes broadcasting prepended and
    over the axes where ``x`` had length 1.

    Examples
    --------
    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> unbroadcast(np.ones((2, 3)), (2, 1))
    array([[3.],
           [3.]])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    Build tensors with :func:`netopt.tensor`; the constructor wraps an ndarray as is
    (no copy, no dtype change) and is what operations use internally. Called with
    anything else it is torch's legacy constructor (``Tensor([-4.0])``, ``Tensor(2, 3)``:
    float32; :mod:`netopt.autograd.legacy`). Operators and the methods that delegate to
    an op (``+``, ``sum``, ``relu``, ``to``...) are attached by
    :mod:`netopt.autograd._methods`, which imports this module and the ops; ``data``,
    ``grad`` and ``__array__`` by :mod:`netopt.autograd.storage`.

    The values live in the ndarray ``_data`` and the accumulated gradient of the last
    ``backward`` calls (leaves only) in the ndarray ``_grad`` (or None): netopt's own code
    reads and writes those. ``data`` and ``grad`` are tensors sharing that memory, as in
    torch.

    Attributes
    ----------
    requires_grad : bool
        Whether operations on this tensor are recorded.
    """

    __slots__ = (
        "__weakref__",
        "_backward",
        "_data",
        "_grad",
        "_gref",
        "_parents",
        "_seq",
        "_vc",
        "requires_grad",
    )
    #: Above an ndarray's 0 (read by code that checks NumPy's legacy priority); NumPy's
    #: operators and functions on tensors go through ``__array_ufunc__``
    #: (:mod:`netopt.autograd.storage`).
    __array_priority__ = 1000

    def __init__(self, data: Any = NO_DATA, *size: int, requires_grad: bool = False) -> None:
        if not isinstance(data, np.ndarray):  # torch's legacy constructor (legacy.py)
            data = data._data if isinstance(data, Tensor) else legacy_array(data, size)
        self._data = data
        self._grad: np.ndarray | None = None
        self._gref: weakref.ref | None = None  # the tensor ``grad`` last returned (storage.py)
        self.requires_grad = requires_grad
        self._parents: tuple[Tensor | None, ...] = ()
        self._backward: Backward | None = None
        self._seq = 0  # creation order of results (see make_result); 0 for leaves
        self._vc = None  # version counter, made at the first in-place write (see version.py)

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of ``data``."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def _version(self) -> int:
        """The number of in-place writes of this tensor's storage (torch's ``_version``)."""
        return _version_of(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by an operation."""
        return self._backward is None

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Shape as a tuple, or the length of dimension ``dim``."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (float32, int64, bool_):
            extra += f", dtype={self._data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """Return ``data`` (shared, not copied), as ``torch.Tensor.numpy`` does.

        Raises
        ------
        RuntimeError
            If the tensor requires grad; call ``detach().numpy()``.
        """
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def item(self) -> float | int | bool:
        """Return the value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self) -> Any:
        """Return the values as (nested) Python lists."""
        return self._data.tolist()

    def detach(self) -> Tensor:
        """Return a tensor sharing ``data`` (and its version counter) cut from the graph."""
        return share_counter(Tensor(self._data), self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf and return ``self``."""
        if not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = bool(requires_grad)
        return self

    def cpu(self) -> Tensor:
        """``self``: netopt's tensors live in CPU memory (``torch.Tensor.cpu``)."""
        return self

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """Cast to int64 (not differentiable)."""
        return Tensor(self._data.astype(np.int64))

    # ----------------------------------------------------------------- autograd
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        r"""Accumulate the gradient of ``self`` with respect to every leaf into its ``grad``.

        Parameters
        ----------
        gradient : array_like, optional
            The gradient of some scalar with respect to ``self`` (same shape). May be
            omitted only for a one-element tensor, where it is 1.
        retain_graph : bool, optional
            Accepted for PyTorch compatibility; netopt always keeps the graph.
        create_graph : bool, default False
            True (a differentiable gradient, for higher-order derivatives) is not
            supported and raises ``NotImplementedError``.

        Notes
        -----
        The graph is kept, so ``backward`` may be called again; gradients add up
        (``grad += ...``) until :meth:`netopt.nn.Module.zero_grad` or an optimizer's
        ``zero_grad`` clears them.
        """
        if create_graph:
            raise NotImplementedError(
                "backward(create_graph=True): netopt's gradients are arrays, not graphs, "
                "so higher-order derivatives are not available"
            )
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seed = np.ones_like(self._data)
        else:
            seed = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient)
            if seed.shape != self._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {seed.shape} and "
                    f"output[0] has a shape of {self._data.shape}."
                )
            seed = seed.astype(self._data.dtype, copy=False)
        run_backward(self, seed)


def make_result(data: np.ndarray, parents: tuple[Any, ...], backward: Backward | None) -> Tensor:
    """Wrap an op's output; record ``parents`` and ``backward`` when a graph is needed.

    Non-tensor operands (Python scalars, ndarrays) are recorded as ``None`` and get no
    gradient.
    """
    if _grad.enabled and backward is not None:
        for p in parents:
            if isinstance(p, Tensor) and p.requires_grad:
                out = Tensor(data, requires_grad=True)
                for q in parents:
                    if q is not None and not isinstance(q, Tensor):
                        parents = tuple(q if isinstance(q, Tensor) else None for q in parents)
                        break
                out._parents = parents
                out._backward = backward
                out._seq = next(_creation_order)
                return out
    return Tensor(data)


def target_dtype(args: Sequence[Any], dtype: Any = None) -> Any:
    """The dtype asked of a torch-style ``to(*args, dtype=...)`` call, or None.

    Device names are checked and dropped: ``"cpu"`` (or ``"cpu:N"``) is where netopt
    computes; any other device raises RuntimeError. A dtype given twice raises TypeError.
    """
    for arg in args:
        if isinstance(arg, str):
            if arg != "cpu" and not arg.startswith("cpu:"):
                raise RuntimeError(
                    f"netopt computes on the CPU only; device {arg!r} is not available"
                )
            continue
        if dtype is not None:
            raise TypeError(f"to() got the dtype twice ({dtype!r} and {arg!r})")
        dtype = arg
    return dtype


def needs_grad(x: Any) -> bool:
    """True when ``x`` is a tensor whose gradient an op's backward must compute."""
    return isinstance(x, Tensor) and x.requires_grad


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a tensor from array-like data, copying it.

    Parameters
    ----------
    data : array_like or Tensor
        Python floats become float32, Python ints int64, NumPy arrays keep their dtype.
    requires_grad : bool, default False
        Record operations for :meth:`Tensor.backward` (floating dtypes only).
    dtype : numpy dtype or str, optional
        Override the inferred dtype.

    Examples
    --------
    >>> import netopt
    >>> netopt.tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> import numpy as np
    >>> netopt.tensor(np.array([1.0, 2.0])).dtype
    dtype('float64')
    """
    arr = to_array(data, dtype)
    if requires_grad and arr.dtype.kind != "f":
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return Tensor(arr, requires_grad=bool(requires_grad))


def as_array(x: Any) -> Any:
    """``x.data`` for a tensor, ``x`` itself otherwise (scalars keep NumPy's weak typing).

    A NumPy scalar (``np.float64(2.0)``, ``np.sqrt(2)``) becomes the Python scalar it
    holds: NumPy treats it as a strong float64 that would upcast a float32 tensor,
    PyTorch treats it as a Python number.
    """
    if isinstance(x, Tensor):
        return x._data
    return x.item() if isinstance(x, np.generic) else x
