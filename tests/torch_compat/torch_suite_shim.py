"""Run PyTorch's own ``test/optim/test_lrscheduler.py``, unchanged, against netopt.

Usage::

    python tests/torch_compat/torch_suite_shim.py /path/to/test_lrscheduler.py [-v]

A name-only shim: before the file is imported, ``torch``, ``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.optim.lr_scheduler`` and
``torch.optim.swa_utils`` are made to resolve to netopt's modules, and
``torch.testing`` / ``torch.testing._internal.common_utils`` to the harness in
:mod:`torch_common_utils` (torch's ``TestCase``, ``assertEqual`` tolerances,
``parametrize``). Nothing in the test file is edited and no netopt object is
patched. The tests run with :mod:`unittest`; the script prints each failure's
first line and, last, ``SUMMARY passed=.. failed=.. errors=.. skipped=.. collected=..``.
The exit status is 0 when the file ran (whatever the counts), 2 when it could not be
loaded. ``--control`` runs the file against the real torch instead, with only torch's
harness replaced: torch passes its own tests, so anything but a clean run there is a
fault of the harness.

torch's file is not in the torch wheel; it is torch's code and stays out of this
repository: fetch ``test/optim/test_lrscheduler.py`` from pytorch/pytorch yourself.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
import unittest
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _TorchNamespace(types.ModuleType):
    """``torch``: every attribute it does not hold itself is looked up on netopt."""

    def __getattr__(self, name: str):
        import netopt

        return getattr(netopt, name)


def install_shim() -> None:
    """Point the ``torch`` names the scheduler tests import at netopt (idempotent).

    Refuses when the real torch is already imported in this process: the two cannot
    share ``sys.modules``.
    """
    current = sys.modules.get("torch")
    if isinstance(current, _TorchNamespace):
        return
    if current is not None:
        raise RuntimeError("torch is already imported; run the shim in a fresh process")
    import netopt
    import netopt.nn.functional
    import netopt.optim.lr_scheduler
    import netopt.optim.swa_utils

    sys.path.insert(0, str(HERE))
    import torch_common_utils

    torch = _TorchNamespace("torch", "netopt under torch's names (torch_suite_shim)")
    torch.__path__ = []  # a package, so that submodule imports resolve in sys.modules
    testing = types.ModuleType("torch.testing")
    testing.__path__ = []
    testing.assert_close = torch_common_utils.assert_close
    internal = types.ModuleType("torch.testing._internal")
    internal.__path__ = []
    internal.common_utils = torch_common_utils
    testing._internal = internal
    torch.testing = testing
    sys.modules.update(
        {
            "torch": torch,
            "torch.nn": netopt.nn,
            "torch.nn.functional": netopt.nn.functional,
            "torch.optim": netopt.optim,
            "torch.optim.lr_scheduler": netopt.optim.lr_scheduler,
            "torch.optim.swa_utils": netopt.optim.swa_utils,
            "torch.testing": testing,
            "torch.testing._internal": internal,
            "torch.testing._internal.common_utils": torch_common_utils,
        }
    )


class _Result(unittest.TestResult):
    """Counts, and each failure's or error's first line."""

    def __init__(self) -> None:
        super().__init__()
        self.passed: list[str] = []
        self.problems: list[tuple[str, str, str]] = []

    def addSuccess(self, test) -> None:
        """Count a pass."""
        super().addSuccess(test)
        self.passed.append(test.id())

    def _problem(self, kind: str, test, err) -> None:
        exc_type, exc, _tb = err
        lines = [line for line in str(exc).splitlines() if line.strip()]
        first = lines[0] if lines else ""
        self.problems.append((kind, test.id().rsplit(".", 1)[-1], f"{exc_type.__name__}: {first}"))

    def addFailure(self, test, err) -> None:
        """Record a failure."""
        super().addFailure(test, err)
        self._problem("FAIL", test, err)

    def addError(self, test, err) -> None:
        """Record an error."""
        super().addError(test, err)
        self._problem("ERROR", test, err)


def install_control() -> None:
    """The control run: the real torch, with only torch's harness replaced by
    :mod:`torch_common_utils` (torch's passes its own tests, so this checks the harness)."""
    import torch

    sys.path.insert(0, str(HERE))
    import torch_common_utils

    torch_common_utils.use_library(torch)
    sys.modules["torch.testing._internal.common_utils"] = torch_common_utils


def run(path: str | Path, verbose: bool = False, control: bool = False) -> _Result:
    """Import the test file under the shim (or, ``control``, under the real torch) and
    run every test in it."""
    install_control() if control else install_shim()
    spec = importlib.util.spec_from_file_location("test_lrscheduler", str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    suite = unittest.TestLoader().loadTestsFromModule(module)
    result = _Result()
    suite.run(result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: run the file, print the failures and the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="torch's test/optim/test_lrscheduler.py")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list passing tests and show warnings"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="run against the real torch (only the harness replaced): checks the harness",
    )
    args = parser.parse_args(argv)
    if not Path(args.path).is_file():
        print(f"no such file: {args.path}", file=sys.stderr)
        return 2
    if not args.verbose:  # warnings the tests provoke on purpose; tests record their own
        warnings.showwarning = lambda *_args, **_kw: None
    result = run(args.path, args.verbose, args.control)
    if args.verbose:
        for name in result.passed:
            print(f"ok     {name.rsplit('.', 1)[-1]}")
    for kind, name, line in sorted(result.problems, key=lambda p: p[1]):
        print(f"{kind:<6} {name}: {line}")
    skipped = len(result.skipped)
    print(
        f"SUMMARY passed={len(result.passed)} failed={len(result.failures)} "
        f"errors={len(result.errors)} skipped={skipped} collected={result.testsRun}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
