"""Start-up costs, each in fresh interpreters: ``import netopt``, ``netopt --help``, ``netopt lab``.

- ``import netopt``: measured inside a fresh interpreter around the import statement
  (so it includes importing NumPy, which netopt needs), median of several processes. The
  same for ``import numpy`` and ``import torch`` as references.
- ``netopt --help``: wall time of the whole ``netopt --help`` process, as a user waits for
  it (interpreter start included), median of several runs; ``python -c pass`` beside it.
- ``netopt lab``: wall time of one full run (``--quick`` in quick mode) into a temporary
  folder.

Each also reports CPU seconds (the child's user + system time): on a machine shared with
other jobs the wall time includes waiting for a core, the CPU time does not.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import progress

_IMPORT_PROBE = (
    "import time, sys; t = time.perf_counter(); c = time.process_time(); import {mod}; "
    "sys.stdout.write('%r %r' % (time.perf_counter() - t, time.process_time() - c))"
)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children (0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _netopt_command() -> list[str]:
    """The ``netopt`` console script next to this interpreter, else ``python -m netopt``."""
    script = os.path.join(os.path.dirname(sys.executable), "netopt")
    if os.path.exists(script):
        return [script]
    found = shutil.which("netopt")
    return [found] if found else [sys.executable, "-m", "netopt"]


def import_time(module: str, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``import module`` in ``repeats`` fresh interpreters."""
    wall, cpu = [], []
    for _ in range(repeats):
        res = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE.format(mod=module)],
            capture_output=True,
            text=True,
            check=True,
        )
        w, c = map(float, res.stdout.split())
        wall.append(w)
        cpu.append(c)
    return wall, cpu


def process_time(cmd: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """Wall seconds of ``repeats`` runs of ``cmd``, and the CPU seconds each child used."""
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        wall.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
    return wall, cpu


def run(repeats: int) -> dict:
    progress("startup: imports")
    res: dict = {}
    subprocess.run([sys.executable, "-c", "import netopt, numpy"], check=True)  # warm caches
    for mod in ("numpy", "netopt"):
        res[f"import {mod}"] = import_time(mod, repeats)
    try:
        res["import torch"] = import_time("torch", max(3, repeats // 3))
    except subprocess.CalledProcessError:
        pass
    progress("startup: netopt --help")
    res["python -c pass"] = process_time([sys.executable, "-c", "pass"], repeats)
    res["netopt --help"] = process_time([*_netopt_command(), "--help"], repeats)
    return {
        k: {
            "median_s": statistics.median(wall),
            "median_cpu_s": statistics.median(cpu),
            "runs_s": wall,
            "runs_cpu_s": cpu,
        }
        for k, (wall, cpu) in res.items()
    }


def run_lab(quick: bool, threads: int) -> dict:
    """One ``netopt lab`` run (all experiments) in a temporary folder; its wall time.

    The child's BLAS/OpenMP pools get ``threads`` threads (through the usual variables).
    """
    cmd = [*_netopt_command(), "lab"] + (["--quick"] if quick else [])
    progress(f"netopt lab{' --quick' if quick else ''} (a few minutes)")
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = _children_cpu(), time.perf_counter()
        proc = subprocess.run(
            [*cmd, "--out", os.path.join(tmp, "report")],
            capture_output=True,
            text=True,
            cwd=tmp,
            env={
                **os.environ,
                "CI": "1",
                **{
                    k: str(threads)
                    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                },
            },
        )
        wall = time.perf_counter() - t0
        cpu = _children_cpu() - c0
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    last = last.split(" Report:")[0]  # drop the temporary folder's path
    return {
        "command": "netopt lab" + (" --quick" if quick else ""),
        "wall_s": wall,
        "cpu_s": cpu,
        "returncode": proc.returncode,
        "summary": last,
    }
