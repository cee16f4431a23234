"""HSPICE decks: .lib sections, quoted .param expressions, .alter/.data blocks, m=, $ comments, .option lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.netlists import parse, read
from circuitforge.netlists.parsers import detect_dialect
from circuitforge.netlists.validate import validate

INV = """* hspice inverter
.option post=2 probe
.options list node nomod
.global vdd vss
.param wn=1u wp='2*wn' lmin=0.1u $ minimum length
.subckt inv a y wn=1u
mp y a vdd vdd pch w='wp' l=lmin m=2 $ two fingers
mn y a vss vss nch w=wn l=lmin
.ends inv
x1 in out inv wn=2u m=4
vdd vdd 0 1.2
vss vss 0 0
vin in 0 pulse(0 1.2 0 10p 10p 1n 2n)
.model nch nmos level=54
.model pch pmos level=54
.tran 1p 4n
.meas tran tpd trig v(in) val=0.6 rise=1 targ v(out) val=0.6 fall=1
.alter slow corner
.param wn=0.8u
.option temp=125
.alter fast
.param wn=1.2u
.end
"""

DATA = """* sweep with a .data block
.param w=1u
.data sweep w l
1u 100n
2u 200n
.enddata
r1 a 0 1k
c1 a 0 'w*1e-9'
.dc data=sweep
.end
"""

PROTECT = """* encrypted model section
.protect
@#$%^ binary-ish stuff that is not SPICE 12 34
.unprotect
m1 d g 0 0 nch w=1u l=0.1u
.model nch nmos level=1
.end
"""

EXAMPLES = {"inv": INV, "data": DATA, "protect": PROTECT}


def test_hspice_deck_reads_and_is_detected():
    assert detect_dialect(INV) == "hspice"
    n = parse(INV)
    assert n.dialect == "hspice"
    assert [d.name for d in n.devices] == ["x1", "vdd", "vss", "vin"]
    assert n.globals == ["vdd", "vss"]
    assert n.params["wp"].expr is not None and sorted(n.params["wp"].deps) == ["wn"]
    inv = n.subckts["inv"]
    mp = inv.device("mp")
    assert mp.params["m"].number == 2 and mp.params["w"].text == "'wp'"
    assert n.device("x1").params["m"].number == 4
    assert inv.params["wn"].number == 1e-6


def test_option_list_forms_and_meas_kept_verbatim():
    n = parse(INV)
    texts = [s.text for s in n.statements]
    assert ".option post=2 probe" in texts and ".options list node nomod" in texts
    assert any(t.startswith(".meas tran tpd") for t in texts)


def test_alter_blocks_are_kept_whole_and_not_read_as_the_main_deck():
    n = parse(INV)
    alter = [s for s in n.statements if s.keyword == ".alter"]
    assert len(alter) == 2
    assert alter[0].text.splitlines() == [".alter slow corner", ".param wn=0.8u", ".option temp=125"]
    assert n.params["wn"].number == 1e-6  # the .alter's .param does not leak into the main deck


def test_data_and_protect_blocks():
    n = parse(DATA)
    assert n.dialect == "hspice"
    data = next(s for s in n.statements if s.keyword == ".data")
    assert data.text.splitlines()[-1] == ".enddata" and "2u 200n" in data.text
    assert n.device("c1").params["c"].expr is not None
    p = parse(PROTECT)
    assert [d.name for d in p.devices] == ["m1"]
    assert "binary-ish" in p.statements[0].text


def test_dollar_comments():
    n = parse("* t\nr1 a b 1k $ a comment with = and (\n$ a whole-line comment\nr2 b$1 0 2k\n",
              dialect="hspice")
    assert n.device("r1").params["r"].number == 1e3
    assert n.device("r2").nets == ("b$1", "0")  # '$' inside a word is not a comment


def test_lib_file_section_and_section_blocks(tmp_path: Path):
    (tmp_path / "models.lib").write_text("* lib\n.lib tt\n.model nch nmos level=54 vth0=0.4\n.endl tt\n"
                                         ".lib ff\n.model nch nmos level=54 vth0=0.3\n.endl ff\n")
    deck = tmp_path / "top.sp"
    deck.write_text("* top\n.lib 'models.lib' ff\nm1 d g 0 0 nch w=1u l=0.1u\n.end\n")
    n = read(deck)
    assert n.dialect == "hspice"  # by the .sp suffix
    inc = n.includes[0]
    assert (inc.path, inc.section) == ("models.lib", "ff")
    assert n.find_model("nch").params["vth0"].number == 0.3
    codes = {f.code for f in validate(n)}
    assert "undefined-model" not in codes and "unresolved-include" not in codes


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_to_ngspice(name, round_trip):
    round_trip(parse(EXAMPLES[name], dialect="hspice"))


def test_validate_lists_exactly_what_a_pdk_deck_is_missing(tmp_path: Path):
    deck = tmp_path / "amp.sp"
    deck.write_text("* amp needing a PDK\n.lib 'pdk/models.lib' tt\n.include 'stdcells.sp'\n"
                    "m1 out in 0 0 nch_lvt w=1u l=0.1u\nm2 out in vdd vdd pch_lvt w=2u l=0.1u\n"
                    "m3 x in 0 0 nch_lvt w=1u l=0.1u\nd1 0 in esd_dio\nx1 out y inv_x1\nr1 y 0 1k\n"
                    "vdd vdd 0 1.2\nvin in 0 0.6\n.op\n.end\n")
    n = read(deck)  # loads although nothing it needs is there
    assert {w.code for w in n.warnings} == {"include-not-found"}
    found = validate(n)
    includes = sorted(f.obj for f in found if f.code == "unresolved-include")
    assert includes == ["pdk/models.lib", "stdcells.sp"]
    missing = sorted(f.message.split("'")[1] for f in found if f.code == "undefined-model")
    assert missing == ["esd_dio", "nch_lvt", "pch_lvt"]
    nch = next(f.message for f in found if "'nch_lvt'" in f.message)
    assert "2 devices: m1, m3" in nch and "pdk/models.lib" in nch
    sub = [f.message for f in found if f.code == "undefined-subckt"]
    assert len(sub) == 1 and "'inv_x1'" in sub[0]
