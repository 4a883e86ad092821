r"""``netopt diagnose``: the training problems found in a saved history, with remedies.

::

    netopt diagnose RUN.json [--task regression] [--json]

``RUN.json`` is a :class:`~netopt.train.History` written by ``History.save`` (or a
``JSONLogger``). Each finding is printed with its evidence and the chapter's remedies in the
chapter's order; a healthy run prints ``no problems found``. The exit status is 0 either
way (2 for a file that is missing or not a netopt history).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``diagnose`` subcommand to ``subparsers`` (an ``argparse`` subparsers action)."""
    parser = subparsers.add_parser(
        "diagnose",
        help="find vanishing/exploding gradients, saturation, dead units, under/overfitting",
        description="Read a training history saved as JSON and report the chapter's "
        "training problems, each with its evidence and remedies.",
        epilog="example: netopt diagnose runs/history.json",
    )
    parser.add_argument("run", metavar="RUN.json", help="a history saved by History.save")
    parser.add_argument(
        "--task",
        choices=("classification", "regression"),
        default="classification",
        help="which score column to read: accuracy (default) or r2_score/r2",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the findings as a JSON list instead"
    )
    parser.set_defaults(handler=run)


def _load(path: str) -> Any:
    from netopt.train import History

    if not Path(path).exists():
        raise FileNotFoundError(f"no such file: {path!r}")
    if not Path(path).is_file():
        raise ValueError(f"{path!r} is not a file")
    try:
        return History.load(path)
    except OSError as exc:
        raise ValueError(f"cannot read {path!r}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError) or isinstance(cause, UnicodeDecodeError):
            raise ValueError(f"{path!r} is not a History JSON file ({cause})") from None
        raise


def _format_value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_findings(findings: list[Any], epochs: int) -> str:
    r"""The findings as readable text, numbered, with evidence and remedies.

    Examples
    --------
    >>> from netopt.diagnose import Finding
    >>> text = format_findings([Finding("overfitting", "warning", "gap.", {"gap": 0.25})], 9)
    >>> print(text.splitlines()[0])
    1 problem found in 9 epochs:
    >>> format_findings([], 9)
    'no problems found in 9 epochs'
    """
    if not findings:
        return f"no problems found in {epochs} epochs"
    noun = "problem" if len(findings) == 1 else "problems"
    lines = [f"{len(findings)} {noun} found in {epochs} epochs:"]
    for i, finding in enumerate(findings, start=1):
        title = finding.kind.replace("_", " ")
        lines += ["", f"{i}. {title} [{finding.severity}]", f"   {finding.message}"]
        if finding.evidence:
            lines.append("   evidence:")
            lines += [f"     {k} = {_format_value(v)}" for k, v in finding.evidence.items()]
        lines.append("   remedies (in the chapter's order):")
        lines += [f"     {j}) {r}" for j, r in enumerate(finding.remedies, start=1)]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the findings for ``args.run``; raise ValueError/FileNotFoundError on a bad file."""
    from netopt.diagnose import diagnose

    history = _load(args.run)
    try:
        findings = diagnose(history, task=args.task)
    except (OverflowError, TypeError, KeyError, RecursionError) as exc:
        # a history that parses but holds values no training wrote (10**400, a string loss)
        raise ValueError(
            f"{args.run!r} holds values that are not a training history: {exc}"
        ) from None

    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=1, allow_nan=False))
    else:
        print(format_findings(findings, len(history)))
    return 0
