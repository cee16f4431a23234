"""From a netlist to the ngspice deck the simulators load."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..netlists import Netlist, parse, read, write
from ..netlists.errors import CircuitforgeError
from .errors import DeckError

__all__ = ["to_deck", "load_circuit", "KEPT_STATEMENTS"]

KEPT_STATEMENTS = frozenset({"option", "initial", "function"})
"""Statement kinds kept in a deck; analyses, ``.control`` blocks and outputs are
dropped because the simulator runs the analyses it is asked for."""


def load_circuit(circuit: Netlist | str | os.PathLike[str]) -> Netlist:
    """``circuit`` as a Netlist: a Netlist, a file path, or netlist text in any dialect.

    A netlist that cannot be read is a :class:`DeckError` (the simulators report it, never raise it).
    """
    if isinstance(circuit, Netlist):
        return circuit
    try:
        if isinstance(circuit, os.PathLike) or ("\n" not in circuit and Path(circuit).is_file()):
            return read(Path(circuit))
        return parse(circuit, resolve_includes=False)
    except CircuitforgeError as exc:
        raise DeckError(f"cannot read the netlist: {exc}") from None


def to_deck(circuit: Netlist | str | os.PathLike[str]) -> str:
    """ngspice text for ``circuit``: a Netlist, a file path, or netlist text in any dialect."""
    circuit = load_circuit(circuit)
    kept = [s for s in circuit.statements if s.kind in KEPT_STATEMENTS and s.lang == "spice"]
    # ngspice runs elsewhere: includes point at the files the parser resolved
    includes = [replace(i, path=i.resolved) if i.resolved else i for i in circuit.includes]
    netlist = replace(circuit, statements=kept, includes=includes)
    return write(netlist, "ngspice")
