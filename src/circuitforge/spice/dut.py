"""The device under test of an LDO or comparator testbench: a circuit made ready to be wired into a deck.

A circuit is a :class:`~circuitforge.netlists.Netlist` holding a ``.subckt``
definition (instantiated as ``XDUT``), or a top-level netlist whose nets carry
the port names. Voltage sources it attaches to those ports are dropped (the
testbench drives them); its missing model cards come from a process
(:func:`~circuitforge.spice.models.apply_process`). :func:`assemble` adds the
testbench's own lines and checks that no name clashes.

>>> from circuitforge.netlists import parse
>>> c = parse(".subckt cmp inp inn out vdd vss\\nE1 out 0 inp inn 1000\\n.ends\\n")
>>> prepare_dut(c, "level1", ("inp", "inn", "out", "vdd", "vss"), what="comparator").device("XDUT").nets
('inp', 'inn', 'out', 'vdd', 'vss')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from ..netlists import Device, Netlist, Subckt, parse, read
from ..netlists.errors import ResolutionError, ValidationError
from .cells import add_cells
from .models import Process, apply_process

__all__ = ["CircuitInput", "load_circuit", "prepare_dut", "assemble"]

CircuitInput = Netlist | str | os.PathLike
"""A netlist, netlist text, or the path of a netlist file."""


def load_circuit(circuit: CircuitInput) -> Netlist:
    """``circuit`` as a :class:`Netlist` (read from a path, parsed from text, or as given).

    >>> load_circuit("* t\\nR1 a 0 1k\\n.end\\n").devices[0].name
    'R1'
    """
    if isinstance(circuit, Netlist):
        return circuit
    if isinstance(circuit, os.PathLike):
        return read(Path(circuit))
    if isinstance(circuit, str):
        if "\n" not in circuit and Path(circuit).is_file():
            return read(Path(circuit))
        return parse(circuit)
    raise TypeError(f"expected a Netlist, netlist text or a path for the circuit, got {type(circuit).__name__}")


def _top_subckt(net: Netlist, name: str | None, what: str) -> Subckt | None:
    if name is not None:
        found = net.find_subckt(name)
        if found is None:
            raise ResolutionError(name, list(net.subckts), f"{what} subcircuit")
        return found
    if any(d.kind not in ("vsource", "isource") for d in net.devices):
        return None
    if not net.subckts:
        raise ValidationError(f"netlist {net.title!r} has neither devices nor a subcircuit to test")
    used = {d.model.lower() for s in net.subckts.values() for d in s.devices if d.kind == "subckt" and d.model}
    tops = [s for s in net.subckts.values() if s.name.lower() not in used]
    if len(tops) != 1:
        raise ResolutionError("<unnamed>", [s.name for s in tops] or list(net.subckts),
                              f"{what} subcircuit (pass subckt=...)")
    return tops[0]


def prepare_dut(circuit: CircuitInput, proc: str | Process, names: Sequence[str], *,
                subckt: str | None = None, what: str = "circuit", hint: str = "") -> Netlist:
    """The circuit with process cards added, ready for a testbench whose port nets are ``names``.

    A subcircuit becomes the instance ``XDUT`` wired to the nets of ``names``
    (matched case-insensitively); a subcircuit port not among them raises
    :class:`ValidationError`. A top-level netlist must have a net for every
    name; its voltage sources on those nets are dropped, other sources (bias
    currents, for instance) are kept. Analyses and ``.control`` blocks are dropped. Instances of
    the corpus' undefined digital macros get their built-in cells (:func:`~.cells.add_cells`).
    ``hint`` (how to name the ports, say) ends the errors about ports.
    """
    tail = f" ({hint})" if hint else ""
    net = apply_process(add_cells(load_circuit(circuit))[0], proc)
    sub = _top_subckt(net, subckt, what)
    wanted = {n.lower(): n for n in names}
    if sub is not None:
        terms = []
        for p in sub.ports:
            if p.lower() not in wanted:
                raise ValidationError(f"port {p!r} of subcircuit {sub.name} is not among the {what} ports "
                                      f"{list(names)}{tail}", sub.loc)
            terms.append((p, wanted[p.lower()]))
        devices = [d for d in net.devices if d.kind not in ("vsource", "isource")]
        devices.append(Device("XDUT", "subckt", tuple(terms), model=sub.name))
    else:
        present = {n.lower() for n in net.nets()}
        missing = [n for n in names if n.lower() not in present and not net.is_ground(n)]
        if missing:
            raise ValidationError(f"{what} netlist {net.title!r} has no nets {missing} "
                                  f"(nets: {net.nets()[:20]}){tail}")
        devices = [d for d in net.devices
                   if not (d.kind == "vsource" and any(n.lower() in wanted for n in d.nets))]
    return dataclasses.replace(net, devices=devices, statements=[s for s in net.statements if s.kind not in (
        "analysis", "control", "measure", "output")])


def assemble(dut: Netlist, name: str, lines: Sequence[str]) -> Netlist:
    """``dut`` with the testbench devices written in ``lines`` (SPICE) appended, titled ``name``.

    Raises :class:`ValidationError` when a testbench device name is already used in the circuit.

    >>> from circuitforge.netlists import parse
    >>> deck = assemble(parse("* a\\nR1 a 0 1k\\n.end\\n"), "tb", ["V1 a 0 DC 1"])
    >>> [d.name for d in deck.devices], deck.title
    (['R1', 'V1'], 'tb: a')
    """
    extra = parse("* testbench\n" + "\n".join(lines) + "\n.end\n").devices
    taken = {d.name.lower() for d in dut.devices}
    clash = [d.name for d in extra if d.name.lower() in taken]
    if clash:
        raise ValidationError(f"testbench device names {clash} are already used in the circuit {dut.title!r}")
    return dataclasses.replace(dut, title=f"{name}: {dut.title}".strip(": "), devices=list(dut.devices) + extra)
