r"""Fused optimizer updates: one compiled pass over memory per step, when numba is installed.

The NumPy kernels (:func:`~netopt.optim.sgd.sgd`, :func:`~netopt.optim.adam.adam`,
:func:`~netopt.optim.rmsprop.rmsprop`, :func:`~netopt.optim.adagrad.adagrad`) make one pass
over the parameters per operation: Adam reads and writes about ten arrays of the
parameters' size per step. The loops of :mod:`._fused_kernels` do the same arithmetic,
element by element in the same order and precision, in a single pass, so every result is
bit-identical to the NumPy kernel's (tests compare them with ``array_equal`` over every
configuration, in float32 and float64).

:func:`fused` wraps a NumPy kernel in a function with the same signature. The wrapper
uses the compiled loop when the call qualifies and otherwise calls the NumPy kernel
unchanged:

- numba is installed (``pip install netopt[fast]``) and :data:`ENABLED` is true;
- ``param`` has at least :data:`MIN_ELEMENTS` elements;
- ``param``, ``grad`` and every state array are all C-contiguous or all Fortran-contiguous,
  of one shape and of one dtype, float32 or float64;
- every hyperparameter is a plain Python ``int``, ``float`` or ``bool`` (a NumPy scalar
  could change NumPy's result dtype, which the loops do not reproduce).

Nothing is imported or compiled at ``import netopt``: the first qualifying step imports
numba (about 0.6 s) and compiles the loop it needs (or loads it from numba's on-disk cache,
``__pycache__`` next to :mod:`._fused_kernels`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from ._common import adam_state

#: Set to False to always run the NumPy kernels (for comparisons and benchmarks).
ENABLED = True

#: Calls on fewer elements run the NumPy kernel. Below this size the fused loop saves at
#: most about 25 us per call (Adam on 26K float32 elements: 42 -> 18 us), while the first
#: fused call of a process imports numba and loads the compiled loop (1-3 s measured on a
#: busy 2-core machine, 3 s more when the disk cache is cold): small models, which train in
#: seconds, would pay more than they gain. Equal to the flat-group limit of :mod:`._flat`,
#: so a group is either one NumPy call on flat buffers or per-parameter calls, large ones
#: fused.
MIN_ELEMENTS = 1 << 16

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_PLAIN = frozenset((int, float, bool))
_EMPTY = {dtype: np.empty(0, dtype) for dtype in _FLOATS}  # a loop's unused array argument
_ADAM_KEYS = {False: ("exp_avg", "exp_avg_sq"), True: ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}
_available: bool | None = None
_loops: Any = None


def available() -> bool:
    """True when numba can be imported (checked once, without importing it)."""
    global _available
    if _available is None:
        _available = importlib.util.find_spec("numba") is not None
    return _available


def _kernels() -> Any:
    global _loops
    if _loops is None:
        from . import _fused_kernels

        _loops = _fused_kernels
    return _loops


def _flat(param: np.ndarray, grad: Any, arrays: list, every_size: bool) -> list[np.ndarray] | None:
    """1-D views of ``param``, ``grad`` and ``arrays`` in one memory order (all C- or all
    Fortran-contiguous: the update is element-wise, so element ``i`` of every view must be
    the same entry), or None when the call does not qualify."""
    dtype, shape = param.dtype, param.shape
    if dtype not in _FLOATS or not isinstance(grad, np.ndarray):
        return None
    if not every_size and param.size < MIN_ELEMENTS:
        return None
    fortran = not param.flags.c_contiguous  # then Fortran order, if any: checked below
    out = []
    for a in (param, grad, *arrays):
        flags = a.flags
        if a.dtype != dtype or a.shape != shape:
            return None
        if not (flags.f_contiguous if fortran else flags.c_contiguous):
            return None
        if a is not grad and not flags.writeable:  # NumPy's own error, not numba's
            return None
        out.append(_ravel(a, param))
    return out


def _ravel(a: np.ndarray, param: np.ndarray) -> np.ndarray:
    """The 1-D view of ``a`` (laid out as ``param``) in memory order."""
    if a.ndim == 1:  # a flat group's arrays
        return a
    return a.reshape(-1) if param.flags.c_contiguous else a.T.reshape(-1)


def _plain(*values: object) -> bool:
    return _PLAIN.issuperset(map(type, values))


def _lerp_weight(weight: float, cast: type) -> tuple[bool, Any]:
    """torch's ``lerp`` branch and the factor it multiplies by (see ``_common.lerp``)."""
    return (True, cast(weight)) if weight < 0.5 else (False, cast(1 - weight))


# --------------------------------------------------------------------------- wrappers
def _sgd(kernel: Callable[..., Any], every_size: bool) -> Callable[..., Any]:
    def sgd(param, grad, state, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
            nesterov=False, maximize=False):  # fmt: skip
        buf = state.get("momentum_buffer") if momentum != 0 else None
        flat = _flat(param, grad, [] if buf is None else [buf], every_size) if ENABLED else None
        if flat is None or not _plain(lr, momentum, dampening, weight_decay, nesterov, maximize):
            return kernel(param, grad, state, lr=lr, momentum=momentum, dampening=dampening,
                          weight_decay=weight_decay, nesterov=nesterov,
                          maximize=maximize)  # fmt: skip
        first = momentum != 0 and buf is None
        if first:
            buf = np.empty_like(param)
            state["momentum_buffer"] = buf
        f = param.dtype.type
        b = _EMPTY[param.dtype] if buf is None else flat[2] if len(flat) > 2 else _ravel(buf, param)
        _kernels().sgd_loop(flat[0], flat[1], b, f(lr), f(momentum), f(1 - dampening),
                            f(weight_decay), weight_decay != 0, bool(maximize), momentum != 0,
                            first, dampening == 0, bool(nesterov))  # fmt: skip
        return state

    return sgd


def _adam(kernel: Callable[..., Any], every_size: bool) -> Callable[..., Any]:
    def adam(param, grad, state, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
             amsgrad=False, maximize=False, decoupled_weight_decay=False):  # fmt: skip
        keys = _ADAM_KEYS[bool(amsgrad)]
        arrays = [state[k] for k in keys if k in state]
        flat = _flat(param, grad, arrays, every_size) if ENABLED else None
        if flat is None or not _plain(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                                      decoupled_weight_decay, state.get("step", 0.0)):  # fmt: skip
            return kernel(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                          weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                          decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        if len(arrays) < len(keys):  # the first step: make the state, as the NumPy kernel
            adam_state(param, state, amsgrad)
            flat[2:] = [_ravel(state[k], param) for k in keys]
        state["step"] += 1
        step = state["step"]
        f = param.dtype.type
        vmax = flat[4] if amsgrad else _EMPTY[param.dtype]
        decoupled = weight_decay != 0 and decoupled_weight_decay
        w_small, w1 = _lerp_weight(1 - beta1, f)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        decay = f(1 - lr * weight_decay) if decoupled else f(1)
        _kernels().adam_loop(flat[0], flat[1], flat[2], flat[3], vmax, decay, f(weight_decay),
                             weight_decay != 0 and not decoupled, bool(maximize), w_small, w1,
                             f(beta2), f(1 - beta2), bool(amsgrad), f(bias_correction2**0.5),
                             f(eps), f(-(lr / bias_correction1)))  # fmt: skip
        return state

    return adam


def _rmsprop(kernel: Callable[..., Any], every_size: bool) -> Callable[..., Any]:
    def rmsprop(param, grad, state, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0,
                momentum=0.0, centered=False, maximize=False):  # fmt: skip
        keys = ("square_avg", "grad_avg", "momentum_buffer")
        arrays = [state[k] for k in keys if k in state]
        flat = _flat(param, grad, arrays, every_size) if ENABLED else None
        if flat is None or not _plain(lr, alpha, eps, weight_decay, momentum, centered, maximize,
                                      state.get("step", 0.0)):  # fmt: skip
            return kernel(param, grad, state, lr=lr, alpha=alpha, eps=eps,
                          weight_decay=weight_decay, momentum=momentum, centered=centered,
                          maximize=maximize)  # fmt: skip
        if "square_avg" not in state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(param)
        if centered and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(param)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(param)
        state["step"] += 1
        f = param.dtype.type
        empty = flat[0][:0]
        ga = _ravel(state["grad_avg"], param) if centered else empty
        buf = _ravel(state["momentum_buffer"], param) if momentum > 0 else empty
        w_small, w1 = _lerp_weight(1 - alpha, f)
        _kernels().rmsprop_loop(flat[0], flat[1], _ravel(state["square_avg"], param), ga, buf,
                                f(alpha), f(1 - alpha), f(weight_decay), weight_decay != 0,
                                bool(maximize), bool(centered), w_small, w1, f(eps),
                                momentum > 0, f(momentum), f(lr), f(-lr))  # fmt: skip
        return state

    return rmsprop


def _adagrad(kernel: Callable[..., Any], every_size: bool) -> Callable[..., Any]:
    def adagrad(param, grad, state, *, lr, lr_decay=0.0, weight_decay=0.0,
                initial_accumulator_value=0.0, eps=1e-10, maximize=False):  # fmt: skip
        arrays = [state["sum"]] if "sum" in state else []
        flat = _flat(param, grad, arrays, every_size) if ENABLED else None
        if flat is None or not _plain(lr, lr_decay, weight_decay, initial_accumulator_value, eps,
                                      maximize, state.get("step", 0.0)):  # fmt: skip
            return kernel(param, grad, state, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps,
                          maximize=maximize)  # fmt: skip
        if "sum" not in state:
            state["step"] = 0.0
            state["sum"] = np.full_like(param, initial_accumulator_value)
        state["step"] += 1
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        f = param.dtype.type
        _kernels().adagrad_loop(flat[0], flat[1], _ravel(state["sum"], param), f(weight_decay),
                                weight_decay != 0, bool(maximize), f(eps), f(-clr))  # fmt: skip
        return state

    return adagrad


_WRAPPERS = {"sgd": _sgd, "adam": _adam, "rmsprop": _rmsprop, "adagrad": _adagrad}


def fused(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``kernel``'s fused counterpart, or ``kernel`` itself when numba is missing.

    Parameters
    ----------
    kernel : callable
        One of the NumPy kernels ``sgd``, ``adam``, ``rmsprop``, ``adagrad`` (by name).

    Returns
    -------
    callable
        A function with ``kernel``'s signature and results (bit for bit) that runs the
        compiled loop for qualifying calls (see the module docstring) and ``kernel``
        otherwise. Its attribute ``numpy_kernel`` is ``kernel``; ``every_size`` is the
        same wrapper without the :data:`MIN_ELEMENTS` limit (what ``fused=True`` runs).
    """
    wrap = _WRAPPERS.get(kernel.__name__)
    if wrap is None or not available():
        return kernel
    out, every = wrap(kernel, False), wrap(kernel, True)
    out.__doc__ = f"Fused {kernel.__name__}, bit-identical to :func:`{kernel.__qualname__}`."
    every.__doc__ = out.__doc__ + " Calls of every size qualify."
    out.numpy_kernel = every.numpy_kernel = kernel  # type: ignore[attr-defined]
    out.every_size = every  # type: ignore[attr-defined]
    return out


def choose(kernel: Callable[..., Any], flag: bool | None) -> Callable[..., Any]:
    """The kernel a parameter group with torch's ``fused=flag`` runs.

    ``None`` (the default): ``kernel`` as :func:`fused` made it (compiled loops from
    :data:`MIN_ELEMENTS` elements when numba is installed). ``True``: the compiled loop at
    every size, for small models whose step the update dominates; the first step pays
    numba's import. ``False``: the NumPy kernel. The results are the same bits either way.

    Raises
    ------
    RuntimeError
        ``flag`` is True and numba is not installed.
    """
    if flag is None:
        return kernel
    if flag:
        every = getattr(kernel, "every_size", None)
        if every is None:
            raise RuntimeError(
                "fused=True needs numba, which is not installed: pip install 'netopt[fast]'"
            )
        return every
    return getattr(kernel, "numpy_kernel", kernel)
