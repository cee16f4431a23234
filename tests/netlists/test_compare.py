"""Tests of topology comparison: renaming is ignored, real changes are not."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from circuitforge.netlists.compare import (
    explain_difference,
    same_topology,
    topology_graph,
    topology_hash,
)
from circuitforge.netlists.device import Device
from circuitforge.netlists.model import ModelCard
from circuitforge.netlists.netlist import Netlist
from circuitforge.netlists.parsers import parse
from circuitforge.netlists.values import Value

OTA = """* 5T OTA
M1 x inp tail 0 nch
M2 out inn tail 0 nch
M3 x x vdd vdd pch
M4 out x vdd vdd pch
M5 tail bias 0 0 nch
Cl out 0 1p
.end
"""

OTA_RENAMED = """* same OTA, other names, other order
Mload2 vout n7 VDD VDD pch
C9 0 vout 1p
Mtail t vb 0 0 nch
Min_p n7 ip t 0 nch
Mload1 n7 n7 VDD VDD pch
Min_n vout im t 0 nch
.end
"""


def mos(name: str, d: str, g: str, s: str, b: str, model: str = "nch") -> Device:
    return Device(name, "mosfet", (("d", d), ("g", g), ("s", s), ("b", b)), model)


def res(name: str, p: str, n: str, r: str = "1k") -> Device:
    return Device(name, "resistor", (("p", p), ("n", n)), params={"r": Value.parse(r)})


def test_renamed_devices_and_nets_compare_equal() -> None:
    a, b = parse(OTA), parse(OTA_RENAMED)
    assert same_topology(a, b)
    assert topology_hash(a) == topology_hash(b)
    assert explain_difference(a, b) is None


def test_swapping_drain_and_source_of_a_mosfet_differs() -> None:
    a = parse(OTA)
    b = parse(OTA.replace("M5 tail bias 0 0 nch", "M5 0 bias tail 0 nch"))
    assert not same_topology(a, b)
    assert explain_difference(a, b) == "not isomorphic"


def test_swapping_resistor_or_capacitor_terminals_compares_equal() -> None:
    a = Netlist("a", [res("R1", "in", "out"), mos("M1", "out", "in", "0", "0")])
    b = Netlist("b", [res("R1", "out", "in"), mos("M1", "out", "in", "0", "0")])
    assert same_topology(a, b)
    assert same_topology(parse(OTA), parse(OTA.replace("Cl out 0 1p", "Cl 0 out 1p")))


def test_swapping_diode_terminals_differs() -> None:
    def diode(p: str, n: str) -> Netlist:
        return Netlist("d", [Device("D1", "diode", (("p", p), ("n", n)), "dmod"),
                             res("R1", "a", "0")])
    assert not same_topology(diode("a", "b"), diode("b", "a"))


def test_an_extra_device_differs_and_is_explained() -> None:
    a = parse(OTA)
    b = parse(OTA.replace(".end", "M6 out bias 0 0 nch\n.end"))
    assert not same_topology(a, b)
    assert explain_difference(b, a) == "a has 6 mosfet, b has 5"


def test_net_count_difference_is_explained() -> None:
    a = Netlist("a", [res("R1", "x", "y"), res("R2", "y", "z")])
    b = Netlist("b", [res("R1", "x", "y"), res("R2", "y", "x")])
    assert explain_difference(a, b) == "a has 3 nets, b has 2"


def test_polarity_comes_from_the_model_card_or_the_model_name() -> None:
    n_dev = Netlist("n", [mos("M1", "d", "g", "0", "0", "nmos4")])
    p_dev = Netlist("p", [mos("M1", "d", "g", "0", "0", "pmos4")])
    assert not same_topology(n_dev, p_dev)
    assert "mosfet:n" in explain_difference(n_dev, p_dev)  # type: ignore[operator]
    carded = Netlist("c", [mos("M1", "d", "g", "0", "0", "fast")], models={"fast": ModelCard("fast", "pmos")})
    assert same_topology(carded, p_dev)
    q = Netlist("q", [Device("Q1", "bjt", (("c", "a"), ("b", "b"), ("e", "0")), "pnp")])
    assert nx.get_node_attributes(topology_graph(q), "label")[("device", 0)] == "bjt:p"


def test_values_count_only_when_asked() -> None:
    a = Netlist("a", [res("R1", "x", "0", "1k")])
    b = Netlist("b", [res("R7", "y", "0", "2k")])
    c = Netlist("c", [res("R2", "z", "0", "1000")], params={})
    assert same_topology(a, b)
    assert not same_topology(a, b, values=True)
    assert same_topology(a, c, values=True)
    d = Netlist("d", [res("R1", "x", "0", "{rv/2}")], params={"rv": Value.parse("2k")})
    assert same_topology(a, d, values=True)


def test_match_ports_keeps_port_and_global_names() -> None:
    a = Netlist("a", [res("R1", "in", "mid"), res("R2", "mid", "0")], ports=["in"])
    b = Netlist("b", [res("R1", "in", "mid"), res("R2", "mid", "0")], ports=["IN"])
    c = Netlist("c", [res("R1", "x", "mid"), res("R2", "mid", "0")], ports=["x"])
    assert same_topology(a, c)
    assert same_topology(a, b, match_ports=True)
    assert not same_topology(a, c, match_ports=True)


def test_ground_is_not_an_ordinary_net() -> None:
    a = Netlist("a", [res("R1", "x", "0")])
    b = Netlist("b", [res("R1", "x", "y")])
    c = Netlist("c", [res("R1", "x", "GND")])
    assert not same_topology(a, b)
    assert same_topology(a, c)


def test_subckt_instances_are_opaque_unless_flattened() -> None:
    hier = parse("* h\nX1 a b inv\nX2 b c inv\n.subckt inv in out\nM1 out in 0 0 nch\n.ends\n.end\n")
    flat = parse("* f\nMa q p 0 0 nch\nMb r q 0 0 nch\n.end\n")
    other = parse("* o\nX1 a b buf\nX2 b c buf\n.subckt buf in out\nM1 out in 0 0 nch\n.ends\n.end\n")
    assert not same_topology(hier, flat)
    assert same_topology(hier, flat, flatten_first=True)
    assert not same_topology(hier, other)
    assert same_topology(hier, other, flatten_first=True)


def test_graph_has_device_pin_and_net_nodes() -> None:
    g = topology_graph(parse(OTA))
    labels = list(nx.get_node_attributes(g, "label").values())
    assert labels.count("mosfet:n") == 3 and labels.count("mosfet:p") == 2
    assert labels.count("pin") == 2 and labels.count("d") == 5
    assert labels.count("ground") == 1 and labels.count("net") == 7
    assert g.number_of_edges() == 2 * (5 * 4 + 2)


def test_refinement_alone_cannot_fool_the_exact_test() -> None:
    # a ring of six resistors and two rings of three look alike to colour refinement
    ring6 = Netlist("r6", [res(f"R{i}", f"n{i}", f"n{(i + 1) % 6}") for i in range(6)])
    two3 = Netlist("r33", [res(f"R{i}", f"n{i}", f"n{(i + 1) % 3 + 3 * (i // 3)}") for i in range(6)])
    assert topology_hash(ring6) == topology_hash(two3)
    assert not same_topology(ring6, two3)
    assert explain_difference(ring6, two3) == "not isomorphic"


def random_circuit(rng: random.Random, devices: int, nets: int) -> Netlist:
    names = [f"n{i}" for i in range(nets)] + ["0"]
    out: list[Device] = []
    for i in range(devices):
        if rng.random() < 0.7:
            pick = [rng.choice(names) for _ in range(4)]
            out.append(mos(f"M{i}", *pick, model=rng.choice(["nch", "pch"])))
        else:
            out.append(res(f"R{i}", rng.choice(names), rng.choice(names)))
    return Netlist("random", out)


def scrambled(n: Netlist, rng: random.Random) -> Netlist:
    nets = [x for x in n.nets() if not n.is_ground(x)]
    new = dict(zip(nets, rng.sample([f"z{i}" for i in range(len(nets))], len(nets))))
    devices = [d.renamed(f"D{i}").with_nets(new) for i, d in enumerate(n.devices)]
    rng.shuffle(devices)
    return Netlist("scrambled", devices)


@pytest.mark.parametrize("seed", range(5))
def test_large_random_circuits_compare_equal_after_scrambling_and_differ_after_a_swap(seed: int) -> None:
    rng = random.Random(seed)
    a = random_circuit(rng, 100, 40)
    b = scrambled(a, rng)
    assert same_topology(a, b) and topology_hash(a) == topology_hash(b)
    i = next(k for k, d in enumerate(a.devices) if d.kind == "mosfet" and d.nets[1] != d.nets[2])
    d = a.devices[i]
    swapped = Device(d.name, "mosfet", (("d", d.nets[0]), ("g", d.nets[2]), ("s", d.nets[1]),
                                        ("b", d.nets[3])), d.model)
    c = Netlist("c", a.devices[:i] + [swapped] + a.devices[i + 1:])
    assert same_topology(c, scrambled(c, rng))
    assert same_topology(a, c) == nx.is_isomorphic(
        topology_graph(a), topology_graph(c), node_match=lambda x, y: x["label"] == y["label"])


def test_many_identical_parallel_devices_are_fast_and_equal() -> None:
    a = Netlist("a", [res(f"R{i}", "x", "0") for i in range(150)] + [res("Rs", "x", "y")])
    b = Netlist("b", [res("Rs", "0", "q")] + [res(f"R{i}", "0", "q") for i in range(150)])
    assert same_topology(a, Netlist("a2", list(reversed(a.devices))))
    assert not same_topology(a, b)


def test_subckt_definitions_are_compared_too():
    from circuitforge.netlists import parse

    base = "* h\nX1 a b cell\n.subckt cell p q\nR1 p q 1k\nC1 q 0 1p\n.ends\n.end\n"
    same = "* h\nX9 n1 n2 cell\n.subckt CELL x y\nC7 y 0 1p\nR3 y x 1k\n.ends\n.end\n"
    swapped = "* h\nX1 a b cell\n.subckt cell p q\nR1 p q 1k\nC1 p 0 1p\n.ends\n.end\n"
    assert same_topology(parse(base), parse(same))
    assert not same_topology(parse(base), parse(swapped))  # the capacitor moved to the other port
    assert same_topology(parse(base), parse(swapped), hierarchy=False)
    assert explain_difference(parse(base), parse(swapped)) == "subcircuit 'cell' differs"


def test_empty_netlists_have_the_same_topology():
    from circuitforge.netlists import Netlist

    assert same_topology(Netlist("a"), Netlist("b"))
