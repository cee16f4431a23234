"""Where a parsed object came from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SourceLoc"]


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """A position in an input file (1-based line and column).

    >>> str(SourceLoc("amp.cir", 12, 5))
    'amp.cir:12:5'
    """

    file: str | None
    line: int
    col: int = 0

    def __str__(self) -> str:
        name = self.file or "<string>"
        return f"{name}:{self.line}:{self.col}" if self.col else f"{name}:{self.line}"
