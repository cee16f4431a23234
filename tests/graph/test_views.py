"""Both graph views on small circuits: structure, features, and the way back to a netlist."""

from __future__ import annotations

import math

import networkx as nx
import pytest
import torch

from circuitforge.graph import (
    OF,
    PIN,
    REV_PIN,
    TERMINAL_CLASSES,
    WIRE_PIN,
    WIRE_PORT,
    FeatureSpec,
    GraphError,
    from_heterodata,
    from_networkx,
    from_pin_heterodata,
    from_pin_networkx,
    size_values,
    to_heterodata,
    to_networkx,
    to_pin_heterodata,
    to_pin_networkx,
)
from circuitforge.netlists import Device, Netlist, parse
from circuitforge.netlists.compare import same_topology


def _sizes(n: Netlist) -> list[dict[str, float]]:
    return [size_values(n, d) for d in n.devices]


def _close(a: list[dict[str, float]], b: list[dict[str, float]]) -> bool:
    return all(x.keys() == y.keys() and all(math.isclose(x[k], y[k], rel_tol=1e-5) for k in x)
               for x, y in zip(a, b, strict=True))


def test_bipartite_networkx_structure(ota) -> None:
    g = to_networkx(ota)
    assert isinstance(g, nx.MultiGraph)
    dev = [n for n in g if n[0] == "device"]
    assert len(dev) == len(ota.devices)
    assert g.number_of_edges() == sum(len(d.terminals) for d in ota.devices)
    # M3 is diode connected: drain and gate both on x; its source and bulk both on vdd
    m3 = next(n for n in dev if g.nodes[n]["name"] == "M3")
    assert g.number_of_edges(m3, ("net", "x")) == 2 and g.number_of_edges(m3, ("net", "vdd")) == 2
    assert {d["cls"] for _, _, d in g.edges(m3, data=True)} == {"mosfet:d", "mosfet:g", "mosfet:s", "mosfet:b"}
    assert g.nodes[("net", "vdd")]["role"] == "vdd" and g.nodes[("net", "0")]["ground"]
    assert g.nodes[("net", "tail")]["role"] == "internal"


def test_bipartite_heterodata_structure(ota) -> None:
    spec = FeatureSpec.fit([ota])
    data = to_heterodata(ota, spec)
    assert data["device"].x.shape == (len(ota.devices), spec.device_dim)
    assert data["net"].x.shape == (len(ota.nets()), spec.net_dim)
    e = data[PIN]
    assert e.edge_index.shape == (2, sum(len(d.terminals) for d in ota.devices))
    assert torch.equal(e.edge_attr.argmax(1), e.role) and e.edge_attr.shape[1] == len(TERMINAL_CLASSES)
    assert REV_PIN in data.edge_types and data[REV_PIN].edge_index.shape == e.edge_index.shape
    gate = TERMINAL_CLASSES.index("mosfet:g")
    m1 = [d.name for d in ota.devices].index("M1")
    nets = data["net"].name
    gate_nets = [nets[j] for i, j, r in zip(*e.edge_index.tolist(), e.role.tolist()) if i == m1 and r == gate]
    assert gate_nets == ["inp"]
    plain = to_heterodata(ota, spec, meta=False, undirected=False)
    assert "name" not in plain["device"] and plain.edge_types == [PIN]


@pytest.mark.parametrize("use_meta", [True, False])
def test_bipartite_back_keeps_topology_and_sizes(ota, use_meta: bool) -> None:
    spec = FeatureSpec.fit([ota])
    back = from_heterodata(to_heterodata(ota, spec), spec, use_meta=use_meta)
    assert same_topology(ota, back, match_ports=use_meta)
    assert _close(_sizes(ota), _sizes(back))
    if use_meta:
        assert [d.name for d in back.devices] == [d.name for d in ota.devices]
        assert back.ports == ota.ports
    else:
        assert [d.model for d in back.devices if d.kind == "mosfet"] == ["nmos"] * 2 + ["pmos"] * 2 + ["nmos"]
        assert sorted(back.ports) == sorted(["VIN1", "VIN2", "VOUT1", "VDD", "VB1"])


def test_networkx_back_keeps_everything(ota) -> None:
    for back in (from_networkx(to_networkx(ota)), from_pin_networkx(to_pin_networkx(ota))):
        assert same_topology(ota, back, match_ports=True)
        assert [(d.name, d.kind, d.terminals, d.model) for d in back.devices] == \
               [(d.name, d.kind, d.terminals, d.model) for d in ota.devices]
        assert [dict(d.params) for d in back.devices] == [dict(d.params) for d in ota.devices]


def test_a_changed_graph_gives_a_changed_netlist(ota) -> None:
    """The converters read the edges, not stored names: rewiring one edge changes the topology."""
    data = to_heterodata(ota, FeatureSpec())
    e = data[PIN].edge_index.clone()
    nets = data["net"].name
    e[1, 1] = nets.index("inn")  # M1's gate from inp to inn
    data[PIN].edge_index = e
    assert not same_topology(ota, from_heterodata(data))
    g = to_pin_networkx(ota)
    pin = ("pin", 0, 1)  # M1's gate
    g.remove_edges_from([(pin, o) for o in list(g.neighbors(pin)) if o[0] != "device"])
    g.add_edge(pin, ("port", "inn"), kind="wire")
    back = from_pin_networkx(g)
    assert back.devices[0].net("g") == "inn" and not same_topology(ota, back)


def test_case_insensitive_nets_are_one_node() -> None:
    n = parse("* c\nR1 Out 0 1k\nR2 OUT x 1k\n.end\n")
    assert to_heterodata(n)["net"].x.shape[0] == 3
    assert to_networkx(n).number_of_nodes() == 5
    assert same_topology(n, from_heterodata(to_heterodata(n))) and same_topology(n, from_pin_networkx(to_pin_networkx(n)))


def test_unused_port_survives() -> None:
    n = Netlist("u", [Device("R1", "resistor", (("p", "a"), ("n", "0")))], ports=["a", "VREF1"])
    for back in (from_networkx(to_networkx(n)), from_heterodata(to_heterodata(n)),
                 from_pin_networkx(to_pin_networkx(n)), from_pin_heterodata(to_pin_heterodata(n))):
        assert back.ports == ["a", "VREF1"]


def test_pinlevel_structure(ota) -> None:
    g = to_pin_networkx(ota)
    pins = [n for n in g if n[0] == "pin"]
    assert len(pins) == sum(len(d.terminals) for d in ota.devices)
    ports = sorted(n[1] for n in g if n[0] == "port")
    assert ports == sorted(["inp", "inn", "out", "vdd", "vb", "0"])
    # internal net x: M1 d, M3 d, M3 g, M4 g -> a 4-clique of wires
    on_x = [p for p in pins if g.nodes[p]["net"] == "x"]
    assert len(on_x) == 4 and all(g.has_edge(a, b) for a in on_x for b in on_x if a != b)
    # port net vdd: a star on its port node, no pin-pin wires
    on_vdd = [p for p in pins if g.nodes[p]["net"] == "vdd"]
    assert all(g.has_edge(p, ("port", "vdd")) for p in on_vdd)
    assert not any(g.has_edge(a, b) for a in on_vdd for b in on_vdd if a != b)
    data = to_pin_heterodata(ota)
    assert data["pin"].num_nodes == len(pins) and data["port"].num_nodes == len(ports)
    assert data[WIRE_PIN].edge_index.shape[1] == 2 * sum(1 for a, b in g.edges if a[0] == b[0] == "pin")
    assert data[OF].edge_index.shape[1] == len(pins) and data[WIRE_PORT].edge_index.shape[1] == len(on_vdd) + sum(
        1 for p in pins if g.nodes[p]["net"] in {"inp", "inn", "out", "vb", "0"})


def test_pinlevel_dangling_pin_is_its_own_net() -> None:
    n = parse("* d\nR1 a b 1k\nR2 b 0 1k\nC1 c d 1p\n.end\n")  # a, c and d each touch one pin
    for back in (from_pin_networkx(to_pin_networkx(n)), from_pin_heterodata(to_pin_heterodata(n, meta=False))):
        assert same_topology(n, back) and len(back.nets()) == 5


@pytest.mark.parametrize("use_meta", [True, False])
def test_pinlevel_heterodata_back(ota, use_meta: bool) -> None:
    spec = FeatureSpec.fit([ota])
    back = from_pin_heterodata(to_pin_heterodata(ota, spec), spec, use_meta=use_meta)
    assert same_topology(ota, back, match_ports=use_meta)
    assert _close(_sizes(ota), _sizes(back))


def test_broken_graphs_raise_naming_the_problem(ota) -> None:
    g = to_pin_networkx(ota)
    g.add_edge(("port", "vdd"), ("port", "out"), kind="wire")
    with pytest.raises(GraphError, match="joined by wires"):
        from_pin_networkx(g)
    g = to_networkx(ota)
    del g.nodes[("device", 0)]["kind"]
    with pytest.raises(GraphError, match=r"device node \('device', 0\) has no 'kind'"):
        from_networkx(g)
    data = to_heterodata(ota)
    del data[PIN]
    with pytest.raises(GraphError, match="no \\('device', 'pin', 'net'\\) relation"):
        from_heterodata(data)
