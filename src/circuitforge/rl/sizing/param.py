"""One sizing knob (:class:`SizingParam`): its range, scale and the device parameters it writes.

Kept apart from :mod:`.problem` so that :mod:`.derive` (which proposes parameters for an op-amp)
and :mod:`.problem` (which evaluates them) both build on it without importing each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ProblemError

__all__ = ["PORT_TARGET", "SizingParam"]

PORT_TARGET = "@port"
"""Device name of a parameter target that is a bias port of the testbench (``("@port", "IB1")``)."""


@dataclass(frozen=True, slots=True)
class SizingParam:
    """One sizing knob.

    ``name``: how specs, reports and policies call it; ``low``/``high``: its
    range (SI units); ``log``: sampled and stepped in log scale; ``unit``:
    ``m``, ``F``, ``Ohm``, ``A`` or ``V``; ``sets``: the ``(device, parameter)``
    pairs it writes (devices of the op-amp body; ``("@port", "IB1")`` for a
    bias port of the testbench), all to the same value; ``description``: one line.

    >>> q = SizingParam("cc", 100e-15, 2e-12, True, "F", (("CC", "c"),))
    >>> round(q.to_x(0.5) * 1e15, 1)
    447.2
    """

    name: str
    low: float
    high: float
    log: bool = True
    unit: str = ""
    sets: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ProblemError(f"parameter {self.name!r}: need low < high, got [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ProblemError(f"parameter {self.name!r}: a log-scale range must be positive, got low={self.low}")

    def to_x(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def to_u(self, x: float) -> float:
        if self.log:
            u = (math.log(max(x, 1e-300)) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            u = (x - self.low) / (self.high - self.low)
        return float(min(max(u, 0.0), 1.0))
