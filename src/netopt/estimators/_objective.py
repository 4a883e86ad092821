r"""What the estimators minimize, and their output activations.

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

In every case the gradient with respect to :math:`z` is :math:`w_i(\hat y_i - y_i)`, the
output activation's value minus the target, as scikit-learn's backpropagation has it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, xlogy

from .. import tensor
from ..autograd import Tensor
from ..autograd.activation import softmax_array
from ..nn import functional as F
from ._network import linears


def sample_losses(out_activation: str, z: Tensor, y: np.ndarray) -> Tensor:
    r"""The loss :math:`\ell(z_i, y_i)` of every sample, shape ``(batch,)``."""
    if out_activation == "softmax":
        return F.cross_entropy(z, y, reduction="none")
    if out_activation == "logistic":
        return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(1)
    if out_activation == "exp":
        constant = (xlogy(y, y) - y).sum(1)
        return (z.exp() - z * tensor(y)).sum(1) + tensor(constant)
    return 0.5 * ((z - tensor(y)) ** 2).sum(1)


def backward(
    net: Any,
    out_activation: str,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    alpha: float,
    alpha_l1: float,
) -> float:
    r"""Evaluate :math:`R(\theta)` (module docstring) on one batch and add its gradient to
    the parameters' ``.grad``.

    The data term goes through netopt's backward pass; the penalties' gradients,
    :math:`(\alpha W + \alpha_1 \operatorname{sign} W)/\sum_i w_i`, are added to the weights'
    gradients directly (they need no graph).

    Parameters
    ----------
    net : netopt.nn.Sequential
    out_activation : {"softmax", "logistic", "identity", "exp"}
    x : ndarray of shape (batch, n_features)
        Dense, in the network's dtype.
    y : ndarray of shape (batch, n_outputs)
        Targets (indicator columns for a classifier).
    w : ndarray of shape (batch,)
        Sample weights.
    alpha, alpha_l1 : float

    Returns
    -------
    float
        The objective's value.
    """
    total = float(np.sum(w))
    y = np.asarray(y, dtype=x.dtype)
    losses = sample_losses(out_activation, net(tensor(x)), y)
    if not np.all(w == 1):
        losses = losses * tensor(np.asarray(w, dtype=x.dtype))
    risk = losses.sum() / total
    risk.backward()
    value = float(risk.item())
    for lin in linears(net):
        W = lin.weight._data
        if alpha > 0:
            value += 0.5 * alpha * float(np.vdot(W, W)) / total
            lin.weight._grad = lin.weight._grad + (alpha / total) * W
        if alpha_l1 > 0:
            value += alpha_l1 * float(np.abs(W).sum()) / total
            lin.weight._grad = lin.weight._grad + (alpha_l1 / total) * np.sign(W)
    return value


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
