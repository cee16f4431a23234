"""Built-in model cards: resolution, apply_process, and real ngspice behaviour."""

from __future__ import annotations

import pytest

from circuitforge.netlists import Netlist, ResolutionError, ValidationError, parse, write
from circuitforge.spice.analyses import DC, Op
from circuitforge.spice.models import (
    PROCESSES,
    Process,
    apply_process,
    default_bjt,
    default_diode,
    process,
)
from circuitforge.spice.simulator import simulate
from circuitforge.spice.testbench import OpampPorts, open_loop_ac

AG_OPAMP = """M0 (net1 VIN1 net3 VSS) nmos4
M1 (VOUT1 VIN2 net3 VSS) nmos4
M2 (net1 net1 VDD VDD) pmos4
M3 (VOUT1 net1 VDD VDD) pmos4
M4 (net3 VB VSS VSS) nmos4
Q0 (VB VB VSS) npn
D0 (VDD VB) diode
"""


def test_processes_resolve() -> None:
    for name in PROCESSES:
        p = process(name)
        assert isinstance(p, Process) and p.name == name
        assert p.nmos.polarity == "n" and p.pmos.polarity == "p"
        assert p.nmos.name != p.pmos.name
    assert process(process("level1")) == process("level1")
    assert hash(process("generic45")) == hash(process("generic45"))
    with pytest.raises(ResolutionError, match=r"among choices \['generic180', 'generic45', 'level1'\]"):
        process("sky130")
    assert process("generic45").nmos.param("level").number == 54
    assert process("level1").pmos.param("kp").number == pytest.approx(80e-6)


def test_default_cards() -> None:
    assert default_diode().device_kind == "diode"
    assert default_bjt("npn").polarity == "n" and default_bjt("pnp").polarity == "p"
    with pytest.raises(ResolutionError):
        default_bjt("nmos")  # type: ignore[arg-type]


def test_cards_round_trip_through_the_writer() -> None:
    p = process("generic45")
    text = write(Netlist("cards", models={c.name: c for c in p.cards}), "ngspice")
    back = parse(text)
    assert back.models["generic45_nmos"].param("vth0").number == pytest.approx(0.466)


def test_apply_process_on_analoggenie_netlist() -> None:
    n = parse(AG_OPAMP, dialect="spectre")
    out = apply_process(n, "generic45")
    assert not n.models  # the input is left alone
    assert {k.lower() for k in out.models} == {"nmos4", "pmos4", "npn", "diode"}
    assert out.find_model("nmos4").params == process("generic45").nmos.params
    assert out.find_model("pmos4").type == "pmos"
    m0 = out.device("M0")
    assert m0.model == "nmos4" and m0.param("w").number == pytest.approx(1e-6)
    assert [d.model for d in out.devices] == [d.model for d in n.devices]


def test_apply_process_keeps_defined_models_and_rejects_unknown_polarity() -> None:
    n = parse("* t\n.model nch nmos level=1 kp=1m\nM1 d g 0 0 nch W=2u L=1u\nM2 d g 0 0 pch\n.end\n")
    out = apply_process(n, "level1")
    assert out.models["nch"].param("kp").number == pytest.approx(1e-3)
    assert out.models["pch"].param("kp").number == pytest.approx(80e-6)
    assert out.device("M1").param("w").number == pytest.approx(2e-6)
    with pytest.raises(ValidationError, match="cannot tell the polarity of model 'xyz'"):
        apply_process(parse("* t\nM1 d g 0 0 xyz\n.end\n"), "level1")


def _iv_deck(name: str) -> tuple[Netlist, float]:
    p = process(name)
    lmin = p.lmin
    text = f"""* iv
VD d 0 {p.vdd}
VG g 0 {p.vdd}
M1 d g 0 0 nfet W=1u L={lmin}
VDP dp 0 -{p.vdd}
VGP gp 0 -{p.vdd}
M2 dp gp 0 0 pfet W=1u L={lmin}
VG3 g3 0 0
M3 d g3 0 0 nfet W=1u L={4 * lmin}
VS3 s3 0 0
.end
"""
    return apply_process(parse(text), name), p.vdd


@pytest.mark.parametrize("name, lo, hi", [("generic45", 200e-6, 1.5e-3),
                                          ("generic180", 200e-6, 1.5e-3),
                                          ("level1", 200e-6, 3e-3)])
def test_cards_in_ngspice(name: str, lo: float, hi: float) -> None:
    deck, vdd = _iv_deck(name)
    res = simulate(deck, [Op(), DC("VG", 0.0, vdd, vdd / 100)])
    assert res.ok, res.error
    i_n = -res["op"].value("vd#branch")
    i_p = res["op"].value("vdp#branch")
    assert lo < i_n < hi
    assert 0.2 * i_n < i_p < i_n  # PMOS weaker
    # threshold by the constant-current method (100 nA x W/L of the short device)
    vg = res["dc"].sweep
    i_sweep = -res["dc"]["vd#branch"]
    vth = float(vg[(i_sweep > 100e-9 * 1e-6 / process(name).lmin).argmax()])
    assert 0.25 < vth < 0.6
    log = res.log.lower()
    assert not any(w in log for w in ("warning", "fatal", "out of range")), res.log


def test_generic45_long_device_intrinsic_gain() -> None:
    deck = apply_process(parse("""* gm/gds
VD d 0 0.5
VG g 0 0.55
M1 d g 0 0 nmos4 W=1u L=180n
.end
"""), "generic45")
    res = simulate(deck, [DC("VD", 0.3, 0.7, 0.01)])
    assert res.ok, res.error
    i = -res["dc"]["vd#branch"]
    gds = (i[-1] - i[0]) / 0.4
    assert 5e-6 < i[20] < 50e-6 and 1e-7 < gds < 2e-5


def test_testbench_builds_for_top_level_netlist() -> None:
    n = parse(AG_OPAMP, dialect="spectre")
    ports = OpampPorts(inp="VIN1", inn="VIN2", out="VOUT1", vdd="VDD", vss="VSS")
    tb = open_loop_ac(n, "generic45", ports=ports)
    assert tb.sources["vdd"] == "VSUPPLY" and tb.branch("vdd") == "vsupply#branch"
    assert {"LFB", "CFB", "VIN", "VCM"} <= {d.name for d in tb.netlist.devices}
    with pytest.raises(ValidationError, match="has no nets"):
        open_loop_ac(n, "generic45")
