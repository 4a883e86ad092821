r"""The lab's vocabulary: what an experiment returns, what it is given, how it registers.

An experiment is a function ``run(ctx: Context) -> Result`` registered with the
:func:`experiment` decorator. It measures the chapter's statements in this run and
returns them as :class:`Claim` objects (the statement, whether it held, the numbers),
with :class:`Table` and :class:`FigureSpec` objects that show the same run. The runner
(:mod:`netopt.lab.runner`) isolates and times each experiment; the report
(:mod:`netopt.lab.report`) writes ``index.html`` and ``results.json``.

Examples
--------
>>> from netopt.lab.core import Claim, Context, Result
>>> def run(ctx):
...     x = ctx.rng("data").normal(size=1000)
...     return Result(claims=[Claim("the sample mean is near 0", bool(abs(x.mean()) < 0.2),
...                                 f"mean={x.mean():.3f}", kind="check")])
>>> run(Context(seed=0, quick=True)).claims[0].holds
True
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import is_int

EXPERIMENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
"""Experiment names: a lower-case identifier (the prefix ``<name>-`` of its figure files)."""

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
"""Figure names: lower-case file stems."""

REGISTRY: dict[str, Experiment] = {}
"""Every registered experiment by name; :func:`netopt.lab.registry.load_experiments` fills it."""


KINDS = ("check", "finding")
"""The two kinds of claim: see :class:`Claim`."""

PROTOCOL_KEYS = ("seeds", "tuning", "statistic")
"""What a finding's protocol must state (more keys may follow, e.g. ``"work"``)."""


@dataclass
class Claim:
    r"""One statement of the chapter, measured in this run.

    Parameters
    ----------
    claim : str
        The chapter's statement in plain English, e.g. ``"KL divergence is asymmetric"``.
    holds : bool
        Whether the measurement in this run supports it.
    evidence : str
        The numbers from this run, e.g. ``"D(A||B)=0.1438 vs D(B||A)=0.1308"``. For a
        finding, with its spread over seeds (median and range, or ``"9 of 10 seeds"``).
    kind : {"check", "finding"}, keyword-only, required
        ``"check"``: an identity, a definition or an exact reproduction that correct code
        must satisfy (it tests the code, not the chapter). ``"finding"``: a statement
        about behaviour that could come out either way on real data; it is evidence for
        the chapter.
    protocol : dict or None, keyword-only
        Required for a finding, None for a check: how the finding was measured, with at
        least ``"seeds"`` (how many seeds it repeats over in this run, a positive int),
        ``"tuning"`` (how hyperparameters were chosen, and the budget; ``"none"`` when
        nothing is tuned) and ``"statistic"`` (what is compared and the paired count
        that must be met). Values are str, int, float, bool or lists of them. Optional
        ``"per_seed"``: whether the statement held on each seed (a list of ``seeds``
        bools); the evidence then states the count as :func:`seed_count` words it
        (``"9 of 10 seeds"``), and ``results.json`` carries the list.

    Raises
    ------
    ValueError
        On an unknown kind, a finding without a complete protocol, or a check with one;
        on a ``"per_seed"`` that is not ``seeds`` bools or whose count the evidence
        does not state.

    Examples
    --------
    >>> Claim("2 + 2 = 4", True, "4", kind="check").protocol is None
    True
    >>> Claim("x wins", True, "5 of 5 seeds", kind="finding")
    Traceback (most recent call last):
    ...
    ValueError: finding 'x wins' needs a protocol dict with 'seeds', 'tuning', 'statistic'
    """

    claim: str
    holds: bool
    evidence: str
    kind: str = field(kw_only=True)
    protocol: dict[str, Any] | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _check_kind(self.claim, self.kind, self.protocol)
        if self.protocol is not None and "per_seed" in self.protocol:
            _check_per_seed(self.claim, self.evidence, self.protocol)


def _check_kind(claim: object, kind: object, protocol: object) -> None:
    if kind not in KINDS:
        raise ValueError(f"Claim kind must be 'check' or 'finding', got {kind!r} for {claim!r}")
    if kind == "check":
        if protocol is not None:
            raise ValueError(f"check {claim!r} takes no protocol (got {protocol!r})")
        return
    keys = ", ".join(repr(k) for k in PROTOCOL_KEYS)
    if not isinstance(protocol, dict) or any(k not in protocol for k in PROTOCOL_KEYS):
        raise ValueError(f"finding {claim!r} needs a protocol dict with {keys}")
    seeds = protocol["seeds"]
    if not is_int(seeds) or seeds < 1:
        raise ValueError(f"finding {claim!r}: protocol seeds must be a positive int, got {seeds!r}")
    for key, value in protocol.items():
        if not isinstance(key, str) or not _plain_value(value):
            raise ValueError(
                f"finding {claim!r}: protocol {key!r} must be str, int, float, bool or a list "
                f"of them, got {value!r}"
            )


def seed_count(held: Sequence[bool]) -> str:
    """The paired count of a finding as the evidence words it: ``"N of M seeds"``.

    Examples
    --------
    >>> seed_count([True, False, True])
    '2 of 3 seeds'
    """
    return f"{sum(bool(h) for h in held)} of {len(held)} seeds"


def _check_per_seed(claim: object, evidence: str, protocol: dict) -> None:
    held = protocol["per_seed"]
    if not isinstance(held, list) or len(held) != protocol["seeds"]:
        raise ValueError(
            f"finding {claim!r}: protocol per_seed must be a list of {protocol['seeds']} bools "
            f"(one per seed), got {held!r}"
        )
    if not all(isinstance(h, bool) for h in held):
        raise ValueError(f"finding {claim!r}: protocol per_seed must hold bools, got {held!r}")
    if seed_count(held) not in evidence:
        raise ValueError(
            f"finding {claim!r}: the evidence must state {seed_count(held)!r}, got {evidence!r}"
        )


def _plain_value(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain_value(v) for v in value)
    return isinstance(value, (str, int, float, bool))


@dataclass
class Note:
    r"""A flagged remark on the chapter itself: an error, a typo, an unsupported statement.

    Shown on the page where it arises, apart from the claims; it is not counted.

    Parameters
    ----------
    title : str
        Short, e.g. ``"Eq. 6-15 is misprinted"``.
    text : str
        What the chapter says, what is right, and why.
    """

    title: str
    text: str


@dataclass
class Table:
    """A table of numbers from this run.

    Parameters
    ----------
    title : str
        Caption shown above the table.
    columns : list of str
        Column headings.
    rows : list of list
        One list per row, as many cells as ``columns``; cells are str, int, float or bool.
    """

    title: str
    columns: list[str]
    rows: list[list]


@dataclass
class FigureSpec:
    """A matplotlib figure drawn from this run.

    Parameters
    ----------
    name : str
        File stem: ``"kl_asymmetry"`` becomes ``<out>/figures/<experiment>-kl_asymmetry.png``.
    figure : matplotlib.figure.Figure
        The figure; the runner renders it to PNG and closes it.
    caption : str
        What the figure shows, citing the chapter's figure number (``"Cf. chapter figure 6.10"``).
    """

    name: str
    figure: Any
    caption: str


@dataclass
class Result:
    """What an experiment returns: its claims, and the figures and tables of the same run.

    Parameters
    ----------
    claims : list of Claim
    figures : list of FigureSpec, optional
    tables : list of Table, optional
    summary : str, optional
        One or two sentences shown under the experiment's title.
    notes : list of Note, optional
        The chapter's own errors flagged where they arise.
    """

    claims: list[Claim]
    figures: list[FigureSpec] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    summary: str = ""
    notes: list[Note] = field(default_factory=list)


ProgressCallback = Callable[[float, str], None]


class Context:
    r"""What an experiment is given: the seed, the run size, random streams and progress.

    Parameters
    ----------
    seed : int, default 0
        Non-negative; every random stream of the run derives from it.
    quick : bool, default False
        Smaller runs (``netopt lab --quick``): the same claims, fewer steps.
    progress : callable, optional
        ``progress(fraction, message)``, called by :meth:`progress`; the runner passes
        one that drives the command line's progress display.

    Examples
    --------
    >>> ctx = Context(seed=3, quick=True)
    >>> float(ctx.rng("init").random()) == float(Context(seed=3).rng("init").random())
    True
    >>> float(ctx.rng("init").random()) == float(ctx.rng("data").random())
    False
    """

    def __init__(
        self, seed: int = 0, quick: bool = False, *, progress: ProgressCallback | None = None
    ) -> None:
        if not is_int(seed) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.quick = bool(quick)
        self._progress = progress

    def rng(self, name: str) -> np.random.Generator:
        r"""A fresh generator that depends only on ``(seed, name)``.

        The name is hashed (SHA-256, so it is stable across processes and Python
        versions) into the ``spawn_key`` of a :class:`numpy.random.SeedSequence` whose
        entropy is the seed: two names give independent streams, and asking twice for
        the same name gives the same stream from its start.

        Parameters
        ----------
        name : str
            What the stream is for, e.g. ``"init"``, ``"batches"``.

        Returns
        -------
        numpy.random.Generator
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"rng name must be a non-empty string, got {name!r}")
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        key = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def progress(self, fraction: float, message: str = "") -> None:
        """Report that the experiment is ``fraction`` (0..1, clamped) done."""
        if self._progress is None:
            return
        value = float(fraction)
        value = 0.0 if math.isnan(value) else min(max(value, 0.0), 1.0)
        self._progress(value, str(message))

    def __repr__(self) -> str:
        return f"Context(seed={self.seed}, quick={self.quick})"


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: one section of the chapter.

    Parameters
    ----------
    name : str
        Command-line name and file prefix, e.g. ``"entropy"``.
    title, title_zh : str
        The section title in English and in the chapter's Chinese.
    reference : str
        Where it is in the chapter: slides, equation and figure numbers.
    order : int
        Position in the chapter; the report and ``--list`` sort by it.
    run : callable
        ``run(ctx: Context) -> Result``.
    """

    name: str
    title: str
    title_zh: str
    reference: str
    order: int
    run: Callable[[Context], Result]

    def __post_init__(self) -> None:
        _check_identity(self.name, self.order)


def _check_identity(name: object, order: object) -> None:
    if not isinstance(name, str) or not EXPERIMENT_NAME.match(name):
        raise ValueError(f"Invalid experiment name: {name!r} (lower-case letters, digits, _)")
    if not is_int(order):
        raise ValueError(f"Invalid experiment order: {order!r} (an integer)")


def experiment(
    *, name: str, title: str, title_zh: str, reference: str, order: int
) -> Callable[[Callable[[Context], Result]], Callable[[Context], Result]]:
    r"""Register ``run(ctx) -> Result`` as the experiment ``name`` in :data:`REGISTRY`.

    The decorated function is returned unchanged, so it can still be called directly.

    Parameters
    ----------
    name : str
        A lower-case identifier: letters, digits and ``_`` (it prefixes file names).
    title, title_zh, reference : str
        See :class:`Experiment`.
    order : int
        The chapter's order.

    Raises
    ------
    ValueError
        On a malformed name, or when another function already holds the name (the
        same function registering again, as on a module reload, replaces itself).

    Examples
    --------
    >>> @experiment(name="doc_example", title="Example", title_zh="例子",
    ...             reference="none", order=99)
    ... def run(ctx):
    ...     return Result(claims=[])
    >>> REGISTRY["doc_example"].title_zh
    '例子'
    >>> del REGISTRY["doc_example"]
    """
    _check_identity(name, order)

    def register(run: Callable[[Context], Result]) -> Callable[[Context], Result]:
        previous = REGISTRY.get(name)
        if previous is not None and _qualified(previous.run) != _qualified(run):
            raise ValueError(
                f"experiment {name!r} is already registered by {_qualified(previous.run)}"
            )
        REGISTRY[name] = Experiment(name, title, title_zh, reference, order, run)
        return run

    return register


def _qualified(function: Callable) -> str:
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"
