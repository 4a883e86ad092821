"""The ``netopt`` command.

Each subcommand lives in its own module ``netopt.cli.<name>`` that defines
``register(subparsers)``; ``register`` adds a parser whose ``handler`` default is a
function ``(args) -> int``. Subcommand modules are imported only when the command
line is parsed, so ``netopt --help`` stays fast, and they import the library lazily
inside their handlers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__

SUBCOMMANDS = ("lab", "info", "diagnose", "playground", "sweep", "bench")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="netopt",
        description="Neural-network optimization from first principles: experiments, "
        "information measures and training diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"netopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a subcommand whose module is not present
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        status = int(handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        return _closed_pipe()
    except (ValueError, FileNotFoundError) as exc:
        print(f"netopt {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _closed_pipe() -> int:
    """The reader of stdout went away (``netopt ... | head``): stop quietly, status 1.

    stdout is pointed at the null device so that Python's final flush does not report
    the broken pipe again (the recipe of the ``signal`` module's documentation).
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured)
        pass
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
