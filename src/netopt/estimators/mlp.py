r"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's MLPs, trained by netopt.

Drop-in replacements for ``sklearn.neural_network.MLPClassifier``/``MLPRegressor``: the same
parameters, defaults, fitted attributes, warnings and errors (scikit-learn's own test file
runs against them, ``tests/estimators/sklearn_mlp``), with netopt doing the training: a
netopt network over the estimator's weights, netopt's optimizers (``L-BFGS`` included) and
its extras (more optimizers, schedules, dropout, batch norm, L1, clipping). With them the
chapter's remedies for over- and underfitting come from scikit-learn: ``cross_val_score``,
``GridSearchCV``, ``BaggingClassifier``, ``AdaBoostClassifier`` (``sample_weight``),
pipelines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ..autograd.activation import softmax_array
from ._base import BaseMLP
from ._docs import with_docs


def _store(est: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


@with_docs
class MLPClassifier(ClassifierMixin, BaseMLP):
    r"""Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, trained by netopt.

    Minimizes the cross-entropy (softmax over several classes; a logistic output for two
    classes or for multilabel indicator targets) plus the L2 penalty, by L-BFGS or a
    stochastic optimizer; see :mod:`netopt.estimators._objective` for the objective.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels (for multilabel ``y``, the label indices).
    {attributes}

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
    >>> y = np.array(["no", "yes", "yes", "no"] * 10)
    >>> clf = MLPClassifier((16,), "tanh", solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.predict([[0.0, 1.0], [1.0, 1.0]]).tolist()
    ['yes', 'no']
    >>> [c.shape for c in clf.coefs_]   # (fan_in, fan_out), one logistic output
    [(2, 16), (16, 1)]
    """

    _stratify_split = True

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        optimizer_params: dict[str, Any] | None = None,
        schedule: str = "constant",
        schedule_params: dict[str, Any] | None = None,
        alpha_l1: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        clip_grad_norm: float | None = None,
        capture: bool = True,
    ) -> None:
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        r"""Fit the model to ``X`` and the labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        r"""One epoch over ``(X, y)``, from the current weights (stochastic solvers only).

        Parameters
        ----------
        X, y, sample_weight
            As :meth:`fit`.
        classes : array-like of shape (n_classes,)
            Every class, required on the first call (not for multilabel ``y``).

        Returns
        -------
        self
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple:
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    def _out_activation(self, Y: np.ndarray) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _decode(self, Y: np.ndarray) -> Any:
        return self._label_binarizer.inverse_transform(Y)

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        return self._score_with_function(X, y, sample_weight, accuracy_score)

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def predict(self, X: Any) -> np.ndarray:
        r"""The predicted classes (for multilabel ``y``, the indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        check_is_fitted(self)
        return self._predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""Class probabilities: softmax over several classes, logistic otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; for multilabel ``y`` each column is one label's
            probability and rows need not sum to 1.
        """
        z = self._raw(X)
        if self.out_activation_ == "softmax":
            return softmax_array(z, 1)
        if self.n_outputs_ == 1:
            return np.hstack([expit(-z), expit(z)])
        return expit(z)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""``log(predict_proba(X))``, as scikit-learn computes it.

        Where a probability rounds to 0 its logarithm is ``-inf`` (no warning); where
        several round to 1 they tie, in both methods alike.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


@with_docs
class MLPRegressor(RegressorMixin, BaseMLP):
    r"""Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, trained by netopt.

    Minimizes half the squared error (or, with ``loss="poisson"``, half the Poisson
    deviance of an exponential output) plus the L2 penalty, by L-BFGS or a stochastic
    optimizer; see :mod:`netopt.estimators._objective`.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default "squared_error"
    {parameters}

    Attributes
    ----------
    {attributes}

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0)
    >>> np.round(reg.fit(X, 2 * X.ravel() + 1).predict([[0.0], [0.5]]), 4).tolist()
    [1.0, 2.0]
    """

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        optimizer_params: dict[str, Any] | None = None,
        schedule: str = "constant",
        schedule_params: dict[str, Any] | None = None,
        alpha_l1: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        clip_grad_norm: float | None = None,
        capture: bool = True,
    ) -> None:
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        r"""Fit the model to ``X`` and the targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        r"""One epoch over ``(X, y)``, from the current weights (stochastic solvers only).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple:
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y")
        return X, y.reshape(len(y), -1)

    def _out_activation(self, Y: np.ndarray) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _decode(self, Y: np.ndarray) -> Any:
        return Y.ravel() if Y.shape[1] == 1 else Y

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        return self._score_with_function(X, y, sample_weight, r2_score)

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def predict(self, X: Any) -> np.ndarray:
        r"""The predicted values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self._predict(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
