"""Comparator sizing problems (rl/sizing/comparator.py) with real ngspice runs: derivation, one decide
transient per design, the ports the testbench holds, ties or refuses, and the quick-sizing protocol
for the ``comparator`` family."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists import parse
from circuitforge.rl.errors import ProblemError, SizingError
from circuitforge.rl.sizing.comparator import (
    COMPARATOR_MEASURES,
    COMPARATOR_MODEST,
    ComparatorSizingProblem,
    derive_comparator_sizing,
    design_offset,
)
from circuitforge.rl.sizing.quick import FAMILY_SPECS, quick_size
from circuitforge.rl.sizing.spec import parse_spec
from circuitforge.spice.comparator import ComparatorPorts

SA = (Path(__file__).parents[1] / "spice" / "data" / "strongarm180.cir").read_text()

# a StrongARM latch written as the AnalogGenie corpus writes circuits: top level, unsized, VIN1/VIN2
# (which one is non-inverting is not in the names), clocks VCLK1 (and VCLK2, VCLK3 on the reset devices)
CORPUS_SA = """* corpus-style StrongARM
MT tail VCLK1 VSS VSS nmos4
M1 x VIN1 tail VSS nmos4
M2 y VIN2 tail VSS nmos4
M3 VOUT2 VOUT1 x VSS nmos4
M4 VOUT1 VOUT2 y VSS nmos4
M5 VOUT2 VOUT1 VDD VDD pmos4
M6 VOUT1 VOUT2 VDD VDD pmos4
M7 VOUT2 VCLK2 VDD VDD pmos4
M8 VOUT1 VCLK2 VDD VDD pmos4
M9 x VCLK3 VDD VDD pmos4
M10 y VCLK3 VDD VDD pmos4
"""
CORPUS_PORTS = ["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2", "VCLK1", "VCLK2", "VCLK3"]


def _corpus_sa(ports: list[str] = CORPUS_PORTS, text: str = CORPUS_SA):
    import dataclasses
    return dataclasses.replace(parse(text), ports=list(ports))


def test_strongarm_problem_measures_every_figure_at_its_start() -> None:
    p = ComparatorSizingProblem.from_netlist(SA, process="generic180",
                                             ports=ComparatorPorts(out="outp", outn="outn", clk="clk"))
    assert p.family == "comparator" and p.primary == "decision"
    names = p.param_names
    assert "w_M1_M2" in names and "l_M1_M2" in names                      # the input pair shares one size
    assert "w_M7_M8_M9_M10" in names                                      # reset switches, by gate net
    assert "w_M3_M4" in names and "w_M5_M6" in names                      # cross-coupled pairs match
    m = p.evaluate([p.default_x])[0]
    assert set(m) == set(COMPARATOR_MEASURES)
    assert m["decision"].value == 1.0
    assert 20e-12 < m["delay"].value < 2e-9
    assert m["kickback"].value is not None and m["power"].value > 0
    # a design far off (tiny input pair, long reset devices) is measured, not dropped
    worse = p.evaluate([p.to_x([0.0] * p.dim)])[0]
    assert set(worse) == set(COMPARATOR_MEASURES)
    off, why = design_offset(p, p.default_x)
    assert off is not None and abs(off) <= 1e-3, why                     # symmetric: within one ramp step


def test_corpus_style_comparator_ties_clocks_and_picks_the_input_order() -> None:
    net = _corpus_sa()
    both = derive_comparator_sizing(net, process="generic180")
    assert len(both) == 2                                                 # VIN1/VIN2: both orders
    assert (both[0].ports.inp, both[1].ports.inp) == ("VIN1", "VIN2")
    assert both[0].ports.clk == "VCLK1" and both[0].ports.clkb == "VCLK2"
    deck = both[0].deck(both[0].default_x)
    assert "VCLK3" not in deck                                            # a third clock runs with the first
    picked = ComparatorSizingProblem.from_netlist(net, process="generic180")
    right = picked.evaluate([picked.default_x])[0]["decision"].value
    other = next(p for p in both if p.ports.inp != picked.ports.inp)
    assert right >= other.evaluate([other.default_x])[0]["decision"].value
    assert right == 1.0


def test_held_references_and_refused_ports() -> None:
    text = CORPUS_SA.replace("MT tail VCLK1 VSS VSS nmos4", "MT tail VCLK1 VSS VSS nmos4\nMR tail VREF1 VSS VSS nmos4")
    p = derive_comparator_sizing(_corpus_sa([*CORPUS_PORTS, "VREF1"], text), process="generic180")[0]
    ref = next(b for b in p.ports.bias if b.name == "VREF1")
    assert ref.kind == "voltage" and ref.value == pytest.approx(0.9)      # held at the input common mode
    assert not any(q.sets[0][1] == "VREF1" for q in p.params)             # and not sized
    text = CORPUS_SA.replace("MT tail VCLK1 VSS VSS nmos4", "MT tail VCLK1 VSS VSS nmos4\nMC tail VCONT1 VSS VSS nmos4")
    with pytest.raises(ProblemError, match=r"VCONT1 \(control\)"):
        derive_comparator_sizing(_corpus_sa([*CORPUS_PORTS, "VCONT1"], text))
    q = quick_size(_corpus_sa([*CORPUS_PORTS, "VCONT1"], text), parse_spec(COMPARATOR_MODEST),
                   process="generic180", budget=2, family="comparator")
    assert q.stage == "interface" and "control" in q.reason
    q = quick_size(_corpus_sa(["VDD", "VSS", "VIN1", "VCLK1"]), parse_spec(COMPARATOR_MODEST),
                   process="generic180", budget=2, family="comparator")
    assert q.stage == "interface" and "cannot find the comparator ports" in q.reason


def test_quick_size_meets_the_modest_spec_and_keeps_families_apart() -> None:
    modest, medium = (parse_spec(s) for s in FAMILY_SPECS["comparator"])
    assert modest.names == ("decision", "delay") and "power" in medium.names
    q = quick_size(_corpus_sa(), modest, process="generic180", budget=6, family="comparator")
    assert q.met and q.sims <= 6 and q.best["decision"] == 1.0, q
    with pytest.raises(SizingError, match="op-amps"):
        quick_size(_corpus_sa(), modest, process="generic180", budget=2, family="comparator", cmrr_min=20.0)
    with pytest.raises(Exception, match="gain"):                          # an op-amp spec has no comparator deck
        quick_size(_corpus_sa(), parse_spec("gain>=40dB"), process="generic180", budget=2, family="comparator")


def test_comparator_spec_clauses() -> None:
    s = parse_spec("decision>=1,delay<=2ns,kickback<=50mV,power<=100uW")
    assert s.values() == {"decision": 1.0, "delay": 2e-9, "kickback": 0.05, "power": 1e-4}
    assert not s.met({"decision": 0.75, "delay": 1e-9, "kickback": 0.01, "power": 5e-5})
    assert s.met({"decision": 1.0, "delay": 1e-9, "kickback": 0.01, "power": 5e-5})
    m = s.margins({"decision": 0.5, "delay": 1e-9, "kickback": None, "power": 1e-4})
    assert m["decision"] < 0 < m["delay"] and m["kickback"] == -1.0
