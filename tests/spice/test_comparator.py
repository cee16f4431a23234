"""Comparator testbenches and measurements, with real ngspice runs (no mocks) on hand-written circuits.

``data/comparator_ota180.cir``: continuous (5T OTA and an inverter); ``data/strongarm180.cir``: a
StrongARM latch (clocked, differential outputs). An offset is injected by a source in series with the
non-inverting input's gate; the measured offset must move by that much.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from circuitforge.netlists.errors import ResolutionError, ValidationError
from circuitforge.spice.comparator import (
    ComparatorConditions,
    ComparatorPorts,
    comparator_testbench,
    measure_comparator,
    propagation_delay,
    ramp_offset,
    trip_offset,
)
from circuitforge.spice.testbench import BiasPort

DATA = Path(__file__).parent / "data"
OTA = (DATA / "comparator_ota180.cir").read_text()
SA = (DATA / "strongarm180.cir").read_text()
OTA_PORTS = ComparatorPorts(bias=(BiasPort("ibias", 10e-6),))
SA_PORTS = ComparatorPorts(out="outp", outn="outn", clk="clk")
VOS = 5e-3


def _inject(text: str, gate_line: str) -> str:
    """A source of VOS in series with the non-inverting input's gate."""
    new = gate_line.replace(" inp ", " inpx ")
    return text.replace(gate_line, f"VOS inpx inp DC {VOS}\n{new}")


def test_continuous_comparator() -> None:
    m = measure_comparator(OTA, "generic180", ports=OTA_PORTS)
    assert m["decision"].value == 1.0
    assert 1e-9 < m["delay"].value < 100e-9                 # ns range at 20 µA tail
    assert abs(m["offset"].value) < 3e-3                    # symmetric pair, small systematic offset
    assert m["kickback"].value is None and "clock" in (m["kickback"].reason or "")
    assert 1e-6 < m["power"].value < 1e-3                   # the tail and the second stage, from 1.8 V
    shifted = measure_comparator(_inject(OTA, "M2 o1 inp tail vss nmos4 W=4u L=500n"), "generic180",
                                 ports=OTA_PORTS, which=("offset",))["offset"]
    assert shifted.value - m["offset"].value == pytest.approx(VOS, abs=0.3e-3)


def test_strongarm_latch() -> None:
    m = measure_comparator(SA, "generic180", ports=SA_PORTS)
    assert m["decision"].value == 1.0
    assert 20e-12 < m["delay"].value < 2e-9                 # from the clock edge
    assert abs(m["offset"].value) <= 1e-3                   # within one ramp step of 0
    assert 0.0 < m["kickback"].value < 0.9                  # seen through 1 kΩ
    assert 0.0 < m["power"].value < 1e-3                    # dynamic: charging the latch each cycle
    shifted = measure_comparator(_inject(SA, "M1 x inp tail vss nmos4 W=4u L=180n"), "generic180",
                                 ports=SA_PORTS, which=("offset",))["offset"]
    assert shifted.value == pytest.approx(VOS, abs=1e-3)


def test_swapped_inputs_decide_wrong_and_say_so() -> None:
    swapped = ComparatorPorts(inp="inn", inn="inp", out="outp", outn="outn", clk="clk")
    d = measure_comparator(SA, "generic180", ports=swapped, which=("decision",))["decision"]
    assert d.value == 0.0 and "swapped" in (d.reason or "")


def test_too_small_overdrive_for_an_offset_circuit_fails() -> None:
    """With 5 mV offset and 2 mV overdrive, the -ovd decisions go wrong."""
    text = _inject(SA, "M1 x inp tail vss nmos4 W=4u L=180n")
    d = measure_comparator(text, "generic180", ports=SA_PORTS, which=("decision",),
                           conditions=ComparatorConditions(ovd=2e-3))["decision"]
    assert d.value == 0.5 and "-2 mV" in (d.reason or "")   # the two -ovd decisions of four


def test_testbench_and_errors() -> None:
    tb = comparator_testbench(SA, "generic180", ports=SA_PORTS, kind="offset")
    assert tb.info["edges"] == 40 and tb.sources["clk"] == "VCLK"
    with pytest.raises(ResolutionError, match="among choices"):
        comparator_testbench(SA, "generic180", ports=SA_PORTS, kind="noise")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="clk"):
        comparator_testbench(SA, "generic180", ports=ComparatorPorts(out="outp", outn="outn"))
    with pytest.raises(ResolutionError, match="comparator measurement"):
        measure_comparator(SA, which=("gain",), ports=SA_PORTS)
    p = ComparatorPorts.find(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2", "VLATCH1"])
    assert (p.clk, p.clkb, p.outn) == ("VLATCH1", None, "VOUT2")


def test_array_measurements_explain_what_is_missing() -> None:
    t = np.linspace(0, 1e-8, 101)
    assert "never reaches" in (propagation_delay(t, -np.ones(101), edges=[(1e-9, 1)]).reason or "")
    assert "does not flip" in (trip_offset(np.linspace(-1, 1, 11), np.ones(11)).reason or "")
    assert "2 times" in (ramp_offset([0, 1, 2, 3], [-1, 1, -1, -1]).reason or "")
