"""Statements kept verbatim, and include directives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .source import SourceLoc

if TYPE_CHECKING:
    from .netlist import Netlist

__all__ = ["Statement", "StatementKind", "Include", "Lang"]

Lang = Literal["spice", "spectre"]
StatementKind = Literal["analysis", "option", "control", "measure", "output", "initial",
                        "function", "library", "other"]


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement the IR does not interpret (analysis, option, ``.control`` block, ``.meas``...).

    ``text`` is the statement as written (continuations joined with newlines)
    in language ``lang``; writers emit it unchanged where the language matches.
    """

    kind: StatementKind
    text: str
    lang: Lang = "spice"
    loc: SourceLoc | None = field(default=None, compare=False)

    @property
    def keyword(self) -> str:
        """``.tran``, ``.control``, or for Spectre the type word (``tran``, ``options``)."""
        words = self.text.split()
        if not words:
            return ""
        if self.lang == "spice":
            return words[0].lower()
        return words[1] if len(words) > 1 else words[0]


@dataclass(slots=True, eq=False)
class Include:
    """``.include file`` / ``.lib file section`` / Spectre ``include "file" section=x``.

    ``netlist`` holds what was read from the file (only ``section`` when one is
    named), or None with ``error`` saying why it could not be read.
    """

    path: str
    section: str | None = None
    kind: Literal["include", "lib"] = "include"
    lang: Lang = "spice"
    loc: SourceLoc | None = None
    resolved: str | None = None
    netlist: Netlist | None = None
    error: str | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Include):
            return NotImplemented
        return (self.path, self.section, self.kind) == (other.path, other.section, other.kind)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        sec = f" section={self.section}" if self.section else ""
        state = "ok" if self.netlist is not None else (self.error or "not read")
        return f"Include({self.path!r}{sec}, {state})"
