"""DC groups, floating nets and voltage loops: one rule for ERC and biasing, transmission lines included."""

from __future__ import annotations

from circuitforge.netlists import Device, parse
from circuitforge.netlists.connectivity import VoltageLoops, dc_groups, floating_groups
from circuitforge.netlists.validate import validate
from circuitforge.netlists.values import Value

TLINE = "* t\nV1 a 0 1\nT1 a 0 b 0 Z0=50 TD=1n\nR1 b c 1k\nC1 c d 1p\nR2 d e 1k\n.end\n"


def test_a_transmission_line_conducts_at_dc() -> None:
    t = Device("T1", "tline", (("p1", "a"), ("n1", "0"), ("p2", "b"), ("n2", "0")))
    assert dc_groups(t) == (("p1", "p2"), ("n1", "n2"))
    n = parse(TLINE)
    assert floating_groups(n.devices, references={"0"}) == [["d", "e"]]


def test_erc_and_bias_see_the_same_floating_nets() -> None:
    from circuitforge.spice.bias import bias_default

    n = parse(TLINE)
    erc = [f for f in validate(n) if f.code == "no-dc-path"]
    assert len(erc) == 1 and "d" in erc[0].message and "e" in erc[0].message
    leaks = [c.port.lower() for c in bias_default(n).choices if c.what == "leak"]
    assert leaks == ["d"]


def test_voltage_loops() -> None:
    loops = VoltageLoops([Device("V1", "vsource", (("p", "VDD"), ("n", "0"))),
                          Device("L1", "inductor", (("p", "vdd"), ("n", "x")))], grounds=("gnd",))
    assert loops.closes("x", "GND") and not loops.closes("x", "y")
    b = Device("B1", "bsource", (("p", "y"), ("n", "0")), params={"V": Value.parse("1")})
    assert loops.add(b) and loops.closes("y", "0")
