r"""Features and model capacity on real data: PCA on digits, linear vs MLP on MNIST-1D (private).

* :func:`pca_sweep` projects the 64 pixels of the digits onto their first :math:`k` principal
  components (fitted on the training images only) and trains a softmax classifier on each
  projection: the chapter's feature dimensionality reduction (slide 58).
* :func:`mnist1d` trains logistic regression and a two-hidden-layer MLP on MNIST-1D
  (Greydanus, 2020), whose published test accuracies are about 32% and 68%: a linear model
  underfits this data, a non-linear one does not (slide 57).
"""

from __future__ import annotations

import numpy as np

from netopt import nn
from netopt.data import load_mnist1d

from .._shared.nets import mlp
from .common import accuracy, train_classifier

PAPER = {"logistic regression": 0.32, "MLP": 0.68}
"""Test accuracies published with MNIST-1D (Greydanus, 2020)."""
MNIST1D_HIDDEN = 100
MNIST1D_BATCH = 100
MNIST1D_LR = 1e-2
"""Adam learning rate and batch size of the MNIST-1D repository's training defaults."""
PCA_LR = 0.1


def pca_sweep(split, components: list[int], rng_init, rng_shuffle, *, epochs: int) -> dict:
    r"""Test accuracy of softmax regression on the first ``k`` principal components.

    The components come from the SVD of the centred training images,
    :math:`X - \bar x = U S V^\top`; image :math:`x` becomes :math:`V_k^\top (x - \bar x)`.

    Returns
    -------
    dict
        ``components``, ``explained`` (cumulative explained-variance fraction), ``train``
        and ``test`` accuracies, ``full`` (test accuracy with all components), ``k95`` (the
        fewest components whose test accuracy reaches 95% of ``full``).
    """
    mean = split.x_train.mean(axis=0)
    centred = (split.x_train - mean).astype(np.float64)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2 / np.sum(singular**2)
    train, test = [], []
    for k in components:
        basis = vt[:k].T
        z_train = (centred @ basis).astype(np.float32)
        z_test = ((split.x_test - mean) @ basis).astype(np.float32)
        model = nn.Linear(k, 10, rng=rng_init)
        train_classifier(model, z_train, split.y_train, epochs=epochs, lr=PCA_LR, rng=rng_shuffle)
        train.append(accuracy(model, z_train, split.y_train))
        test.append(accuracy(model, z_test, split.y_test))
    test_arr = np.array(test)
    full = float(test_arr[-1])
    k95 = components[int(np.argmax(test_arr >= 0.95 * full))]
    return {
        "components": list(components),
        "explained": np.cumsum(variance)[np.array(components) - 1],
        "train": np.array(train),
        "test": test_arr,
        "full": full,
        "k95": int(k95),
    }


def mnist1d(streams: dict, *, steps: int) -> dict:
    r"""Logistic regression and a 40-100-100-10 ReLU MLP on MNIST-1D, the same budget each.

    Parameters
    ----------
    streams : dict
        Generators ``init`` and ``shuffle``.
    steps : int
        Adam steps of batch 100 (rounded up to whole epochs of the 4,000 training signals).

    Returns
    -------
    dict
        name -> ``{"train", "test", "paper", "epochs", "curve"}`` (test accuracy is of the
        1,000 test signals; ``curve`` is the training loss per epoch).
    """
    split = load_mnist1d()  # the paper's dataset (seed 42)
    epochs = max(1, -(-steps * MNIST1D_BATCH // len(split.x_train)))
    models = {
        "logistic regression": nn.Linear(40, 10, rng=streams["init"]),
        "MLP": mlp([40, MNIST1D_HIDDEN, MNIST1D_HIDDEN, 10], rng=streams["init"]),
    }
    out = {}
    for name, model in models.items():
        history = train_classifier(
            model,
            split.x_train,
            split.y_train,
            epochs=epochs,
            lr=MNIST1D_LR,
            rng=streams["shuffle"],
            batch_size=MNIST1D_BATCH,
        )
        out[name] = {
            "train": accuracy(model, split.x_train, split.y_train),
            "test": accuracy(model, split.x_test, split.y_test),
            "paper": PAPER[name],
            "epochs": epochs,
            "steps": epochs * -(-len(split.x_train) // MNIST1D_BATCH),
            "curve": list(history["loss"]),
        }
    return out
