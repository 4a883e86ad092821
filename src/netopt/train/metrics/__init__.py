r"""Evaluation metrics with scikit-learn's signatures and numbers, in vectorized NumPy.

Why a metric cannot replace the loss: accuracy, precision, recall and F1 count decisions
(:math:`\hat y = \arg\max_k f_k(x;\theta)`). A small change of :math:`\theta` moves no
arg max, so each metric is piecewise constant in :math:`\theta`: its gradient is zero almost
everywhere and undefined at the jumps, and gradient descent gets no signal. Training
minimizes a smooth surrogate (cross-entropy) and reports the metric. Regression metrics
(MAE, MSE, RMSE, :math:`R^2`) are differentiable almost everywhere; MSE is also a loss.

Inputs may be NumPy arrays, lists or :class:`netopt.Tensor` (its ``.data`` is read).
"""

from .classification import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)
from .regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)

__all__ = [
    "accuracy_score",
    "confusion_matrix",
    "f1_score",
    "mean_absolute_error",
    "mean_squared_error",
    "precision_score",
    "r2_score",
    "recall_score",
    "root_mean_squared_error",
]
