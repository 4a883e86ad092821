"""The import graph of ``src/netopt`` against the layers written in docs/architecture.md.

Every ``import`` statement counts: module level, inside functions, under ``if
TYPE_CHECKING:``, relative and absolute. An edge goes from the importing module to the
module whose code the statement needs:

- ``import netopt.a.b`` and ``from netopt.a import b`` (``b`` a submodule) point to
  ``netopt.a.b``; importing a submodule does not count as importing its package;
- ``from netopt.a import name`` (``name`` not a submodule) points to ``netopt.a``, the
  package's ``__init__``.

Two checks read the graph:

- **cycles**: no module may reach itself (strongly connected components of the graph);
- **layers**: the fenced ``layers`` block of docs/architecture.md lists the top-level units
  of ``netopt`` (subpackages and modules) from the bottom up, several on a line. A unit may
  import itself and any unit on a line above its own; units that share a line are peers and
  may not import each other. ``netopt/__init__.py``, the top-level face, stands
  between the line of ``_io`` and the next; ``netopt/__main__.py`` is the unit ``__main__``.

Names loaded with ``importlib.import_module`` (the lazy top level, the cli's subcommands) are
not read. Besides, no module under ``src/netopt`` may exceed 400 lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "netopt"
DOC = ROOT / "docs" / "architecture.md"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Map every module name under src/netopt (packages by their ``__init__``) to its file."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _imports(module: str, source: str | None = None) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import of a netopt module in ``module``."""
    if source is None:
        source = MODULES[module].read_text(encoding="utf-8")
    tree = ast.parse(source)
    package = module if _is_package(module) else module.rpartition(".")[0]
    edges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                while target and target not in MODULES:
                    target = target.rpartition(".")[0]
                if target:
                    edges.append((node.lineno, target))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base not in MODULES:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                edges.append((node.lineno, sub if sub in MODULES else base))
    return edges


def _graph() -> dict[str, list[tuple[int, str]]]:
    return {m: sorted({(line, t) for line, t in _imports(m) if t != m}) for m in MODULES}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def _layers() -> dict[str, float]:
    """Unit -> line number (0 at the bottom) from the ``layers`` block of architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^```layers\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) == 1, f"{DOC.name} must hold exactly one ```layers block"
    order = {}
    for level, line in enumerate(x for x in blocks[0].splitlines() if x.strip()):
        for unit in line.split():
            assert unit not in order, f"{unit} is listed twice in the layers block"
            order[unit] = level
    order[PACKAGE] = order["_io"] + 0.5
    return order


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def _strongly_connected(graph: dict[str, list[tuple[int, str]]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for _, child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_resolution_follows_submodules_not_packages():
    source = (
        "from . import callbacks\n"
        "from .. import nn, __version__\n"
        "from ..nn import Module\n"
        "import netopt.autograd.tensor as T\n"
        "import numpy\n"
        "def f():\n"
        "    from .context import Callback\n"
    )
    assert _imports("netopt.train.loop", source) == [
        (1, "netopt.train.callbacks"),
        (2, "netopt.nn"),
        (2, "netopt"),
        (3, "netopt.nn"),
        (4, "netopt.autograd.tensor"),
        (7, "netopt.train.context"),
    ]


def test_no_import_cycle():
    graph = _graph()
    report = []
    for component in _strongly_connected(graph):
        members = set(component)
        report.append("cycle among " + ", ".join(component) + ":")
        report += [
            f"  {_where(m, line)}: {m} -> {t}"
            for m in component
            for line, t in graph[m]
            if t in members
        ]
    assert not report, "\n".join(report)


def test_imports_follow_the_layers():
    order = _layers()
    report = []
    for module, edges in _graph().items():
        unit = _unit(module)
        if unit not in order:
            report.append(f"{_where(module, 1)}: unit {unit!r} is not in the layers block")
            continue
        for line, target in edges:
            other = _unit(target)
            if other == unit or (other in order and order[other] < order[unit]):
                continue
            if other not in order:
                why = f"{other!r} is not in the layers block"
            elif order[other] == order[unit]:
                why = "peers on one line"
            else:
                why = "upward"
            report.append(f"{_where(module, line)}: {module} -> {target} ({why})")
    assert not report, "imports the layers do not allow:\n" + "\n".join(report)


def test_no_module_exceeds_400_lines():
    lengths = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    long = [
        f"{MODULES[m].relative_to(ROOT)}: {n} lines" for m, n in lengths.items() if n > MAX_LINES
    ]
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)
