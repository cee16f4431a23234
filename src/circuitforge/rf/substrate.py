"""The dielectric substrate and metal of a microstrip board."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Substrate", "RO4003C"]


@dataclass(frozen=True, slots=True)
class Substrate:
    """A microstrip substrate (lengths in mm).

    >>> RO4003C.er, RO4003C.h
    (3.55, 0.508)
    """

    er: float = 3.55
    """Relative permittivity."""
    h: float = 0.508
    """Dielectric height (mm)."""
    t: float = 0.035
    """Metal thickness (mm)."""
    tand: float = 0.0027
    """Dielectric loss tangent."""
    sigma: float = 5.8e7
    """Metal conductivity (S/m)."""
    name: str = "RO4003C"
    """Label."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Substrate:
        return cls(**d)


RO4003C = Substrate()
"""Rogers RO4003C, 20 mil (0.508 mm), 1 oz copper: the stated substrate of both filter families."""
