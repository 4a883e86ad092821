r"""What the MLP classifier and regressor share: ``fit``/``partial_fit``'s steps, the weights,
the forward pass.

A subclass says how targets become network outputs (``_validate_input``, ``_out_activation``,
``_decode``) and how predictions are scored (``_score``); the rest lives here once, with
scikit-learn's semantics (``sklearn/neural_network/_multilayer_perceptron.py``): the first
call initializes ``coefs_``/``intercepts_``, later calls continue from them when
``warm_start`` is set or in ``partial_fit``.
"""

from __future__ import annotations

from itertools import chain, pairwise
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import no_grad, tensor
from . import _network, _training
from ._loss import backward
from ._objective import activate
from ._params import STOCHASTIC_SOLVERS, make_random_state, validate


class BaseMLP(BaseEstimator):
    r"""Shared implementation of :class:`MLPClassifier` and :class:`MLPRegressor`.

    Not for direct use: it has no target encoding or loss.
    """

    _stratify_split = False  # whether the early-stopping split is stratified (classifier)

    # --------------------------------------------------------------- subclass hooks
    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple:
        """Return ``(X, Y)`` with ``Y`` 2-D (indicator columns for a classifier)."""
        raise NotImplementedError

    def _out_activation(self, Y: np.ndarray) -> str:
        """The output activation for the encoded targets ``Y``."""
        raise NotImplementedError

    def _decode(self, Y: np.ndarray) -> Any:
        """Encoded targets back to what ``_score`` compares predictions with."""
        raise NotImplementedError

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The validation score (accuracy or R^2), NaN where predictions are not finite."""
        raise NotImplementedError

    # --------------------------------------------------------------- fit
    def _params(self) -> dict[str, Any]:
        return validate(type(self).__name__, self.get_params(deep=False))

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> BaseMLP:
        """scikit-learn's ``_fit``: validate, initialize or continue, train, check."""
        p = self._params()
        first_pass = not hasattr(self, "coefs_") or (not p["warm_start"] and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        w = check_sample_weight(sample_weight, X.shape[0])
        self.n_outputs_ = Y.shape[1]
        layer_units = [X.shape[1], *p["hidden_layer_sizes"], self.n_outputs_]
        self._random_state = make_random_state(p["random_state"])
        if first_pass:
            self._initialize(Y, layer_units, X.dtype, p)
        net = self._attach(p)
        if p["solver"] == "lbfgs":
            _training.fit_lbfgs(self, net, X, Y, w, p)
        else:
            _training.fit_stochastic(self, net, X, Y, w, p, incremental)
        net.eval()
        if not all(np.isfinite(v).all() for v in chain(self.coefs_, self.intercepts_)):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    def _initialize(self, Y: np.ndarray, layer_units: list[int], dtype: Any, p: dict) -> None:
        """Fresh weights (scikit-learn's draws) and fresh records."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation(Y)
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in pairwise(layer_units):
            coef, intercept = _network.init_layer(
                fan_in, fan_out, p["activation"], self._random_state, dtype
            )
            self.coefs_.append(coef)
            self.intercepts_.append(intercept)
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [b.copy() for b in self.intercepts_]
        self._network = None
        self.__dict__.pop("_optimizer", None)
        if p["solver"] in STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if p["early_stopping"]:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _attach(self, p: dict[str, Any] | None = None) -> Any:
        """The netopt network holding the current ``coefs_``/``intercepts_`` (built if needed).

        ``coefs_[i]`` is the transposed view of the i-th Linear's weight array and
        ``intercepts_[i]`` its bias array. Weights set from outside (``est.coefs_[0] =
        ...``, unpickling) are copied into the network's arrays (a non-float array as
        float64) and the lists re-pointed at those (:func:`._network.attach`). A rebuilt
        network (other shapes, dtype or layers) drops the optimizer state, which was keyed
        by the old network's parameters.
        """
        p = self._params() if p is None else p
        for arrays in (self.coefs_, self.intercepts_):
            for i, a in enumerate(arrays):
                a = np.asarray(a)
                if a.dtype.kind != "f":
                    a = a.astype(float)
                if arrays is self.intercepts_ and a.ndim != 1:
                    a = a.reshape(-1)
                if a is not arrays[i]:
                    arrays[i] = a
        key = (p["activation"], p["batch_norm"], p["dropout"])
        net = getattr(self, "_network", None)
        if not _network.fits(net, self.coefs_) or getattr(self, "_network_key", None) != key:
            rng = np.random.default_rng(self._draw_seed()) if p["dropout"] > 0 else None
            net = _network.build_network(
                self.coefs_,
                self.intercepts_,
                activation=p["activation"],
                batch_norm=p["batch_norm"],
                dropout=p["dropout"],
                dropout_rng=rng,
            )
            self._network, self._network_key = net, key
            self.__dict__.pop("_optimizer", None)
        else:
            _network.attach(net, self.coefs_, self.intercepts_)
        return net

    def _draw_seed(self) -> int:
        rng = getattr(self, "_random_state", None)
        return int(rng.randint(2**31)) if rng is not None else 0

    # --------------------------------------------------------------- lbfgs interface
    def _unpack(self, packed: np.ndarray) -> None:
        """Copy a flat vector (coefficients, then intercepts, C order) into the weights."""
        start = 0
        for a in self.coefs_ + self.intercepts_:
            a[...] = np.reshape(packed[start : start + a.size], a.shape)
            start += a.size

    def _loss_grad_lbfgs(
        self, packed: np.ndarray, X: Any, y: Any, sample_weight: Any, *unused: Any
    ) -> tuple[float, np.ndarray]:
        r"""The objective and its gradient at the flat parameter vector ``packed``.

        scikit-learn's signature (the trailing work arrays are ignored); the vector's layout
        is ``coefs_`` then ``intercepts_``, each raveled in C order. The gradient comes from
        netopt's backward pass.
        """
        p = self._params()
        self._unpack(packed)
        net = self._attach(p)
        dtype = self.coefs_[0].dtype
        x = _training.dense(X, dtype)
        Y = np.asarray(y, dtype=dtype).reshape(x.shape[0], -1)
        w = check_sample_weight(sample_weight, x.shape[0])
        for param in net.parameters():
            param._grad = None
        loss = backward(net, self.out_activation_, x, Y, w, p["alpha"], p["alpha_l1"])
        layers = _network.linears(net)
        grads = [lin.weight._grad.T for lin in layers] + [lin.bias._grad for lin in layers]
        return loss, np.concatenate([np.ravel(g) for g in grads])

    # --------------------------------------------------------------- predict
    def _raw(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The network's outputs before the output activation (eval mode, no graph)."""
        check_is_fitted(self, "coefs_")
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
            net = self._attach()
        else:  # inside fit (the validation score): the network is attached already
            net = self._network
        was_training = net.training
        net.eval()
        with no_grad():
            out = np.asarray(net(tensor(_training.dense(X, self.coefs_[0].dtype)))._data)
        net.train(was_training)
        return out

    def _forward_pass_fast(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The output activations, shape ``(n_samples, n_outputs_)``."""
        return activate(self.out_activation_, self._raw(X, check_input))

    def _score_with_function(self, X: Any, y: Any, sample_weight: Any, score: Any) -> float:
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(np.asarray(y_pred).dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return float(score(y, y_pred, sample_weight=sample_weight))

    def _check_solver(self) -> bool:
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    @property
    def model_(self) -> Any:
        """The trained netopt network (``coefs_`` are views of its Linear weights)."""
        check_is_fitted(self, "coefs_")
        return self._attach()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = False
        return tags


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray:
    r"""Return ``sample_weight`` as a float64 array of ``n_samples`` non-negative weights.

    Parameters
    ----------
    sample_weight : array_like, float or None
        None gives unit weights; a number is used for every sample.
    n_samples : int

    Returns
    -------
    numpy.ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        If the shape is not ``(n_samples,)``, a weight is negative, NaN or infinite, or
        all weights are zero.

    Examples
    --------
    >>> check_sample_weight(None, 3).tolist(), check_sample_weight(2, 2).tolist()
    ([1.0, 1.0, 1.0], [2.0, 2.0])
    """
    if sample_weight is None:
        return np.ones(n_samples)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected ({n_samples},)")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative")
    if not np.any(w > 0):
        raise ValueError("the sample weights are all zero; at least one must be positive")
    return w
