"""Fixtures for the graph tests: the corpus read once, a feature spec fitted on it, a small OTA."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_helpers import SMALL_CIRCUITS

from circuitforge.graph import FeatureSpec
from circuitforge.netlists import Netlist, parse
from circuitforge.netlists.analoggenie import CorpusCircuit, iter_corpus


@pytest.fixture(scope="session")
def corpus(corpus_root: Path) -> list[CorpusCircuit]:
    circuits = [c for c in iter_corpus(corpus_root) if isinstance(c, CorpusCircuit)]
    assert len(circuits) > 1000, f"only {len(circuits)} corpus circuits read from {corpus_root}"
    return circuits


@pytest.fixture(scope="session")
def corpus_spec(corpus: list[CorpusCircuit]) -> FeatureSpec:
    return FeatureSpec.fit(c.netlist for c in corpus)


@pytest.fixture()
def ota() -> Netlist:
    n = parse(SMALL_CIRCUITS["ota5t"])
    n.ports = ["inp", "inn", "out", "vdd", "vb"]
    return n
