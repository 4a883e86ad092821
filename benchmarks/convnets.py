"""The two small convolutional nets of issue 16, built the same way in netopt and torch.

- :func:`mnist1d_cnn`: the MNIST-1D paper's ``ConvBase`` (Greydanus 2020, the ``mnist1d``
  repository's ``models.py``): ``Conv1d(1, 25, 5, stride=2, padding=1)``, then two
  ``Conv1d(25, 25, 3, stride=2, padding=1)``, ReLU after each, flatten (25 x 5 = 125) and
  ``Linear(125, 10)``; input length 40 (40 -> 19 -> 10 -> 5). The paper trains it with
  Adam (lr 1e-2), batch 100, 6,000 steps.
- :func:`lenet5`: LeNet-5 on 28x28 inputs as in the PyTorch/d2l tutorials, with ReLU and
  max pooling: ``Conv2d(1, 6, 5, padding=2)`` -> pool -> ``Conv2d(6, 16, 5)`` -> pool ->
  120 -> 84 -> 10.

``nn`` is ``torch.nn`` or ``netopt.nn``; ``extra`` (e.g. ``{"rng": generator}`` for
netopt) is passed to every layer. :func:`train_netopt` trains with netopt (used by the
accuracy tests in ``tests/nn/test_convnets.py`` and by ``benchmarks/conv.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def mnist1d_cnn(nn: Any, channels: int = 25, **extra: Any) -> Any:
    """The MNIST-1D ``ConvBase`` as a ``Sequential`` taking ``(N, 1, 40)``."""
    return nn.Sequential(
        nn.Conv1d(1, channels, 5, stride=2, padding=1, **extra),
        nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1, **extra),
        nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1, **extra),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channels * 5, 10, **extra),
    )


def lenet5(nn: Any, **extra: Any) -> Any:
    """LeNet-5 (ReLU, max pooling) as a ``Sequential`` taking ``(N, 1, 28, 28)``."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, **extra),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, **extra),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120, **extra),
        nn.ReLU(),
        nn.Linear(120, 84, **extra),
        nn.ReLU(),
        nn.Linear(84, 10, **extra),
    )


def digits_28x28(x: np.ndarray) -> np.ndarray:
    """8x8 digit rows (N, 64) -> (N, 1, 28, 28): 3x nearest-neighbour upscale, 2-pixel border."""
    images = x.reshape(-1, 8, 8)
    big = images.repeat(3, axis=1).repeat(3, axis=2)
    return np.pad(big, ((0, 0), (2, 2), (2, 2)))[:, None].astype(np.float32)


def train_netopt(
    model: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    cosine: bool = False,
    shuffle: bool = True,
) -> Any:
    """Adam with cross-entropy for ``steps`` mini-batch steps.

    ``shuffle`` reshuffles the training set each epoch (drawn from ``rng``); without it,
    step ``t`` takes the rows ``[t b mod n, t b mod n + b)`` in order, as the MNIST-1D
    paper's ``train_model`` does (a last batch may be short). ``cosine`` anneals the
    learning rate from ``lr`` to 0 over the steps (``CosineAnnealingLR``, once per step).
    """
    import netopt
    from netopt.nn import functional as F

    opt = netopt.optim.Adam(model.parameters(), lr=lr)
    sched = netopt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    model.train()
    order, pos = rng.permutation(len(x_train)), 0
    for step in range(steps):
        if not shuffle:
            start = (step * batch_size) % len(x_train)
            idx = slice(start, start + batch_size)
        else:
            if pos + batch_size > len(order):
                order, pos = rng.permutation(len(x_train)), 0
            idx = order[pos : pos + batch_size]
            pos += batch_size
        loss = F.cross_entropy(model(netopt.tensor(x_train[idx])), netopt.tensor(y_train[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    return model


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Test accuracy of a netopt model in eval mode, without a graph."""
    import netopt

    model.eval()
    with netopt.no_grad():
        pred = model(netopt.tensor(x)).data.numpy().argmax(axis=1)
    return float((pred == y).mean())


#: The full budgets quoted in docs/performance.md (the tests use a fraction of them).
FULL = {
    # the MNIST-1D paper's train_model: steps 0..6000 in order, Adam lr 1e-2, batch 100
    "mnist1d": {"steps": 6001, "batch_size": 100, "lr": 1e-2, "shuffle": False},
    # LeNet-5 on the digits: ~71 epochs of shuffled batches, cosine-annealed Adam
    "digits": {"steps": 1500, "batch_size": 64, "lr": 2e-3, "cosine": True},
}


def full_run(task: str, seed: int) -> float:
    """Test accuracy of one full-budget run of ``task`` ("mnist1d" or "digits")."""
    import netopt
    from netopt.data import load_digits, load_mnist1d

    rng = np.random.default_rng(seed)
    if task == "mnist1d":
        s = load_mnist1d()
        x_train, x_test = s.x_train[:, None], s.x_test[:, None]
        model = mnist1d_cnn(netopt.nn, rng=rng)
    else:
        s = load_digits()
        x_train, x_test = digits_28x28(s.x_train), digits_28x28(s.x_test)
        model = lenet5(netopt.nn, rng=rng)
    train_netopt(model, x_train, s.y_train, rng=rng, **FULL[task])
    return accuracy(model, x_test, s.y_test)


if __name__ == "__main__":
    import sys
    import time

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        for task in ("mnist1d", "digits"):
            for seed in (0, 1, 2):
                t0 = time.perf_counter()
                acc = full_run(task, seed)
                sys.stdout.write(f"{task} seed {seed}: test accuracy {acc:.4f} "
                                 f"({time.perf_counter() - t0:.0f} s)\n")  # fmt: skip
                sys.stdout.flush()
