"""Fixtures of the sweep tests: a user-problem module importable by this process, by client
subprocesses and by Dask workers (it is written into tmp_path and put on sys.path and
PYTHONPATH)."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")

MODULE = "netopt_sweep_testprobs"

SOURCE = textwrap.dedent(
    '''
    import os
    import time

    import numpy as np


    def quad(config, report):
        """Report q at steps 1..9; return q plus a jitter drawn from the trial's seed."""
        q = float(config["q"])
        for step in range(1, 10):
            report(step, q)
        jitter = np.random.default_rng(config["trial_seed"]).uniform(0.0, 1e-3)
        return {"loss": q + jitter, "q_seen": q}


    def gated(config, report):
        """quad, but the trial with q == gate_at waits until the file `gate` exists."""
        if config["q"] == config["gate_at"] and not os.path.exists(config["gate"]):
            open(config["gate"] + ".waiting", "w").close()
            while not os.path.exists(config["gate"]):
                time.sleep(0.02)
        return quad(config, report)


    def flaky(config, report):
        """q == 1 raises, q == 2 returns NaN, q == 3 reports inf; the rest are quad."""
        if config["q"] == 1:
            raise RuntimeError("boom <b>")
        if config["q"] == 2:
            return {"loss": float("nan")}
        if config["q"] == 3:
            report(1, float("inf"))
        return quad(config, report)
    '''
)


@pytest.fixture
def user_problems(tmp_path_factory, monkeypatch):
    """Return the name of the user-problem module, importable here and in subprocesses."""
    folder = tmp_path_factory.mktemp("userprobs")
    (folder / f"{MODULE}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(folder) + (os.pathsep + old if old else ""))
    sys.modules.pop(MODULE, None)
    yield MODULE
    sys.modules.pop(MODULE, None)
