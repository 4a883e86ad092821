r"""The chapter's experiments, in chapter order, and how they are found.

Each name in :data:`EXPERIMENT_MODULES` is a module ``netopt.lab.experiments.<name>`` that
registers itself with :func:`netopt.lab.core.experiment` when imported.
:func:`load_experiments` imports them; a module that does not exist (yet) is skipped,
any other import error propagates, so a broken experiment is never silently left out.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from .core import REGISTRY, Experiment

EXPERIMENT_MODULES = (
    "entropy",
    "objectives",
    "descent",
    "learning_rate",
    "activations",
    "gradients",
    "generalization",
)
"""Modules under ``netopt.lab.experiments``, one per section of the chapter, in its order."""

PACKAGE = "netopt.lab.experiments"


def load_experiments(modules: Sequence[str] = EXPERIMENT_MODULES) -> list[Experiment]:
    r"""Import the experiment modules and return every registered experiment, by ``order``.

    Parameters
    ----------
    modules : sequence of str, default :data:`EXPERIMENT_MODULES`
        Module names under ``netopt.lab.experiments``.

    Returns
    -------
    list of Experiment
        All experiments in :data:`~netopt.lab.core.REGISTRY` (including any registered
        by other means), sorted by ``(order, name)``.

    Raises
    ------
    ImportError
        When a present module fails to import (only "module absent" is tolerated).

    Examples
    --------
    >>> "entropy" in [e.name for e in load_experiments()]
    True
    """
    for module in modules:
        qualified = f"{PACKAGE}.{module}"
        try:
            importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:  # the module exists but something it imports is missing
                raise
    return sorted(REGISTRY.values(), key=lambda e: (e.order, e.name))


def select(experiments: Sequence[Experiment], names: Sequence[str]) -> list[Experiment]:
    r"""The experiments named in ``names`` (all when empty), in chapter order.

    Parameters
    ----------
    experiments : sequence of Experiment
        What :func:`load_experiments` returned.
    names : sequence of str
        Requested names; duplicates are ignored.

    Raises
    ------
    ValueError
        Naming every unknown name and listing the valid ones.

    Examples
    --------
    >>> select(load_experiments(), ["nope"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown experiment 'nope'; valid names: ...
    """
    if not names:
        return list(experiments)
    known = {e.name: e for e in experiments}
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise ValueError(f"unknown experiment{plural} {listed}; valid names: {', '.join(known)}")
    wanted = set(names)
    return [e for e in experiments if e.name in wanted]
