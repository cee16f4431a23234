"""The interface-aware grammar (issue 15): op-amp samples have their interface by construction."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuitforge.generators.topology import GrammarState, GrammarTables, Vocab, decode, generate, walk
from circuitforge.generators.topology.interface import INTERFACES, LDO, OPAMP, OPAMP_UNPAIRED
from circuitforge.generators.topology.sample import MIN_BUDGET
from circuitforge.netlists import Netlist
from circuitforge.netlists.ports import find_opamp_ports

VOCAB = Vocab(("VSS", "VDD", "VIN1", "VIN2", "VOUT1", "VOUT2", "VB1", "IB1", "VCLK1"))
TABLES = GrammarTables(VOCAB)
UNPAIRED = {"opamp": OPAMP_UNPAIRED}
"""The interface without the input-pair rule: the rules below it, tested on their own."""


def _paths(n: Netlist) -> dict[str, bool]:
    """Does each input reach VOUT1 through transistors (gate/base to drain/source, source to drain),
    never through a port? Written from the netlist's terminal roles, apart from the grammar's code."""
    adj: dict[str, set[str]] = defaultdict(set)
    for d in n.devices:
        t = dict(d.terminals)
        if d.kind == "mosfet":
            g, dr, s = t["g"], t["d"], t["s"]
        elif d.kind == "bjt":
            g, dr, s = t["b"], t["c"], t["e"]
        else:
            continue
        adj[g] |= {dr, s}
        adj[s].add(dr)
    out = {}
    for src in ("VIN1", "VIN2"):
        seen, todo, hit = {src}, [src], False
        while todo and not hit:
            for v in adj[todo.pop()]:
                if v == "VOUT1":
                    hit = True
                elif v not in seen and v not in n.ports and v != "0":
                    seen.add(v)
                    todo.append(v)
        out[src] = hit
    return out


def _walk(seed: int, max_len: int, interfaces=INTERFACES, vocab: Vocab = VOCAB, family: str = "opamp") -> list[str]:
    rng = np.random.default_rng(seed)
    g = GrammarState(TABLES if vocab is VOCAB else GrammarTables(vocab), max_len, interfaces)
    toks = ["<bos>", f"type:{family}"]
    for t in toks:
        g.step(vocab.id(t))
    while not g.done:
        ids = np.nonzero(g.allowed())[0]
        assert len(ids), f"dead end after {toks}"
        t = int(rng.choice(ids))
        g.advance(t)
        toks.append(vocab.tokens[t])
    assert len(toks) <= max_len
    return toks


def _pair_problems(n: Netlist) -> list[str]:
    """The input-pair rule, written apart from the grammar: each input on exactly one terminal, the
    gate (base) of a transistor; the two of one model, sources (emitters) on one internal net,
    drains (collectors) apart."""
    on = {i: [(d, role) for d in n.devices for role, net in d.terminals if net == i] for i in ("VIN1", "VIN2")}
    if any(len(v) != 1 or v[0][1] not in ("g", "b") for v in on.values()):
        return [f"inputs on {on}"]
    (a, _), (b, _) = on["VIN1"][0], on["VIN2"][0]
    ta, tb = dict(a.terminals), dict(b.terminals)
    src, drn = ("s", "d") if a.kind == "mosfet" else ("e", "c")
    out = []
    if a.model != b.model:
        out.append(f"mixed pair {a.model}/{b.model}")
    if ta.get(src) != tb.get(src) or ta.get(src) in (*n.ports, "0"):
        out.append(f"sources {ta.get(src)}, {tb.get(src)}")
    if ta.get(drn) == tb.get(drn):
        out.append(f"drains on one net {ta.get(drn)}")
    tail_dc = sum(1 for d in n.devices for role, net in d.terminals if net == ta.get(src) and (
        d.kind == "mosfet" and role in ("d", "s") or d.kind == "bjt" and role in ("c", "e")
        or d.kind in ("resistor", "inductor", "diode")))
    if tail_dc != 3:
        out.append(f"tail {ta.get(src)} with {tail_dc} DC terminals (two sources and its current source)")
    return out


def _check_interface(n: Netlist, pair: bool = True, iface=OPAMP) -> None:
    assert {"VIN1", "VIN2", "VOUT1"} <= set(n.ports)
    assert all(iface.allows(p) for p in n.ports), n.ports
    for d in n.devices:
        for role, net in d.terminals:
            if net in ("VIN1", "VIN2"):
                assert d.kind in ("mosfet", "bjt") and role in ("g", "b"), d
    assert _paths(n) == {"VIN1": True, "VIN2": True}
    pulls = set()
    for d in n.devices:
        t = dict(d.terminals)
        if d.kind == "resistor" and "VOUT1" in t.values():
            pulls |= {"up", "down"}
        elif d.kind in ("mosfet", "bjt") and "VOUT1" in (t.get("d"), t.get("s"), t.get("c"), t.get("e")):
            pulls.add("up" if d.model in ("pmos4", "pnp") else "down")
    assert pulls == {"up", "down"}, n.devices
    out_dc = sum(1 for d in n.devices for role, net in d.terminals if net == "VOUT1" and (
        d.kind == "mosfet" and role in ("d", "s") or d.kind == "bjt" and role in ("c", "e")
        or d.kind in ("resistor", "inductor", "diode")))
    assert out_dc <= 2, n.devices
    assert not _electrical_problems(n), _electrical_problems(n)
    if pair:
        assert not _pair_problems(n), _pair_problems(n)
    find_opamp_ports(n)  # the sizing flow's interface finder accepts it


def _electrical_problems(n: Netlist) -> list[str]:
    """Shorted channels (drain = source) and internal nets with exactly one DC terminal (drain,
    source, collector, emitter, R/L/D pin): a node no DC current can leave. Written apart from the grammar."""
    out, dc = [], defaultdict(int)
    for d in n.devices:
        t = dict(d.terminals)
        if d.kind == "mosfet" and t["d"] == t["s"] or d.kind == "bjt" and t["c"] == t["e"]:
            out.append(f"{d.name}: channel shorted")
        for role, net in d.terminals:
            if (d.kind == "mosfet" and role in ("d", "s") or d.kind == "bjt" and role in ("c", "e")
                    or d.kind in ("resistor", "inductor", "diode")):
                dc[net] += 1
    internal = {net for d in n.devices for net in d.nets} - set(n.ports) - {"0"}
    out += [f"{net}: one DC terminal" for net in sorted(internal) if dc[net] == 1]
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), max_len=st.integers(40, 140))
def test_random_walks_through_the_interface_mask_are_opamps(seed, max_len):
    """Uniform random tokens from the mask, even with a budget the interface barely fits in."""
    _check_interface(decode(_walk(seed, max_len), VOCAB))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), max_len=st.integers(25, 140))
def test_random_walks_without_the_pair_rule(seed, max_len):
    _check_interface(decode(_walk(seed, max_len, UNPAIRED), VOCAB), pair=False)


@pytest.mark.parametrize(("interfaces", "shortest"), [(INTERFACES, 40), (UNPAIRED, 25)])
def test_too_short_a_budget_refuses_the_family(interfaces, shortest):
    g = walk(VOCAB, ["<bos>"], max_len=shortest - 1, interfaces=interfaces)
    allowed = set(VOCAB.strs(np.nonzero(g.allowed())[0]))
    assert "type:opamp" not in allowed and "type:other" in allowed
    assert walk(VOCAB, ["<bos>"], max_len=shortest, interfaces=interfaces).allowed()[VOCAB.id("type:opamp")]
    assert MIN_BUDGET >= shortest


def test_the_input_pair_comes_first():
    """The first two devices are the pair: one transistor kind, input k on the k-th gate, the
    sources on one new internal net, drains apart (new nets or the output), bulks on the rail or
    the tail; after it no device may touch an input."""
    head = "<bos> type:opamp VSS VDD VIN1 VIN2 VOUT1 <sep>".split()

    def nxt(toks):
        return set(VOCAB.strs(np.nonzero(walk(VOCAB, [*head, *toks], interfaces=INTERFACES).allowed())[0]))

    assert nxt([]) == {"nmos", "pmos", "npn", "pnp"}
    assert nxt(["pmos"]) == {"n1", "VOUT1"}
    assert nxt(["pmos", "n1"]) == {"VIN1"}
    assert nxt(["pmos", "n1", "VIN1"]) == {"n2"}
    assert nxt(["pmos", "n1", "VIN1", "n2"]) == {"VDD", "n2"}
    assert nxt("pmos n1 VIN1 n2 VDD".split()) == {"pmos"}
    assert nxt("pmos n1 VIN1 n2 VDD pmos".split()) == {"n3", "VOUT1"}
    assert nxt("pmos n1 VIN1 n2 VDD pmos n3".split()) == {"VIN2"}
    assert nxt("pmos n1 VIN1 n2 VDD pmos n3 VIN2".split()) == {"n2"}
    after = nxt("pmos n1 VIN1 n2 VDD pmos n3 VIN2 n2 n2 nmos n1".split())
    assert "VIN1" not in after and "VIN2" not in after and "n1" in after
    # the tail takes exactly one current source: a DC need until then, then no further DC terminal
    pair = "pmos n1 VIN1 n2 VDD pmos n3 VIN2 n2 VDD".split()
    g = walk(VOCAB, [*head, *pair], interfaces=INTERFACES)
    assert g.dcn == 3  # n1, n3 (one DC terminal each) and the tail n2 (two)
    g = walk(VOCAB, [*head, *pair, *"pmos n2 n1 VDD VDD".split()], interfaces=INTERFACES)
    assert g.dcn == 2
    assert "n2" not in nxt([*pair, *"pmos n2 n1 VDD VDD res".split()])  # a fourth DC terminal
    assert "n2" in nxt([*pair, *"pmos n2 n1 VDD VDD cap".split()])  # a capacitor pin is not one
    assert "n2" in nxt([*pair, *"pmos n2 n1 VDD VDD nmos n1".split()])  # nor a gate
    # the way to finish gives each input its path from its pair drain, in the length promised
    toks = [*head, *"pmos n1 VIN1 n2 VDD pmos n3 VIN2 n2 VDD".split()]
    promised = len(toks) + walk(VOCAB, toks, interfaces=INTERFACES).cost()
    g = GrammarState(TABLES, promised, INTERFACES)
    for t in toks:  # unchecked: the header's bound is looser than the cost after the pair
        g.advance(VOCAB.id(t))
    while not g.done:
        ids = np.nonzero(g.allowed())[0]
        assert len(ids)
        g.advance(int(ids[0]))
        toks.append(VOCAB.tokens[int(ids[0])])
    assert len(toks) <= promised
    _check_interface(decode(toks, VOCAB))


def test_ports_follow_the_interface():
    g = walk(VOCAB, "<bos> type:opamp VSS VDD".split(), interfaces=INTERFACES)
    allowed = set(VOCAB.strs(np.nonzero(g.allowed())[0]))
    assert allowed == {"VIN1"}  # ports come in vocabulary order: none may skip a required one
    g = walk(VOCAB, "<bos> type:opamp VSS VDD VIN1 VIN2 VOUT1".split(), interfaces=INTERFACES)
    allowed = set(VOCAB.strs(np.nonzero(g.allowed())[0]))
    assert allowed == {"VB1", "IB1", "<sep>"}  # no second output, no clock


def test_inputs_only_on_gates_and_eos_waits_for_both_paths():
    head = "<bos> type:opamp VSS VDD VIN1 VIN2 VOUT1 <sep>".split()
    g = walk(VOCAB, [*head, "res"], interfaces=UNPAIRED)
    assert not {"VIN1", "VIN2"} & set(VOCAB.strs(np.nonzero(g.allowed())[0]))
    g = walk(VOCAB, [*head, "nmos"], interfaces=UNPAIRED)
    assert not {"VIN1", "VIN2"} & set(VOCAB.strs(np.nonzero(g.allowed())[0]))  # not on a drain
    g = walk(VOCAB, [*head, *"nmos VOUT1 VIN1 VSS VSS".split()], interfaces=UNPAIRED)
    assert "<eos>" not in VOCAB.strs(np.nonzero(g.allowed())[0])  # VIN2 has no path yet
    # a path through a rail does not count: VIN2 -> VDD -> VOUT1
    g = walk(VOCAB, [*head, *"nmos VOUT1 VIN1 VSS VSS pmos VDD VIN2 n1 VDD nmos n1 VSS VSS VSS".split()],
             interfaces=UNPAIRED)
    assert "<eos>" not in VOCAB.strs(np.nonzero(g.allowed())[0])
    g = walk(VOCAB, [*head, *"nmos VOUT1 VIN1 n1 VSS nmos VSS VIN2 n1 VSS res VOUT1 VDD".split()], interfaces=UNPAIRED)
    assert "<eos>" in VOCAB.strs(np.nonzero(g.allowed())[0])  # VIN2 -> n1 (gate to source) -> VOUT1


def test_tight_budget_forces_the_path_devices():
    head = "<bos> type:opamp VSS VDD VIN1 VIN2 VOUT1 <sep>".split()
    # the bound: two fix devices, each one path and one pull (2 x 5 tokens), VDD and VOUT1 closed
    # by "cap a b" pairs, <eos>
    assert walk(VOCAB, head, interfaces=UNPAIRED).cost() == 17
    g = walk(VOCAB, head, max_len=len(head) + 17, interfaces=UNPAIRED)
    toks = list(head)
    while not g.done:
        ids = np.nonzero(g.allowed())[0]
        assert len(ids)
        g.advance(int(ids[0]))
        toks.append(VOCAB.tokens[int(ids[0])])
    _check_interface(decode(toks, VOCAB), pair=False)


def test_plain_grammar_is_unchanged_for_other_families_and_without_interfaces():
    seq = "<bos> type:opamp VSS VDD VCLK1 <sep> res VDD VCLK1 res VCLK1 VSS <eos>".split()
    assert walk(VOCAB, seq).done
    with pytest.raises(Exception, match="not allowed"):
        walk(VOCAB, seq, interfaces=INTERFACES)
    assert walk(VOCAB, seq[:1] + ["type:other"] + seq[2:], interfaces=INTERFACES).done


def test_shipped_generator_opamps_have_the_interface_and_corpus_sizes():
    samples = generate("opamp", 40, seed=3)
    assert all(s.structurally_valid for s in samples)
    for s in samples:
        _check_interface(s.netlist)
    plain = generate("opamp", 40, seed=3, interface=False, length_prior=False)
    med = statistics.median(len(s.netlist.devices) for s in samples)
    assert med < statistics.median(len(s.netlist.devices) for s in plain)
    assert med <= 22  # corpus op-amps: median 16 devices


def test_electrical_rules_of_the_interface_grammar():
    """A drain's net cannot be the source; a net with one DC terminal holds ``<eos>`` back until a
    second one arrives (a gate does not count), and a capacitor pin on it does not close it."""
    head = "<bos> type:opamp VSS VDD VIN1 VIN2 VOUT1 <sep> nmos VOUT1 VIN1 VSS VSS pmos VOUT1 VIN2 VDD VDD".split()
    g = walk(VOCAB, [*head, "nmos", "n1", "VIN1"], interfaces=UNPAIRED)
    assert "n1" not in VOCAB.strs(np.nonzero(g.allowed())[0])  # source = drain refused
    g = walk(VOCAB, [*head, "nmos", "n1", "VIN1", "VSS", "VSS"], interfaces=UNPAIRED)
    assert g.needs == g.dcn == 1 and not g.allowed()[VOCAB.id("<eos>")]
    g = walk(VOCAB, [*head, "nmos", "n1", "VIN1", "VSS", "VSS", "pmos", "VDD", "n1", "VSS", "VDD"],
             interfaces=UNPAIRED)  # a gate on n1: still one DC terminal
    assert g.dcn == 1 and not g.allowed()[VOCAB.id("<eos>")]
    g = walk(VOCAB, [*head, "nmos", "n1", "VIN1", "VSS", "VSS", "cap", "n1", "VSS"], interfaces=UNPAIRED)
    assert g.dcn == 1 and not g.allowed()[VOCAB.id("<eos>")]
    g = walk(VOCAB, [*head, "nmos", "n1", "VIN1", "VSS", "VSS", "res", "n1", "VDD"], interfaces=UNPAIRED)
    assert g.needs == 0 and g.allowed()[VOCAB.id("<eos>")]
    # a gate-only internal net (two gates, no DC terminal) is closed like before
    g = walk(VOCAB, [*head, "nmos", "VDD", "n1", "VSS", "VSS", "pmos", "VSS", "n1", "VDD", "VDD"],
             interfaces=UNPAIRED)
    assert g.needs == 0 and g.allowed()[VOCAB.id("<eos>")]
    # the output has room for two DC terminals: no third, but gates may take it
    g = walk(VOCAB, [*head, "res"], interfaces=UNPAIRED)
    assert "VOUT1" not in VOCAB.strs(np.nonzero(g.allowed())[0])
    g = walk(VOCAB, [*head, "nmos", "VDD", "VOUT1", "VSS", "VSS"], interfaces=UNPAIRED)
    assert g.allowed()[VOCAB.id("<eos>")]
    # the first output device takes an input (or a net an input reaches) on its gate: with one
    # DC terminal left, a gate no input reaches would leave two paths for one device
    g = walk(VOCAB, [*head[:8], "pmos", "VOUT1"], interfaces=UNPAIRED)
    assert set(VOCAB.strs(np.nonzero(g.allowed())[0])) == {"VIN1", "VIN2"}
    # the plain grammar keeps its rules: a one-terminal-short net only
    g = walk(VOCAB, "<bos> type:other VSS VDD <sep> nmos n1 VDD VSS VSS res n1 VDD".split())
    assert g.needs == 0 and g.allowed()[VOCAB.id("<eos>")]


LDO_VOCAB = Vocab(("VSS", "VDD", "VIN1", "VOUT1", "VREF1", "VB1", "IB1", "VCLK1"))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), max_len=st.integers(40, 140))
def test_random_ldo_walks_have_the_ldo_interface(seed, max_len):
    """An LDO sample declares VIN1, VOUT1 and VREF1, VREF1 sits on gates only and reaches VOUT1, and the
    LDO sizing flow finds its ports (rl/sizing/ldo.py's testbench needs them)."""
    from circuitforge.spice.ldo import LdoPorts
    toks = _walk(seed, max_len, {"ldo": LDO}, LDO_VOCAB, "ldo")
    n = decode(toks, LDO_VOCAB)
    assert {"VIN1", "VOUT1", "VREF1"} <= set(n.ports) and "VCLK1" not in n.ports
    for d in n.devices:
        for role, net in d.terminals:
            if net == "VREF1":
                assert d.kind in ("mosfet", "bjt") and role in ("g", "b"), d
    adj: dict[str, set[str]] = defaultdict(set)
    for d in n.devices:
        t = dict(d.terminals)
        if d.kind in ("mosfet", "bjt"):
            gate, dr, s = (t["g"], t["d"], t["s"]) if d.kind == "mosfet" else (t["b"], t["c"], t["e"])
            adj[gate] |= {dr, s}
            adj[s].add(dr)
    seen, todo = {"VREF1"}, ["VREF1"]
    while todo:
        for v in adj[todo.pop()]:
            if v not in seen and (v == "VOUT1" or v not in n.ports and v != "0"):
                seen.add(v)
                todo.append(v)
    assert "VOUT1" in seen, n.devices
    p = LdoPorts.find(list(n.ports), n.devices)
    assert (p.vin, p.vout, p.vref) == ("VIN1", "VOUT1", "VREF1")
    # the pass-device rule, checked by the LDO testbench's own finder: the first device joins VIN1
    # to VOUT1 through its channel, its gate on an internal net
    from circuitforge.spice.ldo import pass_devices
    assert pass_devices(n.devices[:1], "VIN1", "VOUT1"), n.devices[0]
    assert dict(n.devices[0].terminals)["g"] not in n.ports


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), max_len=st.integers(40, 140))
def test_random_comparator_walks_have_the_comparator_interface(seed, max_len):
    """A comparator sample has the op-amp-like single-output interface (input pair, paths, pulls), may
    declare clocks (VOUT2 is not allowed), and the comparator sizing flow finds its ports."""
    from circuitforge.generators.topology.interface import COMPARATOR
    from circuitforge.spice.comparator import ComparatorPorts
    n = decode(_walk(seed, max_len, {"comparator": COMPARATOR}, VOCAB, "comparator"), VOCAB)
    _check_interface(n, iface=COMPARATOR)
    assert "VOUT2" not in n.ports
    p = ComparatorPorts.find(list(n.ports))
    assert (p.inp, p.inn, p.out, p.outn) == ("VIN1", "VIN2", "VOUT1", None)
    assert p.clocked == ("VCLK1" in n.ports)


def test_the_ldo_grammar_without_the_pass_rule_need_not_place_one():
    """LDO_NO_PASS is the interface before the rule: its first device is not forced onto VIN1-VOUT1."""
    from circuitforge.generators.topology.interface import LDO_NO_PASS
    g = walk(LDO_VOCAB, "<bos> type:ldo VSS VDD VIN1 VOUT1 VREF1 <sep>".split(), interfaces={"ldo": LDO_NO_PASS})
    assert "res" in LDO_VOCAB.strs(np.nonzero(g.allowed())[0])
    g = walk(LDO_VOCAB, "<bos> type:ldo VSS VDD VIN1 VOUT1 VREF1 <sep>".split(), interfaces={"ldo": LDO})
    assert LDO_VOCAB.strs(np.nonzero(g.allowed())[0]) == ["nmos", "pmos"]
    g = walk(LDO_VOCAB, "<bos> type:ldo VSS VDD VIN1 VOUT1 VREF1 <sep> pmos".split(), interfaces={"ldo": LDO})
    assert LDO_VOCAB.strs(np.nonzero(g.allowed())[0]) == ["VOUT1"]
