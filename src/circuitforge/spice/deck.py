"""From a netlist to the ngspice deck the simulators load."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..netlists import Netlist, parse, read, write
from ..netlists.errors import CircuitforgeError
from .errors import DeckError

__all__ = ["to_deck", "KEPT_STATEMENTS"]

KEPT_STATEMENTS = frozenset({"option", "initial", "function"})
"""Statement kinds kept in a deck; analyses, ``.control`` blocks and outputs are
dropped because the simulator runs the analyses it is asked for."""


def to_deck(circuit: Netlist | str | os.PathLike[str]) -> str:
    """ngspice text for ``circuit``: a Netlist, a file path, or netlist text in any dialect."""
    if isinstance(circuit, os.PathLike) or (isinstance(circuit, str) and "\n" not in circuit
                                             and Path(circuit).is_file()):
        try:
            circuit = read(Path(circuit))
        except CircuitforgeError as exc:
            raise DeckError(f"cannot read the netlist: {exc}") from None
    elif isinstance(circuit, str):
        try:
            circuit = parse(circuit, resolve_includes=False)
        except CircuitforgeError as exc:
            raise DeckError(f"cannot read the netlist: {exc}") from None
    kept = [s for s in circuit.statements if s.kind in KEPT_STATEMENTS and s.lang == "spice"]
    # ngspice runs elsewhere: includes point at the files the parser resolved
    includes = [replace(i, path=i.resolved) if i.resolved else i for i in circuit.includes]
    netlist = replace(circuit, statements=kept, includes=includes)
    return write(netlist, "ngspice")
