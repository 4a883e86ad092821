"""ReLU's backward before and after torch's NaN rule (``g`` where not ``y <= 0``): the eager
kernel (``relu_grad`` without buffers) and the step capture's ``ReluOp.backward`` into
preallocated buffers, on a 32x128 float32 batch. CPU clock, one BLAS thread, median of interleaved
blocks; run as ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python
benchmarks/relu_backward.py``."""

from __future__ import annotations

import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from netopt.autograd.activation import relu_grad
from netopt.train._capture_ops import ReluOp

BLOCKS, CALLS = 9, 20000


def old_eager(g, x, out=None, mask=None):
    """The kernel before (``relu_grad`` as it was): ``g * [x > 0]`` (0 at a NaN)."""
    return np.multiply(g, np.greater(x, 0, out=mask), out=out)


def new_eager(g, y):
    """The kernel now."""
    return relu_grad(g, y)


def _capture(old):
    """The captured op's backward with its buffers: the old two calls inline, or
    :class:`ReluOp`'s (both after the same copy of a fresh upstream gradient)."""
    rng = np.random.default_rng(0)
    y = np.maximum(rng.standard_normal((32, 128)).astype(np.float32), 0)
    g, mask, zero = np.empty_like(y), np.empty(y.shape, bool), np.zeros((), np.float32)
    src = rng.standard_normal(y.shape).astype(np.float32)

    op = ReluOp(y.shape, np.float32, inplace=False)
    op.forward(y)

    def run(_g, _y):
        np.copyto(g, src)  # a fresh upstream gradient, as each replay has; same in both
        if old:
            return np.multiply(g, np.greater(y, zero, out=mask), out=g)
        return op.backward(g)

    return run


def main() -> None:
    """Print the median microseconds per call of each variant and the new/old ratios."""
    rng = np.random.default_rng(1)
    y = np.maximum(rng.standard_normal((32, 128)).astype(np.float32), 0)
    g = rng.standard_normal(y.shape).astype(np.float32)
    variants = {
        "eager old": old_eager,
        "eager new": new_eager,
        "capture old": _capture(True),
        "capture new": _capture(False),
    }
    times = {k: [] for k in variants}
    with threadpool_limits(1):
        for _ in range(BLOCKS):
            for name, fn in variants.items():
                t0 = time.process_time()
                for _ in range(CALLS):
                    fn(g, y)
                times[name].append((time.process_time() - t0) / CALLS * 1e6)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:12s} {v:7.3f} us/call")
    for kind in ("eager", "capture"):
        ratios = [n / o for n, o in zip(times[f"{kind} new"], times[f"{kind} old"])]
        print(f"{kind} new/old per block, median: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
