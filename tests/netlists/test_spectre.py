"""The Spectre reader: every statement form, language switching, master resolution, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists.errors import ParseError, UnsafeInputError
from circuitforge.netlists.netlist import Netlist
from circuitforge.netlists.parsers import parse, read
from circuitforge.netlists.parsers.spectre import well_known_kind


def sp(text: str, **kw: object) -> Netlist:
    return parse(text, dialect="spectre", **kw)  # type: ignore[arg-type]


def test_instances_primitives_and_params() -> None:
    n = sp(
        "simulator lang=spectre\n"
        "V1 (vdd 0) vsource dc=1.8 type=pulse val0=0 val1=1.8 period=10n\n"
        "I1 (vdd bias) isource dc=10u\n"
        "R1 (vdd out) resistor r=10k\n"
        "C1 (out 0) capacitor c=1p\n"
        "L1 (out x) inductor l=1n\n"
        "E1 (a 0 out 0) vcvs gain=10\n"
        "G1 (b 0 out 0) vccs gain=1m\n"
        "F1 (c 0) cccs probe=V1 gain=2\n"
        "H1 (d 0) ccvs probe=V1 gain=3\n"
        "K1 mutual_inductor coupling=0.9 ind1=L1 ind2=L2\n"
    )
    kinds = [(d.name, d.kind) for d in n.devices]
    assert kinds == [("V1", "vsource"), ("I1", "isource"), ("R1", "resistor"), ("C1", "capacitor"),
                     ("L1", "inductor"), ("E1", "vcvs"), ("G1", "vccs"), ("F1", "cccs"), ("H1", "ccvs"),
                     ("K1", "mutual_inductor")]
    v1 = n.device("V1")
    assert list(v1.params) == ["dc", "type", "val0", "val1", "period"]
    assert v1.params["type"].is_word and v1.params["type"].text == "pulse"
    assert v1.params["period"].number == pytest.approx(10e-9)
    assert n.device("R1").params["r"].number == 10e3
    assert n.device("R1").model is None
    assert n.device("E1").terminals == (("p", "a"), ("n", "0"), ("cp", "out"), ("cn", "0"))
    assert n.device("F1").params["probe"].is_word
    assert n.device("K1").terminals == ()
    assert n.device("K1").params["ind2"].text == "L2"
    assert n.case_sensitive and n.dialect == "spectre"


def test_parentheses_optional_and_case_sensitive_nets() -> None:
    n = sp("simulator lang=spectre\nR1 A a resistor r=1\nM1 d g s b nch w=1u\nmodel nch bsim4 type=n\n")
    assert n.device("R1").nets == ("A", "a")
    assert n.device("M1").terminals == (("d", "d"), ("g", "g"), ("s", "s"), ("b", "b"))
    assert n.device("M1").kind == "mosfet"


def test_comments_and_continuation() -> None:
    text = (
        "// a comment line\n"
        "simulator lang=spectre\n"
        "* star comment line\n"
        "M1 (out in 0 0) nch \\\n"
        "    w=2u \\\n"
        "    l=180n // trailing comment\n"
        'R1 (out 0) resistor r=1k // "quoted" comment\n'
        "model nch bsim4 type=n\n"
    )
    n = sp(text)
    m1 = n.device("M1")
    assert m1.params["w"].number == pytest.approx(2e-6)
    assert m1.params["l"].number == pytest.approx(180e-9)
    assert m1.loc is not None and m1.loc.line == 4
    assert n.device("R1").loc.line == 7  # type: ignore[union-attr]
    assert len(n.devices) == 2


def test_model_defined_after_use_keeps_order() -> None:
    n = sp(
        "simulator lang=spectre\n"
        "M1 (d g 0 0) mynmos w=1u\n"
        "Q1 (c b e) mybjt\n"
        "D1 (a c) mydio area=2\n"
        "R2 (a b) rpoly\n"
        "X1 (a b) later_sub\n"
        "model mynmos bsim4 type=n vth0=0.4\n"
        "model mybjt vbic type=npn\n"
        "model mydio diode is=1e-14\n"
        "model rpoly resistor rsh=100\n"
        "subckt later_sub (p q)\n"
        "R1 (p q) resistor r=1\n"
        "ends later_sub\n"
    )
    assert [(d.name, d.kind, d.model) for d in n.devices] == [
        ("M1", "mosfet", "mynmos"), ("Q1", "bjt", "mybjt"), ("D1", "diode", "mydio"),
        ("R2", "resistor", "rpoly"), ("X1", "subckt", "later_sub")]
    assert n.device("Q1").terminals == (("c", "c"), ("b", "b"), ("e", "e"))
    assert n.device("X1").terminals == (("p", "a"), ("q", "b"))  # renamed after the definition
    assert n.models["mynmos"].params["vth0"].number == 0.4
    assert n.models["mybjt"].polarity == "n"


def test_well_known_masters_and_undefined_subckt() -> None:
    n = sp(
        "simulator lang=spectre\n"
        "M1 (d g s b) nmos4\nM2 (d g s b) pch_lvt\nQ1 (c b e s) pnp\nD1 (a k) diode\n"
        "I0 (a b vdd vss) INVERTER\nM3 (d g s b x) nfet_soi\n"
    )
    got = {d.name: (d.kind, d.model) for d in n.devices}
    assert got == {"M1": ("mosfet", "nmos4"), "M2": ("mosfet", "pch_lvt"), "Q1": ("bjt", "pnp"),
                   "D1": ("diode", "diode"), "I0": ("subckt", "INVERTER"), "M3": ("mosfet", "nfet_soi")}
    assert n.device("Q1").roles == ("c", "b", "e", "s")
    assert n.device("I0").roles == ("1", "2", "3", "4")
    assert n.device("M3").roles == ("d", "g", "s", "b", "n5")
    assert not n.warnings
    assert well_known_kind("NMOS4") == "mosfet" and well_known_kind("foo") is None


def test_subckt_definition_wins_over_well_known_name() -> None:
    n = sp("simulator lang=spectre\nX1 (a b) nmos_like\nsubckt nmos_like (p q)\nends\n")
    assert n.device("X1").kind == "subckt"


def test_subckt_with_parameters_and_nesting_forms() -> None:
    n = sp(
        "simulator lang=spectre\n"
        "parameters vdd=1.8 wn=2*lmin lmin=180n\n"
        "subckt inv (a y vdd vss)\n"
        "  parameters wp=2u wn=1u\n"
        "  MP (y a vdd vdd) pch w=wp\n"
        "  MN (y a vss vss) nch w=wn\n"
        "ends inv\n"
        "inline subckt res2 p n\n"
        "  R0 (p n) resistor r=1k\n"
        "ends\n"
        "X1 (in out vdd 0) inv wp=4u\n"
        "X2 (out 0) res2\n"
        "model nch bsim4 type=n\nmodel pch bsim4 type=p\n"
    )
    inv = n.subckts["inv"]
    assert inv.ports == ("a", "y", "vdd", "vss")
    assert list(inv.params) == ["wp", "wn"]
    assert inv.device("MP").params["w"].deps == frozenset({"wp"})
    assert inv.device("MN").kind == "mosfet"
    assert n.params["wn"].deps == frozenset({"lmin"})
    assert n.params["vdd"].number == 1.8
    assert n.subckts["res2"].ports == ("p", "n")
    x1 = n.device("X1")
    assert x1.kind == "subckt" and x1.model == "inv" and x1.roles == ("a", "y", "vdd", "vss")
    assert x1.params["wp"].number == pytest.approx(4e-6)


def test_subckt_scoped_model_is_found() -> None:
    n = sp("simulator lang=spectre\nsubckt s (a b)\nD1 (a b) dd\nmodel dd diode\nends s\n")
    assert n.subckts["s"].device("D1").kind == "diode"


def test_language_switching() -> None:
    n = sp(
        "simulator lang=spectre\n"
        "R1 (a b) resistor r=1k\n"
        "simulator lang=spice insensitive=yes\n"
        "* a spice comment\n"
        "R2 b c 2k\n"
        "M5 c g 0 0 nch w=1u\n"
        "+ l=1u\n"
        ".model nch nmos level=1\n"
        "simulator lang=spectre\n"
        "C1 (c 0) capacitor c=1p\n"
        "tran1 tran stop=1u\n"
    )
    assert [d.name for d in n.devices] == ["R1", "R2", "M5", "C1"]
    r2 = n.device("R2")
    assert r2.kind == "resistor" and r2.params["r"].number == 2e3 and r2.loc.line == 5  # type: ignore[union-attr]
    assert n.device("M5").params["l"].number == pytest.approx(1e-6)
    assert n.models["nch"].type == "nmos"
    assert [s.kind for s in n.statements] == ["analysis"]


def test_spice_section_instances_see_spectre_subckts() -> None:
    n = sp("simulator lang=spectre\nsubckt buf (i o)\nR1 (i o) resistor r=1\nends buf\n"
           "simulator lang=spice\nX1 a b buf\n")
    assert n.device("X1").roles == ("i", "o")


def test_statements_kept_verbatim_with_kinds() -> None:
    text = (
        "simulator lang=spectre\n"
        "global 0 vdd!\n"
        "R1 (vdd! 0) resistor r=1\n"
        "simulatorOptions options reltol=1e-3 temp=27\n"
        "dcOp dc write=\"spectre.dc\" maxiters=150\n"
        "tran1 tran stop=1u \\\n"
        "    errpreset=conservative\n"
        "ac1 ac start=1 stop=1G dec=10\n"
        "noise1 (out 0) noise start=1 stop=1G iprobe=V1\n"
        "modelParameter info what=models where=rawfile\n"
        "save out vdd!\n"
        "ic out=0\n"
        "ns1 nodeset out=0.5\n"
        "real myf(real x) { return x*2 }\n"
        "statistics {\n"
        "  process {\n"
        "    vary vth dist=gauss std=0.01\n"
        "  }\n"
        "}\n"
        "swp sweep param=temp values=[0 27 85] {\n"
        "  tr2 tran stop=1n\n"
        "}\n"
        "a1 alter param=temp value=50\n"
        "ahdl_include \"model.va\"\n"
    )
    n = sp(text)
    assert n.globals == ["0", "vdd!"]
    kinds = [(s.kind, s.text.split()[0]) for s in n.statements]
    assert kinds == [("option", "simulatorOptions"), ("analysis", "dcOp"), ("analysis", "tran1"),
                     ("analysis", "ac1"), ("analysis", "noise1"), ("option", "modelParameter"),
                     ("output", "save"), ("initial", "ic"), ("initial", "ns1"), ("function", "real"),
                     ("other", "statistics"), ("analysis", "swp"), ("other", "a1"),
                     ("other", "ahdl_include")]
    tran = n.statements[2]
    assert tran.text == "tran1 tran stop=1u \\\n    errpreset=conservative"
    assert tran.keyword == "tran" and tran.lang == "spectre" and tran.loc.line == 6  # type: ignore[union-attr]
    stats = n.statements[10]
    assert stats.text.count("\n") == 4 and stats.loc.line == 15  # type: ignore[union-attr]
    assert [w.code for w in n.warnings] == ["ahdl-include"]
    assert [d.name for d in n.devices] == ["R1"]


def test_unknown_named_statement_is_kept_with_warning() -> None:
    n = sp("simulator lang=spectre\nfoo bar x=1\n")
    assert n.statements[0].kind == "other"
    assert n.warnings[0].code == "unknown-statement"


def test_binned_model() -> None:
    n = sp("simulator lang=spectre\nmodel nch bsim4 {\n 1: type=n lmin=1u vth0=0.5\n 2: type=n lmin=0.1u vth0=0.4\n}\n"
           "M1 (d g s b) nch\n")
    assert n.models["nch"].param("vth0").number == 0.5  # type: ignore[union-attr]
    assert n.device("M1").kind == "mosfet"
    assert [w.code for w in n.warnings] == ["binned-model"]


def test_include_relative_to_file_with_section(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "lib.scs").write_text(
        "simulator lang=spectre\n"
        "library mylib\n"
        "section tt\n"
        "model nch bsim4 type=n vth0=0.4\n"
        "endsection tt\n"
        "section ff\n"
        "model nch bsim4 type=n vth0=0.3\n"
        "endsection ff\n"
        "endlibrary mylib\n"
    )
    (tmp_path / "sub.scs").write_text("simulator lang=spectre\nsubckt cell (a b)\nR1 (a b) resistor r=1\nends cell\n")
    top = tmp_path / "top.scs"
    top.write_text(
        "simulator lang=spectre\n"
        'include "models/lib.scs" section=ff\n'
        'include "sub.scs"\n'
        "M1 (d g 0 0) nch\n"
        "X1 (d 0) cell\n"
    )
    n = read(top)
    assert n.dialect == "spectre"
    assert [(i.path, i.section) for i in n.includes] == [("models/lib.scs", "ff"), ("sub.scs", None)]
    assert n.includes[0].netlist is not None
    assert n.find_model("nch").param("vth0").number == 0.3  # type: ignore[union-attr]
    assert n.device("M1").kind == "mosfet"
    assert n.device("X1").kind == "subckt" and n.device("X1").roles == ("a", "b")
    lib = read(tmp_path / "models" / "lib.scs")
    assert sorted(lib.libraries) == ["ff", "tt"]


def test_include_outside_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    top = tmp_path / "a" / "top.scs"
    top.write_text('simulator lang=spectre\ninclude "../x.scs"\n')
    (tmp_path / "x.scs").write_text("simulator lang=spectre\n")
    with pytest.raises(UnsafeInputError):
        read(top)


def test_shell_refused_unless_allowed() -> None:
    text = 'simulator lang=spectre\nsh1 shell cmd="rm -rf /"\n'
    with pytest.raises(UnsafeInputError, match="shell") as err:
        sp(text)
    assert err.value.loc is not None and err.value.loc.line == 2
    n = sp(text, allow_unsafe=True)
    assert n.statements[0].kind == "other" and n.warnings[0].code == "shell-statement"


def test_duplicates_kept_in_spectre() -> None:
    n = sp("simulator lang=spectre\nR1 (a b) resistor\nR1 (b c) resistor\n")
    assert [d.name for d in n.devices] == ["R1", "R1"]
    assert not n.warnings


def test_analoggenie_duplicates_renamed_per_scope() -> None:
    n = parse("M1 (a b c d) nmos4\nM1 (a b c d) nmos4\nM1_1 (x y z w) pmos4\nM1 (a b c d) nmos4\n"
              "subckt s (a)\nM1 (a a a a) nmos4\nends s\n", dialect="analoggenie")
    assert [d.name for d in n.devices] == ["M1", "M1_1", "M1_1_1", "M1_2"]
    assert [d.name for d in n.subckts["s"].devices] == ["M1"]
    assert [w.code for w in n.warnings] == ["duplicate-instance-renamed"] * 3
    assert n.warnings[0].loc.line == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("simulator lang=spectre\nR1 (a b) resistor\nM1 (d g s b nch\n", 3, "unbalanced '\\('"),
        ("simulator lang=spectre\nR1 (a b) resistor\nends foo\n", 3, "without a matching subckt"),
        ("simulator lang=spectre\n\nM1 (d g s b)\n", 3, "no master"),
        ("simulator lang=spectre\nM1\n", 2, "unknown statement form"),
        ("simulator lang=spectre\n.tran 1n 1u\n", 2, "SPICE directive"),
        ("simulator lang=spectre\nR1 (a b c) resistor r=1\n", 2, "expected 2 terminals for resistor R1"),
        ("simulator lang=spectre\nR1 (a b) resistor 1k\n", 2, "unexpected '1k'"),
        ("simulator lang=spectre\nsubckt a (x)\nsubckt b (y)\nends a\n", 4, "closes subcircuit 'b'"),
        ("simulator lang=spectre\nstatistics {\n process {\n", 2, "never closed"),
        ("simulator lang=spectre\nparameters a\n", 2, "expected name=value"),
        ("simulator lang=spectre\nendsection\n", 2, "endsection without"),
        ("simulator lang=verilog\n", 1, "unknown simulator language"),
        ("simulator lang=spectre\nR1 (a b) resistor r=(1+\n", 2, "unbalanced"),
    ],
)
def test_parse_errors_name_line_and_text(text: str, line: int, match: str) -> None:
    with pytest.raises(ParseError, match=match) as err:
        parse(text, dialect="spectre", filename="bad.scs")
    assert err.value.loc is not None and err.value.loc.line == line
    assert f"bad.scs:{line}" in str(err.value)
    assert err.value.text


def test_unclosed_subckt_reported() -> None:
    with pytest.raises(ParseError, match="never closed"):
        sp("simulator lang=spectre\nsubckt a (x)\nR1 (x 0) resistor\n")


def test_backslash_on_last_line_and_empty_input() -> None:
    assert sp("simulator lang=spectre\nR1 (a b) resistor r=1 \\").device("R1").params["r"].number == 1
    assert sp("").devices == []
