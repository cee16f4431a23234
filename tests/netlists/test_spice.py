"""The ngspice / SPICE3 reader: one test per dialect feature, and malformed input."""

from pathlib import Path

import pytest

from circuitforge.netlists import ParseError, UnsafeInputError, parse, read


def test_title_case_insensitivity_and_spelling():
    n = parse("My amp\nR1 VDD out 1k\nr2 vdd OUT 2k\n.END\n")
    assert n.title == "My amp"
    assert n.nets() == ["VDD", "out"]  # one net each, first spelling kept
    assert n.device("r1").name == "R1"


def test_continuation_and_comments():
    n = parse("* t\nM1 d g\n+ s b nch ; a comment\n+ W=1u $ another\n* full line\n+ L=2u\n.end\n")
    m = n.device("M1")
    assert m.nets == ("d", "g", "s", "b")
    assert m.params["W"].number == 1e-6 and m.params["L"].number == 2e-6
    assert m.loc.line == 2


def test_devices_of_every_kind():
    n = parse("""* kinds
R1 a b 4.7k tc1=1m
C1 a 0 10pF ic=0
L1 b 0 1u
K1 L1 L2 0.99
L2 c 0 2u
D1 a b dmod 2
Q1 c b e qmod
Q2 c b e s qmod 1.5
J1 d g s jmod
V1 a 0 DC 1 AC 1 90
I1 0 a PULSE(0 1m 0 1n 1n 5n 10n)
V2 b 0 SIN(0 1 1k)
V3 c 0 PWL(0 0 1n 1 2n 0)
E1 o 0 a b 10
G1 o 0 a b 1m
F1 o 0 V1 2
H1 o 0 V1 1k
B1 o 0 V={v(a)*2}
T1 a 0 b 0 Z0=50 TD=1n
S1 a b c 0 swmod
W1 a b V1 cswmod
X1 a b sub
.end
""")
    kinds = {d.name: d.kind for d in n.devices}
    assert kinds == {"R1": "resistor", "C1": "capacitor", "L1": "inductor", "K1": "mutual_inductor",
                     "L2": "inductor", "D1": "diode", "Q1": "bjt", "Q2": "bjt", "J1": "jfet", "V1": "vsource",
                     "I1": "isource", "V2": "vsource", "V3": "vsource", "E1": "vcvs", "G1": "vccs",
                     "F1": "cccs", "H1": "ccvs", "B1": "bsource", "T1": "tline", "S1": "switch",
                     "W1": "cswitch", "X1": "subckt"}
    assert n.device("D1").params["area"].number == 2
    assert n.device("Q2").nets == ("c", "b", "e", "s") and n.device("Q2").params["area"].number == 1.5
    v1 = n.device("V1").params
    assert (v1["dc"].number, v1["mag"].number, v1["phase"].number) == (1, 1, 90)
    i1 = n.device("I1").params
    assert i1["type"].text == "pulse" and i1["val1"].number == 1e-3 and i1["period"].number == 1e-8
    assert n.device("V3").params["wave"].text == "0 0 1n 1 2n 0"
    assert n.device("F1").params["probe"].text == "V1"
    assert n.device("K1").params["coupling"].number == 0.99
    assert n.device("X1").roles == ("1", "2")  # no definition: positional roles


def test_subckt_params_nested_and_roles():
    n = parse("""* hier
.subckt outer a b params: r=1k
.subckt inner x y
R1 x y 1
.ends inner
X1 a b inner
R2 a b {r}
.ends outer
X9 n1 n2 outer r=2k
.end
""")
    outer = n.subckts["outer"]
    assert outer.ports == ("a", "b") and outer.params["r"].number == 1000
    assert "inner" in outer.subckts
    assert n.device("X9").terminals == (("a", "n1"), ("b", "n2"))
    assert outer.devices[0].roles == ("x", "y")  # the nested definition is found from its scope


def test_model_forms():
    n = parse("* m\n.model nch nmos (level=54 vth0=0.4, toxe=2n)\n.model d1 D(Is=1e-14 N=1)\n"
              ".model qn npn bf=100\n.end\n")
    assert n.models["nch"].params["toxe"].number == 2e-9
    assert n.models["d1"].type == "D" and n.models["d1"].params["Is"].number == 1e-14
    assert n.models["qn"].polarity == "n" and n.models["nch"].device_kind == "mosfet"


def test_params_and_expressions():
    n = parse("* p\n.param w = 1u l={w*2} k='3*w', m2=2\nM1 d g s b nch W={w} L='l/2'\n.end\n")
    assert list(n.params) == ["w", "l", "k", "m2"]
    assert n.params["l"].deps == {"w"}
    assert n.params["k"].expr.evaluate({"w": 1e-6}) == pytest.approx(3e-6)
    assert n.device("M1").params["L"].deps == {"l"}


def test_global_option_analyses_meas_control_kept_verbatim():
    src = ("* s\n.global vdd gnd\n.option reltol=1e-4\nR1 vdd 0 1k\n.op\n.tran 1n 1u\n.ac dec 10 1 1g\n"
           ".meas tran tr TRIG v(vdd) VAL=0.5 RISE=1 TARG v(vdd) VAL=0.9 RISE=1\n.ic v(vdd)=0\n"
           ".control\nrun\nprint v(vdd)\n.endc\n.end\n")
    n = parse(src)
    assert n.globals == ["vdd", "gnd"]
    kinds = [(s.kind, s.keyword) for s in n.statements]
    assert kinds == [("option", ".option"), ("analysis", ".op"), ("analysis", ".tran"), ("analysis", ".ac"),
                     ("measure", ".meas"), ("initial", ".ic"), ("control", ".control")]
    assert n.statements[-1].text == ".control\nrun\nprint v(vdd)\n.endc"


def test_end_stops_reading_with_a_warning():
    n = parse("* e\nR1 a 0 1\n.end\nR2 a 0 1\n")
    assert [d.name for d in n.devices] == ["R1"]
    assert [w.code for w in n.warnings] == ["after-end"]


def test_first_line_that_looks_like_a_device_warns():
    n = parse("R1 a 0 1k\nR2 a 0 1k\n")
    assert n.title == "R1 a 0 1k" and len(n.devices) == 1
    assert n.warnings[0].code == "title-looks-like-element"


def test_include_and_lib_relative_to_including_file(tmp_path: Path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "nmos.lib").write_text(
        "* lib\n.lib tt\n.model nch nmos level=1 vto=0.5\n.endl tt\n.lib ff\n.model nch nmos level=1 vto=0.4\n.endl ff\n")
    (tmp_path / "models" / "sub.inc").write_text(".subckt buf a y\nR1 a y 1\n.ends\n")
    top = tmp_path / "top.cir"
    top.write_text("* top\n.include 'models/sub.inc'\n.lib \"models/nmos.lib\" ff\nX1 a y buf\nM1 a a 0 0 nch\n.end\n")
    n = read(top)
    assert n.find_model("NCH").params["vto"].number == 0.4  # section ff, case-insensitive lookup
    assert n.find_subckt("buf") is not None
    assert n.device("X1").roles == ("a", "y")
    assert [i.path for i in n.includes] == ["models/sub.inc", "models/nmos.lib"]


def test_missing_include_is_a_warning_not_a_crash(tmp_path: Path):
    top = tmp_path / "a.cir"
    top.write_text("* a\n.include 'nowhere.lib'\nR1 a 0 1\n.end\n")
    n = read(top)
    assert n.includes[0].error and n.warnings[0].code == "include-not-found"


def test_include_outside_root_is_refused(tmp_path: Path):
    (tmp_path / "secret.lib").write_text(".model x nmos\n")
    sub = tmp_path / "proj"
    sub.mkdir()
    (sub / "a.cir").write_text("* a\n.include '../secret.lib'\n.end\n")
    with pytest.raises(UnsafeInputError, match="outside the allowed root") as exc:
        read(sub / "a.cir")
    assert exc.value.loc.line == 2
    assert read(sub / "a.cir", root=str(tmp_path)).find_model("x") is not None
    assert read(sub / "a.cir", allow_unsafe=True).find_model("x") is not None


def test_include_cycle_is_an_error(tmp_path: Path):
    (tmp_path / "a.inc").write_text(".include 'b.inc'\n")
    (tmp_path / "b.inc").write_text(".include 'a.inc'\n")
    (tmp_path / "top.cir").write_text("* t\n.include 'a.inc'\n.end\n")
    with pytest.raises(ParseError, match="include cycle"):
        read(tmp_path / "top.cir")


@pytest.mark.parametrize("cmd", ["shell rm -rf /", "!ls", "exec /bin/sh", "codemodel evil.cm", "source x.cir"])
def test_control_blocks_that_run_commands_are_refused(cmd):
    src = f"* c\nR1 a 0 1\n.control\nrun\n{cmd}\n.endc\n.end\n"
    with pytest.raises(UnsafeInputError, match="refused") as exc:
        parse(src)
    assert exc.value.loc.line == 5
    assert parse(src, allow_unsafe=True).statements[0].kind == "control"


@pytest.mark.parametrize(
    "src, message, line",
    [("* t\nR1 a\n", "expected 2 nodes for resistor R1", 2),
     ("* t\nR1 a b 1k\n.subckt x a\nR2 a 0 1\n", "never closed", 3),
     ("* t\n.ends\n", "without a matching subckt", 2),
     ("* t\nR1 a b {w*}\n", "expression", 2),
     ("* t\nM1 d g s b nch W=(1u\n", "unbalanced", 2),
     ("* t\nV1 a 0 FOO(1 2)\n", r"unexpected 'FOO\(1 2\)' in source", 2),
     ("* t\n.param w\n", "expected name=value", 2),
     ("* t\n.model nch\n", ".model needs a name and a type", 2),
     ("* t\n1R a b 1k\n", "expected a device line", 2),
     ("* t\nR1 a b 'w\n", "unterminated", 2),
     ("* t\n.endl\n", ".endl without", 2)],
)
def test_malformed_input_names_file_line_and_text(src, message, line):
    with pytest.raises(ParseError, match=message) as exc:
        parse(src, filename="bad.cir")
    assert exc.value.loc is not None and exc.value.loc.line == line
    assert "bad.cir:" in str(exc.value)
    assert exc.value.text


def test_unknown_letters_are_opaque_parts_with_a_warning():
    n = parse("* k\nU1 a b c lm741\n.end\n")
    assert n.devices[0].kind == "opaque" and n.devices[0].model == "lm741"
    assert n.warnings[0].code == "unknown-element"


def test_read_decodes_latin1_and_utf16(tmp_path: Path):
    p = tmp_path / "lt.cir"
    p.write_bytes("* lt\nC1 a 0 10\u00b5\n.end\n".encode("latin-1"))
    assert read(p).device("C1").params["c"].number == 1e-5
    p.write_bytes("* lt\nC1 a 0 10\u00b5\n.end\n".encode("utf-16"))
    assert read(p).device("C1").params["c"].number == 1e-5
    p.write_bytes("* lt\nC1 a 0 10\u00b5\n.end\n".encode("utf-8"))
    assert read(p).device("C1").params["c"].number == 1e-5


def test_missing_file_is_a_parse_error(tmp_path: Path):
    with pytest.raises(ParseError, match="cannot read file"):
        read(tmp_path / "nope.cir")


def test_repr_shows_sizes_and_names():
    n = parse("* 5T OTA\nM1 a b c d n\nM2 a b c d n\n.end\n")
    assert repr(n) == "Netlist('5T OTA', devices=2, nets=4)"
    assert repr(n.devices[0]) == "Device('M1', mosfet, d=a g=b s=c b=d, model='n')"


def test_ends_with_another_name_closes_the_open_subckt_with_a_warning() -> None:
    # ngspice ignores the name after .ends (checked with `ngspice -b`): ALIGN's telescopic_ota.sp has
    # `.subckt telescopic_ota ... .ends ota`; read it, say so, lose nothing
    n = parse("* t\n.subckt telescopic_ota p q\nR1 p q 1k\n.ends ota\nX1 a 0 telescopic_ota\n.end\n",
              dialect="ngspice")
    assert list(n.subckts) == ["telescopic_ota"] and len(n.subckts["telescopic_ota"].devices) == 1
    (w,) = [w for w in n.warnings if w.code == "ends-name-mismatch"]
    assert "'ota' closes subcircuit 'telescopic_ota'" in w.message and w.loc.line == 4
