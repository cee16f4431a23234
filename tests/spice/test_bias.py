"""Default biasing of unsized topologies (bias_default) against the real ngspice."""

from __future__ import annotations

import pytest

from circuitforge.netlists import ResolutionError, ValidationError, parse
from circuitforge.netlists.analoggenie import CorpusCircuit, iter_corpus, load_circuit
from circuitforge.spice import Op, SharedSimulator, simulate
from circuitforge.spice.bias import (
    BiasChoice,
    BiasedCircuit,
    bias_default,
)
from circuitforge.spice.cells import CELL_NAMES, builtin_cells, cell

OTA_5T = """M0 (net1 net1 VDD VDD) pmos4
M1 (VOUT1 net1 VDD VDD) pmos4
M2 (net1 VIN1 IB1 VSS) nmos4
M3 (VOUT1 VIN2 IB1 VSS) nmos4
"""
OTA_PORTS = ["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "IB1"]

MIRROR = """M0 (net5 VB1 VSS VSS) nmos4
M1 (IOUT1 VB1 VSS VSS) nmos4
M2 (net5 net5 VDD VDD) pmos4
R0 (VDD VOUT1) resistor
M3 (VOUT1 net5 VDD VDD) pmos4
M4 (VOUT1 VB2 VSS VSS) nmos4
"""
MIRROR_PORTS = ["VDD", "VSS", "VB1", "VB2", "IOUT1", "VOUT1"]

# a sampled comparator front end: the clock drives an INVERTER macro left undefined
WITH_INVERTER = """M0 (net3 VIN1 VSS VSS) nmos4
M1 (net3 net3 VDD VDD) pmos4
I0 (VCLK1 net7 VDD VSS) INVERTER
I1 (net3 VOUT1 VDD VSS) INVERTER
M2 (VOUT1 net7 VSS VSS) nmos4
C0 (VOUT1 VSS) capacitor
"""
INV_PORTS = ["VDD", "VSS", "VIN1", "VOUT1", "VCLK1"]


def _spectre(text: str):
    return parse(text, dialect="spectre")


def _op_in_range(b: BiasedCircuit) -> dict[str, float]:
    res = simulate(b.netlist, [Op()], timeout=10)
    assert res.ok, f"{res.error}\n{res.log[-2000:]}"
    bad = b.out_of_range(res["op"].vectors)
    assert not bad, bad
    return {k: float(v[0].real) for k, v in res["op"].vectors.items() if "#" not in k}


# ---------------------------------------------------------------------------------------
# port roles
# ---------------------------------------------------------------------------------------
def test_roles_use_the_one_vocabulary() -> None:
    b = bias_default(parse("M0 (VOUT1 VIN1 VSS VSS) nmos4\nM1 (VOUT1 VB1 VDD VDD) pmos4\n", dialect="spectre"),
                     ports=["VDD", "VSS", "VIN1", "VOUT1", "VB1", "VLOGICA1"])
    assert b.roles == {"VDD": "vdd", "VSS": "vss", "VIN1": "input", "VOUT1": "output", "VB1": "bias_voltage",
                       "VLOGICA1": "logic"}


def test_a_transmission_line_is_a_dc_path_no_leak_added() -> None:
    # y reaches a supply only through T1's signal conductor (and R1): no leak there; x only through C1
    n = parse("* t\nM1 a VIN1 0 0 nmos4\nR1 a VDD 10k\nT1 a 0 y 0 Z0=50 TD=1n\nC1 y x 1p\n"
              "M2 VOUT1 x 0 0 nmos4\nR2 VOUT1 VDD 10k\n.end\n")
    b = bias_default(n, ports=["VDD", "VIN1", "VOUT1"])
    leaks = [c for c in b.choices if c.what == "leak"]
    assert [c.port for c in leaks] == ["x"], leaks


# ---------------------------------------------------------------------------------------
# circuits that must converge in range
# ---------------------------------------------------------------------------------------
def test_5t_ota_converges_in_range() -> None:
    b = bias_default(_spectre(OTA_5T), "generic45", ports=OTA_PORTS)
    assert repr(b) == "BiasedCircuit('generic45', vdd=1.0, choices=8, devices=12)"
    whats = {c.port: c.what for c in b.choices if c.what not in ("weak-path",)}
    assert whats == {"VSS": "ground", "VDD": "supply", "VIN1": "input", "VIN2": "input",
                     "IB1": "bias-current", "VOUT1": "load"}
    ib = b.choice("IB1")
    assert ib.value == pytest.approx(20e-6) and "tail" in ib.reason  # out of the diff pair's tail
    vin = b.choice("VIN1")
    assert 0.5 < vin.value < 0.9 and "NMOS" in vin.reason
    v = _op_in_range(b)
    assert v["vdd"] == pytest.approx(1.0) and v["vss"] == pytest.approx(0.0)
    assert 0.0 < v["ib1"] < v["vin1"]  # the tail sits below the input common mode
    assert 0.0 < v["vout1"] < 1.0


def test_ota_inputs_are_differential_for_ac() -> None:
    b = bias_default(_spectre(OTA_5T), "generic45", ports=OTA_PORTS)
    srcs = {d.name: d for d in b.netlist.devices if d.kind == "vsource"}
    v1 = srcs[b.choice("VIN1").device]
    v2 = srcs[b.choice("VIN2").device]
    assert v1.param("mag").number == 0.5 and v2.param("mag").number == 0.5
    assert v2.param("phase").number == 180.0


def test_current_mirror_with_vb() -> None:
    b = bias_default(_spectre(MIRROR), "generic180", ports=MIRROR_PORTS)
    vb1 = b.choice("VB1")
    assert vb1.what == "bias-voltage" and "NMOS gates with sources at VSS" in vb1.reason
    assert 0.45 < vb1.value < 0.7
    assert b.choice("IOUT1").what == "hold"
    assert b.choice("VOUT1").what == "load"
    assert any(c.what == "default-value" and "R0" in c.reason for c in b.choices)
    v = _op_in_range(b)
    assert v["vdd"] == pytest.approx(1.8)


def test_diode_connected_vb_gets_a_current() -> None:
    text = "M0 (VB1 VB1 VSS VSS) nmos4\nM1 (VOUT1 VB1 VSS VSS) nmos4\nR0 (VDD VOUT1) resistor\n"
    b = bias_default(_spectre(text), ports=["VDD", "VSS", "VB1", "VOUT1"])
    c = b.choice("VB1")
    assert c.what == "bias-current" and c.value == pytest.approx(10e-6) and "diode" in c.reason
    v = _op_in_range(b)
    assert 0.3 < v["vb1"] < 0.8  # a Vgs above VSS


def test_inverter_macro_gets_a_builtin_cell() -> None:
    n = _spectre(WITH_INVERTER)
    assert not n.subckts
    b = bias_default(n, "generic45", ports=INV_PORTS)
    assert "INVERTER" in b.netlist.subckts
    assert any(c.what == "cell" and "INVERTER" in c.reason for c in b.choices)
    assert b.choice("VCLK1").what == "clock" and b.choice("VCLK1").value == 1.0
    v = _op_in_range(b)
    assert v["net7"] < 0.1  # the inverter of a high clock is low
    assert not n.subckts  # the input is untouched


def test_nets_without_dc_path_get_a_leak_and_loops_a_resistor() -> None:
    # net9 is reached only through capacitors; L0/L1 form an inductor loop (singular at DC)
    text = ("M0 (VOUT1 VIN1 VSS VSS) nmos4\nR0 (VDD VOUT1) resistor\nC0 (VOUT1 net9) capacitor\n"
            "C1 (net9 VSS) capacitor\nL0 (VDD net4) inductor\nL1 (net4 VDD) inductor\n")
    b = bias_default(_spectre(text), ports=["VDD", "VSS", "VIN1", "VOUT1"])
    leaks = [c for c in b.choices if c.what == "leak"]
    assert [c.port for c in leaks] == ["net9"] and leaks[0].value == 1e9
    assert any(c.what == "winding-resistance" for c in b.choices)
    _op_in_range(b)


def test_source_that_would_close_an_inductor_loop_gets_a_series_resistor() -> None:
    text = "L0 (VIN1 VDD) inductor\nM0 (VOUT1 VIN1 VSS VSS) nmos4\nR0 (VDD VOUT1) resistor\n"
    b = bias_default(_spectre(text), ports=["VDD", "VSS", "VIN1", "VOUT1"])
    assert any(c.port == "VIN1" and c.what == "source-resistance" for c in b.choices)
    _op_in_range(b)


def test_bias_choice_str_and_check() -> None:
    c = BiasChoice("IB1", "bias-current", 1e-5, "tail")
    assert str(c) == "IB1: bias-current 10uA (tail)"
    with pytest.raises(ResolutionError, match="bias choice kind"):
        BiasChoice("IB1", "magic", 1.0, "")  # type: ignore[arg-type]


def test_errors_name_the_input() -> None:
    with pytest.raises(ValidationError, match="undefined subcircuit 'DFF'"):
        bias_default(_spectre("I0 (a b VDD VSS) DFF\n"), ports=["VDD", "VSS"])
    with pytest.raises(ResolutionError, match="process 'tsmc65'"):
        bias_default(_spectre(OTA_5T), "tsmc65", ports=OTA_PORTS)


def test_cells_have_the_corpus_port_orders() -> None:
    cells = builtin_cells()
    assert set(cells) == set(CELL_NAMES)
    assert cells["INVERTER"].ports == ("A", "Q", "VDD", "VSS")
    assert cells["TRANSMISSION_GATE"].ports == ("A", "B", "C", "VDD", "VSS")
    assert cells["XOR"].ports == ("A", "B", "VDD", "VSS", "Y")
    assert cells["PFD"].ports == ("A", "B", "QA", "QB", "VDD", "VSS")
    with pytest.raises(ResolutionError, match="among choices"):
        cell("DFF")


def test_cells_match_corpus_full_files(corpus_root) -> None:
    seen = 0
    for full in sorted(corpus_root.glob("*/*_full.cir"))[:12]:
        c = load_circuit(full.parent, variant="full")
        for name, sub in c.netlist.subckts.items():
            if name.upper() in CELL_NAMES:
                assert cell(name).ports == sub.ports, (full, name)
                seen += 1
    assert seen


# ---------------------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_corpus_sample_pass_rate(corpus_root) -> None:
    circuits = [c for _, c in zip(range(100), iter_corpus(corpus_root)) if isinstance(c, CorpusCircuit)]
    assert len(circuits) >= 90
    biased = [bias_default(c.netlist, "generic45") for c in circuits]
    with SharedSimulator(2) as sim:
        results = sim.run_many([(b.netlist, [Op()]) for b in biased], timeout=10)
    passed = sum(1 for b, r in zip(biased, results) if r.ok and not b.out_of_range(r["op"].vectors))
    # measured: 100% of the whole corpus with generic45 (benchmarks/bias_corpus.py)
    assert passed / len(circuits) >= 0.95, f"{passed}/{len(circuits)} converged in range"
