"""Built-in transistor-level definitions of the digital macros the AnalogGenie corpus uses.

AnalogGenie ``N.cir`` files instantiate a few digital cells without defining
them (``I0 (C net8 VDD VSS) INVERTER``); some folders hold an ``N_full.cir``
with the definitions. :func:`builtin_cells` returns static CMOS definitions
with the **same port orders as those files**:

=====================  ==========================  ==============================
cell                   ports                       function
=====================  ==========================  ==============================
``INVERTER``           ``A Q VDD VSS``             ``Q = not A``
``TRANSMISSION_GATE``  ``A B C VDD VSS``           switch ``A``-``B``, on when ``C`` high
``NAND``               ``A B Q VDD VSS``           ``Q = not (A and B)``
``NOR``                ``A B Q VDD VSS``           ``Q = not (A or B)``
``XOR``                ``A B VDD VSS Y``           ``Y = A xor B`` (6-transistor)
``PFD``                ``A B QA QB VDD VSS``       NOR-latch phase-frequency detector
``BUFFER``             ``A Q VDD VSS``             two inverters
``AND`` / ``OR``       ``A B Q VDD VSS``           NAND/NOR and an inverter
=====================  ==========================  ==============================

Transistors use the corpus' model names ``nmos4``/``pmos4`` and no sizes, so
:func:`~circuitforge.spice.models.apply_process` gives them cards and sizes
like the rest of a corpus circuit. Each call parses fresh objects (no shared
mutable state).

>>> cells = builtin_cells()
>>> sorted(cells)[:3], cells["INVERTER"].ports
(['AND', 'BUFFER', 'INVERTER'], ('A', 'Q', 'VDD', 'VSS'))
>>> cell("nand").ports
('A', 'B', 'Q', 'VDD', 'VSS')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..netlists import Device, Netlist, Subckt, parse
from ..netlists.errors import ResolutionError, ValidationError

__all__ = ["CELL_NAMES", "add_cells", "builtin_cells", "cell", "cells_needed"]

# Definitions as in the corpus' N_full.cir files (INVERTER, TRANSMISSION_GATE,
# NAND, NOR, XOR, PFD are copied from there); BUFFER, AND, OR are additions.
_CELLS_TEXT = """
subckt INVERTER A Q VDD VSS
    M0 (Q A VDD VDD) pmos4
    M1 (Q A VSS VSS) nmos4
ends INVERTER
subckt TRANSMISSION_GATE A B C VDD VSS
    M0 (A net8 B VDD) pmos4
    M1 (A C B VSS) nmos4
    I0 (C net8 VDD VSS) INVERTER
ends TRANSMISSION_GATE
subckt NAND A B Q VDD VSS
    M1 (Q B VDD VDD) pmos4
    M0 (Q A VDD VDD) pmos4
    M3 (net10 B VSS VSS) nmos4
    M2 (Q A net10 VSS) nmos4
ends NAND
subckt NOR A B Q VDD VSS
    M1 (Q A net5 VDD) pmos4
    M0 (net5 B VDD VDD) pmos4
    M3 (Q B VSS VSS) nmos4
    M2 (Q A VSS VSS) nmos4
ends NOR
subckt XOR A B VDD VSS Y
    M4 (Y A B VDD) pmos4
    M2 (Y B A VDD) pmos4
    M0 (net8 A VDD VDD) pmos4
    M5 (Y net8 B VSS) nmos4
    M3 (Y B net8 VSS) nmos4
    M1 (net8 A VSS VSS) nmos4
ends XOR
subckt PFD A B QA QB VDD VSS
    I0 (QA QB net65 VDD VSS) NAND
    I1 (net65 net50 VDD VSS) INVERTER
    I9 (net61 net63 QB VDD VSS) NOR
    I8 (B QB net61 VDD VSS) NOR
    I7 (net63 net50 net62 VDD VSS) NOR
    I6 (net61 net62 net63 VDD VSS) NOR
    I5 (net48 net50 net55 VDD VSS) NOR
    I4 (net47 net55 net48 VDD VSS) NOR
    I3 (net47 net48 QA VDD VSS) NOR
    I2 (A QA net47 VDD VSS) NOR
ends PFD
subckt BUFFER A Q VDD VSS
    I0 (A net1 VDD VSS) INVERTER
    I1 (net1 Q VDD VSS) INVERTER
ends BUFFER
subckt AND A B Q VDD VSS
    I0 (A B net1 VDD VSS) NAND
    I1 (net1 Q VDD VSS) INVERTER
ends AND
subckt OR A B Q VDD VSS
    I0 (A B net1 VDD VSS) NOR
    I1 (net1 Q VDD VSS) INVERTER
ends OR
"""

CELL_NAMES: tuple[str, ...] = ("AND", "BUFFER", "INVERTER", "NAND", "NOR", "OR", "PFD",
                               "TRANSMISSION_GATE", "XOR")
"""Names of the built-in cells (upper case; lookups ignore case)."""

# cells each cell instantiates (so that a PFD brings its NAND/NOR/INVERTER along)
_USES: dict[str, tuple[str, ...]] = {
    "TRANSMISSION_GATE": ("INVERTER",),
    "PFD": ("NAND", "NOR", "INVERTER"),
    "BUFFER": ("INVERTER",),
    "AND": ("NAND", "INVERTER"),
    "OR": ("NOR", "INVERTER"),
}


def builtin_cells() -> dict[str, Subckt]:
    """Fresh :class:`Subckt` definitions of every built-in cell, keyed by upper-case name."""
    parsed = parse(_CELLS_TEXT, dialect="spectre")
    return {name.upper(): sub for name, sub in parsed.subckts.items()}


def cell(name: str) -> Subckt:
    """The built-in cell ``name`` (case-insensitive).

    >>> cell("DFF")
    Traceback (most recent call last):
    ...
    circuitforge.netlists.errors.ResolutionError: Could not resolve cell 'DFF' among choices ['AND', 'BUFFER', 'INVERTER', 'NAND', 'NOR', 'OR', 'PFD', 'TRANSMISSION_GATE', 'XOR']
    """
    key = name.upper()
    if key not in CELL_NAMES:
        raise ResolutionError(name, CELL_NAMES, "cell")
    return builtin_cells()[key]


def cells_needed(names: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """The built-in cells (upper case) that instances of ``names`` need, dependencies included.

    Names that are not built-in cells are ignored.

    >>> cells_needed({"PFD", "opamp"})
    ['INVERTER', 'NAND', 'NOR', 'PFD']
    """
    out: set[str] = set()
    todo = [n.upper() for n in names if n.upper() in CELL_NAMES]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        todo.extend(_USES.get(n, ()))
    return sorted(out)


def add_cells(netlist: Netlist) -> tuple[Netlist, list[str]]:
    """``netlist`` with built-in cells for instances of undefined digital macros, and the names added.

    An instance of an undefined subcircuit that is no built-in cell raises :class:`ValidationError`
    naming it (ngspice would only say that no circuit is loaded).

    >>> net, added = add_cells(parse("* t\\nXI0 a b VDD VSS INVERTER\\n"))
    >>> added, net.subckts["INVERTER"].ports
    (['INVERTER'], ('A', 'Q', 'VDD', 'VSS'))
    """
    missing: dict[str, str] = {}

    def scan(devices: Iterable[Device], scope: object) -> None:
        for d in devices:
            if d.kind == "subckt" and d.model and netlist.find_subckt(d.model, scope) is None:  # type: ignore[arg-type]
                if d.model.upper() not in CELL_NAMES:
                    raise ValidationError(
                        f"instance {d.name} of undefined subcircuit {d.model!r}; define it or use a "
                        f"built-in cell ({', '.join(CELL_NAMES)})", d.loc)
                missing.setdefault(d.model.upper(), d.model)

    scan(netlist.devices, None)
    for sub in netlist.subckts.values():
        scan(sub.devices, sub)
    if not missing:
        return netlist, []
    cells = builtin_cells()
    subckts = dict(netlist.subckts)
    added = []
    for upper in cells_needed(set(missing)):
        spelled = missing.get(upper, upper)
        if netlist.find_subckt(spelled) is not None:
            continue
        subckts[spelled] = dataclasses.replace(cells[upper], name=spelled)
        added.append(spelled)
    return dataclasses.replace(netlist, subckts=subckts), added
