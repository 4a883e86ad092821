"""netopt's training step next to JAX (jit + optax), torch.compile, PyTorch eager and NumPy.

    python benchmarks/peers.py --threads 1 --clock cpu        # the issue's table, 1 thread
    python benchmarks/peers.py --threads 2                    # 2 threads, wall clock
    python benchmarks/peers.py --threads 2 --busy             # one core kept busy meanwhile
    python benchmarks/peers.py --only digits --no-compile     # a subset, without inductor

Needs the ``bench`` extra (``pip install -e .[bench]``: jax, jaxlib, optax) and torch;
contenders whose library is missing are left out. Every workload of ``peers_models`` is
timed with the interleaved-rounds protocol of ``common.compare``; each cell is the other
system's time over netopt's (median of per-round ratios, so below 1 means netopt is slower).
``--busy`` starts one process that spins on a core for the whole run (started and stopped
here, by its PID). ``netopt captured`` is netopt's step through
``netopt.train.capture_step``; ``netopt captured fused`` the same with the optimizer's
``fused=True`` (numba's compiled update at every size). ``netopt numpy-opt`` is netopt
with the fused optimizer loops switched off (``netopt.optim._fused.ENABLED = False``): the
NumPy kernels, as before them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import common
import numpy as np
from common import ms, ratio, say, table


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=common.available_cpus())
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    ap.add_argument("--only", default="", help="comma-separated substrings of workload names")
    ap.add_argument("--no-compile", action="store_true", help="leave torch.compile out")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--block", type=float, default=0.15, help="seconds per timed block")
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        ap.error("--clock cpu needs --threads 1 (CPU time would count spinning workers)")
    return args


def start_busy(seconds: float) -> subprocess.Popen:
    """A process that spins on one core for at most ``seconds`` (stopped by ``stop_busy``)."""
    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def stop_busy(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def available_contenders(no_compile: bool, threads: int) -> list[str]:
    import peers_models

    from netopt.optim import _fused

    names = ["netopt", "netopt captured", "netopt numpy-opt", "floor"]
    if _fused.available():  # fused=True needs numba
        names.insert(2, "netopt captured fused")
    if threads > 1:
        names[1:1] = ["netopt fit-policy", "netopt adaptive", "netopt 1-thread", "netopt fit"]
        if _fused.available():
            names.insert(5, "netopt fit fused")
    try:
        import sklearn.datasets  # noqa: F401  (digits; its OpenBLAS loaded before the limit)
    except ImportError:
        pass
    try:
        import torch  # noqa: F401

        names += ["torch"] + ([] if no_compile else ["torch.compile"])
    except ImportError:
        pass
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401

        names += ["jax", "jax pipelined"]
    except ImportError:
        pass
    return [n for n in names if n in peers_models.BUILDERS]


def agreement(w, names) -> dict[str, float]:
    """Max |param difference| / max |param| against netopt after 3 steps from one start."""
    import peers_models

    finals = {}
    for name in names:
        builder, per_call = peers_models.BUILDERS[name]
        if per_call != 1:
            continue
        step, params = builder(w)
        for _ in range(1 if w.epoch else 3):
            step()
        finals[name] = params()
    ref = finals["netopt"]
    scale = max(float(np.abs(p).max()) for p in ref)
    return {
        n: max(float(np.abs(a - b).max()) for a, b in zip(ref, f, strict=True)) / scale
        for n, f in finals.items()
        if n != "netopt"
    }


def measure(w, names, settings) -> dict:
    import peers_models

    fns, per_call = {}, {}
    for name in names:
        builder, k = peers_models.BUILDERS[name]
        t0 = time.perf_counter()
        fns[name] = builder(w)[0]
        fns[name]()  # compiles (jax, torch.compile, numba) outside the timed blocks
        per_call[name] = k
        common.progress(f"{w.name}: {name} ready ({time.perf_counter() - t0:.1f} s)")
    timings, ratios = common.compare(fns, settings)
    per_step = {n: t.median / per_call[n] for n, t in timings.items()}
    over = {n: ratios[(n, "netopt")] / per_call[n] for n in names if n != "netopt"}
    return {"per_step_s": per_step, "over_netopt": over}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads == 1:  # XLA reads its flags when jax is imported
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flags).strip()
    names = available_contenders(
        args.no_compile, args.threads
    )  # imports torch and jax before the limit
    import netopt  # noqa: F401

    common.set_threads(args.threads)
    common.set_clock(args.clock)
    import peers_models

    chosen = [w for w in peers_models.WORKLOADS if not args.only or any(
        s in w.name for s in args.only.split(","))]  # fmt: skip
    busy = start_busy(3600) if args.busy else None
    try:
        env = common.environment(args.threads)
        say(common.format_environment(env))
        say(f"Clock: {args.clock}; one core kept busy by PID {busy.pid}" if busy else
            f"Clock: {args.clock}; no extra load started by this script")  # fmt: skip
        settings = common.Settings(rounds=args.rounds, block_s=args.block)
        results = {}
        for w in chosen:
            common.progress(f"agreement {w.name}")
            agree = agreement(w, [n for n in names if n != "torch.compile"])
            res = measure(w, names, settings)
            res["agreement"] = agree
            results[w.name] = res
    finally:
        if busy is not None:
            stop_busy(busy)
    others = [n for n in names if n != "netopt"]
    rows = []
    for wname, res in results.items():
        rows.append(
            [wname, ms(res["per_step_s"]["netopt"])]
            + [ratio(res["over_netopt"][n]) for n in others]
        )
    say("")
    say(table(["workload", "netopt ms", *(f"{n} / netopt" for n in others)], rows))
    say(
        "\nms: netopt's median time per step (per epoch for digits). Other columns: that "
        "system's time / netopt's (below 1: netopt is slower), median of per-round ratios."
    )
    worst = max(max(r["agreement"].values()) for r in results.values())
    say(f"Agreement after 3 steps from the same start: max relative difference {worst:.1e}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"env": env, "args": vars(args), "results": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
