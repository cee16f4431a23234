"""LDO sizing problems (rl/sizing/ldo.py) with real ngspice runs: derivation, one deck per design,
the quick-sizing protocol for the ``ldo`` family, and the errors that keep specs and families apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists import parse
from circuitforge.netlists.analoggenie import CorpusError, corpus_path, iter_corpus
from circuitforge.netlists.errors import CircuitforgeError, ResolutionError, ValidationError
from circuitforge.rl.errors import SizingError
from circuitforge.rl.sizing.ldo import LDO_MEASURES, LDO_MODEST, LdoSizingProblem
from circuitforge.rl.sizing.problem import miller_problem
from circuitforge.rl.sizing.quick import quick_size
from circuitforge.rl.sizing.search import run_method
from circuitforge.rl.sizing.spec import parse_spec
from circuitforge.spice import simulate
from circuitforge.spice.ldo import LdoConditions, LdoPorts, ldo_testbench
from circuitforge.spice.testbench import BiasPort

LDO = Path(__file__).parents[1] / "spice" / "data" / "ldo_pmos180.cir"


def _corpus_ldo(cid: int):
    try:
        root = corpus_path(None)
    except CircuitforgeError as exc:
        pytest.skip(f"AnalogGenie corpus not available: {exc}")
    for c in iter_corpus(root):
        if not isinstance(c, CorpusError) and c.id == cid:
            return c
    pytest.skip(f"corpus circuit {cid} is not in this copy of the corpus")


def test_hand_ldo_problem_measures_and_meets_the_modest_spec() -> None:
    p = LdoSizingProblem.from_netlist(LDO, process="generic180")
    names = p.param_names
    assert "w_pass_MP" in names and "i_ibias" in names          # the pass device and the bias port
    assert p.param("w_pass_MP").low < 1000e-6 < p.param("w_pass_MP").high  # its own size is the start
    assert p.conditions.vref == pytest.approx(0.6)               # VIN / 3 by default
    m = p.evaluate([p.default_x])[0]
    assert set(m) == set(LDO_MEASURES)
    assert m["vout"].value == pytest.approx(0.6 * 4 / 3, abs=0.03)   # VREF x (1 + R1/R2)
    assert abs(m["line_reg"].value) < 0.02 and m["psrr"].value > 30
    q = quick_size(parse(LDO.read_text()), parse_spec(LDO_MODEST), process="generic180", budget=10, family="ldo")
    assert q.met and q.sims <= 10, q


def test_corpus_ldo_with_two_outputs_and_a_separate_supply() -> None:
    c = _corpus_ldo(2395)
    ports = LdoPorts.find(list(c.ports), c.netlist.devices)
    with pytest.raises(ValidationError, match="2 outputs"):
        LdoPorts.find(list(c.ports))                              # names alone cannot tell
    p = LdoSizingProblem.from_netlist(c.netlist, process="generic180")
    assert p.ports.vout == ports.vout == "VOUT1"                 # the pass device's, not its gate VOUT2
    assert p.ports.vdd == "VDD" and p.conditions.vdd == pytest.approx(1.8)   # held, not tied to VIN
    assert any(q.name.startswith("w_pass_") for q in p.params)
    assert all(b.kind in ("voltage", "current") for b in p.ports.bias) and p.ports.bias
    m = p.evaluate([p.default_x])[0]
    assert m["vout"].value is not None                           # it simulates at the start


def test_pmos_bias_voltages_follow_the_supply() -> None:
    text = (".subckt reg VIN1 VOUT1 VREF1 VSS VB1 VB2\nMP VOUT1 g VIN1 VIN1 pmos4\nMT tail VB1 VIN1 VIN1 pmos4\n"
            "M1 g VREF1 tail VIN1 pmos4\nM2 x VOUT1 tail VIN1 pmos4\nM3 g VB2 VSS VSS nmos4\n"
            "M4 x x VSS VSS nmos4\n.ends reg\n")
    ports = LdoPorts("VIN1", "VOUT1", "VREF1", "VSS", bias=(BiasPort("VB1", 1.0, "voltage"),
                                                             BiasPort("VB2", 0.6, "voltage")))
    tb = ldo_testbench(parse(text), "generic180", ports=ports)
    nets = {d.name.upper(): d.nets for d in tb.netlist.devices}
    assert nets["EBIAS0"][2:] == ("VIN1", "0") and "VBOFF0" in nets   # VB1 gates a PMOS: referred to VIN
    assert "EBIAS1" not in nets and nets["VBIAS1"] == ("VB2", "0")     # VB2 gates an NMOS: to ground
    fixed = ldo_testbench(parse(text), "generic180", ports=ports, conditions=LdoConditions(track_supply=False))
    assert not any(d.name.upper().startswith("EBIAS") for d in fixed.netlist.devices)
    res = simulate(tb.netlist, list(tb.analyses))
    assert res.ok, res.error
    assert res["op"].value("VB1") == pytest.approx(1.0, abs=1e-6)     # the nominal level at nominal VIN


def test_families_and_specs_are_kept_apart() -> None:
    net = parse(LDO.read_text())
    with pytest.raises(ResolutionError, match="opamp"):
        quick_size(net, parse_spec(LDO_MODEST), process="generic180", family="bandgap")
    with pytest.raises(SizingError, match="ldo sizing does not measure"):
        quick_size(net, parse_spec("gain>=40dB"), process="generic180", family="ldo")
    with pytest.raises(SizingError, match="CMRR"):
        quick_size(net, parse_spec(LDO_MODEST), process="generic180", family="ldo", cmrr_min=20.0)
    with pytest.raises(SizingError, match="does not measure"):
        run_method("cmaes", miller_problem(), parse_spec("dropout<=300mV"), budget=2, seed=0, simulator=None)
    no_out = parse(".subckt reg VIN1 VREF1 VSS\nM1 VIN1 VREF1 VSS VSS nmos4\n.ends reg\n")
    q = quick_size(no_out, parse_spec(LDO_MODEST), process="generic180", family="ldo")
    assert q.stage == "interface" and "no output" in q.reason
