"""Model cards (``.model`` / Spectre ``model``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .polarity import TYPE_POLARITY, card_polarity
from .source import SourceLoc
from .values import Value

__all__ = ["ModelCard", "MODEL_TYPES", "SPECTRE_MOS_LEVELS"]

_TYPE_KINDS: Mapping[str, str] = {
    "nmos": "mosfet", "pmos": "mosfet", "npn": "bjt", "pnp": "bjt", "lpnp": "bjt",
    "d": "diode", "diode": "diode",
    "r": "resistor", "res": "resistor", "resistor": "resistor",
    "c": "capacitor", "cap": "capacitor", "capacitor": "capacitor",
    "l": "inductor", "ind": "inductor", "inductor": "inductor",
    "njf": "jfet", "pjf": "jfet", "nmf": "mesfet", "pmf": "mesfet",
    "sw": "switch", "csw": "cswitch", "relay": "switch",
    "ltra": "tline", "urc": "opaque",
    # Spectre model types
    "mos1": "mosfet", "mos2": "mosfet", "mos3": "mosfet",
    "bsim3v3": "mosfet", "bsim3": "mosfet", "bsim4": "mosfet",
    "bsimsoi": "mosfet", "bsimcmg": "mosfet", "bsimbulk": "mosfet",
    "psp102": "mosfet", "psp103": "mosfet", "psp104": "mosfet",
    "ekv": "mosfet", "hisim2": "mosfet",
    "bjt": "bjt", "vbic": "bjt", "hicum": "bjt", "mextram": "bjt",
    "jfet": "jfet",
}

MODEL_TYPES: Mapping[str, tuple[str, str | None]] = {t: (k, TYPE_POLARITY.get(t)) for t, k in _TYPE_KINDS.items()}
"""Model type (SPICE or Spectre spelling, lower case) -> (device kind, polarity or None); the
polarity column is :data:`~circuitforge.netlists.polarity.TYPE_POLARITY`."""

# Spectre MOSFET model type <-> ngspice level (and version for BSIM)
SPECTRE_MOS_LEVELS: Mapping[str, int] = {"mos1": 1, "mos2": 2, "mos3": 3, "bsim3v3": 49,
                                         "bsim3": 49, "bsim4": 54, "bsimsoi": 10, "ekv": 44,
                                         "psp103": 69, "bsimcmg": 17}


@dataclass(frozen=True, slots=True)
class ModelCard:
    """A device model: name, type as written (``nmos``, ``bsim4``, ``npn``) and parameters.

    >>> m = ModelCard("nch", "nmos", {"level": Value.parse("54")})
    >>> m.device_kind, m.polarity
    ('mosfet', 'n')
    """

    name: str
    type: str
    params: Mapping[str, Value] = field(default_factory=dict)
    loc: SourceLoc | None = field(default=None, compare=False)

    @property
    def device_kind(self) -> str | None:
        t = MODEL_TYPES.get(self.type.lower())
        return t[0] if t else None

    @property
    def polarity(self) -> str | None:
        """``n``/``p`` from the type, else a ``type`` parameter (:func:`~circuitforge.netlists.polarity.card_polarity`)."""
        return card_polarity(self.type, self.params)

    def param(self, name: str) -> Value | None:
        low = name.lower()
        for k, v in self.params.items():
            if k.lower() == low:
                return v
        return None

    def __repr__(self) -> str:
        return f"ModelCard({self.name!r}, {self.type}, params={len(self.params)})"
