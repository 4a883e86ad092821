r"""The problems a sweep can tune: a registry of training tasks, and user functions.

A problem is a function ``problem(config, report) -> metrics``: ``config`` is one trial's
hyper-parameters merged with the problem's options and ``trial_seed`` (the seed derived
from the sweep's root seed and the config), ``report(step, value)`` hands an intermediate
objective value to the pruner (and raises to stop a pruned or diverged trial), and the
returned dict of finite numbers holds the objective and anything else worth keeping.

Built in: the 2-D surfaces of :mod:`netopt.sweep.surfaces` (``ravine``, ``rosenbrock``,
``saddle``) and the model problems of :mod:`netopt.sweep.models`. A user problem
is named by its import path ``"package.module:function"``, so that a trial travels to a
worker as plain data and the worker imports the function itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from . import models, surfaces
from .base import Problem, ProblemFn, Report

__all__ = [
    "Problem",
    "ProblemFn",
    "Report",
    "import_function",
    "import_path",
    "names",
    "register",
    "resolve",
]

_REGISTRY: dict[str, Problem] = {p.name: p for p in (*surfaces.PROBLEMS, *models.PROBLEMS)}


def register(problem: Problem) -> Problem:
    """Add ``problem`` to the registry under its name (replacing one of the same name)."""
    _REGISTRY[problem.name] = problem
    return problem


def names() -> list[str]:
    """Return the registered problem names, sorted."""
    return sorted(_REGISTRY)


def resolve(problem: str | Callable[..., Any]) -> Problem:
    """Return the :class:`Problem` named by ``problem``.

    ``problem`` is a registered name, an import path ``"module:function"`` or a function
    (which must be importable by its module and qualified name to run on Dask workers; see
    :func:`import_path`).

    Raises
    ------
    ValueError
        On a name that is neither registered nor an importable ``module:function``.
    """
    if callable(problem):
        return Problem(getattr(problem, "__name__", "user"), problem, metric="loss")
    if not isinstance(problem, str) or not problem:
        raise ValueError(f"problem must be a name or 'module:function', got {problem!r}")
    if problem in _REGISTRY:
        return _REGISTRY[problem]
    if problem.startswith("local:"):
        if problem not in _LOCAL:
            raise ValueError(
                f"problem {problem!r} exists only in the process that defined it: define it "
                "at the top of an importable module to run it elsewhere"
            )
        return Problem(problem, _LOCAL[problem], metric="loss")
    if ":" not in problem:
        raise ValueError(
            f"unknown problem {problem!r}; expected one of {', '.join(sorted(_REGISTRY))} "
            "or an import path 'module:function'"
        )
    return Problem(problem, import_function(problem), metric="loss")


def import_function(path: str) -> ProblemFn:
    """Import ``"package.module:function"`` and return the function."""
    module_name, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import problem {path!r}: {exc}") from None
    if not callable(obj):
        raise ValueError(f"problem {path!r} is not callable")
    return obj


def import_path(fn: Callable[..., Any]) -> str:
    """Return ``"module:qualname"`` of ``fn`` if it imports back to ``fn``.

    Otherwise (a closure, a lambda, a function of ``__main__``) return ``"local:<module>:
    <qualname>"`` and keep the function in this process: such a problem runs in-process
    only (a Dask worker could not import it, and the runner refuses it for Dask).
    """
    path = f"{fn.__module__}:{fn.__qualname__}"
    importable = "<" not in path and fn.__module__ != "__main__"
    if importable:
        try:
            importable = import_function(path) is fn
        except ValueError:
            importable = False
    if importable:
        return path
    local = f"local:{path}"
    _LOCAL[local] = fn
    return local


_LOCAL: dict[str, Callable[..., Any]] = {}
