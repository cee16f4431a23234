"""The import graph of ``circuitforge`` follows the layers of ../shared/DESIGN.md.

Every module under ``src/circuitforge`` is parsed with :mod:`ast` (nothing is
imported), every ``import``/``from ... import`` is resolved to the project
module it loads (relative imports included, ``from pkg import submodule`` to
the submodule), and three rules are checked:

1. direction: a module imports only its own layer or the layers :data:`ALLOWED`
   names for it, at module level, under ``TYPE_CHECKING`` or inside a function;
2. no cycle among project modules at module level (what runs at import time);
3. no function-level (local) import of a project module: a local import hides a
   cycle or a layer break. Local imports of heavy third-party packages (torch,
   SB3, botorch, cma, matplotlib...) are fine and not looked at.

Violations are reported as ``file:line: module -> target``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

import circuitforge

SRC = Path(circuitforge.__file__).resolve().parent
ROOT = SRC.parent

# Layer of each top-level name under circuitforge/ (packages and the modules beside them), bottom to top.
# "root" is circuitforge/__init__.py (the version only).
# - core: the base package (errors, files, units, progress, checkpoints); imports nothing of the project.
# - netlists: the IR. examples: data (the shipped example netlists and `example_path`, which only needs the
#   IR's errors); it sits right above netlists so that every layer above may use the examples.
# - graph, spice, rf: each imports netlists (and core) only; they never import each other.
# - generators, surrogates: import graph/spice/rf and below, not each other.
# - rl: any layer below. design: the end-to-end flow, rl and below.
# - demo: the `circuitforge demo` walk-through's logic (over the examples, netlists and spice): design and below.
# - commands: the Typer commands, one module per area (demo included): demo, design and below.
# - cli: the top; imports everything.
BELOW_GRAPH = {"root", "core", "netlists", "examples"}
MIDDLE = {"graph", "spice", "rf"}
ALLOWED: dict[str, set[str]] = {
    "root": set(),
    "core": {"root"},
    "netlists": {"root", "core"},
    "examples": {"root", "core", "netlists"},
    "graph": BELOW_GRAPH,
    "spice": BELOW_GRAPH,
    "rf": BELOW_GRAPH,
    "generators": BELOW_GRAPH | MIDDLE,
    "surrogates": BELOW_GRAPH | MIDDLE,
    "rl": BELOW_GRAPH | MIDDLE | {"generators", "surrogates"},
    "design": BELOW_GRAPH | MIDDLE | {"generators", "surrogates", "rl"},
    "demo": BELOW_GRAPH | MIDDLE | {"generators", "surrogates", "rl", "design"},
    "commands": BELOW_GRAPH | MIDDLE | {"generators", "surrogates", "rl", "design", "demo"},
    "cli": BELOW_GRAPH | MIDDLE | {"generators", "surrogates", "rl", "design", "commands", "demo"},
}

# Known layer breaks, "importing module -> imported module" (none now). Each is a bug to fix; the test
# fails once one is fixed and still listed here.
LAYER_EXCEPTIONS: set[str] = set()

# The function-level imports of project modules that are allowed, as "module -> imported module": reason.
# Each defers torch / stable-baselines3 / scikit-rf / openEMS until the command or solver runs, so that
# `circuitforge --help` and the light layers stay fast. The test fails on an entry that no longer occurs.
_LAZY_HEAVY = ("the imported module pulls torch / stable-baselines3 / gymnasium / scikit-rf / matplotlib, "
               "loaded only when the command or function runs (for `circuitforge --help`)")
LOCAL_EXCEPTIONS: dict[str, str] = {
    # commands/ and design/pipeline.py: torch, SB3, scikit-rf behind the command bodies
    "circuitforge.commands.complete -> circuitforge.generators.linkpred": _LAZY_HEAVY,
    "circuitforge.commands.complete -> circuitforge.generators.linkpred.complete": _LAZY_HEAVY,
    "circuitforge.commands.complete -> circuitforge.generators.linkpred.pipeline": _LAZY_HEAVY,
    "circuitforge.commands.design -> circuitforge.design": _LAZY_HEAVY,
    "circuitforge.commands.design -> circuitforge.design.report": _LAZY_HEAVY,
    "circuitforge.commands.generate -> circuitforge.generators.topology.batch": _LAZY_HEAVY,
    "circuitforge.commands.generate -> circuitforge.generators.topology.train": _LAZY_HEAVY,
    "circuitforge.commands.generate -> circuitforge.rl.topology": _LAZY_HEAVY,
    "circuitforge.commands.generate -> circuitforge.rl.sizing.quick": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.rf.dataset": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.rf.geometry": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.rf.measure": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.rf.solver": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.rl.filters.agent": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.surrogates.pipeline": _LAZY_HEAVY,
    "circuitforge.commands.rf -> circuitforge.surrogates.surrogate": _LAZY_HEAVY,
    "circuitforge.commands.sizing -> circuitforge.rl": _LAZY_HEAVY,
    "circuitforge.commands.sizing -> circuitforge.rl.sizing.report": _LAZY_HEAVY,
    "circuitforge.commands.sizing -> circuitforge.rl.sizing.resolve": _LAZY_HEAVY,
    "circuitforge.commands.sizing -> circuitforge.rl.sizing.train": _LAZY_HEAVY,
    "circuitforge.commands.sizing -> circuitforge.rl.sizing.transfer": _LAZY_HEAVY,
    "circuitforge.design.pipeline -> circuitforge.generators.topology": _LAZY_HEAVY,
    # rf/solver.py: the solver by name; openEMS and scikit-rf load on use
    "circuitforge.rf.solver -> circuitforge.rf.openems_solver": _LAZY_HEAVY,
    "circuitforge.rf.solver -> circuitforge.rf.skrf_solver": _LAZY_HEAVY,
    # rl/filters/agent.py: plotting and the verifying solver load on use
    "circuitforge.rl.filters.agent -> circuitforge.rf.plot": _LAZY_HEAVY,
    "circuitforge.rl.filters.agent -> circuitforge.rf.solver": _LAZY_HEAVY,
}


@dataclass(frozen=True)
class Edge:
    """One import of a project module: where it is and what it loads."""

    source: str
    target: str
    path: Path
    line: int
    local: bool  # inside a function
    type_checking: bool  # under `if TYPE_CHECKING:`

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} -> {self.target}"


def module_names() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = module_names()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "circuitforge":
                yield alias.name
        return
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base_parts = package[: len(package) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if base.split(".")[0] != "circuitforge":
        return
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in MODULES else base


def _walk(module: str, path: Path, node: ast.AST, local: bool, tc: bool) -> Iterator[Edge]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            for target in _resolve(module, path, child):
                yield Edge(module, target, path, child.lineno, local, tc)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(module, path, child, True, tc)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(module, path, ast.Module(body=[stmt], type_ignores=[]), local, True)
            for stmt in child.orelse:
                yield from _walk(module, path, ast.Module(body=[stmt], type_ignores=[]), local, tc)
        else:
            yield from _walk(module, path, child, local, tc)


def import_edges() -> list[Edge]:
    """Every import of a project module in the package."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges.extend(_walk(module, path, tree, False, False))
    return edges


EDGES = import_edges()


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "root"


def test_every_module_has_a_layer():
    unknown = sorted({m for m in MODULES if layer(m) not in ALLOWED})
    assert not unknown, f"modules of no layer (add them to ALLOWED in tests/test_layers.py): {unknown}"


def test_the_parser_sees_imports():
    # the test would pass vacuously if it resolved nothing: spot-check a few known edges
    pairs = {(e.source, e.target) for e in EDGES}
    assert ("circuitforge.spice.simulator", "circuitforge.spice.analyses") in pairs
    assert any(s.startswith("circuitforge.cli") and layer(t) == "commands" for s, t in pairs)
    assert len(EDGES) > 200


def layer_breaks(edges: list[Edge]) -> list[Edge]:
    """Imports whose target's layer is not the source's own nor one :data:`ALLOWED` for it."""
    return [e for e in edges
            if layer(e.target) != layer(e.source) and layer(e.target) not in ALLOWED[layer(e.source)]]


def module_cycles(edges: list[Edge]) -> list[list[str]]:
    """Cycles among modules through imports that run at import time (not local, not under TYPE_CHECKING)."""
    g = nx.DiGraph()
    g.add_edges_from((e.source, e.target) for e in edges
                     if not e.local and not e.type_checking and e.source != e.target)
    return [c for c in nx.simple_cycles(g) if len(c) > 1]


def test_the_checks_catch_what_they_should():
    def edge(source: str, target: str, *, local: bool = False, tc: bool = False) -> Edge:
        return Edge(f"circuitforge.{source}", f"circuitforge.{target}", SRC / "x.py", 1, local, tc)

    breaks = layer_breaks([edge("graph.a", "spice.b"), edge("netlists.a", "core.b"), edge("spice.a", "rl"),
                           edge("rl.a", "graph.b"), edge("core.a", "netlists"), edge("cli", "commands.x")])
    assert [(e.source, e.target) for e in breaks] == [("circuitforge.graph.a", "circuitforge.spice.b"),
                                                      ("circuitforge.spice.a", "circuitforge.rl"),
                                                      ("circuitforge.core.a", "circuitforge.netlists")]
    assert module_cycles([edge("rl.a", "rl.b"), edge("rl.b", "rl.a")])
    assert not module_cycles([edge("rl.a", "rl.b"), edge("rl.b", "rl.a", local=True)])
    assert not module_cycles([edge("rl.a", "rl.b"), edge("rl.b", "rl.a", tc=True)])
    tree = ast.parse("import numpy\ndef f():\n    from .b import c\n    import torch\n"
                     "if TYPE_CHECKING:\n    from .d import e\n")
    got = list(_walk("circuitforge.rl.sizing.a", SRC / "rl" / "sizing" / "a.py", tree, False, False))
    assert [(e.target, e.local, e.type_checking) for e in got] == [("circuitforge.rl.sizing.b", True, False),
                                                                   ("circuitforge.rl.sizing.d", False, True)]


def test_imports_follow_the_layers():
    found = layer_breaks(EDGES)
    new = [e.where() for e in found if f"{e.source} -> {e.target}" not in LAYER_EXCEPTIONS]
    assert not new, "imports against the layers of DESIGN.md:\n" + "\n".join(new)
    stale = LAYER_EXCEPTIONS - {f"{e.source} -> {e.target}" for e in found}
    assert not stale, f"fixed, remove from LAYER_EXCEPTIONS: {sorted(stale)}"


def test_no_import_cycle_at_module_level():
    cycles = module_cycles(EDGES)[:10]
    assert not cycles, "import cycles among project modules:\n" + "\n".join(" -> ".join(c + c[:1]) for c in cycles)


def test_no_local_import_of_project_modules():
    found = [e for e in EDGES if e.local]
    new = [e.where() for e in found if f"{e.source} -> {e.target}" not in LOCAL_EXCEPTIONS]
    assert not new, ("function-level imports of project modules (import at module level; a cycle or a "
                     "layer break is to be fixed, not hidden):\n" + "\n".join(new))
    stale = set(LOCAL_EXCEPTIONS) - {f"{e.source} -> {e.target}" for e in found}
    assert not stale, f"fixed, remove from LOCAL_EXCEPTIONS: {sorted(stale)}"


@pytest.mark.parametrize("text, module, expected", [
    ("from ..netlists import Netlist", "circuitforge.spice.deck", "circuitforge.netlists"),
    ("from . import deck", "circuitforge.spice", "circuitforge.spice.deck"),
    ("from .errors import X", "circuitforge.spice.deck", "circuitforge.spice.errors"),
    ("import circuitforge.spice.deck as d", "circuitforge.rl", "circuitforge.spice.deck"),
    ("from ...spice import simulate", "circuitforge.rl.sizing.size", "circuitforge.spice"),
])
def test_relative_imports_resolve(text, module, expected):
    path = MODULES[module]
    node = ast.parse(text).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    assert list(_resolve(module, path, node)) == [expected]
