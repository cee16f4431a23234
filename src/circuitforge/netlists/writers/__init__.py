"""Writers from the IR to netlist dialects: ngspice, Spectre, and JSON component lists.

>>> from circuitforge.netlists import parse, write
>>> print(write(parse("* rc\\nR1 a 0 1k\\n"), "spectre").splitlines()[2])
R1 (a 0) resistor r=1k
"""

from __future__ import annotations

from typing import Literal, get_args

from ..errors import ResolutionError
from ..findings import Finding
from ..netlist import Netlist
from .json import write_json
from .ngspice import write_ngspice
from .spectre import write_spectre

__all__ = ["write", "write_ngspice", "write_spectre", "write_json", "OutputDialect", "OUTPUT_DIALECTS"]

OutputDialect = Literal["ngspice", "spectre", "json"]
OUTPUT_DIALECTS: tuple[str, ...] = get_args(OutputDialect)
_ALIASES = {"ngspice": "ngspice", "spice": "ngspice", "spice3": "ngspice", "spectre": "spectre", "scs": "spectre",
            "json": "json"}


def write(netlist: Netlist, dialect: str = "ngspice", *, warnings: list[Finding] | None = None) -> str:
    """The netlist as text in ``dialect`` (``ngspice``, ``spectre`` or ``json``)."""
    key = _ALIASES.get(dialect.strip().lower())
    if key is None:
        raise ResolutionError(dialect, OUTPUT_DIALECTS, "output dialect")
    if key == "ngspice":
        return write_ngspice(netlist, warnings=warnings)
    if key == "json":
        return write_json(netlist, warnings=warnings)
    return write_spectre(netlist, warnings=warnings)
