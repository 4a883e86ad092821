"""Rewrite one checkpoint: version i has every weight equal to i and extra {"i": i}.

``python rewrite_checkpoint.py PATH loop`` rewrites forever; ``... PATH stall`` saves version
0, then stops in the middle of writing version 1 (half its bytes in the temporary file).
Either prints ``ready`` when the test may kill it (SIGKILL); the test then checks that PATH
still loads, consistently.
"""

import os
import sys
import time

import numpy as np

from netopt import nn
from netopt._io import atomic as _atomic
from netopt.train import checkpoint


class HalfThenStall:
    """A file whose write() writes half the data, flushes, says 'ready', then hangs."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        print("ready", flush=True)
        time.sleep(600)


def main(path: str, mode: str) -> None:
    model = nn.Linear(1000, 1000, bias=False, dtype=np.float64)
    real_fdopen = os.fdopen
    i = 0
    while True:
        model.weight.data[...] = i
        if mode == "stall" and i == 1:
            _atomic.os.fdopen = lambda fd, m: HalfThenStall(real_fdopen(fd, m))
        checkpoint.save(path, model, extra={"i": i})
        if mode == "loop" and i == 0:
            print("ready", flush=True)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
