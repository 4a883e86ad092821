r"""Joint entropy, conditional entropy and mutual information of a joint table (slides 11-14).

A joint distribution is a table ``pxy`` whose **last two axes** are (x, y): rows are
the values of X, columns the values of Y, ``pxy[..., i, j] = P(X = x_i, Y = y_j)``.
Leading axes are a batch. Units, return types and the safety policy are those of
:mod:`netopt.info.measures`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._validate import as_distribution, finish, is_tensor, log_of_base, total, xlogy

__all__ = [
    "Decomposition",
    "conditional_entropy",
    "decompose",
    "joint_entropy",
    "mutual_information",
]

_TABLE = (-2, -1)


def _joint(pxy: Any, normalize: bool) -> Any:
    return as_distribution(pxy, name="pxy", normalize=normalize, event_dims=2)


def _h_joint(pxy: Any) -> Any:
    return -total(xlogy(pxy, pxy), _TABLE)


def _h_x(pxy: Any) -> Any:
    px = total(pxy, -1)
    return -total(xlogy(px, px), -1)


def _h_x_given_y(pxy: Any) -> Any:
    # -sum p(x,y) log p(x,y)/p(y); each term is >= 0 because p(x,y) <= p(y).
    py = total(pxy, -2, keepdim=True)
    return total(xlogy(pxy, py) - xlogy(pxy, pxy), _TABLE)


def _mi(pxy: Any) -> Any:
    px = total(pxy, -1, keepdim=True)
    py = total(pxy, -2, keepdim=True)
    return total(xlogy(pxy, pxy) - xlogy(pxy, px) - xlogy(pxy, py), _TABLE)


def _swap(pxy: Any) -> Any:
    """The table of (Y, X): the last two axes exchanged."""
    if is_tensor(pxy):
        return pxy.transpose(-2, -1)
    return pxy.swapaxes(-2, -1)


def joint_entropy(pxy: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Joint entropy :math:`H(X, Y)`: the entropy of the joint distribution (slide 11).

    .. math::
        H(X, Y) = -\sum_{x, y} p(x, y) \log p(x, y)

    Parameters
    ----------
    pxy : array_like or Tensor
        Joint table over the last two axes (rows x, columns y).
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale the table to sum to 1 (a contingency table of counts, say).

    Returns
    -------
    float, ndarray or Tensor
        :math:`H(X, Y)`, one value per table.

    Raises
    ------
    ValueError
        If ``pxy`` has fewer than two axes, is empty, has NaN, infinite or negative
        entries, or does not sum to 1 within 1e-6 (and ``normalize`` is False).
    TypeError
        If ``pxy`` is not real-valued.

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)
    2.0
    """
    log_base = log_of_base(base)
    return finish(_h_joint(_joint(pxy, normalize)), log_base)


def conditional_entropy(pxy: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Conditional entropy :math:`H(X \mid Y)` of the rows given the columns (slide 12).

    .. math::
        H(X \mid Y) = -\sum_{i=1}^{n} \sum_{j=1}^{m} p(x_i, y_j)
        \log \frac{p(x_i, y_j)}{p(y_j)} = H(X, Y) - H(Y)

    The uncertainty left in X once Y is known.

    Parameters
    ----------
    pxy : array_like or Tensor
        Joint table over the last two axes: **rows are X, columns are Y**.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale the table to sum to 1.

    Returns
    -------
    float, ndarray or Tensor
        :math:`H(X \mid Y) \ge 0`.

    Raises
    ------
    ValueError
        As :func:`joint_entropy`.
    TypeError
        If ``pxy`` is not real-valued.

    Notes
    -----
    Computed with the first line of the slide's derivation, a sum of non-negative
    terms, not as the difference :math:`H(X,Y) - H(Y)`. For :math:`H(Y \mid X)`
    pass the transposed table (``pxy.T``), or use :func:`decompose`.

    Examples
    --------
    >>> conditional_entropy([[0.5, 0.0], [0.0, 0.5]])  # Y determines X
    0.0
    >>> conditional_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)  # independent
    1.0
    """
    log_base = log_of_base(base)
    return finish(_h_x_given_y(_joint(pxy, normalize)), log_base)


def mutual_information(pxy: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Mutual information :math:`I(X; Y)` of a joint table (slide 13).

    .. math::
        I(X; Y) = H(X) - H(X \mid Y) = H(X) + H(Y) - H(X, Y)
        = \sum_{x, y} p(x, y) \log \frac{p(x, y)}{p(x)\, p(y)}

    the relative entropy of the joint distribution from the product of its marginals.

    Parameters
    ----------
    pxy : array_like or Tensor
        Joint table over the last two axes (rows x, columns y).
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale the table to sum to 1 (a contingency table of counts, say).

    Returns
    -------
    float, ndarray or Tensor
        :math:`I(X; Y) \ge 0`; 0 exactly when X and Y are independent.

    Raises
    ------
    ValueError
        As :func:`joint_entropy`.
    TypeError
        If ``pxy`` is not real-valued.

    Notes
    -----
    Computed as the last line, :math:`D_{KL}(p(x,y) \| p(x)p(y))`, which agrees with
    ``sklearn.metrics.mutual_info_score(None, None, contingency=counts)``. Unlike
    scikit-learn it does not clip at 0, so rounding can leave -1e-16 for an
    independent table (clipping would also cut the Tensor path's gradient).

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)  # one shared bit
    1.0
    >>> mutual_information([[2, 6], [1, 3]], normalize=True)  # a product table
    0.0
    """
    log_base = log_of_base(base)
    return finish(_mi(_joint(pxy, normalize)), log_base)


class Decomposition(NamedTuple):
    r"""The six quantities of the entropy Venn diagram (slide 14), in one unit.

    ``h_x`` :math:`H(X)`, ``h_y`` :math:`H(Y)`, ``h_xy`` :math:`H(X,Y)`,
    ``h_x_given_y`` :math:`H(X \mid Y)`, ``h_y_given_x`` :math:`H(Y \mid X)`,
    ``mutual_information`` :math:`I(X;Y)`. The circles are :math:`H(X)` and
    :math:`H(Y)`, their union :math:`H(X,Y)`, their intersection :math:`I(X;Y)`,
    and the two crescents the conditional entropies.
    """

    h_x: Any
    h_y: Any
    h_xy: Any
    h_x_given_y: Any
    h_y_given_x: Any
    mutual_information: Any


def decompose(pxy: Any, *, base: float | None = None, normalize: bool = False) -> Decomposition:
    r"""All regions of the entropy Venn diagram of a joint table (slide 14) at once.

    .. math::
        H(X, Y) = H(X \mid Y) + I(X; Y) + H(Y \mid X), \qquad
        H(X) = H(X \mid Y) + I(X; Y), \qquad H(Y) = H(Y \mid X) + I(X; Y)

    Parameters
    ----------
    pxy : array_like or Tensor
        Joint table over the last two axes (rows x, columns y).
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale the table to sum to 1.

    Returns
    -------
    Decomposition
        Named tuple ``(h_x, h_y, h_xy, h_x_given_y, h_y_given_x, mutual_information)``;
        each field is what the single-measure function returns for ``pxy``.

    Raises
    ------
    ValueError
        As :func:`joint_entropy`.
    TypeError
        If ``pxy`` is not real-valued.

    Notes
    -----
    Each field is computed by its own sum of terms (not by subtracting the others),
    so the identities above hold to rounding (about 1e-15), which the tests check.

    Examples
    --------
    >>> d = decompose([[0.5, 0.0], [0.25, 0.25]], base=2)
    >>> d.h_x, d.h_y, d.h_xy
    (1.0, 0.8112, 1.5)
    >>> d.h_x_given_y + d.mutual_information + d.h_y_given_x
    1.5
    """
    log_base = log_of_base(base)
    p = _joint(pxy, normalize)
    pyx = _swap(p)
    values = (_h_x(p), _h_x(pyx), _h_joint(p), _h_x_given_y(p), _h_x_given_y(pyx), _mi(p))
    return Decomposition(*(finish(v, log_base) for v in values))
