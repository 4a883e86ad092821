r"""Estimate entropies and mutual information from samples: plug-in and Miller-Madow.

The **plug-in** (maximum-likelihood) estimate computes the measure of the empirical
distribution :math:`\hat p_i = n_i / N`. It is consistent but biased low: for
:math:`m` occupied cells,

.. math::
    \mathbb E[\hat H] = H - \frac{m - 1}{2N} + O(N^{-2}),

and **Miller-Madow** adds that first-order term back,
:math:`\hat H_{MM} = \hat H + (m - 1)/(2N)` nats (divided by :math:`\ln b` in base
:math:`b`), where :math:`m` counts the non-empty cells. Estimates of combinations
follow from the entropies: :math:`\hat I_{MM} = \hat H_{MM}(X) + \hat H_{MM}(Y) -
\hat H_{MM}(X,Y)`, which can be slightly negative.

Samples are labels, or continuous values binned with an explicit ``bins=`` (see
:mod:`netopt.info.samples`).

References
----------
G. A. Miller, "Note on the bias of information estimates", in *Information Theory in
Psychology*, 1955. L. Paninski, "Estimation of entropy and mutual information",
*Neural Computation* 15, 2003.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import finish, log_of_base
from .joint import _h_joint, _h_x, _h_x_given_y, _mi
from .samples import _level_counts, contingency_table

__all__ = [
    "METHODS",
    "conditional_entropy_from_samples",
    "entropy_from_samples",
    "joint_entropy_from_samples",
    "mutual_information_from_samples",
]

METHODS = ("plugin", "miller-madow")
"""The estimators every ``*_from_samples`` function accepts as ``method=``."""


def _corrected(method: str) -> bool:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method == "miller-madow"


def _table(x: Any, y: Any, bins: Any) -> tuple[np.ndarray, int, int, int, int]:
    """Empirical joint table, N, and occupied cells of X, Y and (X, Y)."""
    counts = contingency_table(x, y, bins=bins)
    n = int(counts.sum())
    mx = int(np.count_nonzero(counts.sum(axis=1)))
    my = int(np.count_nonzero(counts.sum(axis=0)))
    return counts / n, n, mx, my, int(np.count_nonzero(counts))


def entropy_from_samples(
    x: Any, *, method: str = "plugin", base: float | None = None, bins: Any = None
) -> float:
    r"""Estimate the entropy :math:`H(X)` from samples of X.

    .. math::
        \hat H = -\sum_i \frac{n_i}{N} \log \frac{n_i}{N}, \qquad
        \hat H_{MM} = \hat H + \frac{m - 1}{2N}

    Parameters
    ----------
    x : array_like
        1-D samples: labels, or real numbers when ``bins`` is given.
    method : {"plugin", "miller-madow"}, default "plugin"
        The plug-in estimate, or with Miller-Madow's bias correction.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    bins : int or sequence of float, optional
        Bin continuous samples (see :func:`~netopt.info.discretize`).

    Returns
    -------
    float
        The estimate.

    Raises
    ------
    ValueError
        If ``method`` is unknown, ``base`` invalid, or the samples are empty, not 1-D,
        contain NaN or infinite values, or are non-integer floats without ``bins``.
    TypeError
        If the samples are neither numbers nor strings.

    Notes
    -----
    The plug-in value equals ``scipy.stats.entropy`` of the counts. :math:`m` is the
    number of *occupied* bins, so empty bins of a binning do not change the estimate.

    Examples
    --------
    >>> entropy_from_samples(["a", "b", "a", "b"], base=2)
    1.0
    >>> entropy_from_samples(["a", "b", "a", "b"], method="miller-madow", base=2)  # + 1/8 nat
    1.1803
    """
    corrected = _corrected(method)
    log_base = log_of_base(base)
    counts = _level_counts(x, bins)
    n = int(counts.sum())
    h = _h_x((counts / n)[:, None])
    if corrected:
        h = h + (np.count_nonzero(counts) - 1) / (2 * n)
    return finish(h, log_base)


def joint_entropy_from_samples(
    x: Any, y: Any, *, method: str = "plugin", base: float | None = None, bins: Any = None
) -> float:
    r"""Estimate the joint entropy :math:`H(X, Y)` from paired samples.

    .. math::
        \hat H(X, Y) = -\sum_{i,j} \frac{n_{ij}}{N} \log \frac{n_{ij}}{N}, \qquad
        \hat H_{MM}(X, Y) = \hat H(X, Y) + \frac{m_{XY} - 1}{2N}

    Parameters
    ----------
    x, y : array_like
        Paired 1-D samples of equal length.
    method : {"plugin", "miller-madow"}, default "plugin"
        The estimator.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    bins : int or sequence of float, optional
        Bin both variables (see :func:`~netopt.info.contingency_table`).

    Returns
    -------
    float
        The estimate.

    Raises
    ------
    ValueError, TypeError
        As :func:`entropy_from_samples`, and if the lengths differ.

    Examples
    --------
    >>> joint_entropy_from_samples([0, 0, 1, 1], [0, 1, 0, 1], base=2)
    2.0
    """
    corrected = _corrected(method)
    log_base = log_of_base(base)
    pxy, n, _, _, mxy = _table(x, y, bins)
    h = _h_joint(pxy)
    if corrected:
        h = h + (mxy - 1) / (2 * n)
    return finish(h, log_base)


def conditional_entropy_from_samples(
    x: Any, y: Any, *, method: str = "plugin", base: float | None = None, bins: Any = None
) -> float:
    r"""Estimate the conditional entropy :math:`H(X \mid Y)` from paired samples.

    .. math::
        \hat H(X \mid Y) = \hat H(X, Y) - \hat H(Y), \qquad
        \hat H_{MM}(X \mid Y) = \hat H(X \mid Y) + \frac{m_{XY} - m_Y}{2N}

    Parameters
    ----------
    x, y : array_like
        Paired 1-D samples of equal length; X is conditioned on Y.
    method : {"plugin", "miller-madow"}, default "plugin"
        The estimator.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    bins : int or sequence of float, optional
        Bin both variables (see :func:`~netopt.info.contingency_table`).

    Returns
    -------
    float
        The estimate.

    Raises
    ------
    ValueError, TypeError
        As :func:`joint_entropy_from_samples`.

    Examples
    --------
    >>> conditional_entropy_from_samples([0, 1, 0, 1], [5, 5, 7, 7], base=2)
    1.0
    """
    corrected = _corrected(method)
    log_base = log_of_base(base)
    pxy, n, _, my, mxy = _table(x, y, bins)
    h = _h_x_given_y(pxy)
    if corrected:
        h = h + (mxy - my) / (2 * n)
    return finish(h, log_base)


def mutual_information_from_samples(
    x: Any, y: Any, *, method: str = "plugin", base: float | None = None, bins: Any = None
) -> float:
    r"""Estimate the mutual information :math:`I(X; Y)` from paired samples.

    .. math::
        \hat I = \sum_{i,j} \frac{n_{ij}}{N} \log \frac{N n_{ij}}{n_{i\cdot}\, n_{\cdot j}},
        \qquad \hat I_{MM} = \hat I + \frac{m_X + m_Y - m_{XY} - 1}{2N}

    Parameters
    ----------
    x, y : array_like
        Paired 1-D samples of equal length.
    method : {"plugin", "miller-madow"}, default "plugin"
        The estimator; Miller-Madow is :math:`\hat H_{MM}(X) + \hat H_{MM}(Y) -
        \hat H_{MM}(X, Y)`.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    bins : int or sequence of float, optional
        Bin both variables (see :func:`~netopt.info.contingency_table`).

    Returns
    -------
    float
        The estimate.

    Raises
    ------
    ValueError, TypeError
        As :func:`joint_entropy_from_samples`.

    Notes
    -----
    The plug-in value equals ``sklearn.metrics.mutual_info_score(x, y)`` (which clips
    at 0; this does not). The plug-in estimate is biased *upward* for independent
    variables; the correction is negative there and can take the estimate below 0.

    Examples
    --------
    >>> mutual_information_from_samples([0, 0, 1, 1], [3, 3, 4, 4], base=2)
    1.0
    """
    corrected = _corrected(method)
    log_base = log_of_base(base)
    pxy, n, mx, my, mxy = _table(x, y, bins)
    i = _mi(pxy)
    if corrected:
        i = i + (mx + my - mxy - 1) / (2 * n)
    return finish(i, log_base)
