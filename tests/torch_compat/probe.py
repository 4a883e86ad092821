"""Run a torch script twice, as written and with only its imports pointed at netopt.

:func:`to_netopt` rewrites the import lines (``import torch`` -> ``import netopt as
torch``, ``from torch.x import y`` -> ``from netopt.x import y``, ``import torch.nn as nn``
-> ``import netopt.nn as nn``) and nothing else. :func:`run` executes a script in a fresh
interpreter; :func:`numbers` reads every number it printed; :func:`compare` says where
two runs' numbers part.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).with_name("scripts")

#: float32 training runs in two libraries agree to rounding, which grows over the steps.
RTOL, ATOL = 2e-3, 1e-5

_IMPORT = re.compile(r"^(\s*)(import|from) torch(\.[\w.]+)?\b(.*)$")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])|nan|inf")


def to_netopt(source: str) -> str:
    """``source`` with its torch imports pointed at netopt (the only change)."""
    lines = []
    for line in source.splitlines():
        m = _IMPORT.match(line)
        if m:
            indent, kind, sub, rest = m.groups()
            if kind == "import" and not sub and not rest.strip().startswith("as"):
                line = f"{indent}import netopt as torch{rest}"
            else:
                line = f"{indent}{kind} netopt{sub or ''}{rest}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def run(source: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Execute ``source`` in a new interpreter (one BLAS thread, as the tests)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=SCRIPTS,
    )


def numbers(text: str) -> list[float]:
    """Every number printed in ``text``, in order."""
    return [float(m) for m in _NUMBER.findall(text)]


def compare(theirs: str, ours: str) -> str | None:
    """None when both outputs print the same numbers (to RTOL/ATOL), else the first
    difference, described."""
    a, b = numbers(theirs), numbers(ours)
    if len(a) != len(b):
        return f"torch printed {len(a)} numbers, netopt {len(b)}"
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y and not abs(x - y) <= ATOL + RTOL * abs(x):
            return f"number {i}: torch {x!r}, netopt {y!r}"
    return None
