"""The AnalogGenie corpus loader: a synthetic corpus, and (marker ``corpus``) the real one."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from circuitforge.netlists.analoggenie import (
    DEFAULT_CORPUS,
    FAMILIES,
    CategoryRange,
    CorpusCircuit,
    CorpusError,
    corpus_path,
    family_of,
    family_of_title,
    iter_corpus,
    load_categories,
    load_circuit,
)
from circuitforge.netlists.errors import CircuitforgeError
from circuitforge.netlists.parsers import detect_dialect

CATEGORIES_MD = """\
## **Data Hierarchy**

- #.cir: netlist
- Port#.txt: netlist ports

## 1. **Design of Analog CMOS Integrated Circuits (Second Edition)**

  **Author:** Behzad Razavi

- 1-2: single-stage amplifier
- 3–4, 9: operational amplifiers

## 7. **Assorted Papers** and Other Circuits

  - 5–6: LNA papers
  - 7-8: opamp
"""

CIRCUIT_1 = """\
M0 (VOUT1 VIN1 VSS VSS) nmos4
MM13 (VOUT1 net5 VDD VDD) pmos4
MM13 (net5 net5 VDD VDD) pmos4
R0 (VDD net5) resistor
I0 (VOUT1 VOUT2 VDD VSS) INVERTER
"""

FULL_1 = """\
// Library name: Dataset
// Cell name: INVERTER
subckt INVERTER A Q VDD VSS
    M0 (Q A VDD VDD) pmos4
    M1 (Q A VSS VSS) nmos4
ends INVERTER
// End of subcircuit definition.

// Cell name: 1
""" + CIRCUIT_1


def make_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "data_categorization.md").write_text(CATEGORIES_MD)
    c1 = root / "1"
    c1.mkdir()
    (c1 / "1.cir").write_text(CIRCUIT_1)
    (c1 / "1_full.cir").write_text(FULL_1)
    (c1 / "Opamp1.cir").write_text("M0 (VOUT1 VIN1 VSS VSS) nmos4\n")
    (c1 / "Port1.txt").write_text("VDD VSS VIN1 VOUT1 VOUT2")  # no trailing newline, as in the corpus
    c5 = root / "5"
    c5.mkdir()
    (c5 / "5.cir").write_text("Q0 (VOUT1 VIN1 VSS) npn\nL0 (VDD VOUT1) inductor\nD0 (VSS VIN1) diode\n")
    (c5 / "Port5.txt").write_text("VDD VSS VIN1 VOUT1\n")
    bad = root / "3"
    bad.mkdir()
    (bad / "3.cir").write_text("M0 (VOUT1 VIN1 VSS VSS nmos4\n")
    (bad / "Port3.txt").write_text("VDD VSS")
    (root / "notes").mkdir()  # not a circuit folder: ignored
    return root


def test_load_categories_and_families(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    cats = load_categories(root)
    assert [(c.first_id, c.last_id, c.family) for c in cats] == [
        (1, 2, "amplifier"), (3, 4, "opamp"), (9, 9, "opamp"), (5, 6, "lna"), (7, 8, "opamp")]
    assert cats[0].source_book == "Design of Analog CMOS Integrated Circuits (Second Edition)"
    assert cats[3].source_book == "Assorted Papers and Other Circuits"
    assert cats[1].section_title == "operational amplifiers"
    assert family_of(9, cats) == "opamp" and family_of(4, cats) == "opamp"
    assert family_of(100, cats) == "other"
    assert 3 in cats[1] and 5 not in cats[1]


@pytest.mark.parametrize(("title", "family"), [
    ("operational amplifiers", "opamp"), ("high-performance CMOS op amps", "opamp"), ("opamp", "opamp"),
    ("low noise amplifiers", "lna"), ("LNA papers", "lna"), ("mixer", "mixer"), ("VCO papers", "oscillator"),
    ("bandgap reference", "bandgap"), ("comparator papers", "comparator"), ("LDO papers", "ldo"),
    ("power converter papers", "power_converter"), ("switched-capacitor sampler", "sc_sampler"),
    ("PA papers", "pa"), ("power amplifiers", "pa"), ("phase-locked loops", "pll"),
    ("integer-N frequency synthesizers", "pll"), ("current mirror and bias", "current_mirror"),
    ("single-stage amplifier", "amplifier"), ("continuous-time filters", "filter"),
    ("intro to switched capacitor circuits", "switched_capacitor"),
    ("Nyquist-rate D/A converters", "data_converter"), ("layout and packaging", "other"),
])
def test_family_of_title(title: str, family: str) -> None:
    assert family_of_title(title) == family
    assert family in FAMILIES


def test_load_circuit_renames_duplicates_and_sets_ports(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    c = load_circuit(root / "1")
    assert isinstance(c, CorpusCircuit)
    assert c.id == 1 and c.family == "amplifier" and c.path == root / "1" / "1.cir"
    assert c.ports == ("VDD", "VSS", "VIN1", "VOUT1", "VOUT2")
    n = c.netlist
    assert n.title == "analoggenie/1" and n.ports == list(c.ports) and n.dialect == "analoggenie"
    assert [d.name for d in n.devices] == ["M0", "MM13", "MM13_1", "R0", "I0"]
    assert [(d.kind, d.model) for d in n.devices] == [
        ("mosfet", "nmos4"), ("mosfet", "pmos4"), ("mosfet", "pmos4"), ("resistor", None), ("subckt", "INVERTER")]
    assert n.device("M0").terminals == (("d", "VOUT1"), ("g", "VIN1"), ("s", "VSS"), ("b", "VSS"))
    assert n.device("I0").roles == ("1", "2", "3", "4")  # the macro is not defined in N.cir
    assert [w.code for w in n.warnings] == ["duplicate-instance-renamed"]
    assert "MM13_1" in n.warnings[0].message and n.warnings[0].loc.line == 3  # type: ignore[union-attr]
    assert repr(c) == "CorpusCircuit(1, amplifier, devices=5, ports=5)"


def test_load_full_and_opamp_variants(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    full = load_circuit(root / "1", variant="full")
    inv = full.netlist.subckts["INVERTER"]
    assert inv.ports == ("A", "Q", "VDD", "VSS") and len(inv.devices) == 2
    assert full.netlist.device("I0").roles == ("A", "Q", "VDD", "VSS")
    assert full.path.name == "1_full.cir"
    assert load_circuit(root / "1", variant="opamp").netlist.devices[0].name == "M0"
    with pytest.raises(CircuitforgeError, match="not found"):
        load_circuit(root / "5", variant="full")
    with pytest.raises(CircuitforgeError, match="unknown variant"):
        load_circuit(root / "1", variant="spice")  # type: ignore[arg-type]


def test_detect_dialect_sees_port_file(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    path = root / "1" / "1.cir"
    assert detect_dialect(path.read_text(), str(path)) == "analoggenie"


def test_iter_corpus_collects_errors_in_id_order(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    items = list(iter_corpus(root))
    assert [(type(x).__name__, x.id) for x in items] == [
        ("CorpusCircuit", 1), ("CorpusError", 3), ("CorpusCircuit", 5)]
    err = items[1]
    assert isinstance(err, CorpusError)
    assert "3.cir:1" in err.message and "unbalanced" in err.message
    c5 = items[2]
    assert isinstance(c5, CorpusCircuit) and c5.family == "lna"
    assert [(d.kind, d.roles) for d in c5.netlist.devices] == [
        ("bjt", ("c", "b", "e")), ("inductor", ("p", "n")), ("diode", ("p", "n"))]
    with pytest.raises(CircuitforgeError, match="unbalanced"):
        list(iter_corpus(root, errors="raise"))


def test_missing_port_file_is_an_error(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "ag")
    (root / "1" / "Port1.txt").unlink()
    with pytest.raises(CircuitforgeError, match="Port1.txt"):
        load_circuit(root / "1")


def test_corpus_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_corpus(tmp_path / "ag")
    assert corpus_path(root) == root.resolve()
    monkeypatch.setenv("CIRCUITFORGE_ANALOGGENIE", str(root))
    assert corpus_path() == root.resolve()
    monkeypatch.setenv("CIRCUITFORGE_ANALOGGENIE", str(tmp_path / "nowhere"))
    with pytest.raises(CircuitforgeError, match="CIRCUITFORGE_ANALOGGENIE"):
        corpus_path()
    monkeypatch.delenv("CIRCUITFORGE_ANALOGGENIE")
    repo = Path(__file__).resolve().parents[2]
    assert DEFAULT_CORPUS.resolve() == (repo.parent / "shared" / "datasets" / "analoggenie").resolve()


def test_category_range_is_frozen() -> None:
    r = CategoryRange(1, 2, "book", "title", "opamp")
    with pytest.raises(AttributeError):
        r.first_id = 3  # type: ignore[misc]


@pytest.mark.corpus
def test_real_corpus_parses_completely() -> None:
    try:
        root = corpus_path()
    except CircuitforgeError as exc:
        pytest.skip(f"AnalogGenie corpus absent: {exc}")
    t0 = time.perf_counter()
    cats = load_categories(root)
    circuits: list[CorpusCircuit] = []
    failures: list[CorpusError] = []
    for item in iter_corpus(root):
        (circuits if isinstance(item, CorpusCircuit) else failures).append(item)  # type: ignore[arg-type]
    variants = 0
    for c in circuits:
        folder = c.path.parent
        for variant, name in (("full", f"{c.id}_full.cir"), ("opamp", f"Opamp{c.id}.cir")):
            if (folder / name).is_file():
                load_circuit(folder, categories=cats, variant=variant)  # type: ignore[arg-type]
                variants += 1
    elapsed = time.perf_counter() - t0
    warnings = Counter(w.code for c in circuits for w in c.netlist.warnings)
    families = Counter(c.family for c in circuits)
    kinds = Counter(d.kind for c in circuits for d in c.netlist.devices)
    uncovered = [c.id for c in circuits if not any(c.id in r for r in cats)]
    print(f"\nAnalogGenie: {len(circuits)} circuits + {variants} variants parsed, {len(failures)} failures, "
          f"{elapsed:.1f} s")
    print(f"warnings: {dict(warnings)}")
    print(f"families: {dict(families)}")
    print(f"device kinds: {dict(kinds)}")
    print(f"ids outside data_categorization.md ranges (labelled 'other'): {uncovered}")
    assert not failures, "\n".join(str(f) for f in failures[:20])
    assert len(circuits) > 1000
    assert all(c.family in FAMILIES for c in circuits)
    # every id has a label; only the documented gap 1030-1038 is outside every range
    assert all(1030 <= i <= 1038 for i in uncovered), uncovered
    assert all(c.ports for c in circuits)
    assert all(c.netlist.devices for c in circuits)


def test_category_range_checks_family() -> None:
    with pytest.raises(CircuitforgeError, match="unknown family"):
        CategoryRange(1, 2, "book", "title", "opamps")  # type: ignore[arg-type]


def test_read_attaches_the_port_file(tmp_path: Path) -> None:
    from circuitforge.netlists import read

    (tmp_path / "7.cir").write_text("M0 (VOUT1 VIN1 VSS VSS) nmos4\nR0 (VDD VOUT1) resistor\n")
    (tmp_path / "Port7.txt").write_text("VDD VSS VIN1 VOUT1")
    n = read(tmp_path / "7.cir")
    assert n.dialect == "analoggenie" and n.ports == ["VDD", "VSS", "VIN1", "VOUT1"]
