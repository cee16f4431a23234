"""LTspice netlists: µ, UTF-16/Latin-1 files, 4k7 values, Rser=/Cpar=, SINE, .lib LTC.lib, .backanno, .step."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists import parse, read, write
from circuitforge.netlists.validate import validate

BUCK = """* C:\\Users\\me\\Documents\\LTspice\\buck.asc
V1 IN 0 12 Rser=0.1
V2 G 0 PULSE(0 5 0 10n 10n 4u 10u)
M1 IN G SW SW IRF7201
D1 0 SW MBR745
L1 SW OUT 10µ Rser=20m Cpar=1p
C1 OUT 0 100µF Rser=5m
R1 OUT 0 4k7
R2 OUT FB 2.2meg
C2 FB 0 10pF
B1 X 0 V=if(V(OUT)>3.3, 1, 0)
V3 AC 0 SINE(0 1 1k) AC 1
I1 OUT 0 PWL(0 0 1m 100m 2m 0)
.model MBR745 D(Is=1u Rs=10m)
.lib LTC.lib
.step param R 1k 10k 1k
.tran 0 1m 0 10n startup
.meas TRAN vout AVG V(OUT)
.backanno
.end
"""

EXAMPLES = {"buck": BUCK}


def test_ltspice_netlist_reads_with_vendor_library_missing():
    n = parse(BUCK)
    assert n.dialect == "ltspice"
    assert len(n.devices) == 12
    assert any(w.code == "include-not-found" for w in n.warnings)  # LTC.lib is LTspice's own
    inc = n.includes[0]
    assert inc.path == "LTC.lib" and inc.netlist is None and inc.section is None
    kept = [s.keyword for s in n.statements]
    assert {".step", ".backanno", ".tran", ".meas"} <= set(kept)


def test_values_mu_4k7_and_units():
    n = parse(BUCK)
    assert n.device("L1").params["l"].number == pytest.approx(10e-6)
    assert n.device("C1").params["c"].number == pytest.approx(100e-6)
    assert n.device("R1").params["r"].number == 4700 and n.device("R1").params["r"].text == "4.7k"
    assert n.device("R2").params["r"].number == 2.2e6
    assert n.device("C2").params["c"].number == 1e-11
    assert parse("* t\nR1 a 0 4R7\nC1 a 0 1n5\n", dialect="ltspice").device("C1").params["c"].number == 1.5e-9
    # a model named like a value is not a value
    q = parse("* t\nQ1 c b e 2N3904\nD1 a 0 1N4148\n", dialect="ltspice")
    assert q.device("Q1").model == "2N3904" and q.device("D1").model == "1N4148"


def test_parasitics_kept_in_the_ir_and_dropped_for_ngspice_with_a_warning():
    n = parse(BUCK)
    l1 = n.device("L1").params
    assert l1["Rser"].number == 0.02 and l1["Cpar"].number == 1e-12
    assert n.device("V1").params["Rser"].number == 0.1
    warnings: list = []
    text = write(n, "ngspice", warnings=warnings)
    assert "Rser" not in text and "Cpar" not in text
    dropped = {w.obj for w in warnings if w.code == "ltspice-param-dropped"}
    assert dropped == {"V1", "L1", "C1"}


def test_sources_behavioural_and_waveforms():
    n = parse(BUCK)
    v2 = n.device("V2").params
    assert v2["type"].text == "pulse" and v2["width"].number == 4e-6
    v3 = n.device("V3").params
    assert v3["type"].text == "sin" and v3["freq"].number == 1e3 and v3["mag"].number == 1
    assert n.device("I1").params["wave"].text == "0 0 1m 100m 2m 0"
    assert n.device("B1").params["V"].text == "if(V(OUT)>3.3, 1, 0)"


def test_utf16_and_latin1_files(tmp_path: Path):
    text = "* a.asc\nC1 a 0 4.7µ\nR1 a 0 1k\n.backanno\n.end\n"
    for name, data in [("u16.net", text.encode("utf-16")),  # with BOM, as LTspice writes
                       ("u16le.net", text.encode("utf-16-le")),  # without BOM
                       ("latin1.net", text.encode("latin-1")),  # µ is the byte 0xB5
                       ("utf8.net", text.encode("utf-8"))]:
        p = tmp_path / name
        p.write_bytes(data)
        n = read(p)
        assert n.dialect == "ltspice", name
        assert n.device("C1").params["c"].number == pytest.approx(4.7e-6), name


def test_missing_models_and_libraries_are_reported_exactly():
    n = parse(BUCK)
    found = [f for f in validate(n) if f.code in ("undefined-model", "unresolved-include")]
    by_code = {f.code: f for f in found}
    assert set(by_code) == {"undefined-model", "unresolved-include"}
    assert [f.obj for f in found if f.code == "unresolved-include"] == ["LTC.lib"]
    missing = [f.message for f in found if f.code == "undefined-model"]
    assert len(missing) == 1 and "'IRF7201'" in missing[0] and "LTC.lib" in missing[0]  # MBR745 is defined


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_to_ngspice(name, round_trip):
    round_trip(parse(EXAMPLES[name], dialect="ltspice"))
