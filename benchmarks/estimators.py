"""MLPClassifier fit time on digits: netopt with step capture, netopt eager, scikit-learn.

The same fit for all three: ``MLPClassifier(hidden_layer_sizes, solver="adam",
batch_size, max_iter=EPOCHS, tol=0, n_iter_no_change=inf, random_state=seed)`` on
scikit-learn's ``load_digits`` (1,797 images of 64 float64 pixels scaled to [0, 1]), a
fixed number of epochs (no early stop; the ConvergenceWarning is silenced). netopt's two
rows differ only in ``capture`` and give bit-identical weights (checked here on every
repetition). One BLAS thread (threadpoolctl), repetitions interleaved and their order
rotated; the table shows medians over repetitions of the CPU time (``time.process_time``)
and the wall time per fit, and the per-repetition ratio eager / captured.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/estimators.py``
(``--reps N``, ``--epochs N``).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def _fit(kind: str, X, y, seed: int, hidden: tuple, batch: int, epochs: int):
    if kind == "sklearn":
        from sklearn.neural_network import MLPClassifier
    else:
        from netopt.estimators import MLPClassifier
    extra = {} if kind == "sklearn" else {"capture": kind == "netopt capture"}
    clf = MLPClassifier(
        hidden_layer_sizes=hidden, solver="adam", batch_size=batch, max_iter=epochs,
        tol=0.0, n_iter_no_change=np.inf, random_state=seed, **extra,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c0, w0 = time.process_time(), time.perf_counter()
        clf.fit(X, y)
        return time.process_time() - c0, time.perf_counter() - w0, clf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    from sklearn.datasets import load_digits
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    kinds = ("netopt capture", "netopt eager", "sklearn")
    with threadpool_limits(limits=1):
        for hidden, batch in (((128,), 32), ((100,), 200)):
            times: dict[str, list] = {k: [] for k in kinds}
            ratios = []
            _fit("netopt capture", X, y, 0, hidden, batch, 1)  # imports, first-call costs
            for rep in range(args.reps):
                order = kinds[rep % 3 :] + kinds[: rep % 3]
                fitted = {}
                for kind in order:
                    cpu, wall, clf = _fit(kind, X, y, rep, hidden, batch, args.epochs)
                    times[kind].append((cpu, wall))
                    fitted[kind] = clf
                a, b = fitted["netopt capture"], fitted["netopt eager"]
                assert all(
                    np.array_equal(u, v) for u, v in zip(a.coefs_ + a.intercepts_,
                                                         b.coefs_ + b.intercepts_)
                ), "captured and eager fits differ"  # fmt: skip
                ratios.append(times["netopt eager"][-1][0] / times["netopt capture"][-1][0])
            print(f"\nhidden {hidden}, batch {batch}, {args.epochs} epochs, 1 thread, "
                  f"median of {args.reps}")  # fmt: skip
            print(f"{'':16s} {'CPU s/fit':>10s} {'wall s/fit':>11s} {'ms/epoch':>9s}")
            for kind in kinds:
                cpu = statistics.median(t[0] for t in times[kind])
                wall = statistics.median(t[1] for t in times[kind])
                print(f"{kind:16s} {cpu:10.3f} {wall:11.3f} {1e3 * cpu / args.epochs:9.2f}")
            print(f"eager / capture (CPU, per repetition): median {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
