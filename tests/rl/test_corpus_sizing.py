"""Unsized op-amps to sizing problems (issue 15): port variants, role-based start, floating gates,
fully differential outputs, and a small corpus smoke run of the benchmark protocol."""

from __future__ import annotations

import pytest

from circuitforge.netlists import parse
from circuitforge.netlists.analoggenie import load_circuit
from circuitforge.rl.errors import ProblemError
from circuitforge.rl.sizing.derive import derive_sizing, infer_ports, role_sizes, specific_current
from circuitforge.rl.sizing.problem import SizingProblem
from circuitforge.rl.sizing.search import run_method
from circuitforge.rl.sizing.spec import parse_spec
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
    with pytest.raises(ProblemError, match="no second input"):
        infer_ports(["VDD", "VSS", "VIN1", "VOUT1", "VB1"])


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
