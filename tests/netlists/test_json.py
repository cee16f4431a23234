"""JSON netlists (SpiceNetlist / Image2Net style): read, write, names, errors, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from circuitforge.netlists import ParseError, parse, read, write
from circuitforge.netlists.compare import same_topology
from circuitforge.netlists.parsers import detect_dialect

OTA = [
    {"component_type": "NMOS", "port_connection": {"Drain": "x", "Gate": "inp", "Source": "tail", "Body": "0"}},
    {"component_type": "NMOS", "port_connection": {"Drain": "out", "Gate": "inn", "Source": "tail", "Body": "0"}},
    {"component_type": "PMOS", "port_connection": {"Drain": "x", "Gate": "x", "Source": "vdd", "Body": "vdd"}},
    {"component_type": "PMOS", "port_connection": {"Drain": "out", "Gate": "x", "Source": "vdd", "Body": "vdd"}},
    {"component_type": "NMOS", "port_connection": {"Drain": "tail", "Gate": "bias", "Source": "0", "Body": "0"}},
    {"component_type": "Capacitor", "port_connection": {"Pos": "out", "Neg": "0"}},
    {"component_type": "Current", "port_connection": {"Pos": "vdd", "Neg": "bias"}},
    {"component_type": "Voltage", "port_connection": {"Pos": "vdd", "Neg": "0"}},
]
MIXED = [
    {"component_type": "NPN", "port_connection": {"Collector": "c", "Base": "b", "Emitter": "e"}},
    {"component_type": "PNP", "port_connection": {"Collector": "0", "Base": "b", "Emitter": "c"}},
    {"component_type": "Resistor", "port_connection": {"Pos": "vcc", "Neg": "c"}, "parameters": {"r": "4.7k"}},
    {"component_type": "Inductor", "port_connection": {"Pos": "e", "Neg": "0"}},
    {"component_type": "Diode", "port_connection": {"Pos": "b", "Neg": "0"}},
    {"component_type": "nmos", "port_connection": {"drain": "c", "gate": "b", "source": "e"}},  # 3 terminals
    {"name": "Rload", "component_type": "Resistor", "port_connection": {"Pos": "c", "Neg": 0}},
]
EXAMPLES = {"ota": json.dumps(OTA, indent=2), "mixed": json.dumps(MIXED)}


def test_read_names_kinds_and_roles():
    assert detect_dialect(EXAMPLES["ota"]) == "json"
    n = parse(EXAMPLES["ota"])
    assert n.dialect == "json"
    assert [d.name for d in n.devices] == ["M1", "M2", "M3", "M4", "M5", "C1", "I1", "V1"]
    m3 = n.device("M3")
    assert (m3.kind, m3.model, m3.terminals) == ("mosfet", "pmos", (("d", "x"), ("g", "x"), ("s", "vdd"),
                                                                     ("b", "vdd")))
    assert n.device("I1").terminals == (("p", "vdd"), ("n", "bias"))


def test_read_bjts_params_given_names_and_three_terminal_mos():
    n = parse(EXAMPLES["mixed"])
    assert [d.name for d in n.devices] == ["Q1", "Q2", "R1", "L1", "D1", "M1", "Rload"]
    assert n.device("Q2").model == "pnp" and n.device("Q1").roles == ("c", "b", "e")
    assert n.device("R1").params["r"].number == 4700
    assert n.device("M1").roles == ("d", "g", "s")
    assert n.device("Rload").nets == ("c", "0")  # integer nets become names


def test_write_emits_the_same_form_and_round_trips(tmp_path: Path):
    n = parse(EXAMPLES["ota"])
    text = write(n, "json")
    assert json.loads(text) == OTA
    p = tmp_path / "ota.json"
    p.write_text(text)
    assert same_topology(read(p), n)


def test_write_from_spice_flattens_and_warns_on_what_json_cannot_hold():
    n = parse("* t\n.subckt inv a y vdd\nM1 y a 0 0 nch\nM2 y a vdd vdd pch\n.ends\n"
              "X1 in out vdd inv\nE1 o 0 in 0 2\n.model nch nmos level=1\n.model pch pmos level=1\n")
    warnings: list = []
    items = json.loads(write(n, "json", warnings=warnings))
    assert [i["component_type"] for i in items] == ["NMOS", "PMOS"]
    assert items[0]["port_connection"] == {"Drain": "out", "Gate": "in", "Source": "0", "Body": "0"}
    assert [w.code for w in warnings] == ["json-not-representable"]


@pytest.mark.parametrize("bad, message", [
    ('[{"component_type": "Resistor", "port_connection": {"Pos": "a", "Neg": "b"}}, {"component_type": "Memristor", '
     '"port_connection": {"Pos": "a"}}]', "component 1: unknown component_type 'Memristor'"),
    ('[{"component_type": "NMOS", "port_connection": {"Drain": "a", "Gate": "b"}}]', "lacks port(s) ['Source']"),
    ('[{"component_type": "Resistor", "port_connection": {"Anode": "a", "Neg": "b"}}]', "unknown port 'Anode'"),
    ('[{"component_type": "Resistor", "port_connection": {"Pos": "a b", "Neg": "c"}}]', "net name without"),
    ('[{"component_type": "Resistor"}]', "no 'port_connection'"),
    ('[1, 2]', "component 0 is not an object"),
    ('{"a": 1}', "expected a JSON list"),
    ('[{"component_type": "NMOS",\n  "port_connection": {]', "not valid JSON"),
])
def test_errors_name_the_component(bad, message):
    with pytest.raises(ParseError) as info:
        parse(bad, filename="net.json")
    assert message in str(info.value) and "net.json:" in str(info.value)


def test_unknown_type_error_points_at_its_line_and_lists_choices():
    text = '[\n {"component_type": "NMOS", "port_connection": {"Drain": "a", "Gate": "b", "Source": "c"}},\n' \
           ' {"component_type": "Memristor", "port_connection": {"Pos": "a", "Neg": "b"}}\n]'
    with pytest.raises(ParseError) as info:
        parse(text, filename="x.json")
    assert info.value.loc.line == 3 and "'Resistor'" in str(info.value)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_to_ngspice(name, round_trip):
    n = parse(EXAMPLES[name])
    back = round_trip(n)
    assert same_topology(parse(write(back, "json")), n)  # and back to JSON
