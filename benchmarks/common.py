"""Shared pieces of the benchmarks: the environment, thread control, timing, tables.

Timing protocol (every comparison in this folder uses it): the contenders of one
comparison run in the same process, in interleaved *rounds*. In each round every
contender warms up for a few steps, then runs a timed block of ``steps`` steps (``steps``
calibrated per contender so a block lasts about ``block_s`` seconds); the order of the
contenders rotates from round to round. A short pause separates blocks, so the idle worker
threads of one library's pool (OpenBLAS and OpenMP both spin-wait for a while after a
parallel region) have gone to sleep before the next contender starts: on a 2-core machine
their spinning would otherwise steal a core from the contender being timed. A contender's
time is the median over rounds of its per-step time; a ratio is the median over rounds of
the per-round ratio, so a load spike that hits one round hits both sides of that ratio.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: Variables that pin OpenBLAS to an older (slower) kernel on some machines; ``run.py``
#: re-executes itself without them, and records here what they were.
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNSET_RECORD = "NETOPT_BENCH_UNSET"


# --------------------------------------------------------------------------- environment
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``, else ``platform.processor()``)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_features() -> str:
    """The widest SIMD extension the CPU reports (Linux only), e.g. ``AVX-512``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
            else:
                return "?"
    except OSError:
        return "?"
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")):
        if flag in flags:
            return name
    return "SSE"


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def memory_total_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def netopt_revision() -> str:
    """The git commit of the netopt source tree being measured, and whether src/ has edits."""
    import subprocess

    import netopt

    src = os.path.dirname(os.path.dirname(os.path.abspath(netopt.__file__)))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=src, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."], cwd=src, capture_output=True, text=True
        )
    except OSError:
        return f"netopt {netopt.__version__}"
    if head.returncode != 0:
        return f"netopt {netopt.__version__} (not a git checkout)"
    edits = ", with uncommitted changes under src/" if dirty.stdout.strip() else ""
    return f"netopt {netopt.__version__} at commit {head.stdout.strip()}{edits}"


def openblas_note() -> str:
    """One line saying that the OpenBLAS override variables are unset in this run."""
    was = os.environ.get(UNSET_RECORD, "")
    names = " and ".join(OPENBLAS_VARS)
    if was:
        return f"{names} unset for this run only (they were set: {was})"
    return f"{names} unset for this run only (they were not set)"


def blas_pools() -> list[dict]:
    """threadpoolctl's view of the loaded BLAS and OpenMP libraries."""
    from threadpoolctl import threadpool_info

    return threadpool_info()


def describe_pool(info: dict) -> str:
    name = " ".join(filter(None, (info.get("internal_api", "?"), info.get("version"))))
    arch = info.get("architecture")
    kernel = f", kernel {arch}" if arch else ""
    where = os.path.basename(info.get("filepath", ""))
    return f"{name}{kernel}, {info.get('num_threads')} threads ({where})"


def environment(threads: int) -> dict:
    """Everything a reader needs to place the numbers: machine, libraries, threads."""
    import numpy as np

    env = {
        "cpu": cpu_model(),
        "simd": cpu_features(),
        "cpus_available": available_cpus(),
        "memory_gib": memory_total_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "netopt": netopt_revision(),
        "threads": threads,
        "openblas_note": openblas_note(),
        "thread_env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            if k in os.environ
        },
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    try:
        import torch

        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
        env["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "?"
        env["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except ImportError:
        env["torch"] = None
    try:
        import sklearn

        env["sklearn"] = sklearn.__version__
    except ImportError:
        env["sklearn"] = None
    env["blas"] = [describe_pool(p) for p in blas_pools()]
    return env


def format_environment(env: dict) -> str:
    mem = f", {env['memory_gib']:.0f} GiB RAM" if env.get("memory_gib") else ""
    lines = [
        f"CPU: {env['cpu']} ({env['simd']}), {env['cpus_available']} CPUs available{mem}; "
        f"{env['os']}",
        f"{env['netopt']}",
        f"Python {env['python']}, NumPy {env['numpy']}, PyTorch {env.get('torch')} "
        f"({env.get('torch_blas')}, {env.get('torch_cpu_capability')}), "
        f"scikit-learn {env.get('sklearn')}",
        f"Threads: {env['threads']} for every library (threadpoolctl limit and "
        f"torch.set_num_threads)",
        f"Environment: {env['openblas_note']}",
    ]
    if env["thread_env"]:
        lines.append(f"Thread variables set: {env['thread_env']}")
    if env.get("load_average"):
        la = ", ".join(f"{x:.2f}" for x in env["load_average"])
        lines.append(f"Load average at start (1, 5, 15 min): {la}")
    lines.append("BLAS/OpenMP libraries loaded (threadpoolctl):")
    lines.extend(f"  - {b}" for b in env["blas"])
    return "\n".join(lines)


# --------------------------------------------------------------------------- threads
_LIMITER = None


def set_threads(n: int) -> None:
    """Limit every BLAS/OpenMP pool of the process, and torch's intra-op pool, to ``n``.

    Import torch first when it takes part: threadpoolctl only limits libraries already
    loaded.
    """
    global _LIMITER
    from threadpoolctl import threadpool_limits

    _LIMITER = threadpool_limits(limits=n)
    torch = sys.modules.get("torch")  # only when loaded: importing it costs 0.2 GB of RSS
    if torch is not None:
        torch.set_num_threads(n)


# --------------------------------------------------------------------------- timing
_CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock_name = "wall"
now = time.perf_counter


def set_clock(name: str) -> None:
    """``wall`` (``perf_counter``) or ``cpu`` (``process_time``: CPU seconds of this process).

    ``cpu`` makes single-threaded timings robust on a machine shared with other jobs (time
    spent waiting for a core is not counted); with several threads it would count idle
    spinning workers, so use it with ``--threads 1`` only.
    """
    global now, _clock_name
    now = _CLOCKS[name]
    _clock_name = name


def clock_name() -> str:
    return _clock_name


@dataclass
class Settings:
    """How hard to time: rounds of interleaved blocks, each about ``block_s`` long."""

    rounds: int = 7
    block_s: float = 0.25
    warmup: int = 3
    pause_s: float = 0.12
    min_steps: int = 2


QUICK = Settings(rounds=3, block_s=0.08, warmup=2, pause_s=0.05)
FULL = Settings()


@dataclass
class Timing:
    """Per-step seconds of one contender, one value per round."""

    per_step: list[float] = field(default_factory=list)
    steps: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.per_step)

    @property
    def best(self) -> float:
        return min(self.per_step)

    def spread(self) -> float:
        """Interquartile range relative to the median (a noise indicator)."""
        if len(self.per_step) < 4:
            return (max(self.per_step) - min(self.per_step)) / self.median
        q = statistics.quantiles(self.per_step, n=4)
        return (q[2] - q[0]) / self.median


def _calibrate(fn: Callable[[], object], settings: Settings) -> int:
    for _ in range(settings.warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    return max(settings.min_steps, int(settings.block_s / max(one, 1e-7)))


def compare(
    contenders: dict[str, Callable[[], object]], settings: Settings
) -> tuple[dict[str, Timing], dict[tuple[str, str], float]]:
    """Time ``contenders`` (name -> one step) in interleaved rounds.

    Returns the timings and, for every ordered pair ``(a, b)``, the median over rounds of
    ``time_a / time_b``.
    """
    names = list(contenders)
    steps = {}
    for name in names:
        steps[name] = _calibrate(contenders[name], settings)
        time.sleep(settings.pause_s)
    timings = {name: Timing(steps=steps[name]) for name in names}
    for r in range(settings.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn, n = contenders[name], steps[name]
            for _ in range(settings.warmup):
                fn()
            t0 = now()
            for _ in range(n):
                fn()
            timings[name].per_step.append((now() - t0) / n)
            time.sleep(settings.pause_s)
    ratios = {}
    for a in names:
        for b in names:
            if a != b:
                per_round = [
                    x / y for x, y in zip(timings[a].per_step, timings[b].per_step, strict=True)
                ]
                ratios[(a, b)] = statistics.median(per_round)
    return timings, ratios


# --------------------------------------------------------------------------- output
def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into the docs)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def ms(seconds: float) -> str:
    ms_ = seconds * 1e3
    if ms_ >= 100:
        return f"{ms_:.0f}"
    if ms_ >= 10:
        return f"{ms_:.1f}"
    if ms_ >= 1:
        return f"{ms_:.2f}"
    return f"{ms_:.3f}"


def ratio(x: float) -> str:
    return f"{x:.2f}x"


def verdict(value: float, target: float, *, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "pass" if ok else "MISS"


def say(*parts: object) -> None:
    print(*parts, flush=True)


def progress(text: str) -> None:
    """A line on stderr, so a captured table on stdout stays clean."""
    print(f"  .. {text}", file=sys.stderr, flush=True)
