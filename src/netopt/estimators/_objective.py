r"""What the estimators minimize, written once as array kernels, and their output activations.

For a batch :math:`B` with sample weights :math:`w_i` (all 1 unless given), outputs
:math:`z_i` (the network's last Linear) and targets :math:`y_i`, the objective is
scikit-learn's:

.. math::
    R(\theta) = \frac{1}{\sum_{i\in B} w_i}\Big(\sum_{i\in B} w_i\,\ell(z_i, y_i)
        + \tfrac{\alpha}{2} \sum_l \lVert W_l \rVert_F^2
        + \alpha_1 \sum_l \lVert W_l \rVert_1\Big)

(eq. 6-11/6-12 for the penalties, on the weights only), with the loss :math:`\ell` fixed
by the output activation:

- ``"softmax"`` (several classes): cross-entropy :math:`-\sum_k y_k \log\mathrm{softmax}(z)_k`
  (eq. 6-13..6-16);
- ``"logistic"`` (two classes, or several labels): binary cross-entropy from logits,
  summed over the outputs;
- ``"identity"`` (regression): :math:`\tfrac12 \sum_k (z_k - y_k)^2`;
- ``"exp"`` (Poisson regression): the Poisson deviance's half
  :math:`\sum_k y_k \log\frac{y_k}{\mu_k} - y_k + \mu_k` with :math:`\mu = e^{z}`.

In every case the gradient with respect to :math:`z` is :math:`w_i(\hat y_i - y_i)/\sum_j
w_j`, the output activation's value minus the target, as scikit-learn's backpropagation
has it.

The kernels: :func:`data_term_array` (the data term and its gradient in :math:`z`),
:func:`penalty_value` and :func:`add_penalty_grad` (the penalties). The eager objective
(:class:`netopt.estimators._loss.Objective`, a graph node over :math:`z`) and its
step-capture operation both call them, so the two paths give the same bits. The
arithmetic is, operation for operation, that of the graph netopt's differentiable
functions build for the formula above (``F.cross_entropy`` with probability targets,
``F.binary_cross_entropy_with_logits``, element-wise ops, ``sum``, division by the total
weight, seeded with 1), which ``tests/estimators/test_capture_estimators.py`` checks bit
for bit.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.special import expit, xlogy

from ..autograd.activation import log_softmax_array, sigmoid_array, softmax_array
from ..nn.functional.loss import softmax_cross_entropy_grad

OUT_ACTIVATIONS = ("softmax", "logistic", "identity", "exp")


def data_term_array(
    out_activation: str, z: np.ndarray, y: np.ndarray, w: np.ndarray, total: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""The data term :math:`\frac{1}{\sum_i w_i}\sum_i w_i \ell(z_i, y_i)` (module
    docstring) and its gradient with respect to ``z``.

    Parameters
    ----------
    out_activation : {"softmax", "logistic", "identity", "exp"}
    z : ndarray of shape (batch, n_outputs)
        The network's outputs, float.
    y : ndarray of shape (batch, n_outputs)
        Targets in ``z``'s dtype (indicator columns for a classifier).
    w : ndarray of shape (batch,)
        Sample weights; when all are 1 they multiply nothing.
    total : float
        :math:`\sum_i w_i` (``float(np.sum(w))``).

    Returns
    -------
    value : 0-d ndarray in ``z``'s dtype
    dz : ndarray like ``z``
        :math:`\partial R / \partial z`, in the arithmetic of the graph's backward pass
        seeded with 1: :math:`s = 1/\sum w` (in ``z``'s dtype), times :math:`w_i` when
        weighted, then each loss's local gradient.

    Examples
    --------
    >>> z, y = np.array([[0.0, np.log(3.0)]]), np.array([[0.0, 1.0]])
    >>> value, dz = data_term_array("softmax", z, y, np.ones(1), 1.0)
    >>> round(float(value), 6), dz.round(6).tolist()   # -log 3/4; softmax - y
    (0.287682, [[0.25, -0.25]])
    """
    dtype = z.dtype
    weighted = not np.all(w == 1)
    wt = np.asarray(w, dtype=dtype) if weighted else None
    add = np.add.reduce  # np.sum's reduction, without its Python wrapper
    if out_activation == "softmax":
        # F.cross_entropy(z, y, reduction="none") with probability targets y (no smoothing):
        # coefficients y * 1 + 0 = y (no negative zeros in indicator targets)
        logp = log_softmax_array(z, 1)
        losses = np.negative(add(y * np.where(y == 0, 0, logp), axis=1))
    elif out_activation == "logistic":
        # F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(1)
        softplus_neg = np.log1p(np.exp(-np.abs(z))) + np.maximum(-z, 0)
        losses = add((1 - y) * z + softplus_neg, axis=1)
    elif out_activation == "exp":
        # (exp(z) - z * y).sum(1) + (xlogy(y, y) - y).sum(1)
        ez = np.exp(z)
        losses = add(ez - z * y, axis=1) + add(xlogy(y, y) - y, axis=1)
    else:
        # 0.5 * ((z - y) ** 2).sum(1)
        d = z - y
        losses = 0.5 * add(d**2, axis=1)
    if weighted:
        losses = losses * wt
    value = np.asarray(add(losses) / total)

    # backward, seeded with 1: the division, the sum's broadcast (a 0-d factor multiplies
    # as the same value in every row would), the weights
    g = np.ones((), dtype) / total
    if weighted:
        g = g * wt
    if out_activation == "softmax":
        dz = softmax_cross_entropy_grad(np.exp(logp), g[:, None] if weighted else g, None, y)
    else:
        if out_activation == "identity":
            g = g * 0.5
        gk = g[:, None] if weighted else g  # the sum over outputs
        if out_activation == "logistic":
            dz = gk * ((1 - y) + (sigmoid_array(z) - 1))
        elif out_activation == "exp":
            dz = (-gk) * y + gk * ez  # the product's term reaches z first
        else:
            dz = (gk * 2) * d  # the square's 2 d^(2-1), d ** 1 being d
    return value, dz


def penalty_value(
    value: float, weights: Iterable[np.ndarray], alpha: float, alpha_l1: float, total: float
) -> float:
    r"""``value`` plus the penalties :math:`\frac{\alpha}{2}\lVert W\rVert_F^2/\sum w` and
    :math:`\alpha_1\lVert W\rVert_1/\sum w` of each weight in turn (L2 before L1, in Python
    floats), skipping a penalty whose coefficient is 0.

    Examples
    --------
    >>> penalty_value(1.0, [np.array([[1.0, -2.0]])], 0.5, 0.25, 2.0)   # 1 + 1.25/2 + 0.75/2
    2.0
    """
    for W in weights:
        if alpha > 0:
            flat = W.ravel()  # np.vdot(W, W) would copy (a transposed view) twice
            value += 0.5 * alpha * float(np.vdot(flat, flat)) / total
        if alpha_l1 > 0:
            value += alpha_l1 * float(np.abs(W).sum()) / total
    return value


def add_penalty_grad(
    W: np.ndarray,
    grad: np.ndarray,
    alpha: float,
    alpha_l1: float,
    total: float,
    tmp: np.ndarray | None = None,
    sign: np.ndarray | None = None,
) -> np.ndarray:
    r"""Add the penalties' gradient to the weight's gradient ``grad`` in place and return
    it: first :math:`(\alpha/\sum w)\,W`, then :math:`(\alpha_1/\sum w)\operatorname{sign}
    W` (each skipped when its coefficient is 0); ``tmp`` and ``sign`` (shape of ``W``)
    are optional buffers, the results the same bits either way.

    Examples
    --------
    >>> add_penalty_grad(np.array([2.0, -4.0]), np.zeros(2), 1.0, 1.0, 2.0).tolist()
    [1.5, -2.5]
    """
    if alpha > 0:
        np.add(grad, np.multiply(W, alpha / total, out=tmp), out=grad)
    if alpha_l1 > 0:
        s = np.sign(W, out=sign)
        np.add(grad, np.multiply(s, alpha_l1 / total, out=s), out=grad)
    return grad


def activate(out_activation: str, z: np.ndarray) -> np.ndarray:
    r"""The output activation applied to the network's outputs ``z`` (NumPy, no graph).

    Examples
    --------
    >>> activate("softmax", np.array([[0.0, np.log(3.0)]])).round(6).tolist()
    [[0.25, 0.75]]
    """
    if out_activation == "softmax":
        return softmax_array(z, 1)
    if out_activation == "logistic":
        return expit(z)
    if out_activation == "exp":
        return np.exp(z)
    return z
