r"""The parameter and attribute documentation that both MLP estimators share."""

from __future__ import annotations

PARAMETERS = r"""hidden_layer_sizes : int or sequence of int, default (100,)
        Widths of the hidden layers; ``()`` gives a linear (or logistic) model.
    activation : {"identity", "logistic", "tanh", "relu", "sigmoid", "leaky_relu", "elu"}, \
default "relu"
        Hidden-unit nonlinearity (eq. 6-31..6-36). The first four are scikit-learn's;
        ``"sigmoid"`` is ``"logistic"``, ``"leaky_relu"`` has slope 0.01, ``"elu"``
        :math:`\alpha = 1`.
    solver : {"lbfgs", "sgd", "adam", "adagrad", "rmsprop", "adamw", "nadam", "radam", \
"adamax"}, default "adam"
        ``"lbfgs"`` is :class:`netopt.optim.LBFGS` with the strong-Wolfe line search on the
        whole training set; the others are netopt's optimizers on mini-batches:
        ``"sgd"`` is :class:`~netopt.optim.SGD` with ``momentum`` (Nesterov's with
        ``nesterovs_momentum``); the Adam family (``"adam"``, ``"adamw"``, ``"nadam"``,
        ``"radam"``, ``"adamax"``) takes ``beta_1``, ``beta_2``, ``epsilon``. Everything
        after ``"adam"`` is netopt's addition.
    alpha : float, default 1e-4
        L2 strength: the objective gains :math:`\tfrac{\alpha}{2}\lVert W\rVert^2` divided by
        the batch's total sample weight, over the weights (not the intercepts), eq. 6-11.
    batch_size : int or "auto", default "auto"
        ``min(200, n_samples)`` for ``"auto"``; larger values are clipped, with a warning.
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        ``"invscaling"``: :math:`\eta_t = \eta_0/(t+1)^{p}` after every epoch, :math:`t` the
        samples seen. ``"adaptive"``: divide by 5 whenever the plateau test (``tol``,
        ``n_iter_no_change``) fires, stop once it is at most 1e-6. Ignored by the Adam
        family and ``"lbfgs"``.
    learning_rate_init : float, default 1e-3
        :math:`\eta_0`, the optimizer's ``lr``.
    power_t : float, default 0.5
        :math:`p` of ``"invscaling"``.
    max_iter : int, default 200
        Epochs for the stochastic solvers; iterations for ``"lbfgs"``.
    shuffle : bool, default True
        Draw a new order of the samples every epoch.
    random_state : int, RandomState, Generator or None, default None
        Seeds the initial weights (scikit-learn's uniform draws, so an int gives its
        initial network), the shuffling, the validation split and the dropout masks.
    tol : float, default 1e-4
        Stochastic solvers: an epoch counts as no improvement when the training loss does
        not fall below the best by more than ``tol`` (or, with ``early_stopping``, the
        validation score does not rise above the best by more than ``tol``).
        ``"lbfgs"``: stop once every gradient entry is at most ``tol`` in magnitude.
    verbose : bool or int, default False
        Print scikit-learn's line ``"Iteration %d, loss = %.8f"`` after every epoch (to
        standard output, scikit-learn's contract; netopt's only library output).
    warm_start : bool, default False
        ``fit`` continues from the current weights instead of starting afresh.
    momentum : float, default 0.9
        ``"sgd"`` only, in [0, 1].
    nesterovs_momentum : bool, default True
        ``"sgd"`` with ``momentum > 0`` only.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified for a single-output
        classifier), stop after ``n_iter_no_change`` epochs without improvement of the
        validation score (accuracy or :math:`R^2`) and keep the best epoch's weights.
    validation_fraction : float, default 0.1
    beta_1, beta_2 : float, default 0.9, 0.999
        Adam's moment decay rates.
    epsilon : float, default 1e-8
        Adam's :math:`\epsilon`.
    n_iter_no_change : int or numpy.inf, default 10
        Epochs without improvement before stopping (inf: never).
    max_fun : int, default 15000
        ``"lbfgs"`` only: most loss evaluations.
    optimizer_params : dict, optional
        netopt: more keyword arguments of the optimizer (``{"weight_decay": 1e-4}``,
        ``{"amsgrad": True}``); unknown keys raise.
    schedule : {"constant", "step", "exponential", "cosine", "cosine_restarts", "plateau"}, \
default "constant"
        netopt: a learning-rate schedule stepped once per epoch (see
        :func:`netopt.estimators._network.build_scheduler`); needs
        ``learning_rate="constant"``.
    schedule_params : dict, optional
        netopt: keyword arguments of the scheduler (``{"step_size": 10, "gamma": 0.5}``).
    alpha_l1 : float, default 0.0
        netopt: L1 strength, :math:`\alpha_1\lVert W\rVert_1` over the total sample weight
        (eq. 6-12).
    dropout : float, default 0.0
        netopt: drop probability after every hidden activation, in [0, 1).
    batch_norm : bool, default False
        netopt: :class:`~netopt.nn.BatchNorm1d` before every hidden activation.
    clip_grad_norm : float, optional
        netopt: clip the gradient's global L2 norm to this value before every step.
    capture : bool, default True
        netopt: run the stochastic solvers' steps through
        :func:`netopt.train.capture_step` (each step replayed as NumPy calls into
        buffers, bit-identical to the eager step); False: every step eagerly."""

ATTRIBUTES = r"""loss_ : float
        The objective after the last epoch (lbfgs: at the solution).
    best_loss_ : float or None
        Lowest training loss of the stochastic solvers (None with ``early_stopping``).
    loss_curve_ : list of float
        The training loss after every epoch (stochastic solvers).
    validation_scores_ : list of float or None
        The validation score after every epoch (``early_stopping`` only).
    best_validation_score_ : float or None
    t_ : int
        Training samples seen, over all calls since the weights were initialized.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(fan_in, fan_out)``: layer ``i``'s weights, scikit-learn's
        layout (the transpose of torch's): views of the netopt network's weights, which
        training updates in place (an array assigned here is copied into the network).
    intercepts_ : list of ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
    n_iter_ : int
        Epochs (stochastic solvers) or iterations (lbfgs) of the last ``fit``.
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        ``"softmax"``, ``"logistic"``, ``"identity"`` or ``"exp"``.
    model_ : netopt.nn.Sequential
        The netopt network (read-only property; its Linear weights are views of
        ``coefs_``, its outputs come before ``out_activation_``).

    Notes
    -----
    Same parameters, defaults, attributes, warnings and errors as scikit-learn's estimator
    (its own ``test_mlp.py`` runs against this class). Differences: the solvers are
    torch's algorithms, so ``"sgd"``'s momentum buffer does not carry an old learning rate
    after ``"invscaling"``/``"adaptive"`` change it (scikit-learn's velocity does), Adam adds
    :math:`\epsilon` to :math:`\sqrt{\hat v}` (scikit-learn to :math:`\sqrt{v}`), and
    ``"lbfgs"`` is torch's L-BFGS with the strong-Wolfe search instead of scipy's L-BFGS-B
    (same gradient tolerance, scipy's ``ftol`` as an absolute tolerance, 10 pairs of
    history). For several regression outputs the loss is summed over them (scikit-learn
    reports their mean while its gradient is the sum's). ``random_state=None`` draws from
    a fresh generator, not NumPy's global one. Sparse ``X`` is densified one batch at a
    time. With ``batch_norm``, rebuilding the network (after ``coefs_`` is replaced by
    arrays of another shape, or after unpickling) resets its running statistics.

    netopt names before this version: ``optimizer`` is now ``solver`` (``"momentum"`` and
    ``"nesterov"`` are ``solver="sgd"`` with ``momentum=0.9``); ``history_``,
    ``best_epoch_``, ``validation_loss_curve_``, ``best_validation_loss_`` are gone
    (``loss_curve_``, ``validation_scores_``, ``best_validation_score_`` remain); early
    stopping watches the validation score, as scikit-learn's. Old names were not kept:
    every one would have been a second name for a scikit-learn parameter."""


def with_docs(cls: type) -> type:
    """Class decorator: fill ``{parameters}`` and ``{attributes}`` in the docstring."""
    doc = cls.__doc__ or ""
    cls.__doc__ = doc.replace("{parameters}", PARAMETERS).replace("{attributes}", ATTRIBUTES)
    return cls
