"""Peak memory (RSS) of a training run, against what the run has to hold.

Each contender trains in its own fresh process (``python memory.py --child NAME``): a
784-512-512-10 MLP, SGD with momentum, batches of 1,024 sliced from 16,384 float32
samples, 2 epochs. The child records its resident set after the imports, resets the
peak (Linux: ``/proc/self/clear_refs``; elsewhere the peak since start-up is used), then
allocates the data, builds the model, trains, and reports the peak (``VmHWM``, else
``ru_maxrss``).

"Needed" is the size of the data + parameters, gradients and momentum (3 x parameters)
+ one batch's activations (input batch, and per layer the output and its gradient). The
ratio (peak - RSS after imports) / needed shows how much memory the engine's
temporaries add on top.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys

SIZES, BATCH, N_SAMPLES, EPOCHS = (784, 512, 512, 10), 1024, 16384, 2
CONTENDERS = ("netopt", "torch", "floor")


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _maxrss_kib() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def needed_bytes() -> dict:
    n_params = sum(a * b + b for a, b in itertools.pairwise(SIZES))
    data = N_SAMPLES * SIZES[0] * 4 + N_SAMPLES * 8
    activations = BATCH * SIZES[0] * 4 + 2 * BATCH * sum(SIZES[1:]) * 4
    return {
        "data": data,
        "parameters_x3": 3 * n_params * 4,
        "activations": activations,
        "total": data + 3 * n_params * 4 + activations,
    }


def child(name: str, threads: int) -> dict:
    import numpy as np

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import mlp_step
    from common import set_threads

    if name == "torch":
        import torch
    else:
        import netopt
        import netopt.nn.functional
        import netopt.optim
    set_threads(threads)
    after_imports = _status_kib("VmRSS") or _maxrss_kib()
    reset = _reset_peak()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N_SAMPLES, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], N_SAMPLES).astype(np.int64)
    weights = mlp_step.initial_weights(SIZES)
    if name == "netopt":
        import netopt
        import netopt.nn.functional as F

        model, opt = mlp_step.netopt_model(weights)

        def step(xb, yb):
            opt.zero_grad()
            F.cross_entropy(model(netopt.from_numpy(xb)), netopt.from_numpy(yb)).backward()
            opt.step()
    elif name == "torch":
        import torch

        layers = []
        for i, (w, b) in enumerate(weights):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
        tmodel = torch.nn.Sequential(*layers)
        topt = torch.optim.SGD(tmodel.parameters(), lr=mlp_step.LR, momentum=mlp_step.MOMENTUM)

        def step(xb, yb):
            topt.zero_grad()
            torch.nn.functional.cross_entropy(
                tmodel(torch.from_numpy(xb)), torch.from_numpy(yb)
            ).backward()
            topt.step()
    else:
        net = mlp_step.NumpyMLP(weights, BATCH)
        step = net.step

    for _ in range(EPOCHS):
        perm = rng.permutation(N_SAMPLES)
        for i in range(0, N_SAMPLES, BATCH):
            idx = perm[i : i + BATCH]
            step(x[idx], y[idx])
    peak = _status_kib("VmHWM") if reset else _maxrss_kib()
    return {"after_imports_kib": after_imports, "peak_kib": peak, "peak_reset": reset}


def run(threads: int) -> dict:
    from common import progress
    from mlp_step import contenders

    out = {"needed": needed_bytes(), "contenders": {}}
    for name in contenders():
        progress(f"memory: {name}")
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", name, "--threads", str(threads)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        # without a peak reset the peak may predate the imports' end: an upper bound
        res["increment_kib"] = res["peak_kib"] - res["after_imports_kib"]
        res["increment_over_needed"] = res["increment_kib"] * 1024 / out["needed"]["total"]
        out["contenders"][name] = res
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=CONTENDERS, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(child(args.child, args.threads)))
