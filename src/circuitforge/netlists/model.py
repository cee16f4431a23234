"""Model cards (``.model`` / Spectre ``model``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .source import SourceLoc
from .values import Value

__all__ = ["ModelCard", "MODEL_TYPES", "SPECTRE_MOS_LEVELS", "polarity_from_name"]

# model type (SPICE or Spectre spelling, lower case) -> (device kind, polarity or None)
MODEL_TYPES: Mapping[str, tuple[str, str | None]] = {
    "nmos": ("mosfet", "n"), "pmos": ("mosfet", "p"),
    "npn": ("bjt", "n"), "pnp": ("bjt", "p"), "lpnp": ("bjt", "p"),
    "d": ("diode", None), "diode": ("diode", None),
    "r": ("resistor", None), "res": ("resistor", None), "resistor": ("resistor", None),
    "c": ("capacitor", None), "cap": ("capacitor", None), "capacitor": ("capacitor", None),
    "l": ("inductor", None), "ind": ("inductor", None), "inductor": ("inductor", None),
    "njf": ("jfet", "n"), "pjf": ("jfet", "p"), "nmf": ("mesfet", "n"), "pmf": ("mesfet", "p"),
    "sw": ("switch", None), "csw": ("cswitch", None), "relay": ("switch", None),
    "ltra": ("tline", None), "urc": ("opaque", None),
    # Spectre model types
    "mos1": ("mosfet", None), "mos2": ("mosfet", None), "mos3": ("mosfet", None),
    "bsim3v3": ("mosfet", None), "bsim3": ("mosfet", None), "bsim4": ("mosfet", None),
    "bsimsoi": ("mosfet", None), "bsimcmg": ("mosfet", None), "bsimbulk": ("mosfet", None),
    "psp102": ("mosfet", None), "psp103": ("mosfet", None), "psp104": ("mosfet", None),
    "ekv": ("mosfet", None), "hisim2": ("mosfet", None),
    "bjt": ("bjt", None), "vbic": ("bjt", None), "hicum": ("bjt", None), "mextram": ("bjt", None),
    "jfet": ("jfet", None),
}

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
        t = MODEL_TYPES.get(self.type.lower())
        if t and t[1]:
            return t[1]
        for k, v in self.params.items():
            if k.lower() == "type":
                w = v.text.lower().strip('"')
                if w in ("n", "p"):
                    return w
                if w in ("npn", "pnp"):
                    return w[0]
        return None

    def param(self, name: str) -> Value | None:
        low = name.lower()
        for k, v in self.params.items():
            if k.lower() == low:
                return v
        return None

    def __repr__(self) -> str:
        return f"ModelCard({self.name!r}, {self.type}, params={len(self.params)})"


def polarity_from_name(kind: str, model: str | None) -> str | None:
    """``n`` or ``p`` as evident from a device's model name (no card needed), else None.

    The one rule of the project: for a BJT ``npn``/``pnp`` anywhere in the name;
    then ``nmos``/``pmos``, ``nch``/``pch`` or ``nfet``/``pfet`` anywhere; else
    the first letter when it is ``n`` or ``p``.

    >>> polarity_from_name("bjt", "qpnp_hv"), polarity_from_name("mosfet", "sky_pch"), polarity_from_name("mosfet", "x1")
    ('p', 'p', None)
    """
    name = (model or "").lower()
    if not name:
        return None
    keys: tuple[tuple[str, str], ...] = (("npn", "pnp"),) if kind == "bjt" else ()
    keys += (("nmos", "pmos"), ("nch", "pch"), ("nfet", "pfet"))
    for n_key, p_key in keys:
        has_n, has_p = n_key in name, p_key in name
        if has_n != has_p:
            return "n" if has_n else "p"
    return name[0] if name[0] in "np" else None
