r"""Bagging: networks trained on bootstrap resamples, combined by voting.

Each of :math:`M` members trains on :math:`N` draws with replacement from the training set
(about 63% distinct samples), so members err differently and their average has lower
variance than any one of them. :class:`FitTrainer` trains a member with netopt's
:func:`~netopt.train.fit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import is_int, is_number
from ..nn import Module
from ..train.callbacks import Callback
from .voting import VOTING, average_probabilities, majority_vote

__all__ = ["BaggingEnsemble", "FitTrainer"]


class FitTrainer:
    r"""Train a network with :func:`netopt.train.fit` on arrays: a bagging member's trainer.

    ``trainer(model, x, y, rng)`` builds a shuffled :class:`~netopt.data.DataLoader` over
    ``(x, y)`` drawing its order from ``rng``, an optimizer (and schedule) over the model's
    parameters, and runs ``fit`` quietly.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(output, target) -> scalar Tensor`` (``nn.CrossEntropyLoss()``).
    make_optimizer : callable
        ``make_optimizer(parameters) -> Optimizer``, e.g.
        ``lambda ps: optim.Adam(ps, lr=1e-2)``.
    epochs : int
    batch_size : int, default 32
    make_scheduler : callable, optional
        ``make_scheduler(optimizer) -> scheduler``, stepped per epoch by ``fit``.
    make_callbacks : callable, optional
        ``make_callbacks() -> sequence of Callback``, fresh for every member.

    Raises
    ------
    TypeError
        If ``loss_fn`` or a factory is not callable.
    ValueError
        If ``epochs`` or ``batch_size`` is not a positive int.

    Notes
    -----
    A ``batch_size`` larger than the data is clipped to it (one batch per epoch).

    Examples
    --------
    >>> from netopt import nn, optim
    >>> trainer = FitTrainer(nn.MSELoss(), lambda ps: optim.SGD(ps, lr=0.5), epochs=30)
    >>> x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
    >>> net = nn.Linear(1, 1, rng=np.random.default_rng(0))
    >>> history = trainer(net, x, 3 * x, np.random.default_rng(1))
    >>> round(float(net.weight.data[0, 0]), 2)
    3.0
    """

    def __init__(
        self,
        loss_fn: Callable[[Any, Any], Any],
        make_optimizer: Callable[[Any], Any],
        *,
        epochs: int,
        batch_size: int = 32,
        make_scheduler: Callable[[Any], Any] | None = None,
        make_callbacks: Callable[[], Sequence[Callback]] | None = None,
    ) -> None:
        required = (("loss_fn", loss_fn), ("make_optimizer", make_optimizer))
        optional = (("make_scheduler", make_scheduler), ("make_callbacks", make_callbacks))
        for name, fn in required + tuple(item for item in optional if item[1] is not None):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.loss_fn, self.make_optimizer = loss_fn, make_optimizer
        self.epochs, self.batch_size = int(epochs), int(batch_size)
        self.make_scheduler, self.make_callbacks = make_scheduler, make_callbacks

    def __call__(self, model: Module, x: Any, y: Any, rng: np.random.Generator) -> Any:
        """Train ``model`` in place on ``(x, y)``; return ``fit``'s History."""
        from ..data import DataLoader, TensorDataset
        from ..train import fit

        batch_size = min(self.batch_size, len(x))
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, rng=rng)
        optimizer = self.make_optimizer(model.parameters())
        scheduler = None if self.make_scheduler is None else self.make_scheduler(optimizer)
        callbacks = () if self.make_callbacks is None else tuple(self.make_callbacks())
        return fit(
            model,
            self.loss_fn,
            optimizer,
            loader,
            epochs=self.epochs,
            scheduler=scheduler,
            callbacks=callbacks,
            progress=False,
        )


class BaggingEnsemble:
    r"""Bootstrap aggregating of networks: :math:`M` members, each on its own resample.

    Member :math:`m` is ``make_model(rng_m)``, trained by ``train(model, x[i_m], y[i_m],
    rng_m)`` where :math:`i_m` holds :math:`\lceil \text{max\_samples} \cdot N\rceil`
    indices drawn uniformly with replacement (about 63% distinct ones at
    ``max_samples=1``). The streams :math:`rng_m` are spawned from ``rng``
    (:meth:`numpy.random.Generator.spawn`), so a fresh ``default_rng(seed)`` fixes every
    member and adding members does not change the earlier ones; a second ``fit`` spawns
    new streams, hence new members.

    Parameters
    ----------
    make_model : callable
        ``make_model(rng) -> Module`` returning a fresh network (logits of K classes).
    train : callable
        ``train(model, x, y, rng)`` trains in place; a :class:`FitTrainer` uses ``fit``.
    n_members : int, default 5
    voting : {"soft", "hard"}, default "soft"
        Average probabilities, or count the members' predicted classes.
    max_samples : float, default 1.0
        Resample size as a fraction of ``N``, in ``(0, 1]``.
    rng : numpy.random.Generator, optional
        Source of the resamples and members' streams; netopt's default generator if None.

    Attributes
    ----------
    members_ : list of Module
        The trained networks (eval mode).
    indices_ : list of ndarray
        Each member's bootstrap indices into the training set.
    histories_ : list
        What ``train`` returned for each member (``fit``'s History with :class:`FitTrainer`).

    Raises
    ------
    ValueError
        On ``n_members`` not a positive int, an unknown ``voting``, ``max_samples`` outside
        ``(0, 1]``, or ``x``/``y`` of different lengths.
    TypeError
        If ``make_model`` or ``train`` is not callable, or ``make_model`` returns no Module.

    Examples
    --------
    >>> from netopt import nn, optim
    >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 8, dtype=np.float32)
    >>> y = (x[:, 0] > 0).astype(np.int64)
    >>> trainer = FitTrainer(nn.CrossEntropyLoss(), lambda ps: optim.SGD(ps, lr=0.5),
    ...                      epochs=20, batch_size=8)
    >>> bag = BaggingEnsemble(lambda rng: nn.Linear(1, 2, rng=rng), trainer, n_members=3,
    ...                       rng=np.random.default_rng(0)).fit(x, y)
    >>> bag.predict(np.array([[-1.5], [1.5]])).tolist(), len(bag.members_)
    ([0, 1], 3)
    """

    def __init__(
        self,
        make_model: Callable[[np.random.Generator], Module],
        train: Callable[[Module, np.ndarray, np.ndarray, np.random.Generator], Any],
        n_members: int = 5,
        *,
        voting: str = "soft",
        max_samples: float = 1.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        from ..random import resolve

        for name, fn in (("make_model", make_model), ("train", train)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        if not is_int(n_members) or n_members < 1:
            raise ValueError(f"n_members must be a positive int, got {n_members!r}")
        if voting not in VOTING:
            raise ValueError(f"voting must be 'soft' or 'hard', got {voting!r}")
        if not is_number(max_samples):
            raise ValueError(f"max_samples must be a number in (0, 1], got {max_samples!r}")
        if not 0 < max_samples <= 1:
            raise ValueError(f"max_samples must be a number in (0, 1], got {max_samples!r}")
        self.make_model, self.train = make_model, train
        self.n_members, self.voting = int(n_members), voting
        self.max_samples = float(max_samples)
        self.rng = resolve(rng)
        self.members_: list[Module] = []
        self.indices_: list[np.ndarray] = []
        self.histories_: list[Any] = []

    def fit(self, x: Any, y: Any) -> BaggingEnsemble:
        r"""Train ``n_members`` fresh networks on bootstrap resamples of ``(x, y)``.

        Parameters
        ----------
        x : array_like of shape (N, ...)
        y : array_like of shape (N, ...)

        Returns
        -------
        self
        """
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"x and y need the same non-zero length, got {len(x)} and {len(y)}")
        size = int(np.ceil(self.max_samples * len(x)))
        self.members_, self.indices_, self.histories_ = [], [], []
        for member_rng in self.rng.spawn(self.n_members):
            idx = member_rng.integers(0, len(x), size=size)
            model = self.make_model(member_rng)
            if not isinstance(model, Module):
                raise TypeError(f"make_model must return a Module, got {type(model).__name__}")
            self.histories_.append(self.train(model, x[idx], y[idx], member_rng))
            model.eval()
            self.members_.append(model)
            self.indices_.append(idx)
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        r"""The members' mean class probabilities, shape ``(N, K)`` (soft voting's scores)."""
        return average_probabilities(self.members_, x)

    def predict(self, x: Any) -> np.ndarray:
        r"""Class indices by ``voting``: arg max of the mean probabilities, or majority vote."""
        if self.voting == "hard":
            return majority_vote(self.members_, x)
        return self.predict_proba(x).argmax(axis=1)
