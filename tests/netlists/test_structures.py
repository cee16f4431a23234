"""Device roles from the netlist graph (netlists/structures.py): the examples and a few corpus circuits."""

from __future__ import annotations

import pytest

from circuitforge.examples import example_path
from circuitforge.netlists import parse, read
from circuitforge.netlists.analoggenie import load_circuit
from circuitforge.netlists.ports import find_opamp_ports
from circuitforge.netlists.structures import ROLES, find_structures


def _example(name: str):
    net = read(example_path(name))
    sub = next(iter(net.subckts.values()))
    return find_structures(sub.devices, inputs=("inp", "inn"), outputs=("out",), vdd="vdd", vss="vss")


def test_miller_roles_groups_and_stages():
    s = _example("opamp_miller45.cir")
    assert s.roles == {"MB1": "bias", "M5": "tail", "M1": "input", "M2": "input", "M3": "load", "M4": "load",
                       "M6": "gain", "M7": "source"}
    assert s.pairs == (("M1", "M2"),)
    assert ("M3", "M4") in s.groups and s.stages == 2
    assert sorted(n for g in s.groups for n in g) == sorted(s.roles)  # every MOSFET in one group
    assert repr(s).startswith("Structures(devices=8, pairs=1, stages=2")


def test_folded_cascode_roles():
    s = _example("opamp_foldedcascode45.cir")
    assert s.of_role("cascode") == ("M5", "M6", "M7", "M8")
    assert s.of_role("load") == ("M3", "M4", "M9", "M10")
    assert s.of_role("tail") == ("M0",) and s.stages == 1
    assert {("M5", "M6"), ("M7", "M8"), ("M9", "M10"), ("M3", "M4")} <= set(s.groups)


def test_symmetric_ota_is_one_stage():
    net = parse("""* symmetric OTA
M1 a inp t 0 nmos
M2 b inn t 0 nmos
M3 a a vdd vdd pmos
M4 b b vdd vdd pmos
M5 c a vdd vdd pmos
M6 out b vdd vdd pmos
M7 c c 0 0 nmos
M8 out c 0 0 nmos
M9 t vb 0 0 nmos
""")
    s = find_structures(net.devices, inputs=("inp", "inn"), outputs=("out",), vdd="vdd", vss="0", bias=("vb",))
    assert s.roles["M9"] == "tail" and s.roles["M5"] == "gain" and s.roles["M7"] == "load"
    assert s.stages == 1
    assert set(s.roles.values()) <= set(ROLES)


def test_no_inputs_found():
    net = parse("* bias only\nM1 vb vb 0 0 nmos\nM2 x vb 0 0 nmos\n")
    s = find_structures(net.devices, inputs=("inp", "inn"), vss="0")
    assert s.pairs == () and s.stages == 0 and set(s.roles.values()) == {"bias"}


@pytest.mark.corpus
@pytest.mark.parametrize("cid, pairs, stages", [(1850, 1, 1), (2049, 1, 2), (1999, 1, 1)])
def test_corpus_circuits(corpus_root, cid, pairs, stages):
    c = load_circuit(corpus_root / str(cid))
    i = find_opamp_ports(c.netlist)
    s = find_structures(c.netlist.devices, inputs=(i.inp, i.inn), outputs=(i.out,), vdd=i.vdd, vss=i.vss,
                        bias=i.bias, netlist=c.netlist)
    assert len(s.pairs) == pairs and s.stages == stages
    assert len(s.of_role("tail")) == 1
