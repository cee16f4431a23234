"""Analyses to run: frozen descriptions that write themselves as ngspice commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from ..core.units import format_number

__all__ = ["Op", "DC", "AC", "Tran", "Noise", "Analysis", "AnalysisKind"]

AnalysisKind = Literal["op", "dc", "ac", "tran", "noise"]


def _n(x: float) -> str:
    return format_number(float(x))


@dataclass(frozen=True, slots=True)
class Op:
    """DC operating point."""

    kind: AnalysisKind = "op"

    def command(self) -> str:
        return "op"


@dataclass(frozen=True, slots=True)
class DC:
    """DC sweep of a source: ``DC("VIN", 0, 1.8, 0.01)``."""

    source: str
    start: float
    stop: float
    step: float
    kind: AnalysisKind = "dc"

    def command(self) -> str:
        return f"dc {self.source.lower()} {_n(self.start)} {_n(self.stop)} {_n(self.step)}"


@dataclass(frozen=True, slots=True)
class AC:
    """Small-signal AC sweep, ``points`` per decade from ``start`` to ``stop`` Hz."""

    start: float = 1.0
    stop: float = 10e9
    points: int = 20
    variation: Literal["dec", "oct", "lin"] = "dec"
    kind: AnalysisKind = "ac"

    def command(self) -> str:
        return f"ac {self.variation} {self.points} {_n(self.start)} {_n(self.stop)}"


@dataclass(frozen=True, slots=True)
class Tran:
    """Transient analysis: print ``step``, ``stop`` time, optional ``start`` and ``max_step``."""

    step: float
    stop: float
    start: float = 0.0
    max_step: float | None = None
    kind: AnalysisKind = "tran"

    def command(self) -> str:
        cmd = f"tran {_n(self.step)} {_n(self.stop)} {_n(self.start)}"
        if self.max_step is not None:
            cmd += f" {_n(self.max_step)}"
        return cmd


@dataclass(frozen=True, slots=True)
class Noise:
    """Noise analysis: output node (and reference), input source, frequency sweep."""

    output: str
    source: str
    ref: str = "0"
    start: float = 1.0
    stop: float = 1e9
    points: int = 10
    kind: AnalysisKind = "noise"

    def command(self) -> str:
        return (f"noise v({self.output.lower()},{self.ref.lower()}) {self.source.lower()} dec {self.points} "
                f"{_n(self.start)} {_n(self.stop)}")


Analysis = Union[Op, DC, AC, Tran, Noise]
