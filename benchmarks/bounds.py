"""Where netopt's step stands against its bounds: the products alone, and the NumPy floor.

    python benchmarks/bounds.py --threads 1 --clock cpu
    python benchmarks/bounds.py --threads 2

For every workload of ``peers_models`` this times, in interleaved rounds (``common.compare``):

- ``captured``: netopt's step through ``netopt.train.capture_step`` (as in ``peers.py``);
- ``fused``: the same with the optimizer's ``fused=True`` (numba's compiled update at every
  size; the default compiles only updates of 65,536 elements or more);
- ``fit`` (two threads or more): the captured step inside ``fit``'s threading policy (one
  BLAS thread when every product is small), which is what ``fit`` runs;
- ``floor``: the hand-written NumPy step (``peers_models.Floor``: the same arithmetic in the
  fewest NumPy calls, no autograd, no checks);
- ``products``: only the floor step's matrix products (forward ``h @ W.T``, backward
  ``g.T @ h`` and ``g @ W``), into the same preallocated buffers, in the same layouts: what
  NumPy's BLAS needs for the step whatever the rest costs;
- ``jax products``: the same products in one ``jax.jit`` function, pipelined like
  ``jax pipelined`` (blocking once per ``PIPELINE`` calls);
- ``jax pipelined``: JAX's whole step, as in ``peers.py``.

A ``jax pipelined / products`` below 1 says that JAX's whole step takes less time than
NumPy's BLAS takes for the step's products alone: no NumPy-based step can reach it there;
``jax pipelined / floor`` below 1 says the same of the fewest-calls NumPy step.
"""

from __future__ import annotations

import argparse
import os
import sys

import common
import numpy as np
from common import ms, ratio, say, table


def products_step(w, jax_version: bool = False):
    """The floor step's matrix products only (one step, or one digits epoch)."""
    import peers_models

    net = peers_models.Floor(w)
    data = w.batches()
    if not jax_version:
        plans = []
        for x, _ in data:
            a, g, *_ = net._buffers(len(x))
            for buf in g:
                buf.fill(1)
            plans.append((x, a, g))

        def step() -> None:
            for x, a, g in plans:
                last = len(net.W) - 1
                prev = x
                for i in range(last + 1):
                    np.matmul(prev, net.W[i].T, out=a[i])
                    prev = a[i]
                for i in range(last, -1, -1):
                    prev = x if i == 0 else a[i - 1]
                    np.matmul(g[i].T, prev, out=net.gW[i])
                    if i > 0:
                        np.matmul(g[i], net.W[i], out=g[i - 1])

        return step
    import jax
    import jax.numpy as jnp

    def products(Ws, x, gs):
        outs, prev = [], x
        for W in Ws:  # forward: each layer's input is the last product (no activation)
            prev = prev @ W.T
            outs.append(prev)
        hs = [x, *outs[:-1]]
        for i in range(len(Ws) - 1, -1, -1):
            outs.append(gs[i].T @ hs[i])
            if i > 0:
                outs.append(gs[i] @ Ws[i])
        return outs

    jitted = jax.jit(products)
    Ws = [jnp.asarray(W) for W in net.W]
    args = []
    for x, _ in data:
        gs = [jnp.ones((len(x), W.shape[0]), jnp.float32) for W in net.W]
        args.append((jnp.asarray(x), gs))

    def jstep() -> None:
        last = None
        for _ in range(peers_models.PIPELINE):
            for x, gs in args:
                last = jitted(Ws, x, gs)
        jax.block_until_ready(last)

    return jstep


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=common.available_cpus())
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--only", default="", help="comma-separated substrings of workloads")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=float, default=0.15)
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu needs --threads 1 (idle worker threads would be counted)")
    if args.threads == 1:  # XLA reads its flags when jax is imported
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flags).strip()
    import jax  # noqa: F401  (loaded before the thread limit, as in peers.py)
    import peers_models

    import netopt  # noqa: F401
    from netopt.optim import _fused

    fused_available = _fused.available()

    common.set_threads(args.threads)
    common.set_clock(args.clock)
    say(common.format_environment(common.environment(args.threads)))
    say(f"Clock: {args.clock}")
    settings = common.Settings(rounds=args.rounds, block_s=args.block)
    rows = []
    for w in peers_models.WORKLOADS:
        if args.only and not any(s in w.name for s in args.only.split(",")):
            continue
        per_call = {"jax pipelined": peers_models.PIPELINE, "jax products": peers_models.PIPELINE}
        fns = {
            "captured": peers_models.netopt_step(w, captured=True)[0],
            "floor": peers_models.floor_step(w)[0],
            "products": products_step(w),
            "jax products": products_step(w, jax_version=True),
            "jax pipelined": peers_models.jax_step(w, pipelined=True)[0],
        }
        if fused_available:  # fused=True needs numba (the fast extra)
            fns["fused"] = peers_models.netopt_step(w, captured=True, opt_fused=True)[0]
        if args.threads > 1:  # what fit runs: the captured step inside its thread policy
            fns["fit"] = peers_models.netopt_step(w, captured=True, policy=True)[0]
        for fn in fns.values():
            fn()  # compile outside the timed blocks
        common.progress(f"{w.name}: timing")
        timings, ratios = common.compare(fns, settings)
        t = {n: timings[n].median / per_call.get(n, 1) for n in fns}

        def r(a: str, b: str, ratios=ratios, per_call=per_call) -> float:
            return ratios[(a, b)] * per_call.get(b, 1) / per_call.get(a, 1)

        rows.append([
            w.name, ms(t["captured"]), ms(t["fused"]) if fused_available else "-",
            ms(t["floor"]), ms(t["products"]),
            ms(t["jax products"]), ms(t["jax pipelined"]),
            ratio(r("products", "captured")), ratio(r("jax products", "products")),
            ratio(r("jax pipelined", "products")), ratio(r("jax pipelined", "floor")),
            ratio(r("jax pipelined", "captured")),
            ratio(r("jax pipelined", "fused")) if fused_available else "-",
            ratio(r("jax pipelined", "fit")) if "fit" in fns else "-",
        ])  # fmt: skip
    say("")
    say(table([
        "workload", "captured ms", "fused ms", "floor ms", "products ms", "jax products ms",
        "jax pipelined ms", "products / captured", "jax products / products",
        "jax pipelined / products", "jax pipelined / floor", "jax pipelined / captured",
        "jax pipelined / fused", "jax pipelined / fit",
    ], rows))  # fmt: skip
    say(
        "\nms: median per step (per epoch for digits). Ratios: medians of per-round ratios. "
        "jax pipelined / products < 1: JAX's whole step is faster than NumPy's BLAS on the "
        "step's matrix products alone."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
