"""The house rules of the package (docs/architecture.md), read from its source: layers import
only downward, the numeric core never touches Qt, only the Bluetooth link touches bleak, and
no module imports itself round a circle (function-level imports count too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "imu_monitor"
# Layers, lowest first: a module may import its own layer and those below.
LAYERS = (
    ("core", ("conventions", "rotations", "samples", "errors", "limits", "drills",
              "processing", "pipeline", "reading", "presentation", "protocols",
              "simulation")),
    ("data", ("link", "sources", "recording", "importers", "importing",
              "safe_write", "input_files", "analysis", "export", "batch", "lsl", "display",
              "logs", "heap", "session", "testing")),
    ("gui", ("app", "painting")),
    ("cli", ("cli", "__main__")),
)
# The report's page is painted with Qt: GUI-layer code, which the exports load (the one
# import upward) only when a report is asked for.
REPORT_PAGE = "imu_monitor.export.report_page"
QT = ("PySide6", "pyqtgraph")
QT_ALLOWED = ("imu_monitor.app", "imu_monitor.painting", "imu_monitor.export.report_page")
BLEAK_ALLOWED = ("imu_monitor.link", "imu_monitor.testing")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("imu_monitor", *path.relative_to(PACKAGE).with_suffix("").parts))
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str) -> list[tuple[str, int]]:
    """(imported module, line) of every import in ``name``, at any depth of its code."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full if full in MODULES else base, node.lineno))
    return out


def _internal_graph() -> dict[str, set[str]]:
    return {name: {m for m, _ in _imports(name) if m in MODULES and m != name}
            for name in MODULES}


def _layer(name: str) -> int:
    if name == REPORT_PAGE:
        return 2
    first = name.split(".")[1] if "." in name else ""
    for rank, (_, tops) in enumerate(LAYERS):
        if first in tops:
            return rank
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def test_every_module_has_a_layer_and_imports_only_downward():
    upward = []
    for name in MODULES:
        if name == "imu_monitor":
            continue
        for target, line in _imports(name):
            if target in MODULES and target not in ("imu_monitor", REPORT_PAGE) and \
                    _layer(target) > _layer(name):
                upward.append(f"{name}:{line} imports {target}")
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    graph = _internal_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.parametrize("library,allowed", [(QT, QT_ALLOWED), (("bleak",), BLEAK_ALLOWED)])
def test_qt_and_bleak_stay_where_they_belong(library, allowed):
    misplaced = [f"{name}:{line} imports {target}" for name in MODULES
                 for target, line in _imports(name)
                 if target.split(".")[0] in library and not name.startswith(allowed)]
    assert not misplaced, "\n".join(misplaced)


def test_the_numeric_core_loads_without_qt_or_bleak():
    code = ("import sys, imu_monitor.pipeline, imu_monitor.analysis, imu_monitor.export.session, "
            "imu_monitor.presentation, imu_monitor.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'bleak')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
