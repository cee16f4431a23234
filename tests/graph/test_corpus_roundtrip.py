"""Both graph views over the whole AnalogGenie corpus: to a graph and back, same topology, every circuit."""

from __future__ import annotations

from collections import Counter

import pytest

from circuitforge.graph import (
    FeatureSpec,
    from_heterodata,
    from_networkx,
    from_pin_heterodata,
    from_pin_networkx,
    port_class,
    to_heterodata,
    to_networkx,
    to_pin_heterodata,
    to_pin_networkx,
)
from circuitforge.netlists import Netlist
from circuitforge.netlists.compare import explain_difference, same_topology

pytestmark = pytest.mark.corpus

VIEWS = {
    "bipartite": (to_networkx, from_networkx, to_heterodata, from_heterodata),
    "pinlevel": (to_pin_networkx, from_pin_networkx, to_pin_heterodata, from_pin_heterodata),
}


def _port_classes(n: Netlist) -> Counter[str]:
    return Counter(port_class(p) for p in n.ports)


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_whole_corpus_heterodata_round_trips(corpus, corpus_spec: FeatureSpec, view: str) -> None:
    """Every circuit → HeteroData → netlist: with stored names (ports matched by name), and from the
    features and edges alone (topology, device count, port classes)."""
    _, _, to_pyg, from_pyg = VIEWS[view]
    bad: list[str] = []
    for c in corpus:
        n = c.netlist
        data = to_pyg(n, corpus_spec)
        for how, back, ports in (("HeteroData", from_pyg(data, corpus_spec), True),
                                 ("features only", from_pyg(data, corpus_spec, use_meta=False), False)):
            if not same_topology(n, back, match_ports=ports) or len(back.devices) != len(n.devices):
                bad.append(f"{c.id} via {how}: {explain_difference(n, back, match_ports=ports)}")
            elif not ports and _port_classes(back) != _port_classes(n):
                bad.append(f"{c.id} via {how}: port classes {_port_classes(back)} != {_port_classes(n)}")
    assert not bad, f"{len(bad)} failures over {len(corpus)} circuits, e.g. {bad[:5]}"


def _networkx_round_trip(circuits, view: str) -> None:
    to_nx, from_nx, _, _ = VIEWS[view]
    bad = [f"{c.id}: {explain_difference(c.netlist, back, match_ports=True)}"
           for c in circuits
           for back in (from_nx(to_nx(c.netlist)),)
           if not same_topology(c.netlist, back, match_ports=True) or back.devices != c.netlist.devices]
    assert not bad, f"{len(bad)} failures over {len(circuits)} circuits, e.g. {bad[:5]}"


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_corpus_networkx_round_trips_sample(corpus, view: str) -> None:
    """Every fourth circuit → networkx → netlist: same topology and identical devices (names, params)."""
    _networkx_round_trip(corpus[::4], view)


@pytest.mark.slow
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_whole_corpus_networkx_round_trips(corpus, view: str) -> None:
    _networkx_round_trip(corpus, view)
