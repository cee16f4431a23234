"""Constructs of the netlists people have (issue 16): auCdl/HSPICE decks of an analog layout flow,
LTspice demo netlists, KiCad exports of boards not meant for simulation, ``#`` comments.

Each example under ``data/realworld/`` is hand-written after what the tool writes; every one is read
in its dialect with no element line lost, and round-trips to ngspice with the same topology.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists import Netlist, ParseError, parse, read, write
from circuitforge.netlists.netlist import Subckt

DATA = Path(__file__).parent / "data" / "realworld"
FILES = {  # file: dialect it is detected as
    "aucdl_ota.cdl": "cdl",
    "hspice_align.sp": "hspice",
    "spectre_params.scs": "spectre",
    "ltspice_demo.net": "ltspice",
    "kicad_board.cir": "kicad",
    "hash_comments.cir": "ngspice",
    "hspice_testbench.sp": "hspice",
    "ngspice_cider.cir": "ngspice",
    "ltspice_models.net": "ltspice",
}
EXAMPLES = {name: (DATA / name).read_text(encoding="utf-8") for name in FILES}
"""Texts of the examples (seeds of benchmarks/fuzz_parsers.py)."""

_SPECTRE_KEYWORDS = ("simulator", "global", "parameters", "subckt", "ends", "model", "include", "//")


def element_lines(text: str, dialect: str) -> list[str]:
    """The lines of ``text`` that are devices: not comments, directives, continuations or keywords."""
    lines = text.splitlines()
    if dialect in ("ngspice", "hspice", "ltspice", "kicad") and lines and not lines[0].startswith("."):
        lines = lines[1:]  # the title line
    out = []
    continued = False  # the previous line ended in '\\' (HSPICE continuation)
    for line in lines:
        s = line.strip()
        was_continued, continued = continued, dialect in ("hspice", "cdl") and s.endswith("\\")
        if not s or s[0] in "*#+." or was_continued or dialect in ("hspice", "cdl") and s.startswith("//"):
            continue
        first = s.split()[0].lower()
        if dialect == "spectre" and first.startswith(_SPECTRE_KEYWORDS):
            continue
        if dialect in ("hspice", "cdl") and first in ("ends", "parameters"):
            continue
        out.append(s)
    return out


def all_devices(scope: Netlist | Subckt) -> list[str]:
    names = [d.name for d in scope.devices]
    for sub in scope.subckts.values():
        names += all_devices(sub)
    return names


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_element_line_is_a_device(name):
    n = read(DATA / name, resolve_includes=False)
    assert n.dialect == FILES[name]
    expected = [line.split()[0] for line in element_lines(EXAMPLES[name], FILES[name])]
    assert sorted(all_devices(n)) == sorted(expected)


@pytest.mark.parametrize("name", sorted(FILES))
def test_round_trip_to_ngspice(name, round_trip):
    round_trip(read(DATA / name, resolve_includes=False))


# ---- auCdl / HSPICE / Spectre (Cadence) -------------------------------------------------------

def test_aucdl_header_globals_and_bare_param():
    n = read(DATA / "aucdl_ota.cdl")
    assert n.globals == ["vdd!", "gnd!"]  # *.GLOBAL vdd! / + gnd!
    assert not n.params and not n.warnings
    kept = [st.text for st in n.statements]
    assert "*.RESI = 2000" in kept and "*.SCALE METER" in kept and "*.PIN vdd! gnd!" in kept
    ota = n.subckts["two_stage"]
    assert ota.device("MM6").nets == ("Voutp", "Vbiasn", "gnd!", "gnd!")
    assert ota.device("RR0").model == "RP" and ota.device("RR0").params["r"].number == 5000
    assert n.device("xiota").model == "two_stage"


def test_global_directive_continuation_is_a_comment_outside_cdl():
    text = "* t\n.PARAM\n*.GLOBAL vdd!\n+        gnd!\nR1 vdd! gnd! 1k\n.end\n"
    n = parse(text, dialect="hspice")
    assert [d.name for d in n.devices] == ["R1"] and not n.globals
    # ngspice drops comment lines before joining continuations: the '+' line continues '.PARAM', which
    # ngspice rejects too; nothing is silently dropped
    with pytest.raises(ParseError, match="gnd!"):
        parse(text, dialect="ngspice")
    # and a '+' after a '*.' comment in an ngspice deck keeps its parameters
    r1 = parse("* t\nR1 a b 1k\n*.note\n+ tc1=1m\n.end\n", dialect="ngspice").device("R1")
    assert r1.params["tc1"].number == pytest.approx(1e-3)


def test_hspice_lower_case_ends_and_parameters():
    n = read(DATA / "hspice_align.sp")
    latch = n.subckts["latch"]
    assert {k: v.text for k, v in latch.params.items()} == {"wn": "1u", "ln": "60n"}
    assert [w.code for w in n.warnings] == ["param-without-value"]  # 'm' is declared without a value
    assert latch.device("mn3").params["w"].text == "'2 * wn'"
    assert n.globals == ["vdd!", "gnd!"]
    # 'ends name' must close the open subcircuit; in ngspice it stays an error
    with pytest.raises(ParseError, match="ends") as exc:
        parse("* t\n.subckt a x y\nR1 x y 1k\nends a\n.end\n", dialect="ngspice")
    assert exc.value.loc is not None and exc.value.loc.line == 4
    with pytest.raises(ParseError, match="closes subcircuit"):
        parse("* t\n.subckt a x y\nR1 x y 1k\nends b\n.end\n", dialect="hspice")
    # a bare word that is not a name is still an error, not a parameter without a value
    with pytest.raises(ParseError, match="expected name=value in .param, found '1x'"):
        parse("* t\n.subckt a x y\n.param 1x\nR1 x y 1k\nends a\n.end\n", dialect="hspice")


def test_spectre_parameters_without_default_inside_subckt_only():
    n = read(DATA / "spectre_params.scs")
    assert set(n.subckts["ctle"].params) == {"cs", "wn"}
    assert [w.text for w in n.warnings if w.code == "param-without-value"] == ["parameters rd cs=100f wn=2u"]
    with pytest.raises(ParseError, match="expected name=value"):  # top-level values are required
        parse("simulator lang=spectre\nparameters rd\n", dialect="spectre")


# ---- LTspice ---------------------------------------------------------------------------------

def test_ltspice_sources():
    n = read(DATA / "ltspice_demo.net")
    assert "load" in n.device("I1").params and n.device("I1").params["dc"].number == 0.3
    assert "load" in n.device("I2").params and n.device("I2").params["period"].number == 2e-6
    assert n.device("V1").params["ncycles"].number == 10  # SINE(Voffset Vamp Freq Td Theta Phi Ncycles)
    assert n.device("V2").params["ncycles"].number == 100 and "phase" not in n.device("V2").params
    warnings: list = []
    text = write(n, "ngspice", warnings=warnings)
    assert "I1 OUT 0 DC 0.3\n" in text  # ngspice has no 'load' flag nor Ncycles: left out, with a warning
    assert {w.obj for w in warnings if w.code == "ltspice-param-dropped"} >= {"I1", "I2", "V1", "V2"}
    with pytest.raises(ParseError, match="SIN takes at most 6"):
        parse("* t\nV1 a 0 SIN(0 1 1k 0 0 0 10)\n.end\n", dialect="ngspice")


def test_ltspice_laplace_sources_keep_four_nodes():
    n = read(DATA / "ltspice_demo.net")
    e1, g1 = n.device("E1"), n.device("G1")
    assert e1.kind == "vcvs" and e1.terminals == (("p", "FILT"), ("n", "0"), ("cp", "IN"), ("cn", "0"))
    assert e1.params["Laplace"].text == "1/(1+s/6.28k)"
    assert g1.kind == "vccs" and g1.nets == ("0", "FILT2", "IN", "0")
    assert g1.params["Laplace"].text == "1m/(1 + s*1u)"
    assert "E1 FILT 0 IN 0 Laplace=1/(1+s/6.28k)" in write(n, "ngspice")


def test_ltspice_keyword_node_names_models_and_params():
    n = read(DATA / "ltspice_demo.net")
    d3 = n.device("D3")
    assert d3.nets == ("OFF", "N001") and d3.model == "MBR0520L" and "off" not in d3.params
    assert n.device("L1").nets == ("IN", "OFF") and n.device("L1").params["l"].number == pytest.approx(4.7e-6)
    assert parse("* t\nD1 a b dmod off\n.end\n").device("D1").params.keys() == {"off"}  # a flag after the model
    sw = n.models["MYSW"]
    assert sw.type == "SW" and sw.params["level"].number == 2
    diode = n.models["MBR0520L"]  # '+'-continued, ')' on its own line
    assert diode.params["type"].text == "Schottky" and diode.params["Vpk"].number == 20
    assert n.params["Rload"].number == 20 and n.params["Rload"].text == "10 * 2"
    assert n.params["Rhalf"].text == "Rload / 2"


# ---- KiCad -------------------------------------------------------------------------------------

KICAD_PARTS = {"SW1": 2, "SW2": 3, "RV1": 3, "RV2": 6, "BT1": 2, "TP1": 1, "H1": 0, "H2": 1, "F1": 2, "F2": 2,
               "CON1": 2, "IC1": 4, "VR1": 3, "LS1": 2, "M1": 2, "D2": 4}


def test_kicad_parts_are_opaque_with_all_their_nets_and_a_warning():
    n = read(DATA / "kicad_board.cir")
    opaque = {d.name: len(d.nets) for d in n.devices if d.kind == "opaque"}
    assert opaque == KICAD_PARTS
    assert n.device("RV1").nets == ("VCC", "/wiper", "GND") and n.device("RV1").model == "POT_TRIM"
    assert n.device("H1").nets == () and n.device("H1").model == "MountingHole"
    warned = {w.text.split()[0] for w in n.warnings if w.code == "unknown-element"}
    assert warned == set(KICAD_PARTS)
    sw1 = next(w for w in n.warnings if w.text.startswith("SW1"))
    assert sw1.loc.line == 5 and "switch" in sw1.message
    kinds = {d.name: d.kind for d in n.devices if d.kind != "opaque"}
    assert kinds == {"C1": "capacitor", "C2": "capacitor", "R1": "resistor", "R2": "resistor", "D1": "diode"}


def test_kicad_ratings_are_dropped_from_values():
    n = read(DATA / "kicad_board.cir")
    assert n.device("C1").params["c"].number == pytest.approx(1e-6)
    assert n.device("C2").params["c"].number == pytest.approx(1e-7)
    assert sorted(w.text.split()[0] for w in n.warnings if w.code == "rating-dropped") == ["C1", "C2"]


@pytest.mark.parametrize("line", ["SW1 a b SW_Push", "TP1 a TestPoint", "H1 MountingHole", "BT1 a 0 Battery",
                                  "F1 a b F_Small", "C1 a 0 1u / 16V"])
def test_outside_kicad_such_lines_stay_errors(line):
    with pytest.raises(ParseError) as exc:
        parse(f"* t\n{line}\n.end\n", dialect="ngspice")
    assert exc.value.loc is not None and exc.value.loc.line == 2 and exc.value.text == line


# ---- '#' comments ------------------------------------------------------------------------------

def test_hash_lines_are_comments():
    n = read(DATA / "hash_comments.cir")
    assert [d.name for d in n.devices] == ["M1", "R1", "V1", "V2"] and not n.warnings


# ---- real files shipped by packages, where installed ---------------------------------------------

_KICAD_DEMOS = Path("/usr/share/kicad/demos/simulation")


@pytest.mark.skipif(not _KICAD_DEMOS.is_dir(), reason="KiCad demos (Debian package kicad-demos) not installed")
def test_kicad_demo_model_libraries_read():
    files = sorted(p for p in _KICAD_DEMOS.rglob("*") if p.suffix.lower() in (".lib", ".mod", ".cir"))
    failed = []
    for p in files:
        try:
            read(p, title_line=False, resolve_includes=False)
        except ParseError as exc:
            failed.append(f"{p}: {exc}")
    assert files and not failed, failed


# ---- found measuring benchmarks/parse_realworld.py on real files ---------------------------------
# Minimal hand-written reproductions of what the failing files did; each is read, has one device per
# element line, and round-trips to ngspice with the same topology.

WAVES_WITHOUT_PARENS = {
    "ngspice": "* ngspice example style\nV1 1 0 dc 0 pulse 0 2 0 1 1 1 4\nI1 a 0 DC 1m PWL 1n 1m 2n 2m\n"
               "R1 1 a 1k\n.end\n",
    "hspice": "* Cadence hspiceD testbench style\nv5 p 0 PULSE 0 2 2.55e-9 25e-12 25e-12 2.4e-9 5e-9\n"
              "r0 p 0 125\n.END\n",
}


@pytest.mark.parametrize("dialect", sorted(WAVES_WITHOUT_PARENS))
def test_waveforms_without_parentheses(dialect, round_trip):
    # SPICE3 user's guide: a parenthesis only separates fields; HSPICE: 'PULSE [(] v1 v2 ... [)]'
    text = WAVES_WITHOUT_PARENS[dialect]
    n = parse(text, dialect=dialect)
    assert sorted(all_devices(n)) == sorted(line.split()[0] for line in element_lines(text, dialect))
    pulse = n.devices[0].params
    assert pulse["type"].text == "pulse" and pulse["val1"].number == 2 and "width" in pulse and "period" in pulse
    if dialect == "ngspice":
        assert pulse["dc"].number == 0 and pulse["period"].number == 4
        pwl = n.device("I1").params
        assert pwl["dc"].number == 1e-3 and pwl["type"].text == "pwl" and pwl["wave"].text == "1n 1m 2n 2m"
        assert "PWL(1n 1m 2n 2m)" in write(n, "ngspice")
    again = round_trip(n)
    assert again.devices[0].params["val1"].number == 2


@pytest.mark.parametrize("dialect", ["hspice", "cdl", "ltspice"])
def test_source_value_may_be_a_parameter_name(dialect, round_trip):
    # HSPICE: 'VDD1 vdd 0 VDD' with '.param VDD=1.8'; LTspice writes an unedited symbol as 'V1 a b V'
    text = "* t\n.param VDD=1.8 IB=10u\nVDD1 vdd 0 VDD\nIBIAS vdd b DC IB AC 1\nR1 b 0 1k\n.end\n"
    n = parse(text, dialect=dialect)
    assert n.device("VDD1").params["dc"].text == "VDD" and n.device("IBIAS").params["dc"].text == "IB"
    assert n.device("IBIAS").params["mag"].number == 1
    assert "VDD1 vdd 0 DC {VDD}" in write(n, "ngspice")  # ngspice wants the braces
    round_trip(n)


def test_source_parameter_name_stays_an_error_in_ngspice():
    with pytest.raises(ParseError, match="unexpected 'VDD' in source"):
        parse("* t\nVDD1 vdd 0 VDD\n.end\n", dialect="ngspice")


def test_ltspice_model_with_one_parenthesis_missing(round_trip):
    text = "* C:\\sim\\buck.asc\nS1 0 a c 0 SW1\nV1 c 0 1\nR1 a 0 1k\n.model SW1 SW(Ron=1m Roff=1Meg Vt=.5 Vh=-.4\n" \
           ".backanno\n.end\n"
    n = parse(text, dialect="ltspice")
    assert {k: v.number for k, v in n.models["SW1"].params.items()} == {"Ron": 1e-3, "Roff": 1e6, "Vt": 0.5,
                                                                       "Vh": -0.4}
    assert [w.code for w in n.warnings] == ["model-unclosed"]
    round_trip(n)
    n = parse("* t\nQ1 c b 0 0 q1\n.MODEL q1 NPN IS=10f BF=466 mfg=Fairchild)\n.end\n", dialect="ltspice")
    assert n.models["q1"].params["BF"].number == 466 and [w.code for w in n.warnings] == ["model-unclosed"]
    with pytest.raises(ParseError, match="unbalanced"):  # elsewhere the ')' is required
        parse(text, dialect="ngspice")


def test_hspice_backslash_continuations_and_slash_comments(round_trip):
    # HSPICE: a line ending in '\' continues on the next ('\\': without a space); Cadence writes
    # '// End of subcircuit definition.' into decks converted from Spectre
    text = ("// converted deck\n.param fin=12 \\\n    lmin=14n\n.subckt inv vdd vss a \\\n        y\n"
            "    mn y a vss vss nfet nfin=fin l=lmin\n    mp y a vdd vdd pfet nfin=fin l=lm\\\\\n"
            "in\n.ends inv\n// End of subcircuit definition.\nxi0 vdd 0 in out inv\n.end\n")
    n = parse(text, dialect="hspice", title_line=False)
    assert set(n.params) == {"fin", "lmin"} and n.subckts["inv"].ports == ("vdd", "vss", "a", "y")
    assert n.subckts["inv"].device("mp").params["l"].text == "lmin"
    assert sorted(all_devices(n)) == ["mn", "mp", "xi0"] and not n.warnings
    round_trip(n)
    with pytest.raises(ParseError, match="expected a device line"):  # not in ngspice
        parse("* t\n// note\nR1 a 0 1k\n.end\n", dialect="ngspice")


def test_parentheses_around_a_whole_source_specification(round_trip):
    # SPICE3 (CIDER examples): 'Vpp 1 0 0.7v (PWL 0ns 3v 0.01ns -6v) (AC 1v)'; parentheses separate fields
    n = parse("* diode\nVpp 1 0 0.7v (PWL 0ns 3v 0.01ns -6v) (AC 1v)\nD1 1 0 dmod\n.end\n")
    p = n.device("Vpp").params
    assert p["dc"].number == 0.7 and p["type"].text == "pwl" and p["wave"].text == "0ns 3v 0.01ns -6v"
    assert p["mag"].number == 1
    round_trip(n)
    with pytest.raises(ParseError, match="unexpected"):  # a parenthesised word that is no specification
        parse("* t\nV1 1 0 (FOO 1)\n.end\n")


def test_kicad_parenthesised_source_values_and_passives_with_model_cards(round_trip):
    # KiCad 6 writes 'V1 a 0 ( 9 )' and 'V3 0 b AC   ( 5 )'; passives with temperature coefficients
    # as 'R2 a b __R2' with '.model __R2 r( r=10Meg tc1=100u )' (ngspice manual, "Resistor model")
    text = (".title KiCad schematic\n.model __R2 r(\n+ r=10Meg tnom=20 tc1=100u )\n.model __C2 c(\n+ c=100u )\n"
            "R2 VCC GND __R2 \nC2 VCC GND __C2 \nR1 VCC GND VISHAY_CRCW0603 \nVDC1 VCC GND ( 1 ) \n"
            "V3 GND VEE AC   ( 5 ) \n.end\n")
    n = parse(text, dialect="kicad")
    assert n.device("VDC1").kind == "vsource" and n.device("VDC1").params["dc"].number == 1
    assert n.device("V3").kind == "vsource" and n.device("V3").params["mag"].number == 5
    assert n.device("R2").kind == "resistor" and n.device("R2").model == "__R2"
    assert n.device("C2").kind == "capacitor"
    assert n.device("R1").kind == "opaque"  # its model is in a library not read: a part, with a warning
    assert [w.code for w in n.warnings] == ["unknown-element"]
    assert sorted(all_devices(n)) == sorted(line.split()[0] for line in element_lines(text, "kicad"))
    round_trip(n)
    assert parse("* t\nV1 a 0 ( 9 )\n.end\n").device("V1").params["dc"].number == 9  # SPICE3: '(' separates


def test_ngspice_s_parameter_ports(round_trip):
    # ngspice '.sp' analysis: sources that are ports carry 'portnum n' and 'z0 value' (ngspice manual)
    text = "* coupled lines\nV1 p1 0 dc 0 ac 1 portnum 1 z0 50\nV2 p2 0 dc 0 ac 1 portnum 2 z0 50\nR1 p1 p2 50\n.end\n"
    n = parse(text)
    p = n.device("V2").params
    assert p["portnum"].number == 2 and p["z0"].number == 50 and p["mag"].number == 1
    assert "V2 p2 0 DC 0 AC 1 portnum 2 z0 50" in write(n, "ngspice")
    round_trip(n)
