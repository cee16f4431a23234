"""The examples in the graph layer's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["circuitforge.graph", "circuitforge.graph.features", "circuitforge.graph.bipartite",
           "circuitforge.graph.pinlevel", "circuitforge.graph.hashing", "circuitforge.graph.dataset",
           "circuitforge.graph.errors", "circuitforge.graph.nn.gine", "circuitforge.graph.nn.attention"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0, result


def test_graph_layer_imports_only_netlists() -> None:
    import ast
    from pathlib import Path

    import circuitforge.graph as g
    root = Path(g.__file__).parent
    bad = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and (node.level or node.module.startswith("circuitforge")):
                target = node.module if not node.level else "." * node.level + node.module
                if any(part in target for part in ("spice", "rf", "rl", "generators", "surrogates", "cli")):
                    bad.append(f"{path.name}: {target}")
    assert not bad, bad
