r"""How the estimators train: scikit-learn's two loops, run on a netopt network and optimizer.

:func:`fit_stochastic` is scikit-learn's epoch loop for ``solver`` in {"sgd", "adam", ...}:
shuffle, mini-batches of the objective (:mod:`._objective`), one optimizer step per batch
(replayed by :func:`netopt.train.capture_step` unless ``capture=False``), then per epoch
the loss record, the ``tol``/``n_iter_no_change`` test on the training loss (or on the
validation score with ``early_stopping``), the learning-rate rule and the
``ConvergenceWarning`` at ``max_iter``. :func:`fit_lbfgs` minimizes the full-batch
objective with :class:`netopt.optim.LBFGS` and its strong-Wolfe line search.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ..autograd import Tensor
from ..nn.utils import clip_grad_norm_
from ..optim.lbfgs import LBFGS
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..train.capture import capture_step
from ._loss import Objective, backward, give_slots
from ._network import build_optimizer, build_scheduler, check_keywords, expose
from ._params import ADAM_FAMILY

#: scipy's L-BFGS-B default ``ftol`` (``factr=1e7`` times the float64 epsilon): LBFGS's
#: ``tolerance_change``, so the lbfgs solver stops where scikit-learn's would.
FTOL = 1e7 * np.finfo(np.float64).eps


def say(line: str) -> None:
    """Write one ``verbose`` line to standard output (scikit-learn's contract for ``verbose``)."""
    sys.stdout.write(line + "\n")


def dense(x: Any, dtype: Any) -> np.ndarray:
    """``x`` (a dense or scipy.sparse batch) as a dense array of ``dtype``."""
    if sp.issparse(x):
        x = x.toarray()
    return np.asarray(x, dtype=dtype)


class StochasticSolver:
    r"""scikit-learn's ``_optimizer`` protocol over a netopt optimizer (and schedule).

    ``learning_rate`` reads and writes the optimizer's ``lr``. At the end of every epoch,
    :meth:`iteration_ends` applies ``learning_rate="invscaling"``,
    :math:`\eta_t = \eta_0 / (t + 1)^{p}` with :math:`t` the samples seen so far and
    :math:`p` = ``power_t``, or steps the netopt ``schedule``. On a plateau,
    :meth:`trigger_stopping` divides the rate by 5 for ``learning_rate="adaptive"`` (stopping
    once it is at most 1e-6) and stops otherwise. As in scikit-learn, Adam (and its family,
    :data:`._params.ADAM_FAMILY`) ignores ``learning_rate``.
    """

    def __init__(self, optimizer: Any, scheduler: Any, p: dict[str, Any]) -> None:
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.learning_rate_init = p["learning_rate_init"]
        self.power_t = p["power_t"]
        adam = p["solver"] in ADAM_FAMILY
        self.lr_schedule = "constant" if adam else p["learning_rate"]
        self.steps = self.replayed = 0  # steps taken, and how many of them were replayed
        self._step: tuple | None = None  # (network, objective, captured step), see train_step

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_step"] = None  # a captured step's plans and buffers are rebuilt, not pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"steps": 0, "replayed": 0, **state, "_step": None})

    def train_step(self, net: Any, out_activation: str, p: dict[str, Any]) -> tuple:
        r"""``(objective, step)`` for an epoch: the :class:`._loss.Objective` (whose
        ``sample_weight`` the caller sets per batch) and ``step(x, y) -> loss``, one update.

        With ``capture`` the step is one :func:`netopt.train.capture_step` over ``net``,
        made at the first call and kept while the network is the same (across epochs and
        ``partial_fit`` calls), its objective and clipping updated from ``p``. Without, the
        eager step: ``zero_grad``, forward, objective, ``backward``, clipping, ``step``.
        Either way the Linear weights get gradient slots (:func:`._loss.give_slots`).
        """
        if self._step is None or self._step[0] is not net:
            objective = Objective(net, out_activation, p["alpha"], p["alpha_l1"])
            step = capture_step(net, objective, self.optimizer, p["clip_grad_norm"])
            self._step = (net, objective, step)
        _, objective, step = self._step
        objective.out_activation = out_activation
        objective.alpha, objective.alpha_l1 = p["alpha"], p["alpha_l1"]
        step.clip_grad_norm = p["clip_grad_norm"]
        give_slots(net)
        if p["capture"]:
            return objective, step
        return objective, _eager_step(net, objective, self.optimizer, p["clip_grad_norm"])

    @property
    def learning_rate(self) -> float:
        """The current learning rate (the optimizer's ``lr``)."""
        return self.optimizer.param_groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = value

    def iteration_ends(self, time_step: int, loss: float) -> None:
        """Update the learning rate after an epoch; ``time_step`` counts samples seen."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t
        if self.scheduler is not None:
            if isinstance(self.scheduler, ReduceLROnPlateau):
                self.scheduler.step(loss)
            else:
                self.scheduler.step()

    def trigger_stopping(self, msg: str, verbose: int) -> bool:
        """Whether to stop on a plateau (``adaptive``: only once the rate is <= 1e-6)."""
        if self.lr_schedule != "adaptive":
            if verbose:
                say(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                say(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate = self.learning_rate / 5.0
        if verbose:
            say(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


def _eager_step(net: Any, objective: Objective, optimizer: Any, clip: float | None) -> Any:
    """The training step without capture (what a captured step does on its first call)."""
    params = list(net.parameters())

    def step(x: Tensor, y: np.ndarray) -> float:
        optimizer.zero_grad()
        loss = objective(net(x), y)
        loss.backward()
        if clip is not None:
            clip_grad_norm_(params, clip)
        optimizer.step()
        return float(loss.item())

    return step


def make_solver(est: Any, net: Any, p: dict[str, Any]) -> StochasticSolver:
    """A fresh :class:`StochasticSolver` over the network's parameters (whose arrays may
    be an earlier optimizer's flat buffers: the new optimizer adopts those, so ``coefs_``
    stays the arrays training updates)."""
    owner = type(est).__name__
    expose(net, est.coefs_, est.intercepts_)
    optimizer = build_optimizer(owner, net.parameters(), p)
    scheduler = build_scheduler(
        owner, p["schedule"], optimizer, p["schedule_params"], p["max_iter"]
    )
    return StochasticSolver(optimizer, scheduler, p)


def _split(est: Any, X: Any, Y: np.ndarray, w: np.ndarray, p: dict[str, Any]) -> tuple:
    """scikit-learn's validation split: stratified for a single-output classifier."""
    stratify = Y if est._stratify_split and Y.shape[1] == 1 else None
    X_train, X_val, Y_train, Y_val, w_train, w_val = train_test_split(
        X,
        Y,
        w,
        random_state=est._random_state,
        test_size=p["validation_fraction"],
        stratify=stratify,
    )
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    return X_train, X_val, Y_train, est._decode(Y_val), w_train, w_val


def _batch_size(p: dict[str, Any], n_samples: int) -> int:
    if p["batch_size"] == "auto":
        return min(200, n_samples)
    if p["batch_size"] > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=4,
        )
    return int(np.clip(p["batch_size"], 1, n_samples))


def _epoch(est: Any, net: Any, data: tuple, order: np.ndarray, p: dict, size: int) -> float:
    """One pass over ``data = (X, Y, w)`` in mini-batches, in ``order`` (reshuffled in place
    first when ``shuffle``); return the sample-averaged batch loss.

    With ``batch_norm`` a last batch of one sample is skipped (batch statistics need two).
    """
    X, Y, w = data
    n = X.shape[0]
    if p["shuffle"]:
        # scikit-learn's draw: its utils.shuffle of the running order
        perm = np.arange(n)
        est._random_state.shuffle(perm)
        order[:] = order[perm]
    dtype = est.coefs_[0].dtype
    solver = est._optimizer
    objective, step = solver.train_step(net, est.out_activation_, p)
    captured = getattr(step, "captured", None) is not None
    net.train()
    accumulated, seen = 0.0, 0
    try:
        for start in range(0, n, size):
            rows = order[start : start + size]
            if p["batch_norm"] and len(rows) == 1 and n > 1:
                continue
            objective.sample_weight = w[rows]
            loss = step(Tensor(dense(X[rows], dtype)), np.asarray(Y[rows], dtype=dtype))
            solver.steps += 1
            solver.replayed += captured and step.captured
            accumulated += loss * len(rows)
            seen += len(rows)
    finally:  # the optimizer's first step moves the arrays into its flat buffers
        expose(net, est.coefs_, est.intercepts_)
    return accumulated / seen


def fit_stochastic(
    est: Any, net: Any, X: Any, Y: np.ndarray, w: np.ndarray, p: dict, incremental: bool
) -> None:
    r"""scikit-learn's ``_fit_stochastic`` on ``est``: up to ``max_iter`` epochs (one when
    ``incremental``), updating ``coefs_``/``intercepts_`` in place and the records
    ``loss_curve_``, ``n_iter_``, ``t_``, ``best_loss_``/``validation_scores_``.

    Raises
    ------
    ValueError
        With ``early_stopping`` in ``partial_fit``; when the validation split leaves fewer
        than 2 samples.
    """
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_solver(est, net, p)
    if p["early_stopping"] and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if p["early_stopping"]:
        X, X_val, Y, y_val, w, w_val = _split(est, X, Y, w, p)
    n_samples = X.shape[0]
    size = _batch_size(p, n_samples)
    order = np.arange(n_samples)
    tol, patience, verbose = p["tol"], p["n_iter_no_change"], p["verbose"]
    est.n_iter_ = 0
    for _ in range(p["max_iter"]):
        est.loss_ = _epoch(est, net, (X, Y, w), order, p, size)
        est.n_iter_ += 1
        est.t_ += n_samples
        est.loss_curve_.append(est.loss_)
        if verbose:
            say(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if p["early_stopping"]:
            _record_validation(est, X_val, y_val, w_val, tol, verbose)
        else:
            _record_loss(est, tol)
        est._optimizer.iteration_ends(est.t_, est.loss_)
        if est._no_improvement_count > patience:
            what = "Validation score" if p["early_stopping"] else "Training loss"
            msg = f"{what} did not improve more than tol={tol:f} for {patience} consecutive epochs."
            if est._optimizer.trigger_stopping(msg, verbose):
                break
            est._no_improvement_count = 0
        if incremental:
            break
        if est.n_iter_ == p["max_iter"]:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({p['max_iter']}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
    if p["early_stopping"]:
        for live, best in zip(est.coefs_ + est.intercepts_, est._best_coefs + est._best_intercepts):
            live[...] = best


def _record_loss(est: Any, tol: float) -> None:
    """The plateau count on the training loss: no gain of more than ``tol`` on the best."""
    if est.loss_curve_[-1] > est.best_loss_ - tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    if est.loss_curve_[-1] < est.best_loss_:
        est.best_loss_ = est.loss_curve_[-1]


def _record_validation(est: Any, X: Any, y: Any, w: np.ndarray, tol: float, verbose: int):
    """The plateau count on the validation score; keep a copy of the best weights."""
    score = est._score(X, y, sample_weight=w)
    est.validation_scores_.append(score)
    if verbose:
        say(f"Validation score: {score:f}")
    if score < est.best_validation_score_ + tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    if score > est.best_validation_score_:
        est.best_validation_score_ = score
        est._best_coefs = [c.copy() for c in est.coefs_]
        est._best_intercepts = [b.copy() for b in est.intercepts_]


def fit_lbfgs(est: Any, net: Any, X: Any, Y: np.ndarray, w: np.ndarray, p: dict) -> None:
    r"""Minimize the full-batch objective with :class:`~netopt.optim.LBFGS` (one ``step``).

    ``max_iter`` bounds the iterations and ``max_fun`` the loss evaluations;
    ``tol`` is the gradient tolerance (``max |g_i| <= tol``, scipy's ``gtol``), the loss-change
    tolerance is scipy's ``ftol`` (:data:`FTOL`, absolute here), the history holds 10 pairs
    (scipy's ``maxcor``), steps come from the strong-Wolfe line search; ``optimizer_params``
    may override ``lr``, ``tolerance_change``, ``history_size`` and ``line_search_fn``.
    Sets ``n_iter_`` and ``loss_``; warns with ``ConvergenceWarning`` when a limit ended
    the run.
    """
    x = dense(X, est.coefs_[0].dtype)
    params = list(net.parameters())
    options = {"tolerance_change": FTOL, "history_size": 10, "line_search_fn": "strong_wolfe"}
    check_keywords(type(est).__name__, "optimizer_params", LBFGS, p["optimizer_params"])
    options.update(p["optimizer_params"])
    for name in ("max_iter", "max_eval", "tolerance_grad"):
        if name in options:
            raise ValueError(
                f"{type(est).__name__}: optimizer_params sets {name!r}; use max_iter, "
                "max_fun and tol instead"
            )
    opt = LBFGS(
        params, max_iter=p["max_iter"], max_eval=p["max_fun"], tolerance_grad=p["tol"], **options
    )
    net.train()

    def closure() -> float:
        opt.zero_grad()
        return backward(net, est.out_activation_, x, Y, w, p["alpha"], p["alpha_l1"])

    opt.step(closure)
    state = opt.state[params[0]]
    est.n_iter_ = int(state.get("n_iter", 0))
    est.loss_ = closure()
    if p["verbose"]:
        say(f"lbfgs: {est.n_iter_} iterations, loss = {est.loss_:.8f}")
    if est.n_iter_ >= p["max_iter"] or state["func_evals"] >= p["max_fun"]:
        limit = (
            "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
            if est.n_iter_ >= p["max_iter"]
            else "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
        )
        warnings.warn(
            f"lbfgs failed to converge after {est.n_iter_} iteration(s) (status=1):\n{limit}\n\n"
            "Increase the number of iterations to improve the convergence "
            f"(max_iter={p['max_iter']}, max_fun={p['max_fun']}).\n"
            "You might also want to scale the data.",
            ConvergenceWarning,
            stacklevel=4,
        )
