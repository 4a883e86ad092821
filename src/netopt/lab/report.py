r"""Write a lab run to disk: ``index.html``, ``results.json`` and ``figures/*.png``.

The whole report is swapped in at once: it is built in a fresh folder next to the target
(``.<name>.<random>.tmp``), where every file is written and fsynced, together with the
files of the previous report it keeps (hard links, see :func:`write_report`); then one
rename puts it in place (on Linux ``renameat2(RENAME_EXCHANGE)`` swaps the two folders
atomically; elsewhere the old folder is renamed aside just before). A reader sees the old
report or the new one, never a mix, and a run killed before the swap leaves the previous
report as it was (and at worst a stray ``.tmp`` folder). :func:`check_out` tells before
any experiment runs whether the target can be written.

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

import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import sys
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

    The report is built in a fresh folder beside ``out`` and swapped in with one rename
    (see the module docstring). Files of an earlier report in ``out`` are kept, except
    ``index.html``, ``results.json`` and the figures of the experiments in ``runs`` (same
    ``<experiment>-`` prefix: redrawn now, or stale), so every PNG of those experiments
    comes from the run that the page describes; other files are left alone.

    Parameters
    ----------
    runs : sequence of ExperimentRun
        What :func:`netopt.lab.runner.run_experiments` returned.
    out : path-like
        Output folder, created when missing (see :func:`check_out` for what is refused).
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
    check_out(out)
    if total_seconds is None:
        total_seconds = sum(r.seconds for r in runs)
    meta = run_metadata(seed=seed, quick=quick, started=started, total_seconds=total_seconds)
    prefixes = tuple(f"{run.experiment.name}-" for run in runs)
    build = _fresh_folder(out)
    try:
        if out.is_dir():  # keep what the new report does not replace (see the docstring)
            _keep_old_files(out, build, prefixes)
        figures = build / FIGURES
        figures.mkdir(exist_ok=True)
        for run in runs:
            for fig in run.figures:
                atomic_write(figures / fig.file_name, fig.png)
        document = results_document(runs, meta)
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
        atomic_write(build / "results.json", (text + "\n").encode("utf-8"))
        atomic_write(build / "index.html", render_page(runs, meta).encode("utf-8"))
        _swap_in(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return out / "index.html"


def check_out(out: str | os.PathLike) -> Path:
    """Check that a report can be written to the folder ``out``; return it as a Path.

    Creates missing parent folders, and a probe folder beside ``out`` (removed at once),
    so a read-only location is found before any experiment runs.

    Raises
    ------
    ValueError
        If ``out`` exists and is not a folder, or its parent cannot be written, with the
        reason.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {str(out)!r} exists and is not a folder")
    try:
        out.absolute().parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(_fresh_folder(out))
    except OSError as err:
        reason = err.strerror or str(err)
        raise ValueError(f"--out: cannot write the report to {str(out)!r}: {reason}") from None
    return out


def _fresh_folder(out: Path) -> Path:
    """A new empty folder beside ``out`` (same file system, so it can be renamed onto it)."""
    parent = out.absolute().parent
    while True:
        candidate = parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.mkdir(candidate)  # the user's umask applies, as for any folder they create
        except FileExistsError:
            continue
        return candidate


def _keep_old_files(old: Path, build: Path, prefixes: tuple[str, ...]) -> None:
    """Hard-link (or copy) the old report's files that the new one does not replace."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        where = Path(folder)
        if where == old:
            return {"index.html", "results.json"}
        if where == old / FIGURES:
            return {n for n in names if n.startswith(prefixes) and n.endswith(".png")}
        return set()

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(
        old, build, ignore=ignore, copy_function=link_or_copy, symlinks=True, dirs_exist_ok=True
    )


def _swap_in(build: Path, out: Path) -> None:
    """Put the folder ``build`` at ``out`` with one rename; remove the old report."""
    parent = out.absolute().parent
    if not out.exists() and not out.is_symlink():
        os.rename(build, out)
    elif _exchange(build, out):
        shutil.rmtree(build)  # it now holds the old report
    else:  # no atomic exchange here: move the old one aside just before
        aside = _fresh_folder(out)
        os.rmdir(aside)
        os.rename(out, aside)
        os.rename(build, out)
        shutil.rmtree(aside, ignore_errors=True)
    with contextlib.suppress(OSError):
        fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` atomically (Linux ``renameat2``); False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - a libc without renameat2
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: no exchange on this FS
            return False
        raise OSError(errno, os.strerror(errno), str(b))
    return True
