"""The netlist IR: every other layer reads or writes it. Imports nothing of circuitforge but ``core``.

>>> from circuitforge.netlists import parse, write
>>> n = parse("* rc\\nR1 in out 1k\\nC1 out 0 10p\\n.end\\n")
>>> n
Netlist('rc', devices=2, nets=3)
>>> print(write(n, "ngspice"), end="")
* rc
R1 in out 1k
C1 out 0 10p
.end
"""

from .device import DEVICE_KINDS, TERMINAL_ROLES, Device, DeviceKind
from .errors import (
    CircuitforgeError,
    ExpressionError,
    ParseError,
    ResolutionError,
    UnsafeInputError,
    ValidationError,
)
from .expressions import Expression
from .findings import Finding, Severity
from .flatten import flatten
from .model import ModelCard
from .netlist import GROUND_NAMES, Netlist, Subckt
from .parsers import INPUT_DIALECTS, ParseOptions, detect_dialect, parse, read
from .source import SourceLoc
from .statement import Include, Statement
from ..core.units import format_number, parse_number
from .values import Value
from .writers import OUTPUT_DIALECTS, write, write_ngspice, write_spectre

__all__ = [
    "CircuitforgeError", "ParseError", "ExpressionError", "ValidationError", "UnsafeInputError",
    "ResolutionError", "Device", "DeviceKind", "DEVICE_KINDS", "TERMINAL_ROLES", "Expression",
    "Finding", "Severity", "flatten", "ModelCard", "Netlist", "Subckt", "GROUND_NAMES",
    "parse", "read", "detect_dialect", "ParseOptions", "INPUT_DIALECTS", "SourceLoc", "Statement",
    "Include", "format_number", "parse_number", "Value", "write", "write_ngspice", "write_spectre",
    "OUTPUT_DIALECTS",
]
