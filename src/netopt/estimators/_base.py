r"""What the MLP classifier and regressor share: parameters, ``fit``, the forward pass.

A subclass says how targets become network outputs (:meth:`_encode_targets`) and which
per-sample loss trains them (:meth:`_per_sample_loss`); everything else (validation,
seeding, the validation split, building and training the network) lives here once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import no_grad, tensor
from . import _network, _training
from ._params import seed_sequence, validate

Pair = tuple[np.ndarray, np.ndarray]  # (inputs, packed targets)

PARAMETERS_DOC = r"""hidden_layer_sizes : int or sequence of int, default (100,)
        Widths of the hidden layers; ``()`` gives a linear model.
    activation : {"relu", "tanh", "logistic", "sigmoid", "leaky_relu", "elu"}, default "relu"
        Hidden-unit nonlinearity (eq. 6-31..6-36); ``"logistic"`` is ``"sigmoid"``,
        ``"leaky_relu"`` has slope 0.01 and ``"elu"`` :math:`\alpha = 1`.
    optimizer : {"adam", "adamw", "sgd", "momentum", "nesterov", "adagrad", "rmsprop"}, \
default "adam"
        ``"momentum"``/``"nesterov"`` are :class:`~netopt.optim.SGD` with ``momentum=0.9``.
    learning_rate_init : float, default 1e-3
        The optimizer's ``lr`` (the schedule's starting value).
    optimizer_params : dict, optional
        More keyword arguments of the optimizer (``{"betas": (0.9, 0.99)}``,
        ``{"momentum": 0.5}``, ``{"weight_decay": 1e-4}``); unknown keys raise.
    schedule : {"constant", "step", "exponential", "cosine", "cosine_restarts", "plateau"}, \
default "constant"
        Learning-rate schedule, stepped once per epoch (see
        :func:`netopt.estimators._network.build_scheduler` for the defaults).
    schedule_params : dict, optional
        Keyword arguments of the scheduler (``{"step_size": 10, "gamma": 0.5}``).
    batch_size : int or "auto", default "auto"
        Mini-batch size, ``min(200, n_samples)`` for ``"auto"``; clipped to the training-set
        size.
    max_iter : int, default 200
        Epochs (passes over the training data), as scikit-learn's ``MLP*``.
    alpha : float, default 1e-4
        L2 strength :math:`\lambda_2`: the loss gains :math:`\lambda_2 \tfrac12\sum w^2` over
        the weights (not the biases), eq. 6-11.
    alpha_l1 : float, default 0.0
        L1 strength :math:`\lambda_1`: the loss gains :math:`\lambda_1 \sum |w|`, eq. 6-12.
    dropout : float, default 0.0
        Drop probability after every hidden activation, in ``[0, 1)``.
    batch_norm : bool, default False
        :class:`~netopt.nn.BatchNorm1d` before every hidden activation.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified for a classifier), stop
        when its loss has not improved by more than ``tol`` for ``n_iter_no_change`` epochs,
        and keep the weights of the best epoch.
    validation_fraction : float, default 0.1
        In ``(0, 1)``; used only with ``early_stopping``.
    n_iter_no_change : int, default 10
        Patience of the early stopping, in epochs.
    tol : float, default 1e-4
        The least improvement of the validation loss that resets the patience.
    shuffle : bool, default True
        Draw a new order of the training samples every epoch.
    random_state : int, numpy.random.Generator, RandomState or None, default None
        Seeds one :class:`numpy.random.SeedSequence`, spawned into independent streams for
        the initial weights, the shuffling, the dropout masks and the validation split.
        An int makes every ``fit`` identical."""


def with_parameters(cls: type) -> type:
    """Class decorator: put :data:`PARAMETERS_DOC` where the docstring says ``{parameters}``."""
    cls.__doc__ = (cls.__doc__ or "").replace("{parameters}", PARAMETERS_DOC)
    return cls


@with_parameters
class BaseMLP(BaseEstimator):
    r"""Shared implementation of :class:`MLPClassifier` and :class:`MLPRegressor`.

    Not for direct use: it has no output encoding or loss.

    Parameters
    ----------
    {parameters}
    """

    _multi_output = False  # whether y may be 2-D (the regressor)
    _labels = False  # whether the targets are class indices (the classifier)

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        optimizer: str = "adam",
        learning_rate_init: float = 1e-3,
        optimizer_params: dict[str, Any] | None = None,
        schedule: str = "constant",
        schedule_params: dict[str, Any] | None = None,
        batch_size: int | str = "auto",
        max_iter: int = 200,
        alpha: float = 1e-4,
        alpha_l1: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        shuffle: bool = True,
        random_state: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.optimizer_params = optimizer_params
        self.schedule = schedule
        self.schedule_params = schedule_params
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.alpha_l1 = alpha_l1
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state

    # --------------------------------------------------------------- subclass hooks
    def _encode_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        """Set the target attributes (``classes_``, ``n_outputs_``); return (targets, n_out)."""
        raise NotImplementedError

    def _per_sample_loss(self, output: Any, target: np.ndarray) -> Any:
        """The loss of every sample of a batch, a Tensor of shape ``(batch,)``."""
        raise NotImplementedError

    def _check_weighted_targets(self, targets: np.ndarray, weights: np.ndarray) -> None:
        """Raise ValueError if the weights leave nothing to learn (the classifier)."""

    def _stratify(self, targets: np.ndarray, n_val: int) -> np.ndarray | None:
        """Labels to stratify a split with ``n_val`` held out by (None: plain random split)."""
        return None

    # --------------------------------------------------------------- fit
    def _fit(self, X: Any, y: Any, sample_weight: Any) -> BaseMLP:
        """Validate, split, build, train, record: ``fit``'s steps in order."""
        p = validate(type(self).__name__, self.get_params(deep=False))
        X, y = validate_data(
            self,
            X,
            y,
            reset=True,
            dtype=(np.float64, np.float32),
            multi_output=self._multi_output,
            y_numeric=self._multi_output,
        )
        weights = check_sample_weight(sample_weight, len(X))
        targets, n_out = self._encode_targets(y)
        self._check_weighted_targets(targets, weights)
        init_rng, order_rng, dropout_rng, split_rng = (
            np.random.default_rng(s) for s in seed_sequence(p["random_state"]).spawn(4)
        )
        train, val = self._datasets(np.asarray(X, np.float32), targets, weights, p, split_rng)
        self.model_ = _network.build_mlp(
            X.shape[1],
            p["hidden_layer_sizes"],
            n_out,
            activation=p["activation"],
            batch_norm=p["batch_norm"],
            dropout=p["dropout"],
            init_rng=init_rng,
            dropout_rng=dropout_rng,
        )
        result = self._train(train, val, p, order_rng)
        self.history_ = result.history
        self.loss_curve_ = list(result.history["loss"])
        self.validation_loss_curve_ = None if val is None else list(result.history["val_loss"])
        self.n_iter_ = len(result.history)
        self.best_epoch_ = result.best_epoch
        self.best_validation_loss_ = result.best_val_loss
        return self

    def _datasets(
        self,
        x: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray,
        p: dict[str, Any],
        rng: np.random.Generator,
    ) -> tuple[Pair, Pair | None]:
        """The training and (with early stopping) validation ``(inputs, packed targets)``."""
        if not p["early_stopping"]:
            return _subset(x, targets, weights, np.arange(len(x)), "training"), None
        n = len(x)
        n_val = math.ceil(p["validation_fraction"] * n)
        if n_val >= n:
            raise ValueError(
                f"n_samples={n} is too few for early_stopping with validation_fraction="
                f"{p['validation_fraction']}: no training sample would be left"
            )
        from sklearn.model_selection import train_test_split

        train_idx, val_idx = train_test_split(
            np.arange(n),
            test_size=n_val,
            random_state=int(rng.integers(2**31)),
            stratify=self._stratify(targets, n_val),
        )
        return (
            _subset(x, targets, weights, train_idx, "training"),
            _subset(x, targets, weights, val_idx, "validation"),
        )

    def _train(
        self, train: Pair, val: Pair | None, p: dict[str, Any], rng: np.random.Generator
    ) -> _training.Result:
        """Build the optimizer and schedule, then train ``model_`` with netopt's ``fit``."""
        owner = type(self).__name__
        optimizer = _network.build_optimizer(
            owner,
            p["optimizer"],
            self.model_.parameters(),
            p["learning_rate_init"],
            p["optimizer_params"],
        )
        scheduler = _network.build_scheduler(
            owner, p["schedule"], optimizer, p["schedule_params"], p["max_iter"]
        )
        size = p["batch_size"]
        config = _training.Config(
            max_iter=p["max_iter"],
            batch_size=min(200 if size == "auto" else size, len(train[0])),
            shuffle=p["shuffle"],
            alpha=p["alpha"],
            alpha_l1=p["alpha_l1"],
            n_iter_no_change=p["n_iter_no_change"],
            tol=p["tol"],
            batch_norm=p["batch_norm"],
        )
        loss = _training.WeightedLoss(self._per_sample_loss, labels=self._labels)
        return _training.run(self.model_, loss, optimizer, scheduler, train, val, config, rng)

    # --------------------------------------------------------------- predict
    def _forward(self, X: Any) -> np.ndarray:
        """Network outputs for ``X`` in float64 (eval mode, no graph)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        self.model_.eval()
        with no_grad():
            return np.asarray(self.model_(tensor(np.asarray(X, dtype=np.float64))).data)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _subset(
    x: np.ndarray, targets: np.ndarray, weights: np.ndarray, idx: np.ndarray, which: str
) -> Pair:
    """``(inputs, packed targets)`` of the samples ``idx``, weights rescaled to mean 1."""
    w = weights[idx]
    total = float(np.sum(w))
    if not total > 0:
        raise ValueError(f"the sample weights of the {which} samples are all zero; need a sum > 0")
    return x[idx], _training.pack(targets[idx], w * (len(w) / total))


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
