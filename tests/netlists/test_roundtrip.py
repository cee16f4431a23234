"""Writers: ``parse(write(n)) == n`` for generated netlists, and conversions keep topology."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitforge.netlists import Device, ModelCard, Netlist, Statement, Subckt, Value, parse, read, write
from circuitforge.netlists.compare import explain_difference, same_topology

NETS = ["0", "vdd", "vss", "in", "out", "n1", "n2", "x_3", "bias"]
PARAMS = {"w": "1u", "l": "180n", "rv": "2.2k"}


def values(dialect: str):
    lit = st.floats(min_value=1e-15, max_value=1e9, allow_nan=False).map(lambda x: Value.of(x, dialect))
    exprs = st.sampled_from(["w*2", "l+w", "rv/2", "sqrt(w*l)", "2*rv"]).map(
        lambda e: Value.parse("{" + e + "}" if dialect == "spice" else "(" + e + ")", dialect, bare_expr=True))
    return st.one_of(lit, lit, exprs)


@st.composite
def devices(draw, dialect: str, models: dict[str, str], subckts: dict[str, tuple[str, ...]], prefix: str = ""):
    count = draw(st.integers(1, 8))
    out: list[Device] = []
    used: set[str] = set()
    for i in range(count):
        kind = draw(st.sampled_from(["resistor", "capacitor", "inductor", "mosfet", "bjt", "diode",
                                     "vsource", "isource", "vcvs", "vccs", "subckt"]))
        net = st.sampled_from(NETS)
        letter = {"resistor": "R", "capacitor": "C", "inductor": "L", "mosfet": "M", "bjt": "Q",
                  "diode": "D", "vsource": "V", "isource": "I", "vcvs": "E", "vccs": "G", "subckt": "X"}[kind]
        name = f"{letter}{prefix}{i}"
        if name.lower() in used:
            continue
        used.add(name.lower())
        v = values(dialect)
        if kind in ("resistor", "capacitor", "inductor"):
            key = {"resistor": "r", "capacitor": "c", "inductor": "l"}[kind]
            d = Device(name, kind, (("p", draw(net)), ("n", draw(net))), None, {key: draw(v)})
        elif kind == "mosfet":
            pol = draw(st.sampled_from(["nch", "pch"]))
            d = Device(name, kind, tuple((r, draw(net)) for r in "dgsb"), pol, {"w": draw(v), "l": draw(v)})
        elif kind == "bjt":
            d = Device(name, kind, tuple((r, draw(net)) for r in "cbe"), "qn", {})
        elif kind == "diode":
            d = Device(name, kind, (("p", draw(net)), ("n", draw(net))), "dd", {})
        elif kind in ("vsource", "isource"):
            params = {"dc": draw(v)}
            if draw(st.booleans()):
                params["mag"] = Value.of(1.0, dialect)
            if draw(st.booleans()):
                params.update({"type": Value.word("pulse"), "val0": Value.of(0.0, dialect),
                               "val1": draw(v), "delay": Value.of(1e-9, dialect)})
            d = Device(name, kind, (("p", draw(net)), ("n", draw(net))), None, params)
        elif kind in ("vcvs", "vccs"):
            d = Device(name, kind, tuple((r, draw(net)) for r in ("p", "n", "cp", "cn")), None, {"gain": draw(v)})
        else:
            if not subckts:
                continue
            sname = draw(st.sampled_from(sorted(subckts)))
            ports = subckts[sname]
            d = Device(name, "subckt", tuple((p, draw(net)) for p in ports), sname, {})
        out.append(d)
    return out


def model_cards(dialect: str) -> dict[str, ModelCard]:
    if dialect == "spice":
        return {"nch": ModelCard("nch", "nmos", {"level": Value.parse("1"), "vto": Value.parse("0.5")}),
                "pch": ModelCard("pch", "pmos", {"level": Value.parse("1"), "vto": Value.parse("-0.5")}),
                "qn": ModelCard("qn", "npn", {"bf": Value.parse("100")}),
                "dd": ModelCard("dd", "d", {"is": Value.parse("1e-14")})}
    return {"nch": ModelCard("nch", "bsim4", {"type": Value.word("n"), "vth0": Value.parse("0.4", "spectre")}),
            "pch": ModelCard("pch", "bsim4", {"type": Value.word("p"), "vth0": Value.parse("-0.4", "spectre")}),
            "qn": ModelCard("qn", "bjt", {"type": Value.word("npn"), "bf": Value.parse("100", "spectre")}),
            "dd": ModelCard("dd", "diode", {"is": Value.parse("1e-14", "spectre")})}


@st.composite
def netlists(draw, dialect: str) -> Netlist:
    models = model_cards(dialect)
    params = {k: Value.parse(v, dialect) for k, v in PARAMS.items()}
    subckts: dict[str, Subckt] = {}
    if draw(st.booleans()):
        sub_devs = draw(devices(dialect, models, {}, prefix="s"))
        ports = tuple(dict.fromkeys(n for d in sub_devs for n in d.nets if n != "0"))[:4] or ("in",)
        subckts["cell"] = Subckt("cell", ports, sub_devs)
    devs = draw(devices(dialect, models, {k: s.ports for k, s in subckts.items()}))
    stmts = draw(st.lists(st.sampled_from([".op", ".tran 1n 1u", ".ac dec 10 1 1g", ".option reltol=1e-4"]),
                          max_size=3, unique=True))
    statements = [Statement("analysis" if not s.startswith(".option") else "option", s, "spice") for s in stmts]
    title = draw(st.sampled_from(["amp", "two stage op-amp", "test 1"])) if dialect == "spice" else ""
    return Netlist(title=title, devices=devs, subckts=subckts, models=models, params=params,
                   statements=statements, dialect="ngspice" if dialect == "spice" else "spectre",
                   case_sensitive=dialect != "spice")


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(netlists("spice"))
def test_ngspice_writer_roundtrip(n: Netlist):
    text = write(n, "ngspice")
    assert parse(text, dialect="ngspice") == n, text


@SETTINGS
@given(netlists("spectre"))
def test_spectre_writer_roundtrip(n: Netlist):
    text = write(n, "spectre")
    back = parse(text, dialect="spectre")
    assert replace(back, title="") == n, text


@SETTINGS
@given(netlists("spice"))
def test_conversion_through_spectre_keeps_topology(n: Netlist):
    spectre = parse(write(n, "spectre"), dialect="spectre")
    assert same_topology(n, spectre, values=True)
    again = parse(write(spectre, "ngspice"), dialect="ngspice")
    assert same_topology(n, again, values=True)


@SETTINGS
@given(netlists("spectre"))
def test_conversion_through_ngspice_keeps_topology(n: Netlist):
    spice = parse(write(n, "ngspice"), dialect="ngspice")
    assert same_topology(n, spice, values=True)


def test_spectre_case_distinct_nets_stay_distinct_in_ngspice():
    n = parse("simulator lang=spectre\nR1 (a A) resistor r=1\nR2 (A 0) resistor r=1\n", dialect="spectre")
    warnings: list = []
    back = parse(write(n, "ngspice", warnings=warnings), dialect="ngspice")
    assert len(back.nets()) == 3
    assert [w.code for w in warnings] == ["net-renamed"]
    assert same_topology(n, back)


def test_spice_numbers_are_resuffixed_for_spectre():
    n = parse("* t\nR1 a 0 1meg\nC1 a 0 1MEG\n.end\n")
    text = write(n, "spectre")
    assert "r=1meg" not in text and "r=1M" in text and "c=1M" in text
    assert parse(text).device("R1").params["r"].number == 1e6


def test_whole_corpus_converts_to_ngspice_and_spectre_and_back(corpus_root):
    """Every AnalogGenie circuit (and its variants): corpus → ngspice → IR and → Spectre → IR, same topology."""
    files = sorted(corpus_root.glob("*/*.cir"))
    assert len(files) > 3000
    bad = []
    for path in files:
        from_corpus = read(path, dialect="analoggenie")
        for target in ("ngspice", "spectre"):
            back = parse(write(from_corpus, target), dialect=target)
            if not same_topology(from_corpus, back) or len(back.devices) != len(from_corpus.devices):
                bad.append(f"{path} via {target}: {explain_difference(from_corpus, back)}")
    print(f"\n{len(files)} corpus files, {len(files) - len({b.split(' via ')[0] for b in bad})} identical "
          "after both round trips")
    assert not bad, "\n".join(bad[:20])
