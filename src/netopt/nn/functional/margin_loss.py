r"""The multi-class hinge loss ``multi_margin_loss`` (PyTorch's signature and numbers).

A margin loss for classification: the score of the true class should beat every other
class's score by ``margin``; scores that do not are penalized linearly (``p=1``, the
Weston-Watkins SVM loss) or quadratically (``p=2``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_number
from ...autograd.tensor import Tensor, as_array, make_result
from ._reduction import check_reduction


def _targets(x: np.ndarray, target: Any) -> np.ndarray:
    """The class indices as a 1-d int64 array, one per row, checked as torch does."""
    y = np.asarray(as_array(target))
    if y.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {y.dtype}")
    n = x.shape[0] if x.ndim == 2 else 1
    if (x.ndim == 2 and y.shape != (n,)) or (x.ndim == 1 and y.size != 1):
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{n}], but got "
            f"{list(y.shape)}. Input has shape {list(x.shape)}."
        )
    y = y.reshape(n).astype(np.int64, copy=False)
    if n and (y.min() < 0 or y.max() >= x.shape[-1]):
        raise RuntimeError("target out of range")
    return y


def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Multi-class hinge loss of scores ``input`` (``(N, C)`` or ``(C,)``) for classes ``target``.

    .. math::
        \ell_n = \frac{w_{y_n}}{C} \sum_{i \ne y_n} \max(0,\ m - x_{n, y_n} + x_{n,i})^p

    with :math:`m` the ``margin`` and :math:`w` the class ``weight`` (all ones when None).
    ``reduction="mean"`` averages :math:`\ell_n` over the :math:`N` samples (0 when there
    are none, as PyTorch), ``"sum"`` adds them, ``"none"`` returns them.

    Gradient: with :math:`h_{n,i} = m - x_{n,y_n} + x_{n,i}`, each violating class
    (:math:`h_{n,i} > 0`, :math:`i \ne y_n`) gets
    :math:`\partial\ell_n/\partial x_{n,i} = \frac{w_{y_n}}{C} p\, h_{n,i}^{p-1}` and the true
    class the negative of their sum; at :math:`h = 0` the derivative is 0 (PyTorch's choice).

    Parameters
    ----------
    input : Tensor
        Scores, ``(N, C)`` or one sample ``(C,)``.
    target : Tensor or array_like of int
        Class indices in ``[0, C)``, ``(N,)`` (a single index for one sample).
    p : {1, 2}
        The power of each hinge.
    margin : float, default 1.0
    weight : Tensor or array_like, optional
        One weight per class (``(C,)``), applied by the sample's true class.
    size_average, reduce : None
        torch's deprecated arguments, kept in their places; giving either raises.
    reduction : {"mean", "sum", "none"}

    Raises
    ------
    ValueError
        ``p`` not 1 or 2, a ``weight`` that is not one-dimensional, an unknown ``reduction``
        (PyTorch's messages); ``size_average`` or ``reduce`` given.
    RuntimeError
        An input that is not a non-empty vector or matrix, targets of the wrong shape, dtype
        or range, a weight of the wrong length (PyTorch's messages).

    Examples
    --------
    >>> import netopt
    >>> x = netopt.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(multi_margin_loss(x, netopt.tensor([3])).item(), 4)
    0.325
    """
    if size_average is not None or reduce is not None:
        raise ValueError("size_average and reduce are deprecated; use reduction=")
    check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if not is_number(margin):
        raise TypeError(f"margin must be a number, got {margin!r}")
    x = np.asarray(as_array(input))
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(x.shape)}"
        )
    rows = x.reshape(-1, x.shape[-1])
    n, c = rows.shape
    y = _targets(x, target)
    scale = np.full(n, 1 / c, dtype=rows.dtype)
    if weight is not None:
        w = np.asarray(as_array(weight))
        if w.ndim != 1:
            raise ValueError("weight must be one-dimensional")
        if w.shape[0] != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(w.shape)}")
        scale = (w[y] / c).astype(rows.dtype, copy=False)

    at = (np.arange(n), y)
    h = margin - rows[at][:, None] + rows
    h[at] = 0  # the true class is not compared with itself
    violated = h > 0
    hinge = np.where(violated, h if p == 1 else h * h, 0)
    losses = (hinge.sum(axis=1) * scale).astype(rows.dtype, copy=False)
    if reduction == "none":
        out = losses.reshape(x.shape[:-1])
    elif reduction == "sum":
        out = np.asarray(losses.sum(), dtype=rows.dtype)
    else:
        out = np.asarray(losses.sum() / n if n else 0, dtype=rows.dtype)

    def backward(g: np.ndarray) -> tuple:
        if reduction == "none":
            per_row = g.reshape(n)
        else:
            per_row = np.full(n, g / n if reduction == "mean" else g, dtype=rows.dtype)
        slope = np.where(violated, 1 if p == 1 else 2 * h, 0) * (scale * per_row)[:, None]
        slope[at] = -slope.sum(axis=1)
        return (slope.astype(rows.dtype, copy=False).reshape(x.shape),)

    return make_result(out, (input,), backward)
