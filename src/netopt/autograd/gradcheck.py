"""Numerical gradient checking by central differences (``torch.autograd.gradcheck``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytical gradient disagrees with the numerical one."""


def _scalar_outputs(fn: Callable[..., Tensor], inputs: Sequence[Tensor]) -> np.ndarray:
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return np.concatenate([np.asarray(o._data, dtype=np.float64).ravel() for o in outs])


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    r"""Compare the full Jacobian from backpropagation with central differences.

    For every input element :math:`x_j` and output element :math:`y_i`,

    .. math::
        J^{\text{num}}_{ij} = \frac{y_i(x + \epsilon e_j) - y_i(x - \epsilon e_j)}{2\epsilon},

    and the check passes when :math:`|J^{\text{num}} - J^{\text{ana}}| \le
    \text{atol} + \text{rtol}\,|J^{\text{num}}|` everywhere (PyTorch's defaults).
    Row :math:`i` of the analytical Jacobian is the gradient of :math:`y_i`, one
    ``backward`` per output element.

    Parameters
    ----------
    fn : callable
        Maps the input tensors to a tensor (or a tuple of tensors).
    inputs : sequence of Tensor
        Inputs that require grad are checked; they must be float64, because at
        ``eps=1e-6`` float32 rounding alone errs by about 4e-2.
    eps, atol, rtol : float
        Step and tolerances.
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on failure instead of returning False.

    Returns
    -------
    bool
        True when every checked input passes.

    Examples
    --------
    >>> import numpy as np, netopt
    >>> x = netopt.tensor(np.array([0.5, -1.5]), requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sum(), [x])
    True
    """
    inputs = list(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for t in checked:
        if t._data.dtype != np.float64:
            warnings.warn(
                f"gradcheck input has dtype {t._data.dtype}; central differences need "
                "float64 (float32 errs by ~4e-2 at eps=1e-6). Converting a copy to float64.",
                stacklevel=2,
            )
    originals = {id(t): t._data for t in checked}
    for t in checked:
        # A C-ordered copy: reshape(-1) in _check must be a view, or the steps are lost.
        t._data = np.array(t._data, dtype=np.float64, order="C")
    try:
        return _check(fn, inputs, checked, eps, atol, rtol, raise_exception)
    finally:
        for t in checked:
            t._data = originals[id(t)]


def _check(fn, inputs, checked, eps, atol, rtol, raise_exception) -> bool:
    y0 = _scalar_outputs(fn, inputs)
    for k, t in enumerate(checked):
        flat = t._data.reshape(-1)
        numerical = np.empty((y0.size, flat.size))
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = _scalar_outputs(fn, inputs)
            flat[j] = orig - eps
            minus = _scalar_outputs(fn, inputs)
            flat[j] = orig
            numerical[:, j] = (plus - minus) / (2 * eps)
        analytical = _analytical_jacobian(fn, inputs, t, y0.size)
        bad = np.abs(numerical - analytical) > atol + rtol * np.abs(numerical)
        if bad.any():
            if not raise_exception:
                return False
            i, j = np.argwhere(bad)[0]
            raise GradcheckError(
                f"Jacobian mismatch for input {k} at output {i}, input element {j}: "
                f"numerical {numerical[i, j]!r} vs analytical {analytical[i, j]!r}\n"
                f"numerical:\n{numerical}\nanalytical:\n{analytical}"
            )
    return True


def _analytical_jacobian(fn, inputs, target: Tensor, n_out: int) -> np.ndarray:
    jac = np.zeros((n_out, target._data.size))
    for i in range(n_out):
        for t in inputs:
            if isinstance(t, Tensor):
                t._grad = None
        out = fn(*inputs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        offset = 0
        for o in outs:
            size = o._data.size
            if offset <= i < offset + size and o.requires_grad:
                seed = np.zeros(o._data.shape, dtype=o._data.dtype)
                seed.reshape(-1)[i - offset] = 1
                o.backward(seed)
            offset += size
        if target._grad is not None:
            jac[i] = target._grad.reshape(-1)
    for t in inputs:
        if isinstance(t, Tensor):
            t._grad = None
    return jac
