"""Convolutional training steps, netopt against PyTorch eager in the same process.

Usage (from the repository root; the ``env -u`` removes the OpenBLAS kernel pins for this
command only, as ``run.sh`` does)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/conv.py \
        [--quick] [--threads 1,2] [--no-memory] [--clock wall|cpu]

Three steps (forward, cross-entropy or mean, backward, SGD with momentum 0.9), each built
from the same initial weights and fed the same float32 batch in both libraries:

- ``lenet5 @64``: LeNet-5 (``convnets.lenet5``) on a 64 x 1 x 28 x 28 batch;
- ``mnist1d-cnn @100``: the MNIST-1D paper's CNN (``convnets.mnist1d_cnn``), batch 100;
- ``resblock @32``: a ResNet basic block, conv3x3(64->64) -> BatchNorm2d -> ReLU ->
  conv3x3 -> BatchNorm2d -> + input -> ReLU, on 32 x 64 x 32 x 32, loss = mean.

``netopt captured`` is the same netopt step through :func:`netopt.train.capture_step`
(replayed as NumPy calls into buffers, bit-identical to the eager step; LeNet-5 and the
MNIST-1D CNN only: the residual block is not a ``Sequential``); "captured vs eager" is the
median per-round ratio of the eager step's time to the captured one's (> 1: faster).

Timing follows ``common.compare`` (interleaved rounds, median of per-round ratios).
GFLOP/s counts the multiply-adds of the convolutions and linear layers: forward, weight
gradient, and input gradient except for the first layer. Memory: each (library, step)
runs in a fresh child process that builds the model and batch, records its RSS, runs one
warm-up step (lazy imports and one-time compilation, whose transient peak is not counted),
then reports the peak resident set (``VmHWM`` after ``/proc/self/clear_refs``) over 3 more
steps above that RSS: what training keeps and allocates (activations, gradients, optimizer
state, temporaries, allocator caches, modules imported by the first step).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
import convnets
from common import ms, ratio, say, table

LR, MOMENTUM = 0.01, 0.9
CONFIGS = ("lenet5 @64", "mnist1d-cnn @100", "resblock @32")
TARGETS = {"lenet5 @64": 1.0, "mnist1d-cnn @100": 1.0, "resblock @32": 0.5}


def resblock(nn, channels: int = 64, **extra):
    """The ResNet basic block as a module of either library."""

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False, **extra)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False, **extra)
            self.bn2 = nn.BatchNorm2d(channels)
            self.relu = nn.ReLU()

        def forward(self, x):
            h = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(h)) + x)

    return Block()


def build(lib: str, config: str):
    """(model, input array, target array or None, conv/linear FLOPs of one step)."""
    rng = np.random.default_rng(0)
    if lib == "torch":
        import torch

        nn, extra = torch.nn, {}
    else:
        import netopt

        nn, extra = netopt.nn, {"rng": np.random.default_rng(1)}
    if config.startswith("lenet5"):
        model, x = convnets.lenet5(nn, **extra), rng.standard_normal((64, 1, 28, 28))
        # conv1: 28x28 out, 6x25 taps; conv2: 10x10 out, 16x150; linears 400-120-84-10
        fwd = 64 * (28 * 28 * 6 * 25 + 100 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10)
        first = 64 * 28 * 28 * 6 * 25
        y = rng.integers(0, 10, 64)
    elif config.startswith("mnist1d"):
        model, x = convnets.mnist1d_cnn(nn, **extra), rng.standard_normal((100, 1, 40))
        fwd = 100 * (19 * 25 * 5 + 10 * 25 * 75 + 5 * 25 * 75 + 125 * 10)
        first = 100 * 19 * 25 * 5
        y = rng.integers(0, 10, 100)
    else:
        model, x = resblock(nn, **extra), rng.standard_normal((32, 64, 32, 32))
        fwd = 2 * 32 * 32 * 32 * 64 * 64 * 9
        first, y = 0, None
    return model, x.astype(np.float32), y, 2 * (3 * fwd - first)


def copy_weights(src, dst) -> None:
    """netopt model ``src`` -> torch model ``dst`` (same parameter order and shapes)."""
    import torch

    with torch.no_grad():
        for p, q in zip(src.parameters(), dst.parameters(), strict=True):
            q.copy_(torch.from_numpy(np.array(p.data)))


def step_fn(lib: str, model, x: np.ndarray, y, captured: bool = False):
    if lib == "torch":
        import torch

        mod, F = torch, torch.nn.functional
        xb = torch.from_numpy(x.copy())
        yb = None if y is None else torch.from_numpy(y)
    else:
        import netopt

        mod, F = netopt, netopt.nn.functional
        xb, yb = netopt.tensor(x), None if y is None else netopt.tensor(y)
    opt = mod.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    if captured:
        from netopt.train import capture_step

        replay = capture_step(model, F.cross_entropy, opt)
        for _ in range(2):  # the first call plans, the second replays
            replay(x, y)
        if not replay.captured:
            raise RuntimeError(f"the captured step runs eagerly: {replay.reason}")
        return lambda: replay(x, y)

    def step() -> None:
        opt.zero_grad()
        out = model(xb)
        loss = out.mean() if yb is None else F.cross_entropy(out, yb)
        loss.backward()
        opt.step()

    return step


def pair(config: str):
    ours, x, y, flops = build("netopt", config)
    theirs = build("torch", config)[0]
    copy_weights(ours, theirs)
    contenders = {"netopt": step_fn("netopt", ours, x, y), "torch": step_fn("torch", theirs, x, y)}
    if y is not None:
        again = build("netopt", config)[0]
        contenders["netopt captured"] = step_fn("netopt", again, x, y, captured=True)
    return contenders, flops


def check_agreement(config: str) -> float:
    """Max relative parameter difference after 3 steps of both libraries."""
    ours, x, y, _ = build("netopt", config)
    theirs = build("torch", config)[0]
    copy_weights(ours, theirs)
    a, b = step_fn("netopt", ours, x, y), step_fn("torch", theirs, x, y)
    for _ in range(3):
        a()
        b()
    worst = 0.0
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        q = q.detach().numpy()
        worst = max(worst, float(np.abs(np.array(p.data) - q).max() / (np.abs(q).max() + 1e-12)))
    return worst


def child(lib: str, config: str, threads: int) -> dict:
    """Peak RSS of steps 2-4 above the RSS before step 1, in a fresh process."""
    if lib == "torch":
        import torch  # noqa: F401
    common.set_threads(threads)
    model, x, y, _ = build(lib, config)
    step = step_fn(lib, model, x, y)
    base = _status_kib("VmRSS")
    step()  # lazy imports and compilation (torch's kernels, an optional numba optimizer)
    reset = _reset_peak()
    for _ in range(3):
        step()
    peak = _status_kib("VmHWM") if reset else None
    return {"base_kib": base, "peak_kib": peak}


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory(config: str, threads: int) -> dict:
    out = {}
    for lib in ("netopt", "torch"):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", lib, "--config", config,
               "--threads", str(threads)]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        info = json.loads(res.stdout.strip().splitlines()[-1])
        if info["peak_kib"] is not None:
            out[lib] = (info["peak_kib"] - info["base_kib"]) / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: CPU seconds of this process (robust on a shared machine; --threads 1 only)",
    )
    parser.add_argument("--child", choices=("netopt", "torch"))
    parser.add_argument("--config", choices=CONFIGS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.config, int(args.threads))))
        return 0
    import torch  # noqa: F401  (loaded before set_threads so its pools are limited too)

    settings = common.QUICK if args.quick else common.FULL
    thread_counts = [int(t) for t in args.threads.split(",")]
    if args.clock == "cpu" and thread_counts != [1]:
        parser.error("--clock cpu needs --threads 1")
    common.set_clock(args.clock)
    for threads in thread_counts:
        common.set_threads(threads)
        say(common.format_environment(common.environment(threads)))
        rows = []
        for config in CONFIGS:
            agree = check_agreement(config)
            contenders, flops = pair(config)
            timings, ratios = common.compare(contenders, settings)
            t_ours, t_torch = timings["netopt"].median, timings["torch"].median
            speed = ratios[("torch", "netopt")]  # > 1: netopt faster
            if "netopt captured" in timings:
                t_cap = ms(timings["netopt captured"].median)
                gain = ratio(ratios[("netopt", "netopt captured")])  # > 1: capture faster
            else:
                t_cap = gain = "n/a"
            mem = {} if args.no_memory else memory(config, threads)
            mem_ratio = mem["netopt"] / mem["torch"] if len(mem) == 2 else math.nan
            rows.append([
                config, ms(t_ours), t_cap, gain, ms(t_torch), ratio(speed),
                f"{TARGETS[config]:.1f}x",
                f"{flops / t_ours / 1e9:.1f}", f"{flops / t_torch / 1e9:.1f}",
                f"{mem.get('netopt', math.nan):.1f}", f"{mem.get('torch', math.nan):.1f}",
                f"{mem_ratio:.2f}", f"{agree:.1e}",
            ])  # fmt: skip
        say(f"\nthreads={threads}, clock={common.clock_name()}")
        say(table(
            ["step", "netopt", "netopt captured", "captured vs eager", "torch",
             "speed vs torch", "target", "GFLOP/s netopt",
             "GFLOP/s torch", "peak MiB netopt", "peak MiB torch", "mem ratio", "param diff"],
            rows,
        ))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
