r"""``netopt info``: information measures of two distributions or of two CSV columns.

Two modes::

    netopt info --p 1/2,1/2 --q 1/4,3/4 [--base 2] [--normalize]
    netopt info --csv FILE --x COL --y COL [--bins N] [--no-header] [--base 2]

The first prints :math:`H(P)`, :math:`H(Q)`, :math:`H(P,Q)`, both KL divergences and
the JS divergence (only :math:`H(P)` when ``--q`` is left out); the second prints the
plug-in and Miller-Madow estimates of :math:`H(X)`, :math:`H(Y)`, :math:`H(X,Y)`,
:math:`H(X|Y)`, :math:`H(Y|X)` and :math:`I(X;Y)` from paired samples. Bad input gets the
library's error message, with its keyword arguments spelled as this command's options.
"""

from __future__ import annotations

import argparse
import csv
import math
from fractions import Fraction
from typing import Any

_UNITS = {None: "nats", 2.0: "bits", 10.0: "hartleys"}
_OPTION_NAMES = (("normalize=True", "--normalize"), ("bins=", "--bins N"))


def register(subparsers: Any) -> None:
    """Add the ``info`` subcommand to ``subparsers`` (an ``argparse`` subparsers action)."""
    parser = subparsers.add_parser(
        "info",
        help="entropy, cross-entropy, KL, JS and mutual information",
        description="Information measures of two distributions (--p, --q) or of two "
        "columns of paired samples in a CSV file (--csv, --x, --y).",
        epilog="example: netopt info --p 1/2,1/2 --q 1/4,3/4",
    )
    dist = parser.add_argument_group("two distributions")
    dist.add_argument(
        "--p", metavar="P", help="comma-separated probabilities, e.g. 0.5,0.5 or 1/2,1/2"
    )
    dist.add_argument("--q", metavar="Q", help="a second distribution of the same length")
    # words after --p/--q (``--p 0.5 0.5``) land here and get a hint about the comma format
    parser.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    dist.add_argument(
        "--normalize", action="store_true", help="rescale P and Q to sum to 1 (counts, weights)"
    )
    samples = parser.add_argument_group("paired samples")
    samples.add_argument("--csv", metavar="FILE", help="CSV file with one sample pair per row")
    samples.add_argument("--x", metavar="COL", help="column of X: a header name or 0-based index")
    samples.add_argument("--y", metavar="COL", help="column of Y: a header name or 0-based index")
    samples.add_argument("--bins", metavar="N", help="bin numeric columns into N equal-width bins")
    samples.add_argument(
        "--no-header", action="store_true", help="the first row is data, not column names"
    )
    parser.add_argument(
        "--base", metavar="B", default="e", help="logarithm base: e (nats, default), 2 (bits), 10"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the table for ``args``; raise ValueError with a clear message on bad input."""
    base = _parse_base(args.base)
    if args.stray:
        _refuse_stray(args)
    try:
        if args.csv is not None:
            _check_unused(args, ("p", "q", "normalize"), "--csv")
            lines = _samples_table(args, base)
        elif args.p is not None:
            _check_unused(args, ("x", "y", "bins", "no_header"), "--p")
            lines = _distributions_table(args, base)
        else:
            raise ValueError("give --p P [--q Q], or --csv FILE --x COL --y COL")
    except ValueError as exc:
        message = str(exc)
        for keyword, option in _OPTION_NAMES:
            message = message.replace(keyword, option)
        raise ValueError(message) from exc
    print("\n".join(lines))
    return 0


def _refuse_stray(args: argparse.Namespace) -> None:
    words = " ".join(args.stray)
    if args.p is not None and args.q is None:
        raise ValueError(
            f"--p takes one comma-separated list: --p {','.join([args.p, *args.stray])} "
            f"(not --p {args.p} {words})"
        )
    if args.p is not None or args.q is not None:
        raise ValueError(
            f"unexpected arguments {words!r}: --p and --q each take one comma-separated "
            "list, e.g. --p 0.5,0.5 --q 0.25,0.75"
        )
    raise ValueError(f"unexpected arguments {words!r}")


def _check_unused(args: argparse.Namespace, names: tuple[str, ...], mode: str) -> None:
    for name in names:
        if getattr(args, name) not in (None, False):
            option = "--" + name.replace("_", "-")
            raise ValueError(f"{option} cannot be used with {mode}")


def _parse_base(text: str) -> float | None:
    if text.strip().lower() == "e":
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"--base: {text!r} is not a number (use e, 2, 10, ...)") from None


def _parse_distribution(text: str, option: str) -> list[float]:
    values = []
    for token in text.split(","):
        token = token.strip()
        try:
            values.append(float(Fraction(token)))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{option}: {token!r} is not a number in {text!r}") from None
        except OverflowError:
            raise ValueError(f"{option}: {token!r} is too large for a float") from None
    return values


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.6f}"
    return "0.000000" if text == "-0.000000" else text


def _table(header: list[str], rows: list[tuple[str, ...]], align: str) -> list[str]:
    """Columns padded to a common width: ``align`` holds "l" or "r" for each column."""
    widths = [max(len(r[i]) for r in [tuple(header), *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...] | list[str]) -> str:
        padded = (
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _units(base: float | None) -> str:
    if base in _UNITS:
        return _UNITS[base]
    return f"log base {base:g}"


def _distributions_table(args: argparse.Namespace, base: float | None) -> list[str]:
    from netopt import info

    p = _parse_distribution(args.p, "--p")
    kw = {"base": base, "normalize": args.normalize}
    rows = [("H(P)", "entropy", _fmt(info.entropy(p, **kw)))]
    if args.q is not None:
        q = _parse_distribution(args.q, "--q")
        rows += [
            ("H(Q)", "entropy", _fmt(info.entropy(q, **kw))),
            ("H(P,Q)", "cross-entropy", _fmt(info.cross_entropy(p, q, **kw))),
            ("KL(P||Q)", "relative entropy", _fmt(info.kl_divergence(p, q, **kw))),
            ("KL(Q||P)", "relative entropy", _fmt(info.kl_divergence(q, p, **kw))),
            ("JS(P,Q)", "Jensen-Shannon divergence", _fmt(info.js_divergence(p, q, **kw))),
        ]
    header = ["measure", "name", _units(base)]
    return _table(header, rows, "llr")


def _column(header: list[str] | None, spec: str, option: str) -> int:
    if header is not None and spec in header:
        return header.index(spec)
    if spec.isdigit():
        return int(spec)
    names = ", ".join(header) if header else "none: the file has no header"
    raise ValueError(f"{option}: no column {spec!r} (columns: {names})")


def _read_columns(args: argparse.Namespace) -> tuple[list[str], list[str], str, str]:
    if args.x is None or args.y is None:
        raise ValueError("--csv needs both --x COL and --y COL")
    _check_regular_file(args.csv)
    try:
        # utf-8-sig: a byte-order mark (spreadsheet exports) is not part of the first name
        with open(args.csv, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    except FileNotFoundError:
        raise  # netopt.cli.main reports it as it is
    except OSError as exc:
        raise ValueError(f"cannot read {args.csv}: {exc.strerror}") from None
    header = None
    if rows and not args.no_header:
        header = [c.strip() for c in rows.pop(0)[1]]
    ix, iy = _column(header, args.x, "--x"), _column(header, args.y, "--y")
    xs, ys = [], []
    for number, row in rows:
        if max(ix, iy) >= len(row):
            raise ValueError(
                f"{args.csv} line {number}: {len(row)} columns, no column {max(ix, iy)}"
            )
        for col, out in ((ix, xs), (iy, ys)):
            cell = row[col].strip()
            if not cell:
                raise ValueError(f"{args.csv} line {number}: empty value in column {col}")
            out.append(cell)
    names = (header[ix] if header else f"#{ix}", header[iy] if header else f"#{iy}")
    return xs, ys, *names


def _check_regular_file(path: str) -> None:
    """Refuse a FIFO, a device (``/dev/zero``) or a folder before opening it (which could
    block, or read without end)."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise  # netopt.cli.main reports it as it is
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"cannot read {path}: Is a directory")
    if not stat.S_ISREG(mode):
        raise ValueError(f"--csv: {path!r} is not a regular file")


def _as_numbers(values: list[str], option: str) -> Any:
    import numpy as np

    try:
        return np.array([float(v) for v in values])
    except ValueError:
        bad = next(v for v in values if not _is_number(v))
        raise ValueError(f"{option}: {bad!r} is not a number, so it cannot be binned") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _samples_table(args: argparse.Namespace, base: float | None) -> list[str]:
    import numpy as np

    from netopt import info

    xs, ys, x_name, y_name = _read_columns(args)
    bins = None
    if args.bins is not None:
        if not args.bins.strip().isdigit():
            raise ValueError(f"--bins: {args.bins!r} is not a positive integer")
        bins = int(args.bins)
    if bins is None:
        x, y = _labels(xs), _labels(ys)
    else:
        x, y = _as_numbers(xs, "--x"), _as_numbers(ys, "--y")
    table = info.contingency_table(x, y, bins=bins)
    kw: dict[str, Any] = {"base": base, "bins": bins}
    columns = [
        (
            info.entropy_from_samples(x, method=m, **kw),
            info.entropy_from_samples(y, method=m, **kw),
            info.joint_entropy_from_samples(x, y, method=m, **kw),
            info.conditional_entropy_from_samples(x, y, method=m, **kw),
            info.conditional_entropy_from_samples(y, x, method=m, **kw),
            info.mutual_information_from_samples(x, y, method=m, **kw),
        )
        for m in info.METHODS
    ]
    names = ("H(X)", "H(Y)", "H(X,Y)", "H(X|Y)", "H(Y|X)", "I(X;Y)")
    rows = [(name, *(_fmt(c[k]) for c in columns)) for k, name in enumerate(names)]
    summary = (
        f"{int(table.sum())} samples from {args.csv}: X = {x_name!r} "
        f"({np.count_nonzero(table.sum(axis=1))} values), Y = {y_name!r} "
        f"({np.count_nonzero(table.sum(axis=0))} values)"
    )
    header = [f"measure ({_units(base)})", "plug-in", "Miller-Madow"]
    return [summary, "", *_table(header, rows, "lrr")]


def _labels(values: list[str]) -> Any:
    """Numbers when every cell is one (so 1 and 1.0 agree), strings otherwise."""
    import numpy as np

    if all(_is_number(v) for v in values):
        return np.array([float(v) for v in values])
    return np.array(values)
