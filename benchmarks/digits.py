"""Digits (8x8, 1,347 train / 450 test images): seconds per epoch and time to 97% test accuracy.

The same network everywhere: 64-128-10 with ReLU, softmax cross-entropy, Adam (lr 1e-3,
betas (0.9, 0.999), eps 1e-8, no weight decay), mini-batches of 32 reshuffled every epoch,
float32 data (netopt's ``load_digits`` split, pixels scaled to [0, 1]).

- ``netopt``: nn.Sequential + F.cross_entropy + optim.Adam, batches sliced from a NumPy
  permutation (the same batching code as torch's row).
- ``netopt+loader``: the same, batches from ``netopt.data.DataLoader(shuffle=True)``.
- ``torch``: the same program in PyTorch eager mode.
- ``sklearn``: ``MLPClassifier(hidden_layer_sizes=(128,), solver="adam", alpha=0,
  batch_size=32)`` trained one epoch per ``partial_fit`` call.

Every contender trains a fixed number of epochs; after each epoch the test accuracy is
computed (not timed). Seconds per epoch is the median over epochs; time to 97% is the
training time summed up to the first epoch whose test accuracy reaches 97%. Seeds are
interleaved across contenders; the table shows medians over seeds.
"""

from __future__ import annotations

import statistics
import time
import warnings

import common
import numpy as np
from common import progress

HIDDEN, BATCH, LR, TARGET = 128, 32, 1e-3, 0.97


def _batches(n: int, rng: np.random.Generator):
    perm = rng.permutation(n)
    for i in range(0, n, BATCH):
        yield perm[i : i + BATCH]


def run_netopt(data, seed: int, epochs: int, *, loader: bool = False) -> tuple[list, list]:
    import netopt
    import netopt.nn.functional as F
    from netopt import nn

    netopt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    opt = netopt.optim.Adam(model.parameters(), lr=LR)
    x, y, xt, yt = data
    rng = np.random.default_rng(seed)
    if loader:
        from netopt.data import DataLoader, TensorDataset

        batches = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, rng=rng)

        def epoch_batches():
            return iter(batches)
    else:

        def epoch_batches():
            for idx in _batches(len(x), rng):
                yield netopt.from_numpy(x[idx]), netopt.from_numpy(y[idx])

    xt_t = netopt.from_numpy(xt)
    times, accs = [], []
    for _ in range(epochs):
        t0 = common.now()
        for xb, yb in epoch_batches():
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        times.append(common.now() - t0)
        with netopt.no_grad():
            accs.append(float((model(xt_t).data.numpy().argmax(1) == yt).mean()))
    return times, accs


def run_torch(data, seed: int, epochs: int) -> tuple[list, list]:
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    )
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x, y, xt, yt = data
    rng = np.random.default_rng(seed)
    xt_t = torch.from_numpy(xt)
    cross_entropy = torch.nn.functional.cross_entropy
    times, accs = [], []
    for _ in range(epochs):
        t0 = common.now()
        for idx in _batches(len(x), rng):
            xb, yb = torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
            opt.zero_grad()
            loss = cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        times.append(common.now() - t0)
        with torch.no_grad():
            accs.append(float((model(xt_t).argmax(1).numpy() == yt).mean()))
    return times, accs


def run_sklearn(data, seed: int, epochs: int) -> tuple[list, list]:
    from sklearn.neural_network import MLPClassifier

    x, y, xt, yt = data
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        shuffle=True,
        random_state=seed,
    )
    classes = np.arange(10)
    times, accs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            t0 = common.now()
            clf.partial_fit(x, y, classes=classes)
            times.append(common.now() - t0)
            accs.append(float((clf.predict(xt) == yt).mean()))
    if clf.coefs_[0].dtype != np.float32:  # pragma: no cover - older scikit-learn
        progress(f"note: scikit-learn trained in {clf.coefs_[0].dtype}")
    return times, accs


RUNNERS = {
    "netopt": run_netopt,
    "netopt+loader": lambda d, s, e: run_netopt(d, s, e, loader=True),
    "torch": run_torch,
    "sklearn": run_sklearn,
}


def time_to_target(times: list, accs: list) -> tuple[float | None, int | None]:
    total = 0.0
    for epoch, (t, a) in enumerate(zip(times, accs, strict=True), 1):
        total += t
        if a >= TARGET:
            return total, epoch
    return None, None


def run(seeds: list[int], epochs: int) -> dict:
    from netopt.data import load_digits

    split = load_digits()
    data = (split.x_train, split.y_train, split.x_test, split.y_test)
    runners = dict(RUNNERS)
    for name, module in (("torch", "torch"), ("sklearn", "sklearn")):
        try:
            __import__(module)
        except ImportError:
            del runners[name]
    runs: dict[str, list] = {name: [] for name in runners}
    for seed in seeds:
        for name, runner in runners.items():
            progress(f"digits {name} seed {seed}")
            times, accs = runner(data, seed, epochs)
            t97, e97 = time_to_target(times, accs)
            runs[name].append(
                {
                    "seed": seed,
                    "epoch_s": statistics.median(times[1:] if len(times) > 1 else times),
                    "time_to_97_s": t97,
                    "epochs_to_97": e97,
                    "final_acc": accs[-1],
                    "best_acc": max(accs),
                    "epoch_times": times,
                    "accs": accs,
                }
            )
            time.sleep(0.1)
    summary = {}
    for name, rs in runs.items():
        reached = [r for r in rs if r["time_to_97_s"] is not None]
        summary[name] = {
            "epoch_s": statistics.median(r["epoch_s"] for r in rs),
            "time_to_97_s": statistics.median(r["time_to_97_s"] for r in reached)
            if reached
            else None,
            "epochs_to_97": statistics.median(r["epochs_to_97"] for r in reached)
            if reached
            else None,
            "reached": f"{len(reached)}/{len(rs)}",
            "final_acc": statistics.median(r["final_acc"] for r in rs),
        }
    return {
        "n_train": len(split.x_train),
        "n_test": len(split.x_test),
        "epochs": epochs,
        "seeds": seeds,
        "summary": summary,
        "runs": runs,
    }
