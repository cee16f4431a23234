"""CDL (auCdl) netlists: *.PININFO, $PINS, '/' in X lines, $[model], $KEY=value, *.BIPOLAR/*.RESI."""

from __future__ import annotations

import pytest

from circuitforge.netlists import parse, write
from circuitforge.netlists.parsers import detect_dialect
from circuitforge.netlists.parsers.cdl import pin_directions

CELLS = """************************************************************************
* auCdl Netlist:
* Library Name:  demo
************************************************************************
*.BIPOLAR
*.RESI = 2000
*.SCALE METER
*.PARAM

.SUBCKT inv A Y VDD VSS $W=1u
*.PININFO A:I Y:O VDD:B VSS:B
MM1 Y A VSS VSS nch_mac w=1u l=100n m=1 $[nch] $X=1.5 $Y=2.0
MM2 Y A VDD VDD pch W=2u L=100n
.ENDS

.SUBCKT buf IN OUT VDD VSS
*.PININFO IN:I OUT:O VDD:B VSS:B
XI0 IN mid VDD VSS / inv
XI1 inv $PINS Y=OUT A=mid VSS=VSS VDD=VDD
RR0 OUT VSS $[rppoly] 2k $W=1u $L=10u $SUB=VSS
CC0 OUT VSS $[mimcap] 10f
DD0 VSS IN $[ndio] 1p
QQ0 VSS VSS OUT $[pnp5]
.ENDS
"""

EXAMPLES = {"cells": CELLS}


def test_detected_and_read():
    assert detect_dialect(CELLS) == "cdl"
    n = parse(CELLS)
    assert n.dialect == "cdl" and set(n.subckts) == {"inv", "buf"}
    assert n.title == ""  # CDL has no title line


def test_pininfo_recorded_as_statements_and_readable():
    n = parse(CELLS)
    assert pin_directions(n.subckts["inv"]) == {"A": "input", "Y": "output", "VDD": "inout", "VSS": "inout"}
    assert [s.text for s in n.statements][:3] == ["*.BIPOLAR", "*.RESI = 2000", "*.SCALE METER"]


def test_model_in_dollar_brackets():
    inv = parse(CELLS).subckts["inv"]
    mm1 = inv.device("MM1")
    assert mm1.model == "nch" and mm1.nets == ("Y", "A", "VSS", "VSS")
    assert mm1.params["w"].number == 1e-6 and mm1.params["$X"].text == "1.5"
    assert list(mm1.params)[-2:] == ["$X", "$Y"]  # annotations last, where SPICE reads them as a comment
    buf = parse(CELLS).subckts["buf"]
    r = buf.device("RR0")
    assert (r.model, r.params["r"].number, r.params["$SUB"].text) == ("rppoly", 2000, "VSS")
    assert buf.device("CC0").model == "mimcap" and buf.device("CC0").params["c"].number == 1e-14
    d = buf.device("DD0")
    assert d.model == "ndio" and d.params["area"].number == 1e-12
    q = buf.device("QQ0")
    assert q.kind == "bjt" and q.model == "pnp5" and q.nets == ("VSS", "VSS", "OUT")


def test_slash_and_pins_connect_instances_by_port():
    buf = parse(CELLS).subckts["buf"]
    x0 = buf.device("XI0")
    assert x0.model == "inv" and x0.terminals == (("A", "IN"), ("Y", "mid"), ("VDD", "VDD"), ("VSS", "VSS"))
    x1 = buf.device("XI1")  # $PINS in another order, put in port order
    assert x1.terminals == (("A", "mid"), ("Y", "OUT"), ("VDD", "VDD"), ("VSS", "VSS"))


def test_subckt_dollar_params_and_comments():
    n = parse(CELLS)
    assert n.subckts["inv"].params["W"].number == 1e-6
    assert n.subckts["inv"].ports == ("A", "Y", "VDD", "VSS")
    m = parse(".SUBCKT t a b $ just a comment\nR1 a b 1k $ another\n.ENDS\n", dialect="cdl")
    assert m.subckts["t"].ports == ("a", "b") and not m.subckts["t"].params


def test_ngspice_output_keeps_models_and_comments_out_annotations():
    text = write(parse(CELLS), "ngspice")
    assert "MM1 Y A VSS VSS nch w=1u l=100n m=1 $X=1.5 $Y=2.0" in text
    assert "XI0 IN mid VDD VSS inv" in text and "XI1 mid OUT VDD VSS inv" in text
    assert "*.PININFO A:I Y:O VDD:B VSS:B" in text  # a comment to ngspice, data to CDL readers
    back = parse(text, dialect="cdl")
    assert pin_directions(back.subckts["inv"])["Y"] == "output"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_to_ngspice(name, round_trip):
    n = parse(EXAMPLES[name], dialect="cdl")
    back = round_trip(n)
    assert back.subckts["buf"].device("XI1").nets == n.subckts["buf"].device("XI1").nets
