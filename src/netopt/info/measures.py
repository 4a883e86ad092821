r"""Entropy, cross-entropy, KL and JS divergence of discrete distributions (slides 5-10).

Every function reads the **last axis** as the distribution axis, so a ``(batch, n)``
array gives ``batch`` values; results are in nats unless ``base`` is given
(``base=2`` gives bits). Plain arrays and lists give a Python float (one
distribution) or an ndarray (a batch); netopt Tensors give a Tensor that
backpropagates, with no NaN in the gradient at zero probabilities. The safety
policy (``0 log 0 = 0``, ``+inf`` on a support mismatch, errors on bad input) is
described in :mod:`netopt.info._validate`.
"""

from __future__ import annotations

from typing import Any

from ._validate import as_distribution, as_distributions, finish, log_of_base, total, xlogy

__all__ = ["cross_entropy", "entropy", "js_divergence", "kl_divergence"]


def _kl(p: Any, q: Any) -> Any:
    """KL(p||q) in nats over the last axis, for validated inputs."""
    return total(xlogy(p, p) - xlogy(p, q), -1)


def entropy(p: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Shannon entropy of a discrete distribution (information entropy, slide 5).

    .. math::
        H(P) = -\sum_{i=1}^{n} p_i \log p_i = \sum_{i=1}^{n} p_i \log \frac{1}{p_i}

    Parameters
    ----------
    p : array_like or Tensor
        Probabilities along the last axis; leading axes are a batch.
    base : float, optional
        Base of the logarithm; None (default) means ``e`` (nats), 2 gives bits.
    normalize : bool, default False
        Rescale ``p`` to sum to 1 (for counts or weights) instead of requiring it.

    Returns
    -------
    float, ndarray or Tensor
        A float for one distribution, an array of shape ``p.shape[:-1]`` for a batch,
        a Tensor for Tensor input.

    Raises
    ------
    ValueError
        If ``p`` is empty, has NaN, infinite or negative entries, or does not sum to 1
        within 1e-6 (and ``normalize`` is False); if ``base`` is not positive or is 1.
    TypeError
        If ``p`` is not real-valued or ``base`` is not a number.

    Notes
    -----
    Terms with :math:`p_i = 0` contribute 0 (the limit of :math:`p \log p`), and
    their gradient is taken as 0 on the Tensor path, so no NaN appears. The
    entropy is maximal, :math:`\log n`, for the uniform distribution.

    Examples
    --------
    >>> entropy([0.5, 0.5])
    0.6931471805599453
    >>> entropy([0.5, 0.5], base=2)
    1.0
    >>> entropy([[1.0, 0.0], [0.25, 0.75]])
    array([0.        , 0.56233514])
    """
    log_base = log_of_base(base)
    p = as_distribution(p, name="p", normalize=normalize)
    return finish(-total(xlogy(p, p), -1), log_base)


def cross_entropy(p: Any, q: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Cross-entropy of a model distribution Q relative to a true distribution P (slide 6).

    .. math::
        H(P, Q) = -\sum_{x \in X} P(x) \log Q(x) = \sum_{x \in X} P(x) \log \frac{1}{Q(x)}

    Parameters
    ----------
    p : array_like or Tensor
        The true distribution, along the last axis.
    q : array_like or Tensor
        The model distribution, same shape as ``p``.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale ``p`` and ``q`` to sum to 1 instead of requiring it.

    Returns
    -------
    float, ndarray or Tensor
        :math:`H(P, Q)`; ``+inf`` where some :math:`P(x) > 0` has :math:`Q(x) = 0`.

    Raises
    ------
    ValueError
        If the shapes differ, or either argument breaks the rules of :func:`entropy`.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    The chapter's eq. 6-15 prints the second form as :math:`\sum P(x) \frac{1}{\log Q(x)}`,
    a typo for :math:`\sum P(x) \log \frac{1}{Q(x)}`, which is what is computed here.

    This is the chapter's (and information theory's) cross-entropy of two
    *distributions*; the loss :func:`netopt.nn.functional.cross_entropy` takes
    logits and class indices instead. :math:`H(P, Q) = H(P) + D_{KL}(P \| Q)`.

    Examples
    --------
    >>> cross_entropy([0.5, 0.5], [0.25, 0.75])  # ln 2 + 0.1438
    0.8370
    >>> cross_entropy([1.0, 0.0], [0.0, 1.0])
    inf
    """
    log_base = log_of_base(base)
    p, q = as_distributions({"p": p, "q": q}, normalize=normalize)
    return finish(-total(xlogy(p, q), -1), log_base)


def kl_divergence(p: Any, q: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Kullback-Leibler divergence (relative entropy) of Q from P (slide 7).

    .. math::
        D_{KL}(P \| Q) = \sum_{x \in X} P(x) \log \frac{1}{Q(x)}
        - \sum_{x \in X} P(x) \log \frac{1}{P(x)}
        = \sum_{x \in X} P(x) \log \frac{P(x)}{Q(x)}

    The extra information needed when Q is used to model the true distribution P.

    Parameters
    ----------
    p : array_like or Tensor
        The true distribution, along the last axis.
    q : array_like or Tensor
        The approximating distribution, same shape as ``p``.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale ``p`` and ``q`` to sum to 1 instead of requiring it.

    Returns
    -------
    float, ndarray or Tensor
        :math:`D_{KL}(P \| Q) \ge 0`; ``+inf`` where some :math:`P(x) > 0` has
        :math:`Q(x) = 0`.

    Raises
    ------
    ValueError
        If the shapes differ, or either argument breaks the rules of :func:`entropy`.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    Not symmetric (slide 9): the chapter's example gives
    :math:`D(A\|B) = 0.1438` but :math:`D(B\|A) = 0.1308` nats. Terms with
    :math:`P(x) = 0` contribute 0 whatever :math:`Q(x)` is. Argument order is
    SciPy's (``scipy.stats.entropy(p, q)``); PyTorch's ``kl_div(input, target)``
    takes log-probabilities of Q first and computes :math:`D(\text{target}\|Q)`.
    Rounding can leave a result of order -1e-16 for :math:`P = Q`.

    Examples
    --------
    >>> kl_divergence([1/2, 1/2], [1/4, 3/4])  # slide 8: D(A||B)
    0.1438
    >>> kl_divergence([1/2, 1/2], [1/8, 7/8])  # slide 8: D(A||C), so B is closer to A
    0.4133
    >>> kl_divergence([1/4, 3/4], [1/2, 1/2])  # slide 9: D(B||A)
    0.1308
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    log_base = log_of_base(base)
    p, q = as_distributions({"p": p, "q": q}, normalize=normalize)
    return finish(_kl(p, q), log_base)


def js_divergence(p: Any, q: Any, *, base: float | None = None, normalize: bool = False) -> Any:
    r"""Jensen-Shannon divergence, the symmetrized and bounded KL divergence (slide 10).

    .. math::
        JS(P_1 \| P_2) = \frac12 KL\Big(P_1 \Big\| \frac{P_1 + P_2}{2}\Big)
        + \frac12 KL\Big(P_2 \Big\| \frac{P_1 + P_2}{2}\Big)

    Parameters
    ----------
    p, q : array_like or Tensor
        Distributions along the last axis, same shape.
    base : float, optional
        Base of the logarithm; None (default) means nats.
    normalize : bool, default False
        Rescale ``p`` and ``q`` to sum to 1 instead of requiring it.

    Returns
    -------
    float, ndarray or Tensor
        :math:`0 \le JS(P\|Q) = JS(Q\|P) \le \ln 2` nats (1 bit); always finite,
        because the mixture :math:`M = (P + Q)/2` is positive wherever P or Q is.

    Raises
    ------
    ValueError
        If the shapes differ, or either argument breaks the rules of :func:`entropy`.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    This is the *divergence*. ``scipy.spatial.distance.jensenshannon`` returns the
    Jensen-Shannon *distance*, its square root: ``jensenshannon(p, q) ** 2`` equals
    ``js_divergence(p, q)``. As a training objective its gradient stays finite where
    one distribution has zeros.

    Examples
    --------
    >>> js_divergence([1.0, 0.0], [0.0, 1.0], base=2)  # disjoint supports: 1 bit
    1.0
    >>> js_divergence([1/2, 1/2], [1/4, 3/4])
    0.0338
    """
    log_base = log_of_base(base)
    p, q = as_distributions({"p": p, "q": q}, normalize=normalize)
    m = (p + q) * 0.5
    return finish((_kl(p, m) + _kl(q, m)) * 0.5, log_base)
