r"""Gradient norms and clipping, as torch's ``clip_grad_norm_``, ``clip_grad_value_``, etc.

Clipping is the chapter's remedy for exploding gradients: rescale (or cut) the gradient
before the optimizer step so that one steep region cannot throw the parameters far away.
:func:`grad_norms` reports the norm of every named parameter's gradient, which is how the
lab shows gradients vanishing or exploding layer by layer.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...autograd.tensor import Tensor

_NONFINITE = (
    "The total norm of order {} for gradients from `parameters` is non-finite, so it cannot "
    "be clipped. To disable this error and scale the gradients by the non-finite norm "
    "anyway, set `error_if_nonfinite=False`"
)


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    params = list(parameters)
    if is_generator and not params:
        warnings.warn(
            "`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3
        )
    return params


def _vector_norm(x: np.ndarray, norm_type: float) -> np.floating:
    """The p-norm of ``x`` viewed as a vector, in ``x``'s dtype (inf, -inf and 0 included)."""
    if x.size == 0:
        return x.dtype.type(0.0) if norm_type >= 0 else x.dtype.type(math.inf)
    return np.linalg.norm(x.reshape(-1), ord=norm_type)


def get_total_norm(
    tensors: np.ndarray | Tensor | Iterable[np.ndarray | Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> np.floating:
    r"""The p-norm of several arrays taken together, as if concatenated into one vector.

    .. math::

        \|g\|_p = \Big(\sum_k \|g^{(k)}\|_p^p\Big)^{1/p}
        = \big\|\,(\|g^{(1)}\|_p, \ldots, \|g^{(K)}\|_p)\,\big\|_p

    computed, as torch does, as the norm of the per-array norms.

    Parameters
    ----------
    tensors : ndarray, Tensor, or iterable of them
        Usually the gradients (``p.grad`` arrays) of a model.
    norm_type : float, default 2.0
        ``p``; ``math.inf`` gives the largest absolute entry.
    error_if_nonfinite : bool, default False

    Returns
    -------
    numpy.floating
        The total norm, a NumPy scalar in the arrays' (promoted) dtype; ``0.0`` for none.

    Raises
    ------
    RuntimeError
        If ``error_if_nonfinite`` and the norm is NaN or infinite (torch's message).

    Notes
    -----
    torch returns a 0-d tensor; netopt returns a NumPy scalar, which has ``.item()`` and
    works with ``float()`` and comparisons.

    References
    ----------
    PyTorch, ``torch.nn.utils.get_total_norm``.

    Examples
    --------
    >>> import numpy as np
    >>> float(get_total_norm([np.array([3.0]), np.array([[4.0]])]))
    5.0
    >>> float(get_total_norm([np.array([3.0]), np.array([-4.0])], norm_type=float("inf")))
    4.0
    """
    if isinstance(tensors, (np.ndarray, Tensor)):
        tensors = [tensors]
    norm_type = float(norm_type)
    arrays = [t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
    if not arrays:
        return np.float32(0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.array([_vector_norm(a, norm_type) for a in arrays])
        total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(_NONFINITE.format(norm_type))
    return total


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> np.floating:
    r"""Rescale the gradients in place so that their total norm is at most ``max_norm``.

    .. math::

        g \leftarrow g \cdot \min\!\Big(1, \frac{c}{\|g\|_p + 10^{-6}}\Big)

    with :math:`c` = ``max_norm`` and :math:`\|g\|_p` the norm of all gradients together
    (:func:`get_total_norm`). The direction of the gradient is kept; only its length shrinks.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clipped; those whose grad is None are skipped.
    max_norm : float
        :math:`c`, >= 0.
    norm_type : float, default 2.0
    error_if_nonfinite : bool, default False
        Raise instead of scaling by a NaN or infinite norm.

    Returns
    -------
    numpy.floating
        The total norm *before* clipping.

    Raises
    ------
    ValueError
        If ``max_norm`` is negative or NaN.
    RuntimeError
        If ``error_if_nonfinite`` and the total norm is not finite (torch's message).

    Notes
    -----
    torch accepts a negative ``max_norm`` and then flips the sign of every gradient;
    netopt raises. torch returns the norm as a 0-d tensor, netopt as a NumPy scalar.

    References
    ----------
    Pascanu, Mikolov, Bengio, "On the difficulty of training recurrent neural networks",
    ICML 2013. PyTorch, ``torch.nn.utils.clip_grad_norm_``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.zeros(2))
    >>> w.grad = np.array([3.0, 4.0])
    >>> float(clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> w.grad.numpy().round(6)
    array([0.6, 0.8])
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be non-negative, but got {max_norm}")
    params = _as_list(parameters)
    grads = [p._grad for p in params if p._grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = np.minimum(max_norm / (total + 1e-6), 1.0)
            for g in grads:
                g *= coef
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clip every gradient entry in place to :math:`[-c, c]`.

    .. math::

        g_i \leftarrow \min(\max(g_i, -c), c)

    with :math:`c` = ``clip_value``. Unlike :func:`clip_grad_norm_` this changes the
    gradient's direction when some entries are cut and others are not.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clipped; those whose grad is None are skipped.
    clip_value : float
        :math:`c`, >= 0.

    Raises
    ------
    ValueError
        If ``clip_value`` is negative or NaN.

    Notes
    -----
    torch accepts a negative ``clip_value`` and then sets every entry to it; netopt raises.

    References
    ----------
    PyTorch, ``torch.nn.utils.clip_grad_value_``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.zeros(3))
    >>> w.grad = np.array([-5.0, 0.5, 2.0])
    >>> clip_grad_value_([w], clip_value=1.0)
    >>> w.grad.numpy()
    array([-1. ,  0.5,  1. ])
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be non-negative, but got {clip_value}")
    for p in _as_list(parameters):
        if p._grad is not None:
            np.clip(p._grad, -clip_value, clip_value, out=p._grad)


def grad_norms(module: Any, norm_type: float = 2.0) -> dict[str, float]:
    r"""The norm of each named parameter's gradient: :math:`\|\partial J / \partial \theta_k\|_p`.

    Parameters
    ----------
    module : Module
        Anything with ``named_parameters()``.
    norm_type : float, default 2.0

    Returns
    -------
    dict of str to float
        ``{name: norm}`` in ``named_parameters()`` order; parameters whose grad is None are
        left out.

    Notes
    -----
    Not in torch. Plotted against depth, these norms show vanishing gradients (norms that
    shrink toward the input, e.g. with saturating sigmoids) and exploding ones.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Module, Parameter
    >>> class Two(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.a = Parameter(np.zeros(2))
    ...         self.b = Parameter(np.zeros(1))
    >>> m = Two()
    >>> m.a.grad = np.array([6.0, 8.0])
    >>> grad_norms(m)
    {'a': 10.0}
    """
    norm_type = float(norm_type)
    out: dict[str, float] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, p in module.named_parameters():
            if p._grad is not None:
                out[name] = float(_vector_norm(np.asarray(p._grad), norm_type))
    return out
