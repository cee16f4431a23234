"""The exception hierarchy of circuitforge.

Every error that reaches a user names its input: file, line, column and the
offending text, and says what was expected::

    expected 4 terminals for MOSFET M3 (got 3) at amp.cir:12

The base class (:class:`CircuitforgeError`) lives in :mod:`circuitforge.core.errors`
and is re-exported here; this module adds the netlist errors, and the higher
layers (``spice``, ``rf``, ...) derive their own.
"""

from __future__ import annotations

from ..core.errors import CircuitforgeError
from .source import SourceLoc

__all__ = [
    "CircuitforgeError",
    "ParseError",
    "ValidationError",
    "UnsafeInputError",
    "ExpressionError",
    "ResolutionError",
]


class ParseError(CircuitforgeError):
    """Input text that could not be read as a netlist.

    Carries the location and the offending text, e.g.
    ``amp.cir:12:5: unbalanced '(' in "M1 (d g s b nch"``.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None, text: str | None = None):
        self.message = message
        self.loc = loc
        self.text = text
        super().__init__(self._format())

    def _format(self) -> str:
        where = f"{self.loc}: " if self.loc is not None else ""
        shown = ""
        if self.text:
            t = self.text if len(self.text) <= 120 else self.text[:117] + "..."
            shown = f' in "{t}"'
        return f"{where}{self.message}{shown}"


class ExpressionError(ParseError):
    """An expression that cannot be parsed or evaluated (``{w*}``, division by zero, ...)."""


class ValidationError(CircuitforgeError):
    """A netlist that is well formed but inconsistent (cyclic hierarchy, unknown subcircuit, ...)."""

    def __init__(self, message: str, loc: SourceLoc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(f"{loc}: {message}" if loc is not None else message)


class UnsafeInputError(CircuitforgeError):
    """Input that would make the tool read outside its root or run commands.

    Raised for ``.include`` outside the allowed root directory and for
    ``.control`` blocks (or Spectre ``shell`` statements) that run programs.
    Pass ``allow_unsafe=True`` (CLI: ``--allow-unsafe``) to accept them.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None, text: str | None = None):
        self.message = message
        self.loc = loc
        self.text = text
        where = f"{loc}: " if loc is not None else ""
        super().__init__(f"{where}{message}" + (f' in "{text}"' if text else ""))


class ResolutionError(CircuitforgeError, KeyError):
    """A name that is not among the valid choices; the message lists them."""

    def __init__(self, name: str, choices: list[str] | tuple[str, ...], what: str = "name"):
        self.name = name
        self.choices = tuple(choices)
        msg = f"Could not resolve {what} {name!r} among choices {sorted(self.choices)}"
        self.message = msg
        Exception.__init__(self, msg)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message
