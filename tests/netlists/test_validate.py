"""Tests of the electrical rule checks (:mod:`circuitforge.netlists.validate`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists.device import Device
from circuitforge.netlists.errors import ResolutionError
from circuitforge.netlists.findings import Finding
from circuitforge.netlists.netlist import Netlist, Subckt
from circuitforge.netlists.parsers import parse
from circuitforge.netlists.validate import CHECKS, has_errors, validate

MODELS = """
.model nch nmos level=1 vto=0.5 kp=200u
.model pch pmos level=1 vto=-0.5 kp=80u
"""

OTA_5T = f"""* five-transistor OTA
.param wn=2u wp=4u l=0.5u
VDD vdd 0 1.8
VINP inp 0 DC 0.9 AC 1
VINN inn 0 0.9
IBIAS vdd bias 20u
M5 bias bias 0 0 nch w={{wn}} l={{l}}
M0 tail bias 0 0 nch w={{2*wn}} l={{l}}
M1 x inp tail 0 nch w={{wn}} l={{l}}
M2 out inn tail 0 nch w={{wn}} l={{l}}
M3 x x vdd vdd pch w={{wp}} l={{l}}
M4 out x vdd vdd pch w={{wp}} l={{l}}
CL out 0 1p
{MODELS}
.op
.end
"""


def codes(findings: list[Finding]) -> list[str]:
    """The codes of ``findings``, in order."""
    return [f.code for f in findings]


def errors(findings: list[Finding]) -> list[Finding]:
    """Only the errors."""
    return [f for f in findings if f.severity == "error"]


# ---- clean circuits ---------------------------------------------------------------------
def test_rc_divider_is_clean() -> None:
    """A driven resistive divider with a load capacitor has no finding at all."""
    n = parse("* divider\nV1 in 0 1\nR1 in out 1k\nR2 out 0 1k\nC1 out 0 1p\n.op\n.end\n")
    assert validate(n) == []
    assert not has_errors(validate(n))


def test_five_transistor_ota_is_clean() -> None:
    """A complete 5T OTA with model cards, bias and sources produces no finding."""
    n = parse(OTA_5T, filename="ota.cir")
    found = validate(n)
    assert found == [], [str(f) for f in found]


def test_clean_hierarchy_with_ports() -> None:
    """An inverter subcircuit driven from the top is clean; its ports are references."""
    n = parse(f"""* inverter
.subckt inv a y vdd vss
MP y a vdd vdd pch
MN y a vss vss nch
.ends
V1 vdd 0 1.8
V2 in 0 0.9
X1 in out vdd 0 inv
C1 out 0 1f
{MODELS}
.end
""")
    assert validate(n) == []


# ---- floating nets and DC paths -------------------------------------------------------------
def test_floating_gate() -> None:
    """A gate net touching nothing else floats and has no DC path."""
    n = parse(f"* floating gate\nV1 vdd 0 1.8\nR1 vdd d 10k\nM1 d g 0 0 nch\n{MODELS}.end\n",
              filename="fg.cir")
    found = validate(n)
    assert codes(found) == ["floating-net", "no-dc-path"]
    floating, nodc = found
    assert floating.severity == "warning" and floating.obj == "g"
    assert "M1.g" in floating.message
    assert nodc.obj == "g" and "MOSFET gates" in nodc.message
    assert str(nodc.loc) == "fg.cir:4:1"
    assert nodc.text == "M1 d g 0 0 nch"


def test_two_stage_amp_with_capacitor_only_node() -> None:
    """An AC-coupled second stage with no gate bias: node ``g2`` has no DC path."""
    n = parse(f"""* two stage, coupling capacitor and no bias on the second gate
V1 vdd 0 1.8
V2 in 0 DC 0.7 AC 1
R1 vdd o1 10k
M1 o1 in 0 0 nch
CC o1 g2 1p
R2 vdd out 10k
M2 out g2 0 0 nch
CL out 0 1p
{MODELS}
.end
""")
    found = validate(n)
    assert codes(found) == ["no-dc-path"]
    msg = found[0].message
    assert found[0].obj == "g2"
    assert "net g2 has no DC path to ground" in msg
    assert "capacitors" in msg and "MOSFET gates" in msg


def test_component_without_reference_names_all_nets() -> None:
    """Two nets joined by a resistor but cut off by capacitors are reported together, once."""
    n = parse("* island\nV1 a 0 1\nC1 a n1 1p\nR1 n1 n2 1k\nC2 n2 0 1p\n.end\n")
    found = validate(n, checks=["no-dc-path"])
    assert codes(found) == ["no-dc-path"]
    assert "nets n1, n2 have no DC path" in found[0].message


def test_no_ground_at_all() -> None:
    """A top level with devices but no ground, ports or globals is one ``no-ground``."""
    n = parse("* no ground\nV1 a b 1\nR1 a b 1k\n.end\n")
    assert codes(validate(n)) == ["no-ground"]


def test_ports_are_references_at_top_level() -> None:
    """AnalogGenie-style tops have ports instead of ground; driven ports are references."""
    n = Netlist("genie", devices=[
        Device("M0", "mosfet", (("d", "VOUT"), ("g", "VIN"), ("s", "VSS"), ("b", "VSS")),
               model="nmos4"),
        Device("R0", "resistor", (("p", "VDD"), ("n", "VOUT"))),
    ], ports=["VDD", "VSS", "VIN", "VOUT"], case_sensitive=True)
    found = validate(n)
    assert codes(found) == ["undefined-model"]
    assert "'nmos4'" in found[0].message


# ---- loops and shorts -------------------------------------------------------------------
def test_parallel_voltage_sources_form_a_loop() -> None:
    """Two sources in parallel: one ``source-loop`` naming both."""
    n = parse("* loop\nV1 a 0 1\nV2 a 0 2\nR1 a 0 1k\n.end\n")
    found = validate(n)
    assert codes(found) == ["source-loop"]
    assert "V1, V2" in found[0].message and found[0].obj == "V2"


def test_inductor_loop_through_sources() -> None:
    """A loop closed by an inductor names every element of the loop."""
    n = parse("* loop\nV1 a 0 1\nL1 a b 1u\nE1 b 0 a 0 1\n.end\n")
    found = validate(n, checks=["source-loop"])
    assert codes(found) == ["source-loop"]
    assert "V1, L1, E1" in found[0].message


def test_voltage_source_on_one_net() -> None:
    """Both ends of a source on one net: ``shorted-supply`` (and not a second report)."""
    n = parse("* short\nV1 a a 1\nR1 a 0 1k\n.end\n")
    found = validate(n)
    assert codes(found) == ["shorted-supply"]
    assert "V1" in found[0].message and "'a'" in found[0].message


def test_zero_volt_source_between_supplies() -> None:
    """A 0 V source from vdd to vss shorts two supplies; vss to ground does not."""
    n = parse("* shorted supplies\nV1 vdd 0 1.8\nV2 vss 0 0\nV3 vdd vss 0\nR1 vdd vss 1k\n.end\n")
    found = validate(n, checks=["shorted-supply"])
    assert codes(found) == ["shorted-supply"]
    assert found[0].obj == "V3"


def test_zero_ohm_resistor_between_supplies() -> None:
    """A 0 ohm resistor tying vdd to gnd is a shorted supply."""
    n = parse("* short\nV1 vdd 0 1.8\nR1 vdd gnd 0\n.end\n")
    assert codes(validate(n, checks=["shorted-supply"])) == ["shorted-supply"]


# ---- terminals, names, definitions ------------------------------------------------------------
def test_mosfet_with_three_terminals() -> None:
    """A MOSFET with three nets is an error whose message says what was expected."""
    n = parse(f"* m3\nV1 d 0 1\nM3 d d 0 nch\n{MODELS}.end\n", filename="amp.cir")
    found = validate(n)
    assert codes(found) == ["missing-terminals"]
    assert found[0].message == "expected 4 terminals for MOSFET M3 (got 3)"
    assert str(found[0]) == ("amp.cir:3:1: error[missing-terminals]: expected 4 terminals for "
                             "MOSFET M3 (got 3): M3 d d 0 nch")


def test_subckt_instance_port_count() -> None:
    """An instance with fewer nets than the definition has ports."""
    n = parse("* x\n.subckt buf a y\nR1 a y 1k\n.ends\nV1 in 0 1\nX1 in buf\n.end\n")
    found = validate(n, checks=["missing-terminals"])
    assert codes(found) == ["missing-terminals"]
    assert "expected 2 terminals for instance X1 of subckt 'buf' (got 1)" in found[0].message


def test_undefined_model() -> None:
    """A MOSFET naming a model that has no card."""
    n = parse("* m\nV1 d 0 1\nM1 d d 0 0 nfet\n.end\n")
    found = validate(n)
    assert codes(found) == ["undefined-model"]
    assert "'nfet'" in found[0].message and "M1" in found[0].message


def test_model_of_the_wrong_kind() -> None:
    """A MOSFET pointing at a BJT model card is reported too."""
    n = parse("* m\nV1 d 0 1\nM1 d d 0 0 q1\n.model q1 npn\n.end\n")
    assert codes(validate(n)) == ["undefined-model"]


def test_binned_models_are_found() -> None:
    """``nch`` resolves through the binned cards ``nch.1``, ``nch.2``."""
    n = parse("* m\nV1 d 0 1\nM1 d d 0 0 nch\n.model nch.1 nmos\n.model nch.2 nmos\n.end\n")
    assert validate(n) == []


def test_undefined_subckt_lists_known_ones() -> None:
    """The message lists the definitions that do exist."""
    n = parse("""* x
.subckt inv a y
R1 a y 1k
.ends
.subckt ota a y
R1 a y 1k
.ends
V1 in 0 1
X1 in out buf
R1 out 0 1k
.end
""")
    found = validate(n)
    assert codes(found) == ["undefined-subckt"]
    assert "'buf'" in found[0].message and "known: inv, ota" in found[0].message


def test_undefined_param() -> None:
    """``{w*2}`` with no ``w`` defined anywhere."""
    n = parse("* p\nV1 a 0 1\nR1 a 0 {w*2}\n.end\n")
    found = validate(n)
    assert codes(found) == ["undefined-param"]
    assert found[0].message.startswith("parameter w is not defined, used in R1 r={w*2}")


def test_subckt_params_and_constants_are_defined() -> None:
    """Subcircuit defaults and built-in constants count as defined."""
    n = parse("* p\n.subckt r2 a b w=1k\nR1 a b {w*2*pi}\n.ends\nV1 a 0 1\nX1 a 0 r2\n.end\n")
    assert validate(n) == []


def test_duplicate_device_names() -> None:
    """Two ``R1`` (case-insensitively in SPICE) in one scope."""
    n = parse("* d\nV1 a 0 1\nR1 a 0 1k\nr1 a 0 2k\n.end\n")
    found = validate(n)
    assert codes(found) == ["duplicate-name"]
    assert found[0].text == "r1 a 0"


def test_findings_inside_subckts_are_prefixed() -> None:
    """A finding in a definition carries ``subckt/`` in ``obj`` and names the definition."""
    n = parse("* s\n.subckt cell a b\nR1 a b 1k\nM1 a g b b nch\n.ends\nV1 x 0 1\n"
              "X1 x 0 cell\n.end\n")
    found = validate(n, checks=["undefined-model", "floating-net"])
    assert codes(found) == ["floating-net", "undefined-model"]
    assert [f.obj for f in found] == ["cell/g", "cell/M1"]
    assert all("subckt 'cell'" in f.message for f in found)


def test_nested_subckt_definitions_are_checked() -> None:
    """A definition inside a definition is checked too, with both names in ``obj``."""
    inner = Subckt("inner", ("a", "b"),
                   devices=[Device("R1", "resistor", (("p", "a"), ("n", "b")), params={})])
    inner.devices.append(Device("R1", "resistor", (("p", "a"), ("n", "b"))))
    outer = Subckt("outer", ("a", "b"), subckts={"inner": inner},
                   devices=[Device("X1", "subckt", (("a", "a"), ("b", "b")), model="inner")])
    n = Netlist("nested", subckts={"outer": outer})
    found = validate(n)
    assert codes(found) == ["duplicate-name"]
    assert found[0].obj == "outer/inner/R1"


def test_undefined_probe_and_mutual_inductor() -> None:
    """A CCCS probing a missing source; a K coupling an inductor that does not exist."""
    n = parse("* probes\nV1 a 0 1\nR1 a 0 1k\nF1 b 0 Vx 2\nR2 b 0 1k\n"
              "L1 a c 1u\nR3 c 0 1\nK1 L1 L9 0.9\n.end\n")
    found = validate(n)
    assert codes(found) == ["undefined-probe", "undefined-probe"]
    assert "'Vx'" in found[0].message and "'L9'" in found[1].message


def test_unresolved_include(tmp_path: Path) -> None:
    """A missing include is an error naming the file (next to the parser's warning)."""
    top = tmp_path / "top.cir"
    text = "* inc\n.include missing.lib\nV1 a 0 1\nR1 a 0 1k\n.end\n"
    n = parse(text, filename=str(top))
    found = validate(n)
    assert "unresolved-include" in codes(found)
    bad = next(f for f in found if f.code == "unresolved-include")
    assert bad.severity == "error" and "missing.lib" in bad.message
    assert codes(validate(n, parser_warnings=False)) == ["unresolved-include"]


# ---- the driver ------------------------------------------------------------------------
def test_checks_selects_a_subset() -> None:
    """Only the selected checks run."""
    n = parse("* sel\nV1 a 0 1\nV2 a 0 2\nM1 a g 0 0 nfet\n.end\n")
    assert codes(validate(n, checks=["source-loop"])) == ["source-loop"]
    assert codes(validate(n, checks=[])) == []
    assert set(codes(validate(n))) == {"source-loop", "undefined-model", "floating-net",
                                       "no-dc-path"}


def test_unknown_check_lists_choices() -> None:
    """An unknown check name raises a ResolutionError listing every check."""
    n = Netlist("x")
    with pytest.raises(ResolutionError) as info:
        validate(n, checks=["floating-nets"])
    assert "floating-nets" in str(info.value) and "floating-net" in info.value.choices
    assert set(info.value.choices) == set(CHECKS)


def test_findings_are_sorted_by_location() -> None:
    """Findings come back in file order, whichever check made them."""
    n = parse("* order\nM1 d d 0 nch\nV1 d 0 1\nV2 d 0 1\nR1 d 0 {zz}\n.model nch nmos\n.end\n",
              filename="o.cir")
    found = validate(n)
    assert [f.loc.line for f in found if f.loc] == sorted(f.loc.line for f in found if f.loc)
    assert codes(found) == ["missing-terminals", "source-loop", "undefined-param"]


def test_has_errors() -> None:
    """Warnings alone are not errors."""
    warn = Finding("warning", "floating-net", "net 'x' ...")
    err = Finding("error", "source-loop", "V1, V2 ...")
    assert not has_errors([warn])
    assert has_errors([warn, err])
    assert not has_errors([])


def test_case_sensitive_names() -> None:
    """In a case-sensitive netlist ``R1`` and ``r1`` are different devices."""
    n = Netlist("cs", devices=[
        Device("V1", "vsource", (("p", "a"), ("n", "0"))),
        Device("R1", "resistor", (("p", "a"), ("n", "0"))),
        Device("r1", "resistor", (("p", "a"), ("n", "0"))),
    ], case_sensitive=True)
    assert validate(n) == []


def test_parameter_named_like_an_ngspice_function_is_an_error() -> None:
    from circuitforge.netlists import parse
    from circuitforge.netlists.validate import validate as run

    n = parse("* p\n.param ln=0.5u w=1u\nM1 d g 0 0 nch W={w} L={ln}\nV1 d 0 1\nV2 g 0 1\n"
              ".model nch nmos level=1\n.end\n")
    found = [f for f in run(n) if f.code == "reserved-param"]
    assert len(found) == 1 and "ln()" in found[0].message and found[0].loc.line == 2
