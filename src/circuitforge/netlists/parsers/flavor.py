"""The switches that make the one SPICE reader read HSPICE, LTspice, CDL and KiCad decks.

All of them are SPICE: case-insensitive names, ``+`` continuations, ``*``
comments, the same element letters and scale factors (``1M`` is one milli,
never mega). Each flavour turns on only the syntax its tools write:

- ``hspice``: Spectre-style ``ends name`` closing a ``.subckt`` and
  ``parameters`` lines (both written by Cadence netlisters into HSPICE decks);
  a source value may be a bare parameter name (``VDD1 vdd 0 VDD``), also in
  ``cdl`` and ``ltspice``;
  ``.alter`` and ``.data`` blocks are kept verbatim in every flavour.
- ``ltspice``: ``4k7`` values (4.7k), ``.lib file`` with one word is an
  include of the whole file (LTspice has no ``.lib section`` blocks), the
  ``load`` flag of current sources, ``Ncycles`` as the 7th ``SINE`` and the
  8th ``PULSE`` value (LTspice manual, "V. Voltage Source" / "I. Current Source").
- ``cdl``: ``*.PININFO``/``*.BIPOLAR``/... directives (``*.GLOBAL`` declares
  global nets), ``$[model]``, ``$PINS pin=net``, ``$KEY=value`` annotations,
  ``/`` before the subcircuit name in ``X`` lines, no title line; ``ends`` and
  ``parameters`` as in ``hspice``.
- ``kicad``: a line that does not fit the SPICE device its letter names
  (``SW1 a b SW_Push``, ``RV1 a b c POT_TRIM``, ``H1 MountingHole``) is an
  opaque part with all its nets and a warning; ``J`` lines are connectors
  unless their model is a JFET card; ``K`` lines that do not couple inductors
  are opaque parts; ratings after a passive's value (``1µF / 16V``) are dropped
  with a warning.

>>> SpiceFlavor.of("ltspice").ltspice_values
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SpiceFlavor", "SPICE_FAMILY", "normalize_ltspice_value"]

SPICE_FAMILY: tuple[str, ...] = ("ngspice", "hspice", "ltspice", "cdl", "kicad")
"""Input dialects read by the SPICE reader (with the flavour of the same name)."""


@dataclass(frozen=True, slots=True)
class SpiceFlavor:
    """Dialect switches of the SPICE reader (see the module docstring)."""

    name: str = "ngspice"
    ltspice_values: bool = False
    """``4k7`` means 4.7k (and ``4R7`` 4.7)."""
    lib_is_include: bool = False
    """``.lib file`` (one word) includes a whole file instead of opening a section."""
    cdl: bool = False
    """CDL annotations: ``*.`` directives, ``$[model]``, ``$PINS``, ``$KEY=value``, ``/``."""
    kicad_parts: bool = False
    """Lines that do not fit their SPICE device (and connector letters ``J``, ``K``) are opaque parts."""
    ltspice_sources: bool = False
    """``load`` flag on sources, ``Ncycles`` in ``SINE``/``PULSE``."""
    cadence: bool = False
    """Spectre-style ``ends name`` and ``parameters`` lines in a SPICE deck (Cadence netlisters)."""
    title_line: bool = True
    """The first line is the title (SPICE convention; CDL has none)."""
    param_names: bool = False
    """A source value may be a bare parameter name (``VDD1 vdd 0 VDD``; HSPICE reference,
    "Independent source elements": ``dcval`` may be a parameter; LTspice writes the unedited
    symbol value ``V1 a b V``). ngspice wants ``{VDD}``."""

    @classmethod
    def of(cls, dialect: str) -> SpiceFlavor:
        """The flavour of one of :data:`SPICE_FAMILY`."""
        if dialect == "ltspice":
            return cls("ltspice", ltspice_values=True, lib_is_include=True, ltspice_sources=True,
                       param_names=True)
        if dialect == "cdl":
            return cls("cdl", cdl=True, title_line=False, cadence=True, param_names=True)
        if dialect == "hspice":
            return cls("hspice", cadence=True, param_names=True)
        if dialect == "kicad":
            return cls("kicad", ltspice_values=True, kicad_parts=True)
        return cls(dialect)


_LT_VALUE = re.compile(r"^([+-]?\d+)(meg|[tgkmunpfr\u00b5\u03bc])(\d+)([A-Za-z]*)$", re.I)


def normalize_ltspice_value(word: str) -> str:
    """``4k7`` → ``4.7k``, ``2meg2`` → ``2.2meg``, ``4R7`` → ``4.7``; other words unchanged.

    >>> normalize_ltspice_value("4k7"), normalize_ltspice_value("1u5F"), normalize_ltspice_value("n001")
    ('4.7k', '1.5uF', 'n001')
    """
    if not word or not word[0].isdigit() and word[0] not in "+-":
        return word
    m = _LT_VALUE.match(word)
    if m is None:
        return word
    scale = "" if m.group(2).lower() == "r" else m.group(2)
    return f"{m.group(1)}.{m.group(3)}{scale}{m.group(4)}"
