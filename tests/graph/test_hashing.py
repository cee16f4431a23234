"""The canonical hash: invariant to renaming and reordering, changed by a real topology change."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from graph_helpers import scramble

from circuitforge.graph import canonical_hash, group_by_hash, same_circuit, wl_colours
from circuitforge.netlists import Device, Netlist, Subckt, parse


def _rewire(n: Netlist, rng: random.Random) -> Netlist:
    """Move one terminal of one device to a different existing net (a real change, usually)."""
    devs = list(n.devices)
    i = rng.randrange(len(devs))
    d = devs[i]
    j = rng.randrange(len(d.terminals))
    others = [x for x in n.nets() if x != d.terminals[j][1]]
    terms = list(d.terminals)
    terms[j] = (terms[j][0], rng.choice(others))
    devs[i] = replace(d, terminals=tuple(terms))
    return replace(n, devices=devs)


def _flip_polarity(n: Netlist) -> Netlist | None:
    for i, d in enumerate(n.devices):
        if d.kind == "mosfet" and d.model in ("nmos4", "pmos4"):
            devs = list(n.devices)
            devs[i] = replace(d, model="pmos4" if d.model == "nmos4" else "nmos4")
            return replace(n, devices=devs)
    return None


def test_scrambled_small_circuit_hashes_the_same(ota) -> None:
    rng = random.Random(0)
    h = canonical_hash(ota)
    for _ in range(20):
        s = scramble(ota, rng)
        assert [d.name for d in s.devices] != [d.name for d in ota.devices]
        assert canonical_hash(s) == h and same_circuit(ota, s)


@pytest.mark.corpus
def test_renaming_invariance_over_corpus_sample(corpus) -> None:
    """Random renaming of devices and internal nets, shuffled devices, swapped R/C/L pins: same hash."""
    rng = random.Random(1234)
    sample = rng.sample(corpus, 600)
    bad = [c.id for c in sample
           if canonical_hash(scramble(c.netlist, rng)) != canonical_hash(c.netlist)]
    assert not bad, f"hash changed under renaming for circuits {bad[:10]}"


@pytest.mark.corpus
def test_real_changes_change_the_hash(corpus) -> None:
    rng = random.Random(99)
    sample = [c for c in rng.sample(corpus, 300) if len(c.netlist.devices) >= 2]
    tried = changed = 0
    for c in sample:
        n = c.netlist
        h = canonical_hash(n)
        for other in (_rewire(n, rng), _flip_polarity(n)):
            if other is None or same_circuit(n, other):
                continue  # a no-op change (e.g. moving a terminal across a symmetric pair)
            tried += 1
            changed += canonical_hash(other) != h
            assert canonical_hash(other) != h, f"circuit {c.id}: changed topology, same hash"
    assert tried > 300


def test_port_names_matter_only_with_match_ports() -> None:
    a = parse("* a\nR1 VIN1 x 1k\nC1 x 0 1p\n.end\n")
    b = parse("* b\nR1 VOUT1 x 1k\nC1 x 0 1p\n.end\n")
    a.ports, b.ports = ["VIN1"], ["VOUT1"]
    assert canonical_hash(a) != canonical_hash(b) and not same_circuit(a, b)
    assert canonical_hash(a, match_ports=False) == canonical_hash(b, match_ports=False)
    assert same_circuit(a, b, match_ports=False)


def test_diode_connection_and_terminal_roles_matter() -> None:
    a = parse("* a\nM1 d d 0 0 nmos\nM2 o d 0 0 nmos\n.end\n")  # mirror
    b = parse("* b\nM1 d d 0 0 nmos\nM2 d o 0 0 nmos\n.end\n")  # drain and gate swapped on M2
    assert canonical_hash(a) != canonical_hash(b)


def test_hash_sees_past_three_rounds() -> None:
    """Two resistor ladders with shunt capacitors at different taps (same kinds, same degrees near the
    ends): a fixed 3-round WL (``netlists.compare.topology_hash``) calls them equal; refinement to a
    stable partition tells them apart, as the exact check does."""
    def ladder(taps: tuple[int, ...]) -> Netlist:
        devs = [Device(f"R{i}", "resistor", (("p", f"n{i}"), ("n", f"n{i + 1}"))) for i in range(10)]
        devs += [Device(f"C{t}", "capacitor", (("p", f"n{t}"), ("n", "0"))) for t in taps]
        return Netlist("ladder", devs)
    from circuitforge.netlists.compare import topology_hash
    a, b = ladder((3, 7)), ladder((4, 7))
    assert not same_circuit(a, b)
    assert topology_hash(a) == topology_hash(b)  # the shallow hash collides here
    assert canonical_hash(a) != canonical_hash(b)
    assert canonical_hash(ladder((3, 5))) == canonical_hash(ladder((5, 7)))  # mirror image: same circuit


def test_subcircuit_definitions_are_hashed() -> None:
    inv = Subckt("inv", ("a", "y", "vdd", "vss"), [
        Device("MP", "mosfet", (("d", "y"), ("g", "a"), ("s", "vdd"), ("b", "vdd")), "pmos"),
        Device("MN", "mosfet", (("d", "y"), ("g", "a"), ("s", "vss"), ("b", "vss")), "nmos")])
    broken = replace(inv, devices=[inv.devices[0], replace(inv.devices[1], terminals=(
        ("d", "y"), ("g", "y"), ("s", "vss"), ("b", "vss")))])
    top = [Device("X1", "subckt", (("a", "i"), ("y", "o"), ("vdd", "vdd"), ("vss", "0")), "inv")]
    a = Netlist("a", list(top), subckts={"inv": inv})
    b = Netlist("b", list(top), subckts={"inv": broken})
    renamed = Netlist("c", list(top), subckts={"inv": replace(inv, ports=("in", "out", "p", "m"), devices=[
        d.with_nets({"a": "in", "y": "out", "vdd": "p", "vss": "m"}) for d in inv.devices])})
    assert canonical_hash(a) != canonical_hash(b) and not same_circuit(a, b)
    assert canonical_hash(a) == canonical_hash(renamed) and same_circuit(a, renamed)


def test_wl_colours_stop_when_stable() -> None:
    path = [[("e", 1)], [("e", 0), ("e", 2)], [("e", 1), ("e", 3)], [("e", 2)]]
    colours, rounds = wl_colours(["a"] * 4, path)
    assert colours[0] == colours[3] and colours[1] == colours[2] and colours[0] != colours[1]
    assert rounds == 2
    colours, rounds = wl_colours(["a"] * 4, path, max_iterations=1)
    assert rounds == 1


def test_group_by_hash_counts() -> None:
    r = parse("* r\nR1 a 0 1k\n.end\n")
    ns = [r, parse("* r2\nR5 0 q 1k\n.end\n"), parse("* c\nC1 a 0 1p\n.end\n"), r]
    g = group_by_hash(ns, match_ports=False)
    assert (g.count, g.distinct_hashes, g.distinct_circuits, g.duplicates) == (4, 2, 2, 2)
    assert (g.hash_equal_pairs, g.isomorphic_pairs, g.colliding_pairs, g.colliding_groups) == (3, 3, 0, 0)
    # forcing equal hashes shows the exact check splitting them
    forced = group_by_hash(ns, match_ports=False, hashes=["h"] * 4)
    assert (forced.colliding_pairs, forced.colliding_groups, forced.distinct_circuits) == (3, 1, 2)
    assert repr(forced) == "HashGroups(circuits=4, hashes=1, distinct=2, collisions=3)"
