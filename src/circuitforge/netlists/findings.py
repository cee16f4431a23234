"""Findings: typed messages from the parser (warnings) and from ERC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from .source import SourceLoc

__all__ = ["Finding", "Severity", "SEVERITIES"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = get_args(Severity)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: severity, a stable code, a message, where, and the offending text.

    >>> f = Finding("error", "undefined-model", "model 'nch' of M1 is not defined",
    ...             SourceLoc("amp.cir", 3), "M1 d g s b nch")
    >>> print(f)
    amp.cir:3: error[undefined-model]: model 'nch' of M1 is not defined: M1 d g s b nch
    """

    severity: Severity
    code: str
    message: str
    loc: SourceLoc | None = None
    text: str | None = None
    obj: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        tail = f": {self.text}" if self.text else ""
        return f"{where}{self.severity}[{self.code}]: {self.message}{tail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.loc.file if self.loc else None,
            "line": self.loc.line if self.loc else None,
            "col": self.loc.col if self.loc else None,
            "text": self.text,
            "object": self.obj,
        }
