"""NumPy's float32 matrix-multiply peak in this process, and the MLP step's share of it.

The peak is the best rate of large square float32 products ``np.matmul(a, b, out=c)``
over a few sizes and repeats (the best, not the median: it estimates what the BLAS kernel
can do on this machine with these threads). PyTorch's (MKL's) rate on the same products is
shown beside it for context.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import common
import numpy as np
from common import progress

SIZES_FULL = (1024, 2048, 3072)
SIZES_QUICK = (1024, 2048)


def _best_rate(mult, n: int, repeats: int, budget_s: float) -> float:
    best = 0.0
    flops = 2.0 * n**3
    start = time.perf_counter()
    mult()  # warm-up: page-in, thread start
    for _ in range(repeats):
        t0 = common.now()
        mult()
        dt = common.now() - t0
        best = max(best, flops / dt)
        if time.perf_counter() - start > budget_s:
            break
    return best / 1e9


def sgemm_peak(sizes: Sequence[int], repeats: int = 7, budget_s: float = 4.0) -> dict:
    """Best GFLOP/s of ``n x n @ n x n`` float32 products for each ``n``, NumPy and torch."""
    rng = np.random.default_rng(0)
    out: dict = {"numpy": {}, "torch": {}}
    for n in sizes:
        progress(f"sgemm {n}^3")
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty((n, n), np.float32)
        out["numpy"][n] = _best_rate(
            lambda a=a, b=b, c=c: np.matmul(a, b, out=c), n, repeats, budget_s
        )
        time.sleep(0.15)
        try:
            import torch

            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            tc = torch.empty((n, n))
            out["torch"][n] = _best_rate(
                lambda ta=ta, tb=tb, tc=tc: torch.mm(ta, tb, out=tc), n, repeats, budget_s
            )
            time.sleep(0.15)
        except ImportError:
            pass
    out["numpy_peak"] = max(out["numpy"].values())
    out["numpy_peak_size"] = max(out["numpy"], key=out["numpy"].get)
    if out["torch"]:
        out["torch_peak"] = max(out["torch"].values())
    return out
