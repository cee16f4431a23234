"""Guessing the dialect of a netlist from its text (and file name)."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["detect_dialect", "port_file"]

_SPECTRE_INSTANCE = re.compile(r"^\s*[A-Za-z_][\w!<>\[\].\-]*\s*\([^)]*\)\s*[A-Za-z_]\w*")
_SPECTRE_KEYWORDS = re.compile(
    r"^\s*(simulator\s+lang\s*=|subckt\s|ends\b|parameters\s|model\s+\w+\s+\w+|global\s|include\s+\"|//)")
_SPICE_DOT = re.compile(r"^\s*\.(subckt|ends|model|param|include|inc|lib|end|tran|ac|dc|op|option|options|"
                        r"control|global|meas|measure|noise|title)\b", re.I)


_CDL = re.compile(r"^\s*\*\.(PININFO|BIPOLAR|RESI|SCALE|EQUATION|CAPA|DIOPERI|DIOAREA|MEGA|LDD)\b"
                  r"|\$PINS\b|\s\$\[\w+\]", re.I | re.M)
_KICAD = re.compile(r"^\s*\.title\s+KiCad\b|^\*\s*(EESchema|KiCad)\b|\sNet-[(_]", re.I | re.M)
_LTSPICE = re.compile(r"^\s*\.backanno\b|^\*\s.*\.asc\s*$|\s(Rser|Cpar|Lser|Rpar)=", re.I | re.M)
_HSPICE = re.compile(r"^\s*\.(alter|data|protect|prot|hdl)\b|^\s*\.options?\s.*\bpost\b"
                     r"|^\*+\s*Generated for:\s*hspice|^ends\s+\w+\s*$", re.I | re.M)


def detect_dialect(text: str, filename: str | None = None) -> str:
    """``ngspice``, ``spectre``, ``analoggenie``, ``json``, ``cdl``, ``kicad``, ``ltspice`` or ``hspice``.

    Spectre: a ``simulator lang=spectre`` line, ``.scs`` files, or statements
    in Spectre form (``name (nets) master``, ``subckt``/``ends``, ``//``).
    AnalogGenie: Spectre instance lines with no header next to a ``PortN.txt``.
    JSON: ``.json`` files or text that starts with ``[`` or ``{``. The SPICE
    flavours by what only their tools write: CDL ``*.PININFO``/``$PINS``/``$[model]``
    (or ``.cdl``), KiCad ``.title KiCad...``/``Net-(...)``, LTspice ``.backanno``,
    an ``.asc`` header or ``Rser=``, HSPICE ``.alter``/``.data``/``.option post``,
    a Cadence ``** Generated for: hspiceD`` header or a Spectre-style ``ends name``
    line (or ``.sp``). Everything else is ngspice.

    >>> detect_dialect("* t\\nC1 a 0 1u Rser=1\\n"), detect_dialect('[{"component_type": "NMOS"}]')
    ('ltspice', 'json')
    """
    head = text[:200_000]
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix == ".json" or head.lstrip()[:1] in ("[", "{"):
        return "json"
    family = _spice_flavor(head, suffix)
    m = re.search(r"^\s*simulator\s+lang\s*=\s*(\w+)", head, re.M | re.I)
    if m:
        return "spectre" if m.group(1).lower() == "spectre" else family
    if suffix == ".scs":
        return "spectre"
    spectre_votes = 0
    spice_votes = 0
    for i, line in enumerate(head.splitlines()[:400]):
        s = line.strip()
        if not s:
            continue
        if _SPICE_DOT.match(s):
            spice_votes += 2
        elif _SPECTRE_KEYWORDS.match(s):
            spectre_votes += 2
        elif _SPECTRE_INSTANCE.match(s):
            spectre_votes += 1
        elif s.startswith("*") or s.startswith("+"):
            spice_votes += 0 if i == 0 else 1
        elif re.match(r"^[A-Za-z]\w*\s+[^()\s]+\s+[^()\s]+", s):
            spice_votes += 1
    if spectre_votes > spice_votes:
        if filename and _has_port_file(Path(filename)):
            return "analoggenie"
        return "spectre"
    return family


def _spice_flavor(head: str, suffix: str) -> str:
    if suffix in (".cdl", ".cdl_", ".src") or _CDL.search(head):
        return "cdl"
    if _KICAD.search(head):
        return "kicad"
    if suffix == ".asc" or _LTSPICE.search(head):
        return "ltspice"
    if suffix in (".sp", ".hsp") or _HSPICE.search(head):
        return "hspice"
    return "ngspice"


def port_file(path: Path) -> Path | None:
    """The AnalogGenie ``PortN.txt`` beside ``N.cir`` (also for ``N_full.cir`` and ``OpampN.cir``), if any."""
    stem = path.stem
    stem = stem[: -len("_full")] if stem.endswith("_full") else stem
    stem = stem[len("Opamp"):] if stem.startswith("Opamp") else stem
    candidate = path.parent / f"Port{stem}.txt"
    return candidate if candidate.is_file() else None


def _has_port_file(path: Path) -> bool:
    return port_file(path) is not None
