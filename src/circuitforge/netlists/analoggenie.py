"""The AnalogGenie topology corpus: one folder per circuit id, read into the netlist IR.

Each folder ``N`` holds ``N.cir`` (Spectre instance syntax with no header,
e.g. ``M5 (net032 VIN2 IB1 VSS) nmos4``), ``PortN.txt`` (the port nets,
space separated), and sometimes ``OpampN.cir`` variants and a hierarchical
``N_full.cir``. ``data_categorization.md`` maps id ranges to the book
sections they come from, which :func:`load_categories` reads into coarse
circuit families (:data:`Family`).

>>> import tempfile
>>> from pathlib import Path
>>> root = Path(tempfile.mkdtemp())
>>> (root / "7").mkdir()
>>> _ = (root / "7" / "7.cir").write_text("M0 (VOUT1 VIN1 VSS VSS) nmos4\\nR0 (VDD VOUT1) resistor\\n")
>>> _ = (root / "7" / "Port7.txt").write_text("VDD VSS VIN1 VOUT1")
>>> c = load_circuit(root / "7")
>>> c.id, c.ports, c.netlist
(7, ('VDD', 'VSS', 'VIN1', 'VOUT1'), Netlist('analoggenie/7', devices=2, nets=4))
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from .errors import CircuitforgeError
from .netlist import Netlist
from .parsers import read

__all__ = [
    "DEFAULT_CORPUS",
    "ENV_VAR",
    "Family",
    "FAMILIES",
    "Variant",
    "CategoryRange",
    "CorpusCircuit",
    "CorpusError",
    "corpus_path",
    "load_categories",
    "family_of",
    "family_of_title",
    "circuit_ids",
    "load_circuit",
    "iter_corpus",
]

DEFAULT_CORPUS: Path = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets" / "analoggenie"
"""Where the corpus lives next to a checkout (``<repo>/../shared/datasets/analoggenie``)."""

ENV_VAR = "CIRCUITFORGE_ANALOGGENIE"
"""Environment variable naming the corpus folder (overrides :data:`DEFAULT_CORPUS`)."""

Family = Literal[
    "opamp", "lna", "mixer", "oscillator", "bandgap", "comparator", "ldo", "power_converter",
    "sc_sampler", "pa", "pll", "current_mirror", "amplifier", "filter", "switched_capacitor",
    "data_converter", "other",
]
FAMILIES: tuple[str, ...] = get_args(Family)

Variant = Literal["full", "opamp"]
"""``full``: ``N_full.cir`` (with subcircuit definitions); ``opamp``: ``OpampN.cir``."""

# section-title keywords -> family; the first rule that matches wins
_FAMILY_RULES: tuple[tuple[str, str], ...] = (
    (r"low[ -]noise amplifier|\blnas?\b", "lna"),
    (r"mixer", "mixer"),
    (r"power amplifier|\bpas?\b", "pa"),
    (r"power converter|\bpower\b", "power_converter"),
    (r"operational amplifier|\bop[ -]?amps?\b|frequency compensation", "opamp"),
    (r"oscillat|\bvcos?\b", "oscillator"),
    (r"bandgap", "bandgap"),
    (r"comparator", "comparator"),
    (r"\bldos?\b|voltage regulat", "ldo"),
    (r"switched-capacitor sampler|sample-and-hold|sampler", "sc_sampler"),
    (r"phase[ -]locked loop|\bplls?\b|synthesi[sz]er", "pll"),
    (r"current mirror|current source|\bbias\b|references", "current_mirror"),
    (r"filter", "filter"),
    (r"switched[ -]capacitor", "switched_capacitor"),
    (r"converter|d/a|a/d", "data_converter"),
    (r"amplifier|differential pair|transconductance|output stage|feedback|frequency response|^noise$",
     "amplifier"),
)
_BOOK_RE = re.compile(r"^\s*##\s*(?:\d+\.\s*)?\**(.+?)\**\s*$")
_RANGE_LINE_RE = re.compile(r"^\s*-\s*([\d\s,\-\u2013\u2014]+?)\s*:\s*(.+?)\s*$")
_RANGE_RE = re.compile(r"^(\d+)(?:\s*[-\u2013\u2014]\s*(\d+))?$")


@dataclass(frozen=True, slots=True)
class CategoryRange:
    """Ids ``first_id``..``last_id`` (inclusive) from one section of one source.

    >>> r = CategoryRange(281, 336, "Design of Analog CMOS Integrated Circuits", "operational amplifiers", "opamp")
    >>> 300 in r, 337 in r
    (True, False)
    """

    first_id: int
    last_id: int
    source_book: str
    section_title: str
    family: Family

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise CircuitforgeError(f"unknown family {self.family!r} (choices: {list(FAMILIES)})")
        if self.last_id < self.first_id:
            raise CircuitforgeError(f"id range {self.first_id}-{self.last_id} ends before it starts")

    def __contains__(self, circuit_id: object) -> bool:
        return isinstance(circuit_id, int) and self.first_id <= circuit_id <= self.last_id


@dataclass(frozen=True, slots=True)
class CorpusCircuit:
    """One corpus circuit: its id, netlist (ports set), port nets, family and file.

    ``netlist`` is the mutable IR object; treat it as read-only or copy it.
    """

    id: int
    netlist: Netlist
    ports: tuple[str, ...]
    family: str
    path: Path

    def __repr__(self) -> str:
        return (f"CorpusCircuit({self.id}, {self.family}, devices={len(self.netlist.devices)}, "
                f"ports={len(self.ports)})")


@dataclass(frozen=True, slots=True)
class CorpusError:
    """A corpus circuit that could not be read (yielded by :func:`iter_corpus` instead of raising)."""

    id: int | None
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def corpus_path(path: str | Path | None = None) -> Path:
    """The corpus folder: ``path``, else ``$CIRCUITFORGE_ANALOGGENIE``, else :data:`DEFAULT_CORPUS`.

    Raises :class:`CircuitforgeError` saying where it looked when the folder is absent.

    >>> corpus_path("/nonexistent/analoggenie")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    circuitforge.core.errors.CircuitforgeError: AnalogGenie corpus not found at /nonexistent/analoggenie ...
    """
    if path is not None:
        where, how = Path(path), "the path given"
    elif os.environ.get(ENV_VAR):
        where, how = Path(os.environ[ENV_VAR]), f"${ENV_VAR}"
    else:
        where, how = DEFAULT_CORPUS, "the default location next to the repository"
    where = where.expanduser().resolve()
    if not where.is_dir():
        raise CircuitforgeError(
            f"AnalogGenie corpus not found at {where} (from {how}); expected a folder of circuit "
            f"folders N/N.cir with PortN.txt. Pass its path or set ${ENV_VAR}.")
    return where


def family_of_title(title: str) -> Family:
    """The coarse family of a section title of ``data_categorization.md``.

    >>> family_of_title("high-performance CMOS op amps"), family_of_title("LNA papers")
    ('opamp', 'lna')
    >>> family_of_title("layout and packaging")
    'other'
    """
    low = title.strip().lower()
    for pattern, family in _FAMILY_RULES:
        if re.search(pattern, low):
            return family  # type: ignore[return-value]
    return "other"


def load_categories(root: str | Path | None = None) -> list[CategoryRange]:
    """Read ``data_categorization.md`` of the corpus at ``root`` into id ranges, in file order.

    A line may name several ranges (``458–460, 493: transceiver architectures``);
    ranges are written with an en dash or a hyphen. Raises
    :class:`CircuitforgeError` when the file is missing or names no range.
    """
    base = Path(root) if root is not None else corpus_path()
    md = base / "data_categorization.md" if base.is_dir() else base
    try:
        text = md.read_text(encoding="utf-8")
    except OSError as exc:
        raise CircuitforgeError(f"cannot read AnalogGenie categories {md}: {exc.strerror or exc}") from None
    out: list[CategoryRange] = []
    book = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        mb = _BOOK_RE.match(line)
        if mb is not None:
            title = mb.group(1).replace("**", "").strip()
            if title.lower() != "data hierarchy":
                book = title
            continue
        mr = _RANGE_LINE_RE.match(line)
        if mr is None:
            continue
        section = mr.group(2).strip()
        family = family_of_title(section)
        for part in mr.group(1).split(","):
            part = part.strip()
            if not part:
                continue
            m = _RANGE_RE.match(part)
            if m is None:
                raise CircuitforgeError(f"{md}:{lineno}: cannot read id range {part!r} in {line.strip()!r} "
                                        "(expected 'first–last' or 'id')")
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else first
            if last < first:
                raise CircuitforgeError(f"{md}:{lineno}: id range {part!r} ends before it starts")
            out.append(CategoryRange(first, last, book, section, family))
    if not out:
        raise CircuitforgeError(f"{md}: no id ranges found (expected lines like '- 1–68: single-stage amplifier')")
    return out


def family_of(circuit_id: int, categories: Sequence[CategoryRange]) -> str:
    """The family of ``circuit_id``: that of the first range holding it, else ``'other'``.

    >>> cats = [CategoryRange(1, 68, "Razavi", "single-stage amplifier", "amplifier")]
    >>> family_of(5, cats), family_of(99, cats)
    ('amplifier', 'other')
    """
    for r in categories:
        if r.first_id <= circuit_id <= r.last_id:
            return r.family
    return "other"


def circuit_ids(root: str | Path | None = None) -> list[int]:
    """The ids of the circuit folders under the corpus ``root``, ascending."""
    base = corpus_path(root)
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isascii() and p.name.isdigit())


def load_circuit(folder: str | Path, *, categories: Sequence[CategoryRange] | None = None,
                 variant: Variant | None = None) -> CorpusCircuit:
    """Read corpus folder ``N``: ``N.cir`` (or a ``variant``) and ``PortN.txt``.

    Duplicate instance names are renamed (``MM13`` → ``MM13_1``) with a
    ``duplicate-instance-renamed`` warning in ``netlist.warnings``. Without
    ``categories`` they are read from the parent folder's
    ``data_categorization.md`` when it is there (else the family is ``other``).
    Raises :class:`CircuitforgeError` (or its :class:`ParseError`) naming the file.
    """
    folder = Path(folder)
    if not (folder.name.isascii() and folder.name.isdigit()):
        raise CircuitforgeError(f"{folder}: not a corpus circuit folder (its name must be the circuit id)")
    cid = int(folder.name)
    if variant is not None and variant not in get_args(Variant):
        raise CircuitforgeError(f"unknown variant {variant!r} for {folder} (choices: {list(get_args(Variant))})")
    name = {None: f"{folder.name}.cir", "full": f"{folder.name}_full.cir",
            "opamp": f"Opamp{folder.name}.cir"}[variant]
    cir = folder / name
    if not cir.is_file():
        have = sorted(p.name for p in folder.glob("*.cir"))
        raise CircuitforgeError(f"{cir}: netlist file not found (this folder has {have})")
    port_file = folder / f"Port{folder.name}.txt"
    try:
        ports = tuple(port_file.read_text(encoding="utf-8", errors="replace").split())
    except OSError as exc:
        raise CircuitforgeError(f"{port_file}: cannot read the port list: {exc.strerror or exc}") from None
    netlist = read(cir, dialect="analoggenie")
    netlist.title = f"analoggenie/{cid}"
    netlist.ports = list(ports)
    if categories is None:
        md = folder.parent / "data_categorization.md"
        categories = load_categories(folder.parent) if md.is_file() else ()
    return CorpusCircuit(cid, netlist, ports, family_of(cid, categories), cir)


def iter_corpus(root: str | Path | None = None, *,
                errors: Literal["collect", "raise"] = "collect") -> Iterator[CorpusCircuit | CorpusError]:
    """Every circuit of the corpus in id order.

    With ``errors="collect"`` a circuit that cannot be read yields a
    :class:`CorpusError` and the iteration goes on; with ``"raise"`` the error
    propagates.

    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> for i, body in ((1, "R0 (a b) resistor\\n"), (2, "M0 (d g s\\n")):
    ...     (root / str(i)).mkdir()
    ...     _ = (root / str(i) / f"{i}.cir").write_text(body)
    ...     _ = (root / str(i) / f"Port{i}.txt").write_text("a b")
    >>> [type(x).__name__ for x in iter_corpus(root)]
    ['CorpusCircuit', 'CorpusError']
    """
    if errors not in ("collect", "raise"):
        raise CircuitforgeError(f"errors must be 'collect' or 'raise', got {errors!r}")
    base = corpus_path(root)
    md = base / "data_categorization.md"
    categories = load_categories(base) if md.is_file() else []
    for cid in circuit_ids(base):
        folder = base / str(cid)
        try:
            yield load_circuit(folder, categories=categories)
        except CircuitforgeError as exc:
            if errors == "raise":
                raise
            yield CorpusError(cid, folder, str(exc))
