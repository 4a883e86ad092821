"""PyTorch's own ``test/optim/test_lrscheduler.py``, run unchanged against netopt through
the name-only shim (:mod:`torch_suite_shim`), in a fresh process.

torch's file is not in the torch wheel and is not in this repository (it is torch's
code): point ``NETOPT_TORCH_LRSCHEDULER_TEST`` at a copy of it, or these tests skip.
Every test must pass except those listed in :data:`KNOWN_FAILURES`, each with its
reason; a known failure that starts passing fails here too, so the list stays true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ENV = "NETOPT_TORCH_LRSCHEDULER_TEST"
SHIM = Path(__file__).with_name("torch_suite_shim.py")
_PATH = os.environ.get(ENV, "")

pytestmark = pytest.mark.skipif(
    not (_PATH and Path(_PATH).is_file()),
    reason=f"{ENV} does not point at a copy of torch's test/optim/test_lrscheduler.py "
    "(not shipped with torch; fetch it from pytorch/pytorch)",
)

#: tests that fail for a reason outside the schedulers, with the reason (none since
#: Tensor.multiply_ came; 13 tests needed it).
KNOWN_FAILURES: dict[str, str] = {}


def _run(*flags):
    """Run the shim on the file; return (counts, {failing test: first line})."""
    proc = subprocess.run(
        [sys.executable, str(SHIM), _PATH, *flags],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = re.search(r"^SUMMARY (.*)$", proc.stdout, re.M)
    assert summary, proc.stdout[-3000:]
    counts = {k: int(v) for k, v in (kv.split("=") for kv in summary.group(1).split())}
    failing = dict(re.findall(r"^(?:FAIL|ERROR)\s+(\S+): (.*)$", proc.stdout, re.M))
    return counts, failing


@pytest.fixture(scope="module")
def outcome():
    """The file against netopt."""
    return _run()


def test_control_run_on_torch_passes_every_test():
    # the harness must not fail torch's own code: same file, real torch
    pytest.importorskip("torch")
    counts, failing = _run("--control")
    assert not failing
    assert counts["passed"] == counts["collected"] > 0


def test_the_file_ran_every_test(outcome):
    counts, failing = outcome
    assert counts["collected"] > 0
    assert counts["collected"] == (
        counts["passed"] + counts["failed"] + counts["errors"] + counts["skipped"]
    )
    assert len(failing) == counts["failed"] + counts["errors"]


def test_only_the_known_failures_fail(outcome):
    _, failing = outcome
    unexpected = {name: line for name, line in failing.items() if name not in KNOWN_FAILURES}
    assert not unexpected


def test_known_failures_still_fail(outcome):
    _, failing = outcome
    fixed = sorted(set(KNOWN_FAILURES) - set(failing))
    assert not fixed, f"now passing, take them off KNOWN_FAILURES: {fixed}"
