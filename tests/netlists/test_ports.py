"""One vocabulary of port roles, the name rules, and the op-amp interface finder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from circuitforge.netlists import ValidationError, parse
from circuitforge.netlists.analoggenie import circuit_ids, family_of, load_categories
from circuitforge.netlists.ports import PORT_ROLES, find_opamp_ports, input_sign, port_role, supply_kind


@pytest.mark.parametrize(("name", "role"), [
    ("VDD", "vdd"), ("AVDD", "vdd"), ("VCC", "vdd"), ("vdd!", "vdd"), ("VPP", "vdd"),
    ("VSS", "vss"), ("GND", "vss"), ("gnd!", "vss"), ("AGND", "vss"), ("VEE", "vss"), ("0", "vss"),
    ("VIN1", "input"), ("VIN12", "input"), ("IN", "input"), ("INP", "input"), ("VIN+", "input"),
    ("VIP", "input"), ("VOUT1", "output"), ("OUTN", "output"), ("VON", "output"),
    ("VB1", "bias_voltage"), ("VBB", "bias_voltage"), ("VBIAS", "bias_voltage"),
    ("IB1", "bias_current"), ("IREF1", "bias_current"), ("IBIAS", "bias_current"),
    ("VREF1", "reference"), ("VCM1", "common_mode"), ("VCMFB", "common_mode"),
    ("VCONT1", "control"), ("VCTRL", "control"), ("EN", "control"),
    ("LOGICQ", "logic"), ("VLOGICA1", "logic"),
    ("VCLK1", "clock"), ("VCKL1", "clock"), ("VTRACK1", "clock"), ("VHOLD1", "clock"), ("VLATCH1", "clock"),
    ("VLO1", "lo"), ("VRF1", "rf"), ("VIF1", "if"), ("IIN1", "current_input"), ("IOUT2", "current_output"),
    ("net12", "other"), ("XYZ", "other"), ("VLOAD", "other"),
])
def test_port_roles(name: str, role: str) -> None:
    assert port_role(name) == role
    assert role in PORT_ROLES


def test_every_corpus_port_name_has_a_role(corpus_root: Path) -> None:
    names = {n for p in corpus_root.glob("*/Port*.txt") for n in p.read_text(errors="replace").split()}
    assert names and not [n for n in names if port_role(n) == "other"]


def test_supply_kinds_and_input_signs() -> None:
    assert [supply_kind(n) for n in ("VDD", "vcc!", "VEE", "VNEG", "VSS", "gnd", "0", "VB1")] == \
        ["positive", "positive", "negative", "negative", "ground", "ground", "ground", None]
    assert [input_sign(n) for n in ("INP", "VIN+", "VIP", "INN", "VIN-", "INM", "VIN1")] == [1, 1, 1, -1, -1, -1, 0]


@pytest.mark.parametrize(("ports", "inp", "inn", "out", "outn", "known"), [
    (["VDD", "VSS", "VIN1", "VIN2", "VOUT1"], "VIN1", "VIN2", "VOUT1", None, False),
    (["VDD", "VSS", "VINN", "VINP", "VOUT"], "VINP", "VINN", "VOUT", None, True),
    (["VDD", "VSS", "VIN", "VIP", "VOUT"], "VIP", "VIN", "VOUT", None, True),
    (["vdd", "vss", "inn", "inp", "out"], "inp", "inn", "out", None, True),
    (["VDD", "GND", "VIN-", "VIN+", "VOUT"], "VIN+", "VIN-", "VOUT", None, True),
    (["VDD", "VSS", "VIN1", "VIN2", "VOUTN", "VOUTP", "VCM1"], "VIN1", "VIN2", "VOUTP", "VOUTN", False),
    (["VDD", "VSS", "VIN2", "VIN1", "VOUT2", "VOUT1", "VB1", "IB2"], "VIN1", "VIN2", "VOUT1", "VOUT2", False),
])
def test_finder_accepts_the_interfaces(ports, inp, inn, out, outn, known) -> None:
    i = find_opamp_ports(ports)
    assert (i.inp, i.inn, i.out, i.outn, i.polarity_known) == (inp, inn, out, outn, known)
    assert i.vdd == ports[0] and i.vss == ports[1]


def test_finder_collects_bias_and_other_ports() -> None:
    i = find_opamp_ports(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1", "IB1", "VREF1", "VCLK1"])
    assert i.bias == ("VB1", "IB1") and i.others == ("VREF1", "VCLK1")
    assert i.swapped().inp == "VIN2" and i.names == ("VIN1", "VIN2", "VOUT1", "VDD", "VSS", "VB1", "IB1")


def test_finder_reads_a_netlist() -> None:
    n = parse("* amp\nM1 VOUT INN T 0 nch\nM2 X INP T 0 nch\nR1 VDD VOUT 1k\nR2 VDD X 1k\nI1 T VSS 1u\n.end\n")
    i = find_opamp_ports(n)
    assert (i.inp, i.inn, i.out, i.vdd, i.vss) == ("INP", "INN", "VOUT", "VDD", "VSS")


@pytest.mark.parametrize(("ports", "message"), [
    (["VDD", "VSS", "VIN1", "VOUT1"],
     "no second input among ports ['VDD', 'VSS', 'VIN1', 'VOUT1']: expected a pair like VIN1/VIN2, VINP/VINN, "
     "VIP/VIN, INP/INN, VIN+/VIN-"),
    (["VDD", "VSS", "VOUT1"], "no input among ports"),
    (["VDD", "VSS", "VIN1", "VIN2", "VIN3", "VOUT1"], "3 inputs (VIN1, VIN2, VIN3)"),
    (["VDD", "VSS", "VIN1", "VIN2"], "no output among ports"),
    (["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2", "VOUT3"], "3 outputs"),
    (["VSS", "VIN1", "VIN2", "VOUT1"], "no positive supply"),
    (["VDD", "VIN1", "VIN2", "VOUT1"], "no ground or negative supply"),
    (["VDD", "AVDD", "VSS", "VIN1", "VIN2", "VOUT1"], "supplies are ambiguous"),
])
def test_finder_says_what_it_could_not_find(ports, message) -> None:
    with pytest.raises(ValidationError) as info:
        find_opamp_ports(ports)
    assert message in str(info.value)


def test_finder_on_the_corpus_opamps(corpus_root: Path) -> None:
    cats = load_categories(corpus_root)
    ok, why = 0, Counter()
    for cid in circuit_ids(corpus_root):
        if family_of(cid, cats) != "opamp":
            continue
        names = (corpus_root / str(cid) / f"Port{cid}.txt").read_text(errors="replace").split()
        try:
            find_opamp_ports(names)
            ok += 1
        except ValidationError as exc:
            why[str(exc).split(" among")[0].split(" (")[0]] += 1
    # every two-input interface with one or two outputs and supplies is accepted; the rest are
    # single-input stages, current-mode circuits or blocks with several input pairs
    assert ok >= 450, (ok, why)
    assert set(why) <= {"no input", "no second input", "no output", "4 inputs", "4 outputs", "no positive supply"}, why


def test_single_input_interface() -> None:
    i = find_opamp_ports(["VDD", "VSS", "VIN1", "VOUT1", "VB1"], single_input=True)
    assert (i.inp, i.inn, i.single_input, i.bias) == ("VIN1", None, True, ("VB1",))
    assert i.swapped() is i
    # two inputs stay an op-amp's; one input without the flag stays refused
    assert find_opamp_ports(["VDD", "VSS", "VIN1", "VIN2", "VOUT1"], single_input=True).inn == "VIN2"
    with pytest.raises(ValidationError, match="no second input"):
        find_opamp_ports(["VDD", "VSS", "VIN1", "VOUT1"])
