"""The end-to-end flow: amplifier extraction, stage failures, a references-only run and its report."""

from __future__ import annotations

import dataclasses
import json

import pytest

from circuitforge.design import opamp_port_names, screen_topology
from circuitforge.design.drawing import draw_topology
from circuitforge.design.pipeline import Candidate, design, size_and_verify
from circuitforge.design.report import write_outputs
from circuitforge.netlists import parse
from circuitforge.netlists.errors import ResolutionError, ValidationError
from circuitforge.rl import SpecError

OTA = """* 5T OTA
M1 (X VIN1 T VSS) nmos4
M2 (VOUT1 VIN2 T VSS) nmos4
M3 (X X VDD VDD) pmos4
M4 (VOUT1 X VDD VDD) pmos4
M5 (T VB1 VSS VSS) nmos4
"""


def _ota(ports=("VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1")):
    return dataclasses.replace(parse(OTA, dialect="spectre"), ports=list(ports))


def test_port_names_refuse_what_is_not_an_opamp():
    assert opamp_port_names(["VDD", "VSS", "VIN2", "VIN1", "VOUT1"]) == ("VIN1", "VIN2", "VOUT1", "VDD", "VSS")
    with pytest.raises(ValidationError, match="no second input among ports"):
        opamp_port_names(["VDD", "VSS", "VIN1", "VOUT1"])
    with pytest.raises(ValidationError, match="fully differential"):
        opamp_port_names(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2"])


def test_screen_finds_the_inverting_input_by_simulation():
    problem, m = screen_topology(_ota())
    assert (problem.ports.inp, problem.ports.inn) == ("VIN1", "VIN2")
    # the same circuit with the inputs' names exchanged: the screen must swap them back
    swapped = parse(OTA.replace("VIN1", "TMP").replace("VIN2", "VIN1").replace("TMP", "VIN2"), dialect="spectre")
    problem2, m2 = screen_topology(dataclasses.replace(swapped, ports=_ota().ports))
    assert (problem2.ports.inp, problem2.ports.inn) == ("VIN2", "VIN1")
    assert m["gain"].value == pytest.approx(m2["gain"].value, abs=0.5) and m["gain"].value > 20
    assert m["power"].value > 5e-6  # the bias current counts in the supply power


def test_screen_rejects_a_topology_that_does_not_amplify():
    dead = parse("M1 (VOUT1 VIN1 VSS VSS) nmos4\nM2 (VOUT1 VIN2 VSS VSS) nmos4\nR1 (VOUT1 VSS) resistor\n"
                 "R2 (VDD VSS) resistor\n", dialect="spectre")
    with pytest.raises(ValidationError, match="does not amplify"):
        screen_topology(dataclasses.replace(dead, ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1"]))


def test_failed_stage_is_reported_not_raised():
    cand = Candidate("bad", "generated", _ota(("VDD", "VSS", "VIN1", "VOUT1", "VB1")))
    out = size_and_verify(cand, None, "gain>=40dB", budget=5, method="random", seed=0, process="generic45")
    assert not out.ok and out.stage == "problem" and "second input" in out.reason


def test_unknown_type_and_bad_spec_fail_before_any_work():
    with pytest.raises(ResolutionError, match="opamp"):
        design("gain>=40dB", "lna", n=0)
    with pytest.raises(SpecError, match="'gian'"):
        design("gian>=40dB", n=0)


def test_references_only_run_writes_report(tmp_path):
    run = design("gain>=40dB,ugbw>=10MHz,pm>=45deg,power<=1mW", n=0, budget=12, method="random", workers=1)
    assert [c.origin for c in run.candidates] == ["reference", "reference"]
    assert all(c.ok for c in run.candidates), [c.reason for c in run.candidates]
    assert run.met, "the nominal examples already meet this loose spec"
    for c in run.candidates:
        assert 0 < c.sims <= 12 and c.after is not None and len(c.after.freq) > 10
        assert set(c.after.measurements) >= {"gain", "ugbw", "pm", "cmrr", "psrr", "slew", "noise"}
    paths = write_outputs(run, tmp_path)
    summary = json.loads(paths["summary"].read_text())
    assert summary["met"] and len(summary["candidates"]) == 2
    first = summary["candidates"][0]
    netlist = tmp_path / f"01_{first['name']}" / f"{first['name']}.cir"
    assert netlist.is_file() and ".subckt" in netlist.read_text().lower()
    html = paths["report"].read_text()
    for needle in ("circuitforge design report", "Bode plot", "Topology", "before sizing", "data:image/png;base64"):
        assert needle in html


def test_references_on_another_process_are_derived_problems():
    """On generic180 the references are sized through the problem derived from the example (their drawn
    sizes as the start, generic180 ranges), not the generic45 hand-made problems; a typo is a clear error."""
    from circuitforge.design.pipeline import reference_problem
    p45, p180 = reference_problem("miller"), reference_problem("miller", "generic180")
    assert p45.name == "miller45" and p45.process == "generic45" and p45.dim == 8
    assert p180.process == "generic180" and p180.subckt == "opamp_miller45" and p180.dim > 8
    assert all(q.low >= 180e-9 for q in p180.params if q.name.startswith("l_"))   # generic180 lengths
    m = p180.evaluate([p180.default_x])[0]
    assert m["gain"].value > 40                                                   # it amplifies as drawn
    with pytest.raises(ResolutionError, match="miller"):
        reference_problem("mille")


def test_topology_drawing_handles_every_port_role():
    fig = draw_topology(_ota(), title="ota")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"M1", "M2", "M3", "M4", "M5", "VIN1", "VIN2", "VOUT1", "VB1", "VDD", "VSS"} <= texts
    assert fig.axes[0].get_title() == "ota"
