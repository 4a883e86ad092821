r"""Snapshot ensembles: the weights at the end of every cosine cycle of one SGDR run.

With :class:`~netopt.optim.lr_scheduler.CosineAnnealingWarmRestarts` the learning rate falls
to :math:`\eta_{\min}` at the end of each cycle, where the model settles in a minimum; the
restart then kicks it toward another. Copies taken at the cycle ends are :math:`M`
ensemble members for the price of one training run (Huang et al., "Snapshot Ensembles:
Train 1, get M for free", ICLR 2017).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validate import is_int
from ..nn import Module
from ..train.callbacks import Callback
from .voting import VOTING, average_probabilities, majority_vote

__all__ = ["SnapshotEnsemble", "cycle_end_epochs"]


def cycle_end_epochs(T_0: int, T_mult: int, epochs: int) -> list[int]:
    r"""The epochs (from 1) that end a warm-restart cycle, up to ``epochs``.

    Cycle :math:`i` lasts :math:`T_0 T_{mult}^i` epochs, so the ends are the partial sums
    :math:`T_0, T_0(1 + T_{mult}), \dots`: the epochs after which
    :class:`~netopt.optim.lr_scheduler.CosineAnnealingWarmRestarts`, stepped once per epoch,
    restarts.

    Parameters
    ----------
    T_0 : int
        First cycle length, >= 1.
    T_mult : int
        Growth factor, >= 1.
    epochs : int
        Last epoch to consider, >= 0.

    Returns
    -------
    list of int

    Raises
    ------
    ValueError
        On a non-int or out-of-range argument.

    Examples
    --------
    >>> cycle_end_epochs(3, 2, 21), cycle_end_epochs(5, 1, 12)
    ([3, 9, 21], [5, 10])
    """
    for name, value, low in (("T_0", T_0, 1), ("T_mult", T_mult, 1), ("epochs", epochs, 0)):
        if not is_int(value) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    ends, end, length = [], T_0, T_0
    while end <= epochs:
        ends.append(int(end))
        length *= T_mult
        end += length
    return ends


class SnapshotEnsemble(Callback):
    r"""A :func:`~netopt.train.fit` callback that keeps the weights at every cycle's end.

    With ``CosineAnnealingWarmRestarts`` stepped per epoch, the learning rate falls to
    :math:`\eta_{\min}` at the end of each cycle, where the model sits in a minimum; the
    next restart kicks it toward another. The snapshots taken there are the ensemble's
    members, and prediction averages them (soft voting; :meth:`predict` with
    ``voting="hard"`` counts votes).

    Parameters
    ----------
    T_0, T_mult : int, optional
        The cycle lengths (see :func:`cycle_end_epochs`). By default they are read from
        ``fit``'s scheduler, which must then be a ``CosineAnnealingWarmRestarts`` stepped
        per epoch.
    voting : {"soft", "hard"}, default "soft"

    Attributes
    ----------
    snapshots_ : list of dict
        Copies of ``model.state_dict()`` at the cycle ends.
    snapshot_epochs_ : list of int

    Raises
    ------
    ValueError
        On an unknown ``voting`` or bad cycle lengths; at ``on_train_begin``, when no cycle
        lengths were given and ``fit``'s scheduler is not an epoch-stepped
        ``CosineAnnealingWarmRestarts``.

    Notes
    -----
    A last cycle cut short by ``epochs`` (or by early stopping) gives no snapshot.
    ``state_dict`` carries the snapshots, so a resumed run continues the collection.

    Examples
    --------
    >>> from netopt import nn, optim
    >>> from netopt.data import DataLoader, TensorDataset
    >>> from netopt.optim.lr_scheduler import CosineAnnealingWarmRestarts
    >>> from netopt.train import fit
    >>> x = np.array([[-1.0], [1.0]] * 4, dtype=np.float32)
    >>> y = np.array([0, 1] * 4)
    >>> net = nn.Linear(1, 2, rng=np.random.default_rng(0))
    >>> opt = optim.SGD(net.parameters(), lr=0.5)
    >>> snap = SnapshotEnsemble()
    >>> history = fit(net, nn.CrossEntropyLoss(), opt, DataLoader(TensorDataset(x, y), 4),
    ...               epochs=7, scheduler=CosineAnnealingWarmRestarts(opt, T_0=3),
    ...               callbacks=[snap], progress=False)
    >>> snap.snapshot_epochs_, snap.predict(np.array([[-2.0], [2.0]])).tolist()
    ([3, 6], [0, 1])
    """

    def __init__(self, T_0: int | None = None, T_mult: int = 1, *, voting: str = "soft") -> None:
        if voting not in VOTING:
            raise ValueError(f"voting must be 'soft' or 'hard', got {voting!r}")
        if T_0 is not None:
            cycle_end_epochs(T_0, T_mult, 0)  # validates both
        self.T_0, self.T_mult, self.voting = T_0, T_mult, voting
        self.snapshots_: list[dict[str, np.ndarray]] = []
        self.snapshot_epochs_: list[int] = []
        self._model: Module | None = None
        self._cycles: tuple[int, int] | None = None if T_0 is None else (T_0, T_mult)

    def on_train_begin(self, context: Any) -> None:
        from ..optim.lr_scheduler import CosineAnnealingWarmRestarts

        self._model = context.model
        if self.T_0 is not None:
            return
        scheduler = context.scheduler
        if not isinstance(scheduler, CosineAnnealingWarmRestarts) or (
            context.scheduler_interval != "epoch"
        ):
            raise ValueError(
                "SnapshotEnsemble without T_0 needs fit(scheduler=CosineAnnealingWarmRestarts"
                f"(...)) stepped per epoch; got {type(scheduler).__name__} "
                f"(interval {context.scheduler_interval!r})"
            )
        self._cycles = (scheduler.T_0, scheduler.T_mult)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self._cycles is None or self._model is None:
            return
        if epoch in cycle_end_epochs(*self._cycles, epoch):
            self.snapshots_.append(self._model.state_dict())
            self.snapshot_epochs_.append(epoch)

    def members(self) -> list[Module]:
        r"""One model per snapshot: copies of the trained model with its weights loaded.

        Returns
        -------
        list of Module
            In eval mode; the trained model itself is not changed.
        """
        if self._model is None:
            raise ValueError("SnapshotEnsemble has not seen a training run")
        out = []
        for state in self.snapshots_:
            member = copy.deepcopy(self._model)
            member.load_state_dict(state)
            out.append(member.eval())
        return out

    def predict_proba(self, x: Any) -> np.ndarray:
        r"""The snapshots' mean class probabilities, shape ``(N, K)``."""
        return average_probabilities(self.members(), x)

    def predict(self, x: Any) -> np.ndarray:
        r"""Class indices by ``voting`` over the snapshots."""
        if self.voting == "hard":
            return majority_vote(self.members(), x)
        return self.predict_proba(x).argmax(axis=1)

    def state_dict(self) -> dict[str, Any]:
        """The snapshots (copied) and their epochs."""
        return {
            "epochs": list(self.snapshot_epochs_),
            "snapshots": [{k: v.copy() for k, v in s.items()} for s in self.snapshots_],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output.

        Raises
        ------
        ValueError
            On other keys, or as many epochs as snapshots missing.
        """
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"epochs", "snapshots"}:
            raise ValueError("SnapshotEnsemble state needs keys ['epochs', 'snapshots']")
        epochs, snapshots = list(state_dict["epochs"]), list(state_dict["snapshots"])
        if len(epochs) != len(snapshots):
            raise ValueError(f"{len(epochs)} snapshot epochs for {len(snapshots)} snapshots")
        self.snapshot_epochs_ = [int(e) for e in epochs]
        self.snapshots_ = [{k: np.array(v, copy=True) for k, v in s.items()} for s in snapshots]
