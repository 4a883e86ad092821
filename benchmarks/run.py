"""Run netopt's benchmarks and print one table of ratios measured in this process.

Usage (from the repository root)::

    python benchmarks/run.py [--quick] [--threads N] [--only NAME[,NAME...]] [--json FILE]

``benchmarks/run.sh`` is the same command with ``env -u OPENBLAS_CORETYPE -u
OPENBLAS_L2_SIZE``; this script also removes those two variables itself: when either is
set it re-executes itself without them (they pin OpenBLAS to an older, slower kernel on
some machines), and the output says so. Nothing else in the project touches them.

Benchmarks (``--only``): step (MLP training step, netopt vs PyTorch eager vs the NumPy
floor), gflops (sgemm peak and the step's share of it), digits, startup (``import
netopt``, ``netopt --help``), lab (one ``netopt lab`` run), memory (peak RSS), scaling
(step cost against batch size and width).
"""

from __future__ import annotations

import os
import sys

from common import OPENBLAS_VARS, UNSET_RECORD


def _reexec_without_openblas_overrides() -> None:
    present = [k for k in OPENBLAS_VARS if k in os.environ]
    if not present:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    env[UNSET_RECORD] = ", ".join(f"{k}={os.environ[k]}" for k in present)
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)


if __name__ == "__main__":  # before NumPy loads OpenBLAS
    _reexec_without_openblas_overrides()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import common  # noqa: E402
from common import ms, ratio, say, table, verdict  # noqa: E402

ALL = ("step", "gflops", "digits", "startup", "lab", "memory", "scaling")

TORCH_TARGET = {"64-128-128-10 @32": 1.5, "784-512-512-10 @128": 1.5}
FLOOR_TARGET = 0.75
PEAK_TARGET = 0.75
SKLEARN_TARGET = 0.5
IMPORT_TARGET_S, HELP_TARGET_S = 0.150, 0.250


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sizes (~2 min)")
    parser.add_argument(
        "--threads",
        type=int,
        default=common.available_cpus(),
        help="threads for every library (default: the CPUs available to this process)",
    )
    parser.add_argument(
        "--only",
        default=",".join(ALL),
        help=f"comma-separated subset of: {', '.join(ALL)} (default: all)",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall (default) or cpu: CPU seconds of this process, robust on a machine shared "
        "with other jobs; only with --threads 1",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every raw number to FILE")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(args.only) - set(ALL))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(ALL)}")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.clock == "cpu" and args.threads != 1:
        parser.error(
            "--clock cpu counts every thread's CPU time (idle spinning included); "
            "use it with --threads 1"
        )
    return args


def speed_bound(r, peak_gflops: float, target: float) -> str | None:
    """Whether ``target`` x PyTorch is reachable at all for step result ``r``.

    No step can be faster than its matrix products at the best sgemm rate measured in
    this run (NumPy's or PyTorch's), so when that time alone exceeds PyTorch's time /
    ``target``, the target is out of reach for any float32 implementation on these BLAS
    libraries.
    """
    if r is None or "torch" not in r.timings:
        return None
    least = r.flops / (peak_gflops * 1e9)
    needed = r.timings["torch"].median / target
    reach = "out of reach" if least > needed else "possible in principle"
    return (
        f"Bound at {r.name}: its matrix products ({r.flops / 1e9:.3f} GFLOP) take at "
        f"least {least * 1e3:.2f} ms at the best sgemm rate above; {target}x PyTorch needs "
        f"{needed * 1e3:.2f} ms per step: {reach} (the hand-written floor reaches "
        f"{r.timings['torch'].median / r.timings['floor'].median:.2f}x PyTorch)."
    )


def section(title: str) -> None:
    say(f"\n## {title}\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Load every library that brings a thread pool before limiting the pools: threadpoolctl
    # only sees libraries already loaded.
    try:
        import torch  # noqa: F401
    except ImportError:
        say("PyTorch is not installed: its columns are skipped.")
    try:
        import sklearn.neural_network  # noqa: F401  (and SciPy's OpenBLAS with it)
    except ImportError:
        pass
    import netopt
    import netopt.nn.functional
    import netopt.optim  # noqa: F401

    common.set_threads(args.threads)
    common.set_clock(args.clock)
    settings = common.QUICK if args.quick else common.FULL
    env = common.environment(args.threads)
    results: dict = {"environment": env, "quick": args.quick, "clock": args.clock}
    checks: list[tuple[str, str, str, str]] = []  # (target, measured, goal, verdict)
    started = time.perf_counter()

    say(f"# netopt benchmarks ({'quick' if args.quick else 'full'} run)\n")
    say(common.format_environment(env))
    say(
        "Clock: "
        + (
            "wall time (time.perf_counter)"
            if args.clock == "wall"
            else "CPU time of this process (time.process_time); start-up rows show both"
        )
    )

    steps: dict = {}
    if {"step", "gflops", "scaling"} & set(args.only):
        import mlp_step

        agree = mlp_step.check_agreement()
        results["agreement"] = agree
        say(
            "\nSame computation: after 3 steps from the same weights, max |parameter "
            "difference| relative to netopt: " + ", ".join(f"{k} {v:.1e}" for k, v in agree.items())
        )

    if "step" in args.only:
        section("MLP training step (forward, cross-entropy, backward, SGD momentum 0.9)")
        rows = []
        for name, sizes, batch in mlp_step.STEP_CONFIGS:
            r = mlp_step.measure(name, sizes, batch, settings)
            steps[name] = r
            t = r.timings
            vs_torch = r.ratios.get(("torch", "netopt"), float("nan"))
            vs_floor = r.ratios[("floor", "netopt")]
            rows.append(
                [
                    name,
                    ms(t["netopt"].median),
                    ms(t["torch"].median) if "torch" in t else "-",
                    ms(t["floor"].median),
                    ratio(vs_torch),
                    ratio(vs_floor),
                    f"{t['netopt'].spread():.0%}",
                ]
            )
            if name in TORCH_TARGET and "torch" in t:
                checks.append(
                    (
                        f"step {name}: PyTorch time / netopt time",
                        ratio(vs_torch),
                        f">= {TORCH_TARGET[name]}x (aim 2x)",
                        verdict(vs_torch, TORCH_TARGET[name]),
                    )
                )
            checks.append(
                (
                    f"step {name}: floor time / netopt time",
                    ratio(vs_floor),
                    f">= {FLOOR_TARGET}x",
                    verdict(vs_floor, FLOOR_TARGET),
                )
            )
        say(
            table(
                [
                    "network @batch",
                    "netopt ms",
                    "torch ms",
                    "floor ms",
                    "torch/netopt",
                    "floor/netopt",
                    "netopt IQR",
                ],
                rows,
            )
        )
        say(
            "\nms: median per step over rounds. torch/netopt > 1: netopt is faster than "
            "PyTorch; floor/netopt = share of the hand-written NumPy floor's speed that "
            "netopt reaches (1 = as fast). Ratios: median of per-round ratios."
        )
        noisy = [n for n, r in steps.items() if max(t.spread() for t in r.timings.values()) > 0.2]
        if noisy:
            say(
                f"\nWARNING: noisy timings (a contender's IQR > 20% of its median) at "
                f"{', '.join(noisy)}: other processes are competing for the CPUs. Rerun on a "
                "quiet machine, or with --threads 1 --clock cpu."
            )
        results["step"] = [r.as_dict() for r in steps.values()]

    if "gflops" in args.only:
        import gemm_peak
        import mlp_step

        section("Achieved GFLOP/s at 784-512-512-10 @1024 against NumPy's sgemm peak")
        peak = gemm_peak.sgemm_peak(
            gemm_peak.SIZES_QUICK if args.quick else gemm_peak.SIZES_FULL,
            repeats=4 if args.quick else 8,
        )
        big = "784-512-512-10 @1024"
        r = steps.get(big) or mlp_step.measure(big, (784, 512, 512, 10), 1024, settings)
        steps[big] = r
        p = peak["numpy_peak"]
        rows = [
            [f"NumPy sgemm {n}^3 (best)", f"{g:.1f}", f"{g / p:.0%}"]
            for n, g in peak["numpy"].items()
        ]
        rows += [
            [f"torch mm {n}^3 (best, MKL)", f"{g:.1f}", f"{g / p:.0%}"]
            for n, g in peak["torch"].items()
        ]
        for who in r.timings:
            g = r.gflops(who)
            rows.append([f"{who} training step {big}", f"{g:.1f}", f"{g / p:.0%}"])
        say(table(["what", "GFLOP/s", "of NumPy peak"], rows))
        say(
            f"\nStep FLOPs counted: 2mnk per matmul (forward, dW, dx except the input layer) "
            f"= {r.flops / 1e9:.2f} GFLOP per step; element-wise work is not counted."
        )
        share = r.gflops("netopt") / p
        checks.append(
            (
                f"netopt GFLOP/s at {big} / NumPy sgemm peak",
                f"{share:.0%}",
                f">= {PEAK_TARGET:.0%}",
                verdict(share, PEAK_TARGET),
            )
        )
        fastest = max([p, *peak["torch"].values()])  # the best rate of either library
        for name, target in TORCH_TARGET.items():
            bound = speed_bound(steps.get(name), fastest, target)
            if bound:
                say(bound)
        results["gflops"] = {
            "peak": peak,
            "step": r.as_dict(),
            "gflops": {w: r.gflops(w) for w in r.timings},
        }

    if "digits" in args.only:
        import digits

        section("Digits: 64-128-10 ReLU MLP, Adam lr 1e-3, batch 32")
        seeds = [0] if args.quick else [0, 1, 2]
        epochs = 30 if args.quick else 60
        res = digits.run(seeds, epochs)
        s = res["summary"]
        base = s["sklearn"]["epoch_s"] if "sklearn" in s else float("nan")
        rows = []
        for name, v in s.items():
            t97 = v["time_to_97_s"]
            rows.append(
                [
                    name,
                    ms(v["epoch_s"]),
                    ratio(v["epoch_s"] / base),
                    "-" if t97 is None else f"{t97:.2f}",
                    "-" if v["epochs_to_97"] is None else f"{v['epochs_to_97']:g}",
                    v["reached"],
                    f"{v['final_acc']:.1%}",
                ]
            )
        say(
            table(
                [
                    "contender",
                    "ms/epoch",
                    "epoch time / sklearn's",
                    "s to 97%",
                    "epochs to 97%",
                    "seeds reaching 97%",
                    f"test acc after {epochs} ep",
                ],
                rows,
            )
        )
        say(
            f"\n{res['n_train']} train / {res['n_test']} test images; medians over seeds "
            f"{seeds}; training time only (evaluation after each epoch not timed)."
        )
        rel = s["netopt"]["epoch_s"] / base
        if "sklearn" in s:
            checks.append(
                (
                    "digits: netopt time per epoch / scikit-learn's",
                    ratio(rel),
                    f"<= {SKLEARN_TARGET}x",
                    verdict(rel, SKLEARN_TARGET, higher_is_better=False),
                )
            )
        results["digits"] = res

    if "startup" in args.only:
        import startup

        section("Start-up")
        res = startup.run(repeats=7 if args.quick else 15)
        rows = [[k, ms(v["median_s"]), ms(v["median_cpu_s"])] for k, v in res.items()]
        say(table(["what (fresh process each time)", "wall ms", "CPU ms, all threads"], rows))
        say(
            "\n`import X`: timed inside the interpreter around the import (NumPy included "
            "for netopt). `netopt --help`, `python -c pass`: the whole process. Medians; the "
            "targets are checked on wall time (what a user waits for). CPU time exceeds wall "
            "time when OpenBLAS starts its worker threads while NumPy is imported."
        )
        t_imp, t_help = res["import netopt"]["median_s"], res["netopt --help"]["median_s"]
        checks.append(
            (
                "import netopt",
                f"{ms(t_imp)} ms",
                f"<= {IMPORT_TARGET_S * 1e3:.0f} ms",
                verdict(t_imp, IMPORT_TARGET_S, higher_is_better=False),
            )
        )
        checks.append(
            (
                "netopt --help",
                f"{ms(t_help)} ms",
                f"<= {HELP_TARGET_S * 1e3:.0f} ms",
                verdict(t_help, HELP_TARGET_S, higher_is_better=False),
            )
        )
        results["startup"] = res

    if "lab" in args.only:
        import startup

        section("netopt lab")
        res = startup.run_lab(quick=args.quick, threads=args.threads)
        say(
            table(
                ["command", "wall s", "CPU s", "exit status", "summary"],
                [
                    [
                        res["command"],
                        f"{res['wall_s']:.1f}",
                        f"{res['cpu_s']:.1f}",
                        res["returncode"],
                        res["summary"],
                    ]
                ],
            )
        )
        results["lab"] = res

    if "memory" in args.only:
        import memory

        section("Peak memory of a training run (784-512-512-10, batch 1024, 16,384 samples)")
        res = memory.run(args.threads)
        need = res["needed"]
        mib = 2**20
        say(
            f"Needed: data {need['data'] / mib:.1f} MiB + parameters, gradients, momentum "
            f"{need['parameters_x3'] / mib:.1f} MiB + one batch's activations "
            f"{need['activations'] / mib:.1f} MiB = {need['total'] / mib:.1f} MiB\n"
        )
        rows = [
            [
                name,
                f"{v['after_imports_kib'] / 1024:.0f}",
                f"{v['peak_kib'] / 1024:.0f}",
                f"{v['increment_kib'] / 1024:.0f}",
                ratio(v["increment_over_needed"]),
            ]
            for name, v in res["contenders"].items()
        ]
        say(
            table(
                [
                    "contender",
                    "RSS after imports MiB",
                    "peak RSS MiB",
                    "peak - imports MiB",
                    "(peak - imports) / needed",
                ],
                rows,
            )
        )
        results["memory"] = res

    if "scaling" in args.only:
        import mlp_step

        section("How the step's cost grows (784-w-w-10; batch at w=512, width at batch 128)")
        rows = []
        scaled = []
        for name, sizes, batch in mlp_step.scaling_configs(args.quick):
            r = steps.get(name) or mlp_step.measure(name, sizes, batch, settings)
            steps[name] = r
            scaled.append(r)
            t = r.timings
            rows.append(
                [
                    name,
                    ms(t["netopt"].median),
                    ms(t["torch"].median) if "torch" in t else "-",
                    ms(t["floor"].median),
                    f"{t['netopt'].median / batch * 1e6:.1f}",
                    f"{r.gflops('netopt'):.1f}",
                    f"{r.gflops('floor'):.1f}",
                    ratio(r.ratios.get(("torch", "netopt"), float("nan"))),
                    ratio(r.ratios[("floor", "netopt")]),
                ]
            )
        say(
            table(
                [
                    "network @batch",
                    "netopt ms",
                    "torch ms",
                    "floor ms",
                    "netopt us/sample",
                    "netopt GFLOP/s",
                    "floor GFLOP/s",
                    "torch/netopt",
                    "floor/netopt",
                ],
                rows,
            )
        )
        results["scaling"] = [r.as_dict() for r in scaled]

    if checks:
        section("Targets (issue 8), from this run")
        say(table(["target", "measured", "goal", ""], checks))
    results["checks"] = checks
    elapsed = time.perf_counter() - started
    say(f"\nTotal benchmark time: {elapsed:.0f} s. {env['openblas_note']}.")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1, default=str)
        say(f"Raw numbers: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
