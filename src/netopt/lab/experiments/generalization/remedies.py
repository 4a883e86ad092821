r"""Remedies for overfitting on a small, noisy training set (private; slides 58-59).

The setting is built to overfit: 100 digits (10 per class) of which 20% carry a wrong label,
and a 64-256-10 ReLU network trained full batch with Adam until it has memorized them. The
remedies are netopt's own: L2 through :class:`~netopt.regularization.StructuralRisk`
(eq. 6-11), :class:`~netopt.nn.Dropout` (figure 6.17), :class:`~netopt.train.EarlyStopping`
on a validation set, shifted copies by :class:`~netopt.data.RandomShift2d`, and a
:class:`~netopt.ensemble.BaggingEnsemble` of the same network. Every method starts from the
same initial weights and sees the same batches.

Accuracies on the training set are against the labels the model was given (wrong ones
included); the test set (450 images) keeps its true labels. The *gap* is training minus test
accuracy: how much the training score overstates the score on new data.
"""

from __future__ import annotations

import numpy as np

from netopt import nn, optim
from netopt.data import RandomShift2d
from netopt.ensemble import BaggingEnsemble, FitTrainer, average_probabilities
from netopt.regularization import StructuralRisk
from netopt.train import EarlyStopping

from .._shared.nets import mlp
from .common import stratified_sample, train_classifier

PER_CLASS, VAL_PER_CLASS = 10, 15
LABEL_NOISE = 0.2
"""Fraction of training (and validation) labels replaced by a wrong class."""
HIDDEN = 256
LR = 3e-3
L2 = 0.03
"""lambda of the structural risk CE + lambda * 1/2 sum w^2 (weights only)."""
DROPOUT, DROPOUT_INPUT = 0.5, 0.2
"""Drop probabilities of the hidden units and of the input pixels."""
PATIENCE = 20
SHIFT = 1
"""Augmentation: every image shifted by up to one pixel in each direction."""
METHODS = ("no remedy", "L2", "dropout", "early stopping", "augmentation")
DESCRIPTIONS = {
    "no remedy": "64-256-10 ReLU, Adam lr 3e-3, full batch",
    "L2": f"structural risk CE + {L2:g} * 1/2 ||W||^2 (eq. 6-11)",
    "dropout": f"Dropout p={DROPOUT_INPUT} on inputs, p={DROPOUT} on hidden units (fig. 6.17)",
    "early stopping": f"stop when val loss has not improved for {PATIENCE} epochs, best weights",
    "augmentation": f"random shifts of up to {SHIFT} pixel (RandomShift2d)",
}


def noisy_small_digits(
    split, rng: np.random.Generator, noise: float, per_class: int = PER_CLASS
) -> dict:
    r"""100 training (``per_class`` of each digit) and 150 validation digits with a fraction
    ``noise`` of wrong labels. Many clean digits (``noise=0, per_class=100``) remove the
    cause of overfitting.

    Returns
    -------
    dict
        ``x, y`` (training, given labels), ``y_true``, ``flipped`` (indices of the wrong
        labels), ``x_val, y_val``, ``x_test, y_test`` (true labels).
    """
    train = stratified_sample(split.y_train, per_class, rng)
    val = stratified_sample(split.y_train, VAL_PER_CLASS, rng, exclude=train)
    y, flipped = _corrupt(split.y_train[train], noise, rng)
    y_val, _ = _corrupt(split.y_train[val], noise, rng)
    return {
        "x": split.x_train[train],
        "y": y,
        "y_true": split.y_train[train],
        "flipped": flipped,
        "x_val": split.x_train[val],
        "y_val": y_val,
        "x_test": split.x_test,
        "y_test": split.y_test,
    }


def _corrupt(
    y: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Replace ``round(noise * N)`` labels, chosen at random, by another class."""
    flipped = np.sort(rng.choice(len(y), round(noise * len(y)), replace=False))
    out = y.copy()
    out[flipped] = (y[flipped] + rng.integers(1, 10, size=len(flipped))) % 10
    return out, flipped


def _network(
    method: str, rng_init: np.random.Generator, rng_dropout, on: bool = True
) -> nn.Sequential:
    """The 64-256-10 ReLU network; with ``"dropout"``, Dropout on the inputs and on the
    hidden units (Srivastava et al., 2014), masks drawn from ``rng_dropout`` (drop
    probability 0 when not ``on``)."""
    model = mlp([64, HIDDEN, 10], rng=rng_init)
    if method != "dropout":
        return model
    first, relu, last = list(model)
    return nn.Sequential(
        nn.Dropout(DROPOUT_INPUT if on else 0.0, rng=rng_dropout),
        first,
        relu,
        nn.Dropout(DROPOUT if on else 0.0, rng=rng_dropout),
        last,
    )


def train_method(
    method: str, data: dict, streams: dict, epochs: int, *, remedy: bool = True
) -> dict:
    r"""Train the network with one remedy (or none) and score it.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    data : dict
        From :func:`noisy_small_digits`.
    streams : dict
        Generators ``init``, ``shuffle``, ``dropout`` (fresh for each method, so every
        method starts from the same weights and batches).
    epochs : int
    remedy : bool, default True
        False switches the method's remedy off while keeping its set-up (the cause removed):
        L2 strength 0, drop probabilities 0, no stopping (the last weights), shifts of 0
        pixels.

    Returns
    -------
    dict
        ``train_acc``, ``test_acc``, ``gap``, ``train_loss``, ``test_loss``,
        ``memorized`` (fraction of wrong training labels the model reproduces), ``epochs``
        (run), ``best_epoch``, ``val_loss`` (per epoch), ``model``.
    """
    model = _network(method, streams["init"], streams["dropout"], remedy)
    l2 = L2 if remedy else 0.0
    loss_fn = StructuralRisk(nn.CrossEntropyLoss(), model, l2=l2) if method == "L2" else None
    stops = method == "early stopping" and remedy
    stopper = EarlyStopping("val_loss", patience=PATIENCE) if stops else None
    history = train_classifier(
        model,
        data["x"],
        data["y"],
        epochs=epochs,
        lr=LR,
        rng=streams["shuffle"],
        loss_fn=loss_fn,
        validation=(data["x_val"], data["y_val"]),
        callbacks=() if stopper is None else (stopper,),
        transform=RandomShift2d(SHIFT if remedy else 0) if method == "augmentation" else None,
    )
    return _scores(lambda x: average_probabilities([model], x), data) | {
        "model": model,
        "epochs": len(history),
        "best_epoch": None if stopper is None else stopper.best_epoch_,
        "val_loss": list(history["val_loss"]),
    }


def _scores(proba, data: dict) -> dict:
    """Accuracy and cross-entropy on the training set (given labels) and the test set, and
    the fraction of wrong training labels reproduced, from ``proba(x) -> probabilities``."""

    def acc_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        p = proba(x)
        picked = np.maximum(p[np.arange(len(y)), y], np.finfo(np.float64).tiny)
        return float((p.argmax(axis=1) == y).mean()), float(-np.mean(np.log(picked)))

    train_acc, train_loss = acc_loss(data["x"], data["y"])
    test_acc, test_loss = acc_loss(data["x_test"], data["y_test"])
    flipped = data["flipped"]
    memorized = acc_loss(data["x"][flipped], data["y"][flipped])[0] if len(flipped) else 0.0
    return {
        "train_acc": train_acc,
        "test_acc": test_acc,
        "gap": train_acc - test_acc,
        "train_loss": train_loss,
        "test_loss": test_loss,
        "memorized": memorized,
    }


def bagging(data: dict, rng: np.random.Generator, members: int, epochs: int) -> dict:
    r"""A bagging ensemble of the no-remedy network, each member on a bootstrap resample.

    Returns
    -------
    dict
        ``member_test`` (each member's test accuracy), ``ensemble`` (scores of the soft-vote
        ensemble, as :func:`_scores`), ``growing`` (test accuracy of the first m members'
        vote, m = 1..M).
    """
    trainer = FitTrainer(
        nn.CrossEntropyLoss(),
        lambda params: optim.Adam(params, lr=LR),
        epochs=epochs,
        batch_size=len(data["x"]),
    )
    bag = BaggingEnsemble(
        lambda member_rng: mlp([64, HIDDEN, 10], rng=member_rng),
        trainer,
        n_members=members,
        rng=rng,
    ).fit(data["x"], data["y"])
    probs = np.stack([average_probabilities([m], data["x_test"]) for m in bag.members_])
    member_test = (probs.argmax(axis=2) == data["y_test"]).mean(axis=1)
    running = np.cumsum(probs, axis=0)
    growing = (running.argmax(axis=2) == data["y_test"]).mean(axis=1)
    ensemble = _scores(bag.predict_proba, data)
    return {"member_test": member_test, "ensemble": ensemble, "growing": growing}
