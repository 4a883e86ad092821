r"""Classification metrics: accuracy, confusion matrix, precision, recall, F1."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import is_number
from ._checks import as_array, check_length, check_weights

_AVERAGES = (None, "binary", "micro", "macro", "weighted")


def _class_targets(y_true: Any, y_pred: Any, sample_weight: Any):
    """Validated 1-D label arrays (arg max of 2-D scores) and weights."""
    t, p = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    if p.ndim == 2 and t.ndim == 1:
        if p.shape[1] < 2:
            raise ValueError(
                f"y_pred of shape {p.shape} is ambiguous: threshold one-column scores yourself"
            )
        p = p.argmax(axis=1)
    for arr, name in ((t, "y_true"), (p, "y_pred")):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D class labels, got shape {arr.shape}")
        if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
            raise ValueError(f"Classification metrics can't handle continuous targets ({name})")
    if (t.dtype.kind in "US") != (p.dtype.kind in "US"):
        raise TypeError("Mix of label input types (string and number)")
    check_length(t, p)
    return t, p, check_weights(sample_weight, len(t))


def _index(y: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each ``y`` in ``labels`` and whether it is there at all."""
    order = np.argsort(labels, kind="stable")
    ranked = labels[order]
    pos = np.minimum(np.searchsorted(ranked, y), len(labels) - 1)
    return order[pos], ranked[pos] == y


def _label_array(labels: Any, like: np.ndarray) -> np.ndarray:
    lab = as_array(labels, "labels")
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError("'labels' should contain at least one label")
    if (lab.dtype.kind in "US") != (like.dtype.kind in "US"):
        raise TypeError("labels and targets mix strings and numbers")
    if len(np.unique(lab)) != len(lab):
        raise ValueError(f"labels contains duplicates: {lab.tolist()}")
    return lab


def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None):
    r"""Fraction (or count) of correct predictions, as ``sklearn.metrics.accuracy_score``.

    .. math:: \mathrm{acc} = \frac{1}{N}\sum_{n=1}^N \mathbb{1}[\hat y_n = y_n]

    Parameters
    ----------
    y_true : array_like or Tensor of shape (N,)
        True labels.
    y_pred : array_like or Tensor of shape (N,) or (N, K)
        Predicted labels, or class scores (logits, probabilities) whose arg max over the last
        axis is the predicted label.
    normalize : bool, default True
        Return the fraction; when False, the (weighted) number of correct predictions.
    sample_weight : array_like of shape (N,), optional
        Non-negative weights.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On empty or mismatched inputs, NaN, non-integer float labels, one-column scores.
    TypeError
        On strings mixed with numbers.

    Notes
    -----
    Accuracy is piecewise constant in the model's parameters (zero gradient almost everywhere),
    so it measures a model but cannot train one; see :mod:`netopt.train.metrics`.

    Examples
    --------
    >>> accuracy_score([0, 1, 2, 2], [[2.0, 0.1, 0.0], [0.0, 3.0, 1.0], [0, 0, 1], [1, 0, 0]])
    0.75
    """
    t, p, w = _class_targets(y_true, y_pred, sample_weight)
    correct = t == p
    if normalize:
        return float(np.average(correct, weights=w))
    return float(correct.sum() if w is None else w[correct].sum())


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    sample_weight: Any = None,
    normalize: str | None = None,
) -> np.ndarray:
    r"""Counts :math:`C_{ij}` of samples with true label :math:`i` predicted as :math:`j`.

    Parameters
    ----------
    y_true, y_pred : array_like or Tensor of shape (N,)
        True and predicted labels (``y_pred`` may be (N, K) scores: arg max is taken).
    labels : array_like, optional
        Row and column order; samples whose true or predicted label is not listed are dropped.
        Default: the sorted union of both label sets.
    sample_weight : array_like of shape (N,), optional
        Non-negative weights.
    normalize : {'true', 'pred', 'all'}, optional
        Divide by row sums, column sums or the total (empty rows/columns give 0).

    Returns
    -------
    ndarray of shape (L, L)
        int64 counts, or float64 when weighted or normalized. Rows are true labels.

    Raises
    ------
    ValueError
        On bad ``normalize``, empty or duplicated ``labels``, or no label of ``labels`` in
        ``y_true``; and as :func:`accuracy_score`.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 0, 0])
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 0, 0]])
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be one of {{'true', 'pred', 'all', None}}: {normalize!r}")
    t, p, w = _class_targets(y_true, y_pred, sample_weight)
    lab = np.union1d(t, p) if labels is None else _label_array(labels, t)
    ti, t_in = _index(t, lab)
    pi, p_in = _index(p, lab)
    if not t_in.any():
        raise ValueError("At least one label specified must be in y_true")
    keep = t_in & p_in
    n = len(lab)
    weights = None if w is None else w[keep].astype(np.float64)
    cm = np.bincount(ti[keep] * n + pi[keep], weights=weights, minlength=n * n).reshape(n, n)
    # int64 counts unless the weights are floats (scikit-learn's accumulator rule)
    cm = cm.astype(np.int64 if w is None or w.dtype.kind in "biu" else np.float64)
    if normalize is None:
        return cm
    total = {"true": cm.sum(1, keepdims=True), "pred": cm.sum(0, keepdims=True), "all": cm.sum()}
    denom = total[normalize]
    return np.divide(cm, denom, out=np.zeros(cm.shape), where=denom != 0)


def _check_zero_division(zero_division: Any) -> float:
    ok = is_number(zero_division)
    if ok and (zero_division in (0, 1) or np.isnan(zero_division)):
        return float(zero_division)
    raise ValueError(f"zero_division must be 0, 1 or np.nan, got {zero_division!r}")


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    return np.divide(num, den, out=np.full(num.shape, zero_division), where=den != 0)


def _prf(y_true, y_pred, labels, pos_label, average, sample_weight, zero_division, which):
    """Precision, recall or F1 per label, then averaged (scikit-learn's rules)."""
    if average not in _AVERAGES:
        raise ValueError(f"average has to be one of {_AVERAGES}, got {average!r}")
    zd = _check_zero_division(zero_division)
    t, p, w = _class_targets(y_true, y_pred, sample_weight)
    present = np.union1d(t, p)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                "Target is multiclass but average='binary'. Please choose another average "
                "setting, one of [None, 'micro', 'macro', 'weighted']."
            )
        is_str = isinstance(pos_label, (str, np.str_))
        if is_str != (present.dtype.kind in "US") or (
            pos_label not in present.tolist() and len(present) >= 2
        ):
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        lab = np.asarray([pos_label])
    else:
        lab = present if labels is None else _label_array(labels, t)
    ti, t_in = _index(t, lab)
    pi, p_in = _index(p, lab)
    w = np.ones(len(t)) if w is None else w.astype(np.float64)
    n = len(lab)
    hit = t_in & (t == p)
    tp = np.bincount(ti[hit], weights=w[hit], minlength=n)
    true_sum = np.bincount(ti[t_in], weights=w[t_in], minlength=n)
    pred_sum = np.bincount(pi[p_in], weights=w[p_in], minlength=n)
    if average == "micro":
        tp, true_sum, pred_sum = (np.atleast_1d(a.sum()) for a in (tp, true_sum, pred_sum))
    if which == "precision":
        score = _divide(tp, pred_sum, zd)
    elif which == "recall":
        score = _divide(tp, true_sum, zd)
    else:
        score = _divide(2 * tp, pred_sum + true_sum, zd)
    if average is None:
        return score
    finite = ~np.isnan(score)
    if not finite.any():
        return float("nan")
    weights = true_sum[finite] if average == "weighted" and true_sum[finite].sum() > 0 else None
    return float(np.average(score[finite], weights=weights))


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: float = 0,
):
    r"""Precision :math:`TP/(TP+FP)`, as ``sklearn.metrics.precision_score``.

    .. math:: P_c = \frac{TP_c}{TP_c + FP_c}

    Parameters
    ----------
    y_true, y_pred : array_like or Tensor of shape (N,)
        True and predicted labels (``y_pred`` may be (N, K) scores: arg max is taken).
    labels : array_like, optional
        Labels to score and average over (ignored for ``average='binary'``); default all.
    pos_label : int or str, default 1
        The positive class for ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default 'binary'
        ``'micro'`` pools TP/FP/FN over labels (for single-label multiclass it equals
        accuracy); ``'macro'`` is the plain mean over labels; ``'weighted'`` weights each
        label by its support (true count); None returns one score per label.
    sample_weight : array_like of shape (N,), optional
        Non-negative weights.
    zero_division : {0, 1, np.nan}, default 0
        The score of a label with :math:`TP_c+FP_c=0`; NaN scores are left out of averages.

    Returns
    -------
    float, or ndarray of shape (L,) when ``average`` is None

    Raises
    ------
    ValueError
        On a bad ``average``/``zero_division``, more than two classes with ``'binary'``, a
        ``pos_label`` that is not a label, and as :func:`accuracy_score`.

    Notes
    -----
    Piecewise constant in the parameters: a metric, not a loss (see :mod:`netopt.train.metrics`).
    scikit-learn's default ``zero_division='warn'`` gives 0 with a warning; netopt gives 0.

    Examples
    --------
    >>> precision_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> precision_score([0, 1, 2], [0, 2, 2], average=None)
    array([1. , 0. , 0.5])
    """
    return _prf(
        y_true, y_pred, labels, pos_label, average, sample_weight, zero_division, "precision"
    )


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: float = 0,
):
    r"""Recall :math:`TP/(TP+FN)`, as ``sklearn.metrics.recall_score``.

    .. math:: R_c = \frac{TP_c}{TP_c + FN_c}

    Parameters
    ----------
    y_true, y_pred : array_like or Tensor of shape (N,)
        True and predicted labels (``y_pred`` may be (N, K) scores: arg max is taken).
    labels, pos_label, average, sample_weight
        As :func:`precision_score`. ``'weighted'`` recall equals accuracy.
    zero_division : {0, 1, np.nan}, default 0
        The score of a label with :math:`TP_c+FN_c=0` (absent from ``y_true``).

    Returns
    -------
    float, or ndarray of shape (L,) when ``average`` is None

    Raises
    ------
    ValueError
        As :func:`precision_score`.

    Notes
    -----
    Piecewise constant in the parameters: a metric, not a loss (see :mod:`netopt.train.metrics`).

    Examples
    --------
    >>> recall_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> recall_score([0, 1, 2], [0, 2, 2], average="macro")
    0.6666666666666666
    """
    args = (labels, pos_label, average, sample_weight, zero_division)
    return _prf(y_true, y_pred, *args, "recall")


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: float = 0,
):
    r"""F1, the harmonic mean of precision and recall, as ``sklearn.metrics.f1_score``.

    .. math:: F_1 = \frac{2PR}{P + R} = \frac{2\,TP}{2\,TP + FP + FN}

    Parameters
    ----------
    y_true, y_pred : array_like or Tensor of shape (N,)
        True and predicted labels (``y_pred`` may be (N, K) scores: arg max is taken).
    labels, pos_label, average, sample_weight
        As :func:`precision_score`. ``'macro'`` averages the per-label F1 (not the F1 of the
        averaged P and R), as scikit-learn.
    zero_division : {0, 1, np.nan}, default 0
        The score of a label with :math:`2TP_c+FP_c+FN_c=0` (absent from both inputs).

    Returns
    -------
    float, or ndarray of shape (L,) when ``average`` is None

    Raises
    ------
    ValueError
        As :func:`precision_score`.

    Notes
    -----
    Computed from counts, :math:`2TP/(2TP+FP+FN)`, so a label with P or R undefined but the
    other defined still scores (scikit-learn >= 1.3).
    Piecewise constant in the parameters: a metric, not a loss (see :mod:`netopt.train.metrics`).

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 1, 0])
    0.8
    """
    args = (labels, pos_label, average, sample_weight, zero_division)
    return _prf(y_true, y_pred, *args, "f1")
