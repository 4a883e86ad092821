r"""Regression metrics: MAE, MSE, RMSE, R^2."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, check_length, check_weights


def _reg_targets(y_true: Any, y_pred: Any, sample_weight: Any, multioutput: str):
    """float64 (N, M) arrays and weights."""
    if multioutput not in ("raw_values", "uniform_average"):
        raise ValueError(f"multioutput must be 'raw_values' or 'uniform_average': {multioutput!r}")
    t, p = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    for arr, name in ((t, "y_true"), (p, "y_pred")):
        if arr.dtype.kind in "US" or arr.ndim not in (1, 2):
            raise ValueError(f"{name} must be numbers of shape (N,) or (N, M), got {arr.shape}")
    check_length(t, p)
    t, p = (a.reshape(len(a), -1).astype(np.float64) for a in (t, p))
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred have different shapes: {t.shape} != {p.shape}")
    return t, p, check_weights(sample_weight, len(t))


def _reduce(per_output: np.ndarray, multioutput: str) -> float | np.ndarray:
    return per_output if multioutput == "raw_values" else float(per_output.mean())


def mean_absolute_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    r"""Mean absolute error, as ``sklearn.metrics.mean_absolute_error``.

    .. math:: \mathrm{MAE} = \frac{1}{N}\sum_n |y_n - \hat y_n|

    Parameters
    ----------
    y_true, y_pred : array_like or Tensor of shape (N,) or (N, M)
        True and predicted targets.
    sample_weight : array_like of shape (N,), optional
        Non-negative weights.
    multioutput : {'uniform_average', 'raw_values'}
        Mean over the M outputs, or one value per output.

    Returns
    -------
    float, or ndarray of shape (M,) for ``'raw_values'``

    Raises
    ------
    ValueError
        On empty, mismatched or non-finite inputs, bad weights or ``multioutput``.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    t, p, w = _reg_targets(y_true, y_pred, sample_weight, multioutput)
    return _reduce(np.average(np.abs(t - p), axis=0, weights=w), multioutput)


def mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    r"""Mean squared error, as ``sklearn.metrics.mean_squared_error``.

    .. math:: \mathrm{MSE} = \frac{1}{N}\sum_n (y_n - \hat y_n)^2

    Parameters
    ----------
    y_true, y_pred, sample_weight, multioutput
        As :func:`mean_absolute_error`.

    Returns
    -------
    float, or ndarray of shape (M,) for ``'raw_values'``

    Raises
    ------
    ValueError
        As :func:`mean_absolute_error`.

    Examples
    --------
    >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.375
    """
    t, p, w = _reg_targets(y_true, y_pred, sample_weight, multioutput)
    return _reduce(np.average((t - p) ** 2, axis=0, weights=w), multioutput)


def root_mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    r"""Root mean squared error, as ``sklearn.metrics.root_mean_squared_error``.

    .. math:: \mathrm{RMSE} = \sqrt{\frac{1}{N}\sum_n (y_n - \hat y_n)^2}

    Parameters
    ----------
    y_true, y_pred, sample_weight, multioutput
        As :func:`mean_absolute_error`; the mean over outputs is taken after the root.

    Returns
    -------
    float, or ndarray of shape (M,) for ``'raw_values'``

    Raises
    ------
    ValueError
        As :func:`mean_absolute_error`.

    Examples
    --------
    >>> root_mean_squared_error([1.0, 2.0], [1.0, 4.0])
    1.4142135623730951
    """
    t, p, w = _reg_targets(y_true, y_pred, sample_weight, multioutput)
    return _reduce(np.sqrt(np.average((t - p) ** 2, axis=0, weights=w)), multioutput)


def r2_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: str = "uniform_average",
    force_finite: bool = True,
) -> float | np.ndarray:
    r"""Coefficient of determination, as ``sklearn.metrics.r2_score``.

    .. math:: R^2 = 1 - \frac{\sum_n (y_n - \hat y_n)^2}{\sum_n (y_n - \bar y)^2}

    Parameters
    ----------
    y_true, y_pred, sample_weight, multioutput
        As :func:`mean_absolute_error` (``\bar y`` and both sums are weighted).
    force_finite : bool, default True
        For a constant ``y_true`` (zero denominator) score 1.0 if the fit is perfect and 0.0
        otherwise; when False, NaN or :math:`-\infty` as the formula gives.

    Returns
    -------
    float (NaN for fewer than two samples, as scikit-learn), or ndarray for ``'raw_values'``

    Raises
    ------
    ValueError
        As :func:`mean_absolute_error`.

    Examples
    --------
    >>> r2_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.9486081370449679
    """
    t, p, w = _reg_targets(y_true, y_pred, sample_weight, multioutput)
    if len(t) < 2:
        return float("nan")
    wc = np.ones((len(t), 1)) if w is None else w.astype(np.float64)[:, None]
    num = (wc * (t - p) ** 2).sum(axis=0)
    den = (wc * (t - np.average(t, axis=0, weights=w)) ** 2).sum(axis=0)
    if force_finite:
        score = np.where(num == 0, 1.0, 0.0)
        ok = (num != 0) & (den != 0)
        score[ok] = 1 - num[ok] / den[ok]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 1 - num / den
    return _reduce(score, multioutput)
