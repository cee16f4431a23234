"""KiCad SPICE exports: .title, net names with '/' and '-', connectors and ICs as opaque parts."""

from __future__ import annotations

import pytest

from circuitforge.netlists import parse, write
from circuitforge.netlists.parsers import detect_dialect
from circuitforge.netlists.validate import validate

AMP = """.title KiCad schematic
.include "models/2N3904.lib"
J1 /in GND Conn_01x02
R1 /in Net-(Q1-B) 10k
R2 VCC Net-(Q1-B) 47k
R3 Net-(Q1-B) GND 4k7
Q1 /amp/out Net-(Q1-B) Net-(Q1-E) Q2N3904
RE1 Net-(Q1-E) GND 1k
RC1 VCC /amp/out 2.2k
C1 /amp/out /sheet1/out 10u
U1 /sheet1/out /fb VCC GND LM358
P1 VCC GND PWR_FLAG
K1 /fb GND relay_coil
J2 /amp/out VCC GND jmod
.model jmod njf vto=-2
V1 VCC GND DC 12
.end
"""

EXAMPLES = {"amp": AMP}


def test_detected_title_and_net_names():
    assert detect_dialect(AMP) == "kicad"
    n = parse(AMP)
    assert n.dialect == "kicad" and n.title == "KiCad schematic"
    assert n.device("R1").nets == ("/in", "Net-(Q1-B)")
    assert n.device("C1").nets == ("/amp/out", "/sheet1/out")
    assert n.device("R3").params["r"].number == 4700


def test_connectors_and_ics_are_opaque_parts_with_a_warning():
    n = parse(AMP)
    kinds = {d.name: d.kind for d in n.devices}
    assert kinds["J1"] == kinds["U1"] == kinds["P1"] == kinds["K1"] == "opaque"
    assert kinds["J2"] == "jfet"  # a J line whose model is a JFET card stays a JFET
    assert n.device("U1").model == "LM358" and n.device("U1").nets == ("/sheet1/out", "/fb", "VCC", "GND")
    warned = {w.text.split()[0] for w in n.warnings if w.code == "unknown-element"}
    assert warned == {"J1", "U1", "P1", "K1"}
    # outside KiCad, K couples inductors and J is a JFET as usual
    assert parse("* t\nL1 a 0 1u\nL2 b 0 1u\nK1 L1 L2 0.9\n", dialect="kicad").device("K1").kind == "mutual_inductor"


def test_missing_model_file_is_reported():
    n = parse(AMP)
    found = validate(n)
    inc = [f for f in found if f.code == "unresolved-include"]
    assert [f.obj for f in inc] == ["models/2N3904.lib"]
    models = [f.message for f in found if f.code == "undefined-model"]
    assert len(models) == 1 and "'Q2N3904'" in models[0]


def test_opaque_parts_survive_ngspice_as_comments():
    warnings: list = []
    text = write(parse(AMP), "ngspice", warnings=warnings)
    assert "*@opaque J1 /in GND Conn_01x02" in text
    assert {w.obj for w in warnings if w.code == "opaque-part"} == {"J1", "U1", "P1", "K1"}
    back = parse(text, dialect="ngspice", resolve_includes=False)
    assert back.device("J1").kind == "opaque" and not [w for w in back.warnings if w.code == "unknown-element"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_to_ngspice(name, round_trip):
    round_trip(parse(EXAMPLES[name], dialect="kicad", resolve_includes=False))
