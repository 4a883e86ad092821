r"""``MLPClassifier`` and ``MLPRegressor``: netopt networks as scikit-learn estimators.

With them the chapter's remedies for over- and underfitting come from scikit-learn instead
of being rewritten: ``cross_val_score``/``KFold``, ``PolynomialFeatures``, ``PCA``,
``SelectKBest`` with mutual information, ``GridSearchCV``, ``BaggingClassifier``,
``AdaBoostClassifier`` (through ``sample_weight``) and pipelines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from ..nn import functional as F
from ._base import BaseMLP, with_parameters


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum (no overflow)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@with_parameters
class MLPClassifier(ClassifierMixin, BaseMLP):
    r"""A multilayer perceptron trained with netopt, scikit-learn's classifier contract.

    The network is ``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer,
    then ``Linear`` to one logit per class; training minimizes the (sample-weighted) softmax
    cross-entropy (eq. 6-13..6-16) plus the L1/L2 penalties, in float32.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted class labels.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a DataFrame).
    model_ : netopt.nn.Sequential
        The trained network (float32, left in eval mode).
    history_ : netopt.train.history.History
        One record per epoch: ``loss`` (weighted cross-entropy), ``penalty``, ``val_loss``
        (with early stopping), ``lr`` and ``time``.
    loss_curve_ : list of float
        The ``loss`` column of ``history_``.
    validation_loss_curve_ : list of float or None
        The ``val_loss`` column (None without early stopping).
    n_iter_ : int
        Epochs run.
    best_epoch_ : int
        The epoch whose weights ``model_`` holds (``n_iter_`` without early stopping).
    best_validation_loss_ : float or None

    Raises
    ------
    ValueError
        From ``fit``: on an invalid parameter (named with its value), fewer than two
        classes, NaN or infinite inputs, negative sample weights.
    netopt.train.callbacks.NonFiniteLossError
        From ``fit``, when the loss diverges.

    Notes
    -----
    Differences from scikit-learn's ``MLPClassifier``: ``optimizer`` (not ``solver``) names
    any netopt optimizer, with ``schedule`` a per-epoch learning-rate schedule; the L2 term
    is :math:`\lambda\tfrac12\sum w^2` per batch (scikit-learn divides it by the batch size);
    early stopping watches the validation *loss* and keeps the best weights; training runs
    exactly ``max_iter`` epochs unless early stopping ends it (no ``tol`` stop on the
    training loss). Inputs are not scaled: put a ``StandardScaler`` in front.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)
    >>> clf = MLPClassifier((16,), "tanh", learning_rate_init=0.05, max_iter=150,
    ...                     random_state=0).fit(X, y)
    >>> clf.predict([[0.0, 1.0], [1.0, 1.0]]).tolist()
    ['yes', 'no']
    """

    _labels = True

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        r"""Train a fresh network on ``(X, y)``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels (any sortable type).
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight)

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"got 1 class: {self.classes_.tolist()}"
            )
        return codes.astype(np.int64), len(self.classes_)

    def _check_weighted_targets(self, targets: np.ndarray, weights: np.ndarray) -> None:
        mass = np.bincount(targets, weights=weights, minlength=len(self.classes_))
        if np.count_nonzero(mass) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with positive "
                f"sample_weight; only class {self.classes_[mass > 0].tolist()} has any"
            )

    def _stratify(self, targets: np.ndarray, n_val: int) -> np.ndarray | None:
        # Stratify when every class can appear on both sides of the split.
        k = len(self.classes_)
        counts = np.bincount(targets, minlength=k)
        if counts.min() >= 2 and k <= n_val <= len(targets) - k:
            return targets
        return None

    def _per_sample_loss(self, output: Any, target: np.ndarray) -> Any:
        return F.cross_entropy(output, target, reduction="none")

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""Class probabilities: the softmax of the network's logits.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return _softmax(self._forward(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""Logarithm of :meth:`predict_proba`, by log-sum-exp (finite where it underflows).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        z = self._forward(X)
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        r"""The most probable class of every sample.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        codes = np.argmax(self._forward(X), axis=1)
        return self.classes_[codes]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


@with_parameters
class MLPRegressor(RegressorMixin, BaseMLP):
    r"""A multilayer perceptron trained with netopt, scikit-learn's regressor contract.

    The network is ``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer,
    then a linear output per target; training minimizes the (sample-weighted) mean squared
    error plus the L1/L2 penalties, in float32.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
    n_outputs_ : int
        Targets per sample.
    model_ : netopt.nn.Sequential
    history_ : netopt.train.history.History
    loss_curve_ : list of float
        Per-epoch weighted mean squared error (averaged over the outputs).
    validation_loss_curve_ : list of float or None
    n_iter_ : int
    best_epoch_ : int
    best_validation_loss_ : float or None

    Raises
    ------
    ValueError
        From ``fit``: on an invalid parameter, NaN or infinite data, negative weights.
    netopt.train.callbacks.NonFiniteLossError
        From ``fit``, when the loss diverges.

    Notes
    -----
    The targets are not scaled; targets far from unit scale train slowly (wrap the
    estimator in ``sklearn.compose.TransformedTargetRegressor``). See
    :class:`MLPClassifier` for the differences from scikit-learn's ``MLPRegressor``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> reg = MLPRegressor((), learning_rate_init=0.1, max_iter=100, random_state=0)
    >>> reg = reg.fit(X, 2 * X.ravel() + 1)
    >>> np.round(reg.predict([[0.0], [0.5]]), 2).tolist()
    [1.0, 2.0]
    """

    _multi_output = True

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        r"""Train a fresh network on ``(X, y)``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array_like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight)

    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        self._y_was_1d = y.ndim == 1
        targets = np.asarray(y, dtype=np.float32).reshape(len(y), -1)
        self.n_outputs_ = targets.shape[1]
        return targets, self.n_outputs_

    def _per_sample_loss(self, output: Any, target: np.ndarray) -> Any:
        return F.mse_loss(output, target, reduction="none").mean(1)

    def predict(self, X: Any) -> np.ndarray:
        r"""The network's outputs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``y`` was 1-D in ``fit``.
        """
        out = self._forward(X)
        return out.ravel() if self._y_was_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
