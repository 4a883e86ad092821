r"""Data augmentation on the MNIST-1D CNN: a finding measured with and without it (private).

* :func:`augmentation_run` trains the paper's CNN (:func:`.features.mnist1d_cnn`) twice on
  the same :data:`N_TRAIN` training signals, from the same initial weights and the same
  loader seed: once on the signals as they are, once with every mini-batch randomly shifted
  (circularly, by up to :data:`MAX_SHIFT` samples) and scaled (by a factor in
  :data:`SCALE`), the two transformations MNIST-1D's own generator applies. Both arms are
  scored on the 1,000 held-out test signals.
* :func:`augmentation_helps` is the finding's verdict: the augmented arm ahead on every
  draw, and by at least :data:`MIN_GAIN` in the median.

Why 1,000 of the 4,000 training signals: with all 4,000 and the lab's quick budget (500
steps of batch 100) the CNN is still underfitting, and augmentation did not help reliably
when this was written (ahead on 2 of 6 seeds, median gain about 0). On 1,000 signals the
unaugmented CNN fits the training set (98-100% training accuracy) within the budget
(overfitting, the situation slide 58 prescribes augmentation for), and the comparison is of
a remedy where there is something to remedy. The subset, the budget and the verdict were
fixed before the ten-seed test was run; they are stated on the page. The quick budget was
later lowered from 400 to 350 steps per arm (toward a 30 s ``netopt lab --quick``); the
verdict stayed as it was: the single-draw gains of seeds 0-9 went from 10.6-19.2 points
(400 steps) to 8.4-16.5 points (350 steps), against the 5 points required.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from netopt.data import Compose, RandomScale1d, RandomShift1d, Split, load_mnist1d

from .common import accuracy, train_classifier
from .features import MNIST1D_BATCH, MNIST1D_LR, mnist1d_cnn

N_TRAIN = 1000
"""Training signals drawn uniformly at random (not stratified) from MNIST-1D's 4,000."""
MAX_SHIFT = 3
"""Largest circular shift, in samples of the 40-sample signal."""
SCALE = (0.8, 1.2)
"""Range of the amplitude factor (MNIST-1D's generator scales by 1 +- 0.2)."""
MIN_GAIN = 0.05
"""The median gain in test accuracy the finding requires (50 of the 1,000 test signals),
above the seed-to-seed spread of either arm."""


def shift_and_scale() -> Compose:
    """The augmentation of the finding: random circular shift, then random scale."""
    return Compose([RandomShift1d(MAX_SHIFT, mode="wrap"), RandomScale1d(*SCALE)])


def identity_augmentation() -> Compose:
    """The cause removed: the same transforms drawing random numbers but changing nothing."""
    return Compose([RandomShift1d(0), RandomScale1d(1.0, 1.0)])


def augmentation_run(
    rng: np.random.Generator,
    *,
    steps: int,
    n_train: int = N_TRAIN,
    transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | bool | None = None,
    split: Split | None = None,
) -> dict:
    r"""One draw of the finding: the CNN without and with ``transform``, paired.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the training subset, the initial weights' seed and the loader's seed; both
        arms use the same three.
    steps : int
        Adam steps of batch 100 per arm (rounded up to whole epochs of ``n_train``).
    n_train : int
        Training signals drawn from MNIST-1D's 4,000.
    transform : callable, False or None
        The augmentation of the second arm; default :func:`shift_and_scale`. Passing
        ``False`` trains the second arm without augmentation too (the cause removed).
    split : netopt.data.Split, optional
        MNIST-1D as :func:`netopt.data.load_mnist1d` returns it, passed in by a caller that
        runs several draws (generating the dataset costs more than a draw's training);
        loaded here when omitted.

    Returns
    -------
    dict
        ``{"none": {"train", "test"}, "augmented": {"train", "test"}, "gain", "epochs",
        "steps", "n_train"}`` (accuracies; ``gain`` is the test accuracy augmented minus
        none).
    """
    if split is None:
        split = load_mnist1d()
    idx = rng.permutation(len(split.x_train))[:n_train]
    x, y = split.x_train[idx], split.y_train[idx]
    init_seed, shuffle_seed = (int(s) for s in rng.integers(2**63, size=2))
    epochs = max(1, -(-steps * MNIST1D_BATCH // n_train))
    if transform is None:
        transform = shift_and_scale()
    out: dict = {"epochs": epochs, "steps": epochs * -(-n_train // MNIST1D_BATCH)}
    out["n_train"] = n_train
    for arm, t in (("none", None), ("augmented", transform or None)):
        model = mnist1d_cnn(np.random.default_rng(init_seed))
        train_classifier(
            model, x, y, epochs=epochs, lr=MNIST1D_LR, rng=np.random.default_rng(shuffle_seed),
            batch_size=MNIST1D_BATCH, transform=t,
        )  # fmt: skip
        out[arm] = {
            "train": accuracy(model, x, y),
            "test": accuracy(model, split.x_test, split.y_test),
        }
    out["gain"] = out["augmented"]["test"] - out["none"]["test"]
    return out


def augmentation_helps(draws: list[dict]) -> bool:
    """The finding's verdict: ahead on every draw, median gain at least :data:`MIN_GAIN`."""
    gains = [d["gain"] for d in draws]
    return bool(all(g > 0 for g in gains) and np.median(gains) >= MIN_GAIN)
