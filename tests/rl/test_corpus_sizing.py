"""Unsized op-amps to sizing problems (issue 15): port variants, role-based start, floating gates,
fully differential outputs, and a small corpus smoke run of the benchmark protocol."""

from __future__ import annotations

import dataclasses

import pytest

from circuitforge.netlists import parse
from circuitforge.netlists.analoggenie import load_circuit
from circuitforge.rl.errors import ProblemError
from circuitforge.rl.sizing.derive import derive_sizing, infer_ports, role_sizes, specific_current
from circuitforge.rl.sizing.graphtask import param_graph
from circuitforge.rl.sizing.problem import SizingProblem
from circuitforge.rl.sizing.quick import UNCHECKED, design_cmrr
from circuitforge.rl.sizing.search import run_method
from circuitforge.rl.sizing.spec import parse_spec
from circuitforge.spice.measure import measure_opamp
from circuitforge.spice.models import process

# an unsized 5T OTA in AnalogGenie style, with a cascode gate (net9) that nothing drives
_OTA = """MM1 (net1 VIN1 tail VSS) nmos4
MM2 (net2 VIN2 tail VSS) nmos4
MM3 (net1 net1 VDD VDD) pmos4
MM4 (net2 net1 VDD VDD) pmos4
MM5 (tail IB1 VSS VSS) nmos4
MM6 (IB1 IB1 VSS VSS) nmos4
MM7 (VOUT1 net9 net2 VDD) pmos4
MM8 (VOUT1 VOUT1 VSS VSS) nmos4
"""


@pytest.mark.parametrize("names, inp, inn, outn, known", [
    (["VDD", "VSS", "VIN1", "VIN2", "VOUT1"], "VIN1", "VIN2", None, False),
    (["VDD", "VSS", "VINN", "VINP", "VOUT"], "VINP", "VINN", None, True),
    (["vdd", "gnd", "inn", "inp", "out"], "inp", "inn", None, True),
    (["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2", "VB1"], "VIN1", "VIN2", "VOUT2", False),
])
def test_port_variants(names, inp, inn, outn, known):
    cands, _ = infer_ports(names)
    assert (cands[0].inp, cands[0].inn, cands[0].outn) == (inp, inn, outn)
    assert len(cands) == (1 if known else 2)


def test_missing_interface_is_named():
    with pytest.raises(ProblemError, match="no output"):
        infer_ports(["VDD", "VSS", "VIN1", "VB1"])


def test_single_input_gets_both_readings():
    cands, bias = infer_ports(["VDD", "VSS", "VIN1", "VOUT1", "VB1"])
    assert [(c.inp, c.inn, c.inverting) for c in cands] == [("VIN1", None, True), ("VIN1", None, False)]
    assert bias == ["VB1"]


# a common-source stage with a PMOS current-source load (corpus 706 without its compensation)
_CS = """M1 (VOUT1 VIN1 VSS VSS) nmos4
M2 (VOUT1 VB1 VDD VDD) pmos4
"""


def test_single_input_stage_is_measured_inverting():
    net = parse(_CS, dialect="spectre")
    net.ports = ["VDD", "VSS", "VIN1", "VOUT1", "VB1"]
    p = SizingProblem.from_netlist(net, process="generic180")
    assert p.ports.inn is None and p.ports.inverting  # the positive-gain reading was kept
    m = p.evaluate([p.default_x])[0]
    # gm*ro/2 of a CS stage on generic180: tens of V/V, with a unity-gain crossing and margin
    assert 20 < m["gain"].value < 60
    assert m["ugbw"].value is not None and m["pm"].value > 45
    assert m["power"].value > 0
    wrong = SizingProblem(p.name, p.netlist, p.params, p.process,
                          dataclasses.replace(p.ports, inverting=False), default_u=p.default_u)
    # the other reading has nearly the same operating point (the output held at mid-supply either way)
    # and the same magnitude, but its response starts at 180 degrees: no phase margin to speak of
    w = wrong.evaluate([p.default_x])[0]
    assert w["gain"].value == pytest.approx(m["gain"].value, abs=0.2)
    assert w["pm"].value is None or w["pm"].value < m["pm"].value - 90


def test_single_input_stage_has_a_parameter_graph():
    net = parse(_CS, dialect="spectre")
    net.ports = ["VDD", "VSS", "VIN1", "VOUT1", "VB1"]
    p = SizingProblem.from_netlist(net, process="generic180")
    g = param_graph(p)  # the graph policy's view: the one input is an input net of the graph
    assert g.dim == p.dim and int(g.mask.sum()) == p.dim


def test_single_input_stage_has_no_common_mode():
    net = parse(_CS, dialect="spectre")
    net.ports = ["VDD", "VSS", "VIN1", "VOUT1", "VB1"]
    p = SizingProblem.from_netlist(net, process="generic180")
    value, why = design_cmrr(p, p.default_x)
    assert value is None and why == UNCHECKED + "single-input amplifier"
    m = measure_opamp(p.netlist_for(p.default_x), "generic180", which=("gain", "cmrr", "offset"), ports=p.ports)
    assert m["gain"].value is not None
    assert m["cmrr"].value is None and "only input" in m["cmrr"].reason
    assert m["offset"].value is None and "single-input" in m["offset"].reason


# the 5T OTA drawn as a follower: the pair's second gate is on the output (as corpus 284)
_FOLLOWER = """MM1 (net1 VIN1 tail VSS) nmos4
MM2 (VOUT1 VOUT1 tail VSS) nmos4
MM3 (net1 net1 VDD VDD) pmos4
MM4 (VOUT1 net1 VDD VDD) pmos4
MM5 (tail IB1 VSS VSS) nmos4
MM6 (IB1 IB1 VSS VSS) nmos4
"""


def test_follower_is_opened_into_an_opamp():
    net = parse(_FOLLOWER, dialect="spectre")
    net.ports = ["VDD", "VSS", "VIN1", "VOUT1", "IB1"]
    d = derive_sizing(net, process="generic180")
    assert d.opened == ("MM2",)
    assert [(c.inp, c.inn) for c in d.candidates] == [("VIN1", "VINN")]  # polarity known: one candidate
    assert d.netlist.device("MM2").nets == ("VOUT1", "VINN", "tail", "VSS")  # the drain stays on the output
    p = SizingProblem.from_netlist(net, process="generic180")
    m = p.evaluate([p.default_x])[0]
    assert m["gain"].value > 20  # open loop now; as drawn (a follower) it is 0 dB
    value, _ = design_cmrr(p, p.default_x)
    assert value is not None and value > 20  # a real differential pair


def test_role_based_start_and_floating_gate():
    net = parse(_OTA, dialect="spectre")
    net.ports = ["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "IB1"]
    d = derive_sizing(net, process="generic45")
    names = [q.name for q in d.params]
    assert "w_MM1_MM2" in names and "w_MM3_MM4" in names  # matched groups from the roles
    assert "v_net9" in names  # the undriven cascode gate became a bias voltage
    assert d.default_u is not None and len(d.default_u) == len(d.params)
    s = d.structures
    assert s is not None and s.roles["MM5"] == "tail" and s.roles["MM1"] == "input"
    sizes, unit = role_sizes(s, net.devices, process("generic45"), vss="VSS")
    assert 1e-6 < unit < 100e-6
    # a mirror (MM5 from MM6) keeps its current ratio: the tail carries four times a bias branch
    (w5, l5), (w6, l6) = sizes["MM5"], sizes["MM6"]
    assert w5 / l5 == pytest.approx(4 * w6 / l6)
    assert specific_current(process("generic45").pmos) < specific_current(process("generic45").nmos)


def test_drawn_sizes_keep_the_netlist_start():
    from circuitforge.examples import example_path

    d = derive_sizing(example_path("opamp_miller45.cir"))
    assert d.default_u is None and d.cm_servo is None


@pytest.mark.corpus
def test_corpus_smoke(corpus_root):
    modest = parse_spec("gain>=40dB,ugbw>=10MHz,pm>=45deg")
    met = 0
    for cid in (2049, 2057, 2103):
        p = SizingProblem.from_netlist(load_circuit(corpus_root / str(cid)).netlist)
        run = run_method("cmaes", p, modest, budget=60, seed=0, simulator=None)
        met += run.success is not None
    assert met >= 2


@pytest.mark.corpus
def test_corpus_fully_differential_measures_the_differential_output(corpus_root):
    p = SizingProblem.from_netlist(load_circuit(corpus_root / "283").netlist, process="generic180")
    assert p.ports.outn is not None
    m = p.evaluate([p.default_x])[0]
    assert m["gain"].value is not None and m["gain"].value > 20
