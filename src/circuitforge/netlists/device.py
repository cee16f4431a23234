"""Devices: kind, name, ordered (terminal role, net) pairs, model and parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from .errors import ResolutionError
from .source import SourceLoc
from .values import Value

__all__ = [
    "DeviceKind",
    "DEVICE_KINDS",
    "TERMINAL_ROLES",
    "SPICE_LETTERS",
    "KIND_LETTER",
    "Device",
    "check_kind",
    "kind_name",
]

DeviceKind = Literal[
    "resistor", "capacitor", "inductor", "mutual_inductor", "mosfet", "bjt", "diode", "jfet",
    "mesfet", "vsource", "isource", "vcvs", "vccs", "cccs", "ccvs", "bsource", "subckt",
    "tline", "switch", "cswitch", "opaque",
]
DEVICE_KINDS: tuple[str, ...] = get_args(DeviceKind)

TERMINAL_ROLES: Mapping[str, tuple[str, ...]] = {
    "resistor": ("p", "n"),
    "capacitor": ("p", "n"),
    "inductor": ("p", "n"),
    "mutual_inductor": (),
    "mosfet": ("d", "g", "s", "b"),
    "bjt": ("c", "b", "e", "s"),
    "diode": ("p", "n"),
    "jfet": ("d", "g", "s"),
    "mesfet": ("d", "g", "s"),
    "vsource": ("p", "n"),
    "isource": ("p", "n"),
    "vcvs": ("p", "n", "cp", "cn"),
    "vccs": ("p", "n", "cp", "cn"),
    "cccs": ("p", "n"),
    "ccvs": ("p", "n"),
    "bsource": ("p", "n"),
    "tline": ("p1", "n1", "p2", "n2"),
    "switch": ("p", "n", "cp", "cn"),
    "cswitch": ("p", "n"),
}
"""Terminal roles in order, per kind. Subcircuit and opaque instances take the
port names of their definition (or ``1, 2, ...`` when it is unknown); a BJT's
substrate and a MOSFET's extra SOI nodes are optional."""

MIN_TERMINALS: Mapping[str, int] = {"bjt": 3}

SPICE_LETTERS: Mapping[str, str] = {
    "R": "resistor", "C": "capacitor", "L": "inductor", "K": "mutual_inductor", "M": "mosfet",
    "Q": "bjt", "D": "diode", "J": "jfet", "Z": "mesfet", "V": "vsource", "I": "isource",
    "E": "vcvs", "G": "vccs", "F": "cccs", "H": "ccvs", "B": "bsource", "X": "subckt",
    "T": "tline", "S": "switch", "W": "cswitch",
}
"""SPICE element letter → device kind (other letters are opaque parts)."""

KIND_LETTER: Mapping[str, str] = {v: k for k, v in SPICE_LETTERS.items()}

_KIND_NAMES = {"mosfet": "MOSFET", "bjt": "BJT", "jfet": "JFET", "mesfet": "MESFET",
               "vcvs": "VCVS", "vccs": "VCCS", "cccs": "CCCS", "ccvs": "CCVS"}


def kind_name(kind: str) -> str:
    """Human name of a kind, for messages (``MOSFET``, ``resistor``)."""
    return _KIND_NAMES.get(kind, kind.replace("_", " "))


def check_kind(kind: str) -> str:
    """Return ``kind`` if valid, else raise a :class:`ResolutionError` listing the choices."""
    if kind not in DEVICE_KINDS:
        raise ResolutionError(kind, DEVICE_KINDS, "device kind")
    return kind


@dataclass(frozen=True, slots=True)
class Device:
    """One element of a netlist.

    >>> d = Device("M1", "mosfet", (("d", "out"), ("g", "in"), ("s", "0"), ("b", "0")), model="nch")
    >>> d.net("g"), d.nets
    ('in', ('out', 'in', '0', '0'))
    >>> d
    Device('M1', mosfet, d=out g=in s=0 b=0, model='nch')
    """

    name: str
    kind: DeviceKind
    terminals: tuple[tuple[str, str], ...]
    model: str | None = None
    params: Mapping[str, Value] = field(default_factory=dict)
    loc: SourceLoc | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_kind(self.kind)

    @property
    def nets(self) -> tuple[str, ...]:
        return tuple(n for _, n in self.terminals)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for r, _ in self.terminals)

    def net(self, role: str) -> str:
        for r, n in self.terminals:
            if r == role:
                return n
        raise ResolutionError(role, self.roles, f"terminal of {self.name}")

    def param(self, name: str, case_sensitive: bool = False) -> Value | None:
        if name in self.params:
            return self.params[name]
        if not case_sensitive:
            low = name.lower()
            for k, v in self.params.items():
                if k.lower() == low:
                    return v
        return None

    def with_nets(self, mapping: Mapping[str, str]) -> Device:
        """A copy with nets renamed through ``mapping`` (others unchanged)."""
        return replace(self, terminals=tuple((r, mapping.get(n, n)) for r, n in self.terminals))

    def renamed(self, name: str) -> Device:
        return replace(self, name=name)

    def __repr__(self) -> str:
        terms = " ".join(f"{r}={n}" for r, n in self.terminals)
        extra = f", model={self.model!r}" if self.model else ""
        if self.params:
            extra += ", " + " ".join(f"{k}={v.text}" for k, v in self.params.items())
        return f"Device({self.name!r}, {self.kind}, {terms}{extra})"
