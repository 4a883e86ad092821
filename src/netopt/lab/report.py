r"""Write a lab run to disk: ``index.html``, ``results.json`` and ``figures/*.png``.

Every file is written atomically (a temporary file in the same folder, flushed and
fsynced, then :func:`os.replace`, then the folder fsynced), so a reader never sees a
half-written report and an interrupted run leaves the previous one intact.

``results.json``::

    {"experiments": [{"name", "title", "title_zh", "reference", "summary",
                      "claims": [{"claim", "kind", "holds", "evidence", "protocol"}],
                      "notes": [{"title", "text"}],
                      "tables": [{"title", "columns", "rows"}],
                      "figures": ["figures/<experiment>-<name>.png", ...],
                      "figure_captions": [...], "claims_holding", "claims_total",
                      "findings_holding", "findings_total", "checks_holding",
                      "checks_total", "seconds", "error": null | str,
                      "traceback": null | str}],
     "netopt_version", "numpy_version", "python", "seed", "quick", "started",
     "total_seconds", "claims_holding", "claims_total", "findings_holding",
     "findings_total", "checks_holding", "checks_total"}

``kind`` is ``"check"`` or ``"finding"`` (see :class:`netopt.lab.core.Claim`); ``protocol``
is a finding's protocol, null for a check.

Non-finite table numbers are written as the strings ``"nan"``, ``"inf"``, ``"-inf"``
(JSON has no such numbers).
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .._io.atomic import atomic_write_bytes
from .._version import __version__
from .core import Claim
from .page import render_page
from .runner import ExperimentRun

FIGURES = "figures"


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable like any file the user writes.

    See :func:`netopt._io.atomic.atomic_write_bytes` (temporary file in the same folder,
    fsync, ``os.replace``, fsync of the folder).
    """
    atomic_write_bytes(path, data, private=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def run_metadata(
    *, seed: int, quick: bool, started: str | None, total_seconds: float
) -> dict[str, Any]:
    """The run's header fields, shared by ``results.json`` and the page."""
    return {
        "netopt_version": __version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "seed": int(seed),
        "quick": bool(quick),
        "started": started or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "total_seconds": round(float(total_seconds), 3),
    }


def results_document(runs: Sequence[ExperimentRun], meta: dict[str, Any]) -> dict[str, Any]:
    r"""The ``results.json`` document of a run (see the module docstring for the schema).

    Parameters
    ----------
    runs : sequence of ExperimentRun
    meta : dict
        From :func:`run_metadata`.

    Returns
    -------
    dict
    """
    experiments = []
    for run in runs:
        exp = run.experiment
        experiments.append(
            {
                "name": exp.name,
                "title": exp.title,
                "title_zh": exp.title_zh,
                "reference": exp.reference,
                "summary": run.summary,
                "claims": [
                    {
                        "claim": c.claim,
                        "kind": c.kind,
                        "holds": bool(c.holds),
                        "evidence": c.evidence,
                        "protocol": c.protocol,
                    }
                    for c in run.claims
                ],
                "notes": [{"title": n.title, "text": n.text} for n in run.notes],
                "tables": [
                    {
                        "title": t.title,
                        "columns": list(t.columns),
                        "rows": [[_json_value(cell) for cell in row] for row in t.rows],
                    }
                    for t in run.tables
                ],
                "figures": [f"{FIGURES}/{fig.file_name}" for fig in run.figures],
                "figure_captions": [fig.caption for fig in run.figures],
                "claims_holding": run.holding,
                "claims_total": len(run.claims),
                **tally(run.claims),
                "seconds": round(run.seconds, 3),
                "error": run.error,
                "traceback": run.traceback,
            }
        )
    return {
        "experiments": experiments,
        **meta,
        "claims_holding": sum(r.holding for r in runs),
        "claims_total": sum(len(r.claims) for r in runs),
        **tally([c for r in runs for c in r.claims]),
    }


def tally(claims: Sequence[Claim]) -> dict[str, int]:
    r"""How many findings and checks there are and how many hold.

    Examples
    --------
    >>> tally([Claim("a", True, "", kind="check"), Claim("b", False, "", kind="check")])
    {'findings_holding': 0, 'findings_total': 0, 'checks_holding': 1, 'checks_total': 2}
    """
    counts = {}
    for kind, plural in (("finding", "findings"), ("check", "checks")):
        of_kind = [c for c in claims if c.kind == kind]
        counts[f"{plural}_holding"] = sum(bool(c.holds) for c in of_kind)
        counts[f"{plural}_total"] = len(of_kind)
    return counts


def write_report(
    runs: Sequence[ExperimentRun],
    out: str | os.PathLike,
    *,
    seed: int,
    quick: bool,
    started: str | None = None,
    total_seconds: float | None = None,
) -> Path:
    r"""Write ``index.html``, ``results.json`` and ``figures/*.png`` for ``runs`` into ``out``.

    Figures of the experiments in ``runs`` left in ``out/figures`` by an earlier run
    (same ``<experiment>-`` prefix, not redrawn now) are removed, so every PNG there
    comes from the run that the page describes; other files are left alone.

    Parameters
    ----------
    runs : sequence of ExperimentRun
        What :func:`netopt.lab.runner.run_experiments` returned.
    out : path-like
        Output folder, created when missing.
    seed : int
    quick : bool
    started : str, optional
        ISO 8601 start time; now (UTC) when None.
    total_seconds : float, optional
        Wall time of the whole run; the sum of the experiments' times when None.

    Returns
    -------
    pathlib.Path
        The path of ``index.html``.
    """
    out = Path(out)
    figures = out / FIGURES
    figures.mkdir(parents=True, exist_ok=True)
    if total_seconds is None:
        total_seconds = sum(r.seconds for r in runs)
    meta = run_metadata(seed=seed, quick=quick, started=started, total_seconds=total_seconds)
    written = set()
    for run in runs:
        for fig in run.figures:
            atomic_write(figures / fig.file_name, fig.png)
            written.add(fig.file_name)
    prefixes = tuple(f"{run.experiment.name}-" for run in runs)
    for stale in figures.glob("*.png"):
        if stale.name.startswith(prefixes) and stale.name not in written:
            stale.unlink()
    document = results_document(runs, meta)
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    atomic_write(out / "results.json", (text + "\n").encode("utf-8"))
    index = out / "index.html"
    atomic_write(index, render_page(runs, meta).encode("utf-8"))
    return index
