r"""Metrics as :func:`~netopt.train.fit` uses them: ``(y_true, y_pred) -> float`` by name.

``y_pred`` is what the model outputs (logits or scores for a classifier), so the metrics here
turn outputs into decisions first. The metric functions proper, with scikit-learn's
signatures, are in :mod:`netopt.train.metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Accuracy of a classifier's outputs: the arg max of each row of logits is its class.

    .. math:: \mathrm{acc} = \frac1N \sum_n \mathbb 1\bigl[\arg\max_k f_k(x_n) = y_n\bigr]

    Parameters
    ----------
    y_true : ndarray of shape (N,)
        Integer class labels.
    y_pred : ndarray of shape (N, K), (N, 1) or (N,)
        Logits or scores. With one column (or a vector) the output is a binary logit and
        the class is ``y_pred > 0``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On mismatched lengths, empty input, or a bad label (see
        :func:`netopt.train.metrics.accuracy_score`).

    Examples
    --------
    >>> accuracy(np.array([0, 1, 1]), np.array([[2.0, 0.0], [0.1, 0.3], [1.0, -1.0]]))
    0.6666666666666666
    >>> accuracy(np.array([0, 1]), np.array([-0.5, 2.0]))
    1.0
    """
    from .metrics import accuracy_score

    scores = np.asarray(y_pred)
    if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
        scores = (scores.reshape(-1) > 0).astype(np.int64)
    return float(accuracy_score(y_true, scores))


#: Metrics that ``fit(..., metrics=("accuracy",))`` finds by name.
METRICS: dict[str, Metric] = {"accuracy": accuracy}


def resolve_metrics(metrics: Mapping[str, Metric] | Sequence[str | Metric]) -> dict[str, Metric]:
    r"""Turn ``fit``'s ``metrics`` argument into ``{name: callable}``.

    Parameters
    ----------
    metrics : mapping of str to callable, or sequence of names and callables
        Names come from :data:`METRICS`; a bare callable is named by its ``__name__``.

    Raises
    ------
    ValueError
        On an unknown name, a duplicate name, or a name that clashes with ``loss``.
    TypeError
        On an entry that is neither a str nor a callable.

    Examples
    --------
    >>> list(resolve_metrics(["accuracy"]))
    ['accuracy']
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    items: list[tuple[Any, Any]]
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    else:
        items = []
        for entry in metrics:
            if isinstance(entry, str):
                if entry not in METRICS:
                    raise ValueError(f"unknown metric {entry!r}; known: {sorted(METRICS)}")
                items.append((entry, METRICS[entry]))
            elif callable(entry):
                items.append((getattr(entry, "__name__", type(entry).__name__), entry))
            else:
                raise TypeError(f"a metric must be a name or a callable, got {entry!r}")
    out: dict[str, Metric] = {}
    for name, fn in items:
        if not isinstance(name, str) or not name or name.startswith("val_"):
            raise ValueError(
                f"metric names must be non-empty str not starting 'val_', got {name!r}"
            )
        if not callable(fn):
            raise TypeError(f"metric {name!r} is not callable: {fn!r}")
        if name in out or name in ("loss", "penalty", "lr", "time", "epoch", "grad_norms"):
            raise ValueError(f"metric name {name!r} is repeated or reserved")
        out[name] = fn
    return out
