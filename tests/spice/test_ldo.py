"""LDO testbench and measurements, with real ngspice runs (no mocks) on a hand-written PMOS-pass LDO.

``data/ldo_pmos180.cir``: a 5T-OTA error amplifier drives a 1000 µm PMOS pass device; VOUT = 0.9 V × 4/3.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from circuitforge.cli import app

from circuitforge.netlists import parse
from circuitforge.netlists.errors import ResolutionError, ValidationError
from circuitforge.spice.ldo import (
    LdoConditions,
    LdoPorts,
    dropout_voltage,
    ldo_testbench,
    load_regulation,
    measure_ldo,
)
from circuitforge.spice.testbench import BiasPort

LDO = Path(__file__).parent / "data" / "ldo_pmos180.cir"
PORTS = LdoPorts(bias=(BiasPort("ibias", 10e-6),))


@pytest.fixture(scope="module")
def measured() -> dict:
    return measure_ldo(LDO, "generic180", ports=PORTS)


def test_every_figure_is_measured_and_physical(measured: dict) -> None:
    m = measured
    assert all(v.ok for v in m.values()), {k: v.reason for k, v in m.items() if not v.ok}
    assert 1.17 < m["vout"].value < 1.23                  # 0.9 V x (1 + 100k/300k)
    assert 0.0 < m["dropout"].value < 0.3                  # huge pass device at 1 mA
    assert abs(m["line_reg"].value) < 0.01                 # < 10 mV/V
    assert 0.0 < m["load_reg"].value < 50.0                # droops under load, by less than 50 mV/mA
    assert m["psrr"].value > 40.0                          # at 1 kHz
    assert 25e-6 < m["iq"].value < 45e-6                   # 10 µA bias + 20 µA tail + 3 µA divider
    assert 0.0 < m["undershoot"].value < 0.4


def test_more_load_more_dropout() -> None:
    light = measure_ldo(LDO, "generic180", ports=PORTS, which=("dropout",),
                        conditions=LdoConditions(load=1e-3))["dropout"]
    heavy = measure_ldo(LDO, "generic180", ports=PORTS, which=("dropout",),
                        conditions=LdoConditions(load=20e-3))["dropout"]
    assert light.ok and heavy.ok
    assert heavy.value > light.value


def test_a_resistor_is_no_regulator() -> None:
    """A series resistor is not an LDO: VOUT follows VIN, and dropout says so instead of a number."""
    text = ".subckt rdiv vin vout vref vss\nR1 vin vout 100\nR2 vout vss 1k\n.ends rdiv\n"
    m = measure_ldo(parse(text), "generic180", which=("dropout", "line_reg"))
    assert m["dropout"].value is None and "follows VIN" in (m["dropout"].reason or "")
    assert m["line_reg"].value == pytest.approx(1000 / 1100, rel=0.02)


def test_testbench_names_and_errors() -> None:
    tb = ldo_testbench(LDO, "generic180", ports=PORTS)
    assert tb.sources["vin"] == "VINPUT" and tb.info["vin"] == 1.8
    assert repr(tb).startswith("Testbench('ldo_vin'")
    with pytest.raises(ResolutionError, match="among choices"):
        ldo_testbench(LDO, "generic180", sweep="temp", ports=PORTS)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ibias"):
        ldo_testbench(LDO, "generic180")                      # the bias port is not among the ports
    with pytest.raises(ResolutionError, match="LDO measurement"):
        measure_ldo(LDO, which=("gain",), ports=PORTS)


def test_find_ports_from_corpus_names() -> None:
    p = LdoPorts.find(["VDD", "VSS", "VIN1", "VOUT1", "VB1", "VB2", "VREF1"])
    assert (p.vin, p.vout, p.vref, p.vdd, p.vss) == ("VIN1", "VOUT1", "VREF1", "VDD", "VSS")
    assert LdoPorts.find(["VDD", "VSS", "VOUT1"]).vin == "VDD"           # supplied from VDD
    with pytest.raises(ValidationError, match="no output"):
        LdoPorts.find(["VDD", "VSS", "IB1"])


def test_array_measurements_explain_what_is_missing() -> None:
    vin = np.linspace(0, 2, 201)
    flat = np.full(201, 1.2)
    assert "stays within" in (dropout_voltage(vin, flat, vin_nom=1.8).reason or "")
    assert (dropout_voltage(vin, np.zeros(201), vin_nom=1.8).reason or "").startswith("VOUT is only")
    assert load_regulation(np.zeros(5), np.ones(5)).reason == "the load sweep has no span"
    assert dropout_voltage(vin, vin * np.nan, vin_nom=1.8).reason == "the sweep holds NaN or infinite values"


def test_cli_measure_ldo(tmp_path: Path) -> None:
    f = tmp_path / "reg.cir"
    f.write_text("* ideal regulator\n.subckt reg vin vout vref vss\nE1 vout vss vref vss 1.5\n.ends reg\n.end\n")
    res = CliRunner().invoke(app, ["simulate", str(f), "--measure", "ldo", "--process", "generic180", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["vout"]["value"] == pytest.approx(1.35, abs=1e-3)
    bad = CliRunner().invoke(app, ["simulate", str(f), "--measure", "bandgap"])
    assert bad.exit_code != 0 and "opamp, ldo, comparator" in bad.output
